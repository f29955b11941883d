// The recordings page: the coverage of messages × languages with a player for each, and new
// recordings, uploaded or made with the browser's microphone, trimmed of silence, measured, and
// saved as <audio_dir>/<message>/<language>.wav (or under the state dir when the service's
// sandbox keeps audio_dir read-only, which the answer then says).

import Foundation
import HTTPTypes
import Hummingbird
import LabaAudio
import LabaCatalog
import LabaCore
import LabaDaemon
import LabaStore
import NIOCore
import NIOPosix

extension Site {
    struct RecordingsPage {
        struct Cell {
            var message: String
            var language: String
            var present: Bool
        }

        struct Row {
            var id: String
            var title: String
            var cells: [Cell]
        }

        var languages: [Choice]
        var rows: [Row]
        var firstMessage: String
    }

    func recordings(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try self.visit(request, context)
        let config = await engine.configuration
        let library = await engine.library
        let naming = Naming(config)
        // The languages the zones use, then any other that has a recording.
        let used = Set(ZoneTree(config).zones.flatMap(\.languages) + library.recordings.values.flatMap(\.keys))
        var languages = config.languages.filter { used.contains($0.id) }
        // Chimes and sirens: the language-neutral recordings, in a column of their own.
        if used.contains(Language.neutral) { languages.append(Language(id: Language.neutral, name: visit.texts(.webNeutral), code: nil)) }
        let rows = library.recordings.keys.sorted().map { message in
            RecordingsPage.Row(id: message, title: naming.message(message), cells: languages.map {
                RecordingsPage.Cell(message: message, language: $0.id, present: library.recordings[message]?[$0.id] != nil)
            })
        }
        return page("recordings", visit, title: .webRecordings, page: RecordingsPage(
            languages: languages.map { Choice(id: $0.id, name: $0.name, title: $0.name) }, rows: rows,
            firstMessage: rows.first?.id ?? ""))
    }

    /// One recording of the library, for its player. Only files the library knows are served.
    func recordingAudio(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        _ = try self.visit(request, context)
        let message = context.parameters.get("message") ?? "", language = context.parameters.get("language") ?? ""
        guard let recording = await engine.library.recordings[message]?[language] else { throw Failure.notFound }
        let data = try await NIOThreadPool.singleton.runIfActive { try Data(contentsOf: URL(fileURLWithPath: recording.path)) }
        var headers = HTTPFields()
        let ext = (recording.path as NSString).pathExtension.lowercased()
        headers[.contentType] = ["wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "opus": "audio/ogg", "mp3": "audio/mpeg"][ext]
            ?? "application/octet-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `PUT /recordings/MESSAGE/LANGUAGE`: the body is a recording (the microphone's WAV or an
    /// uploaded file). Answers a sentence for the page.
    func saveRecording(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let message = context.parameters.get("message") ?? "", language = context.parameters.get("language") ?? ""
        let config = await engine.configuration
        guard Config.isValidID(message) else { return Self.text(t(.webBadMessageID, ["message": message]), status: .badRequest) }
        guard config.language(language) != nil || language == Language.neutral else {
            return Self.text(t(.webRefusalUnknownLanguage) + " (\(language))", status: .badRequest)
        }
        let layout = StateLayout(directory: stateDirectory)
        let incoming = (layout.directory as NSString).appendingPathComponent("console/incoming")
        let received: String
        do { received = try await Uploads.receive(request, into: incoming) } catch {
            return Self.text(t(.webSaveFailed) + " (\(error))", status: .badRequest)
        }
        defer { unlink(received) }
        let trimmed = received + ".wav"
        defer { unlink(trimmed) }
        let saved: Saved
        do {
            saved = try await NIOThreadPool.singleton.runIfActive {
                try Self.place(received: received, trimmed: trimmed, message: message, language: language,
                               audioDirectory: config.audioDirectory, layout: layout)
            }
        } catch let error as AudioError {
            return Self.text(t(.webNotAudio, ["reason": "\(error)".replacingOccurrences(of: received, with: message)]),
                             status: .unprocessableContent)
        } catch {
            return Self.text(t(.webSaveFailed) + " (\(error))", status: .internalServerError)
        }
        logger.notice("console: recording saved", metadata: [
            "console": "\(visit.name)", "message": "\(message)", "language": "\(language)", "path": "\(saved.path)",
            "seconds": "\(saved.seconds)", "lufs": "\(saved.lufs)",
        ])
        var answer = t(.webSaved, ["message": message, "language": language,
                                   "seconds": String(format: "%.1f", saved.seconds), "lufs": String(format: "%.1f", saved.lufs)])
        if saved.inStateDirectory {
            answer += " " + t(.webSavedInState, ["path": saved.path, "audio_dir": config.audioDirectory])
        } else {
            let result = await reload()
            if !result.reloaded { answer += " " + t(.webReloadRefused) }
        }
        return Self.text(answer, status: .created)
    }

    struct Saved: Sendable {
        var path: String
        var seconds: Double
        var lufs: Double
        var inStateDirectory: Bool
    }

    /// Trims, measures and moves a received recording into place; an earlier recording of the
    /// same message and language is kept under the state dir, never deleted. Blocking.
    static func place(received: String, trimmed: String, message: String, language: String, audioDirectory: String,
                      layout: StateLayout) throws -> Saved {
        let result = try SilenceTrimmer.trim(input: received, output: trimmed)
        let loudness = try Loudness.measure(path: trimmed)
        let files = FileManager.default
        let folder = (audioDirectory as NSString).appendingPathComponent(message)
        let target = (folder as NSString).appendingPathComponent("\(language).wav")
        func keepEarlier(in folder: String) throws {
            let replaced = (layout.directory as NSString).appendingPathComponent("console/replaced/\(message)")
            for name in (try? files.contentsOfDirectory(atPath: folder)) ?? [] where (name as NSString).deletingPathExtension == language {
                try files.createDirectory(atPath: replaced, withIntermediateDirectories: true)
                let stamp = Int(Date().timeIntervalSince1970)
                try files.moveItem(atPath: (folder as NSString).appendingPathComponent(name),
                                   toPath: (replaced as NSString).appendingPathComponent("\(language)-\(stamp).\((name as NSString).pathExtension)"))
            }
        }
        do {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard access(folder, W_OK) == 0 else { throw CocoaError(.fileWriteNoPermission) }
            try keepEarlier(in: folder)
            try files.copyItem(atPath: trimmed, toPath: target)
            return Saved(path: target, seconds: result.format.duration, lufs: loudness.integrated, inStateDirectory: false)
        } catch {
            // A sandboxed service (ProtectSystem=strict) may not write audio_dir: keep it in the state dir.
            let fallback = (layout.consoleRecordings as NSString).appendingPathComponent(message)
            try files.createDirectory(atPath: fallback, withIntermediateDirectories: true)
            try keepEarlier(in: fallback)
            let path = (fallback as NSString).appendingPathComponent("\(language).wav")
            try files.copyItem(atPath: trimmed, toPath: path)
            return Saved(path: path, seconds: result.format.duration, lufs: loudness.integrated, inStateDirectory: true)
        }
    }
}
