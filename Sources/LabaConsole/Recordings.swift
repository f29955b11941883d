// The recordings page: the coverage of messages × languages with a player for each, and new
// recordings, uploaded or made with the browser's microphone, trimmed of silence, measured, and
// saved as <audio_dir>/<message>/<language>.wav (or under the state dir when the service's
// sandbox keeps audio_dir read-only, which the answer then says).

import Foundation
import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore
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
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let library = await door.library
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
        _ = try await self.visit(request, context)
        let message = context.parameters.get("message") ?? "", language = context.parameters.get("language") ?? ""
        guard let recording = await door.library.recordings[message]?[language] else { throw Failure.notFound }
        let data = try await NIOThreadPool.singleton.runIfActive { try Data(contentsOf: URL(fileURLWithPath: recording.path)) }
        var headers = HTTPFields()
        let ext = (recording.path as NSString).pathExtension.lowercased()
        headers[.contentType] = ["wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "opus": "audio/ogg", "mp3": "audio/mpeg"][ext]
            ?? "application/octet-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `PUT /recordings/MESSAGE/LANGUAGE`: the body is a recording (the microphone's WAV or an
    /// uploaded file), which the front door trims, measures and places. Answers a sentence for the page.
    func saveRecording(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let message = context.parameters.get("message") ?? "", language = context.parameters.get("language") ?? ""
        guard Config.isValidID(message) else { return Self.text(t(.webBadMessageID, ["message": message]), status: .badRequest) }
        let saved: SavedRecording
        do {
            saved = try await door.saveRecording(request.body, contentLength: request.headers[.contentLength].flatMap(Int.init),
                                                 message: message, language: language, by: .console(user: visit.name))
        } catch {
            let text = error.code == .notAudio ? t(.webNotAudio, ["reason": error.args["detail"] ?? ""]) : t.refusal(error)
            let status: HTTPResponse.Status = switch error.code {
            case .notAudio: .unprocessableContent
            case .storageFull: .internalServerError
            case .tooLarge: .contentTooLarge
            case .libraryNeedsEverywhere: .forbidden
            default: .badRequest
            }
            return Self.text(text, status: status)
        }
        logger.notice("console: recording saved", metadata: [
            "console": "\(visit.name)", "message": "\(message)", "language": "\(language)", "path": "\(saved.path)",
            "seconds": "\(saved.seconds)", "lufs": "\(saved.lufs)",
        ])
        var answer = t(.webSaved, ["message": message, "language": language,
                                   "seconds": String(format: "%.1f", saved.seconds), "lufs": String(format: "%.1f", saved.lufs)])
        if saved.inStateDirectory {
            answer += " " + t(.webSavedInState, ["path": saved.path, "audio_dir": await door.configuration.audioDirectory])
        } else if !saved.reloaded {
            answer += " " + t(.webReloadRefused)
        }
        return Self.text(answer, status: .created)
    }
}
