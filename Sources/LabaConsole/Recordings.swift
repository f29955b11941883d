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
            var languageName: String
            var present: Bool
        }

        struct Row {
            var id: String
            var title: String
            /// A title of its own (then the id is shown small, for a technician).
            var named: Bool
            var cells: [Cell]
        }

        /// A recording published to the units, and how far it has spread (a commander's page).
        struct Spread {
            var id: String
            var title: String
            var languageName: String
            var held: Int
            var heldText: String
            var holders: String
            var refused: [String]
            var missing: String
            var missingCount: Int
        }

        var languages: [Choice]
        var rows: [Row]
        /// The titles a clerk may record again under (chimes are the technician's).
        var titles: [String]
        var spread: [Spread] = []
        var desk = false
    }

    func recordings(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let library = await door.library
        let naming = await self.naming(visit, config)
        // The languages the zones use, then any other that has a recording.
        let used = Set(ZoneTree(config).zones.flatMap(\.languages) + library.recordings.values.flatMap(\.keys))
        var languages = config.languages.filter { used.contains($0.id) }
        // Chimes and sirens: the language-neutral recordings, in a column of their own.
        if used.contains(Language.neutral) { languages.append(Language(id: Language.neutral, name: visit.texts(.webNeutral), code: nil)) }
        let rows = library.recordings.keys.map { message in
            RecordingsPage.Row(id: message, title: naming.message(message), named: naming.messageNamed(message), cells: languages.map {
                RecordingsPage.Cell(message: message, language: $0.id, languageName: $0.name, present: library.recordings[message]?[$0.id] != nil)
            })
        }.sorted { ($0.title, $0.id) < ($1.title, $1.id) }
        let chimes = Set(naming.tree.zones.compactMap(\.chime))
        var page = RecordingsPage(languages: languages.map { Choice(id: $0.id, name: $0.name, title: $0.name) }, rows: rows,
                                  titles: rows.filter { !chimes.contains($0.id) }.map(\.title))
        if let spread = await door.librarySpread() {
            let t = visit.texts
            page.desk = true
            page.spread = spread.map { s in
                RecordingsPage.Spread(
                    id: "\(s.message)-\(s.language)", title: naming.message(s.message),
                    languageName: s.language == Language.neutral ? t(.webNeutral) : naming.language(s.language),
                    held: s.holders.count, heldText: t(.webSpreadHeld, ["n": String(s.holders.count)]),
                    holders: s.holders.joined(separator: "、"),
                    refused: s.refused.map { t(.webSpreadRefused, ["unit": $0.unit,
                                                                    "reason": Catalog.fleetRefusal(code: $0.code, in: t.language) ?? $0.reason]) },
                    missing: s.missing.isEmpty ? t(.webNone) : s.missing.joined(separator: "、"), missingCount: s.missing.count)
            }.sorted { ($0.title, $0.languageName) < ($1.title, $1.languageName) }
        }
        return self.page("recordings", visit, title: .webRecordings, page: page)
    }

    /// The message a clerk's typed name means: an id as it is; the title of a message; else a new
    /// message, with a generated id and the typed text as its title (issue 26: 通知 is a title).
    static func messageFor(typed: String, config: Config, library: MessageLibrary, now: Instant) -> (id: String, title: String?)? {
        guard let typed = OperatorTitles.clean(typed) else { return nil }
        if Config.isValidID(typed) { return (typed, nil) }
        let known = Set(library.recordings.keys).union(config.messages.map(\.id.value))
        if let titled = config.messages.first(where: { $0.title == typed && known.contains($0.id.value) }) {
            return (titled.id.value, nil)
        }
        // `rec-` and the daemon's time in base 36: short, sortable, and new.
        var id = "rec-" + String(now.microseconds / 1_000_000, radix: 36)
        var n = 2
        while known.contains(id) {
            id = "rec-" + String(now.microseconds / 1_000_000, radix: 36) + "-\(n)"
            n += 1
        }
        return (id, typed)
    }

    /// One recording of the library, for its player. Only files the library knows are served.
    func recordingAudio(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        _ = try await self.visit(request, context)
        let message = context.parameters.get("message") ?? "", language = context.parameters.get("language") ?? ""
        guard let recording = await door.library.recordings[message]?[language] else { throw Failure.notFound }
        let ext = (recording.path as NSString).pathExtension.lowercased()
        let type = ["wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "opus": "audio/ogg", "mp3": "audio/mpeg"][ext]
            ?? "application/octet-stream"
        return try await Self.audio(at: recording.path, type: type, cache: "no-cache")
    }

    /// A recording's file as the answer, read off the event loop.
    static func audio(at path: String, type: String, cache: String) async throws -> Response {
        let data = try await NIOThreadPool.singleton.runIfActive { try Data(contentsOf: URL(fileURLWithPath: path)) }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = cache
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `PUT /recordings/MESSAGE/LANGUAGE`: the body is a recording (the microphone's WAV or an
    /// uploaded file), which the front door trims, measures and places. Answers a sentence for the page.
    func saveRecording(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let t = visit.texts
        // The path's parameters as typed (Hummingbird leaves them percent-encoded).
        let typed = (context.parameters.get("message") ?? "").removingPercentEncoding ?? ""
        let language = (context.parameters.get("language") ?? "").removingPercentEncoding ?? ""
        let config = await door.configuration
        guard let resolved = Self.messageFor(typed: typed, config: config, library: await door.library, now: await door.now()) else {
            return Self.text(t(.webBadMessageID, ["message": typed]), status: .badRequest)
        }
        let message = resolved.id, title = resolved.title
        let saved: SavedRecording
        do {
            saved = try await door.saveRecording(request.body, contentLength: request.headers[.contentLength].flatMap(Int.init),
                                                 message: message, language: language, title: title, by: .console(user: visit.name))
        } catch {
            return Self.refused(error, texts: t)
        }
        return await savedAnswer(saved, visit: visit, message: message, title: title, language: language)
    }

    /// `PUT /recordings/MESSAGE/LANGUAGE/stage`: the upload converted (a phone's format), trimmed and
    /// measured, held back; answers JSON for the page's confirm step: the player's address, its
    /// length, and what saving it replaces.
    func stageRecording(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let typed = (context.parameters.get("message") ?? "").removingPercentEncoding ?? ""
        let language = (context.parameters.get("language") ?? "").removingPercentEncoding ?? ""
        let config = await door.configuration
        let library = await door.library
        guard let resolved = Self.messageFor(typed: typed, config: config, library: library, now: await door.now()) else {
            return Self.text(t(.webBadMessageID, ["message": typed]), status: .badRequest)
        }
        let staged: StagedRecording
        do {
            staged = try await door.stageRecording(request.body, contentLength: request.headers[.contentLength].flatMap(Int.init),
                                                   by: .console(user: visit.name))
        } catch {
            return Self.refused(error, texts: t)
        }
        let naming = await self.naming(visit, config)
        let name = resolved.title ?? naming.message(resolved.id)
        let languageName = naming.language(language)
        var replaces: String
        if let old = library.recordings[resolved.id]?[language] {
            let seconds = Double(old.audio.frames) / Double(max(old.audio.sampleRate, 1))
            replaces = t(.webRecordingReplaces, ["message": name, "language": languageName, "seconds": String(format: "%.1f", seconds)])
        } else {
            replaces = t(.webRecordingNew, ["message": name, "language": languageName])
        }
        if let from = staged.convertedFrom { replaces += " " + t(.webRecordingConverted, ["format": from]) }
        let answer: [String: Any] = [
            "token": staged.token, "audio": "/recordings/staged/\(staged.token)",
            "length": t(.webRecordingLength, ["seconds": String(format: "%.1f", staged.seconds)]), "replaces": replaces,
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data = try JSONSerialization.data(withJSONObject: answer)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `GET /recordings/staged/TOKEN`: the staged recording, for the confirm step's player.
    func stagedAudio(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        _ = try await self.visit(request, context)
        guard let path = await door.stagedRecording(context.parameters.get("token") ?? "") else { throw Failure.notFound }
        return try await Self.audio(at: path, type: "audio/wav", cache: "no-store")
    }

    /// `POST /recordings/MESSAGE/LANGUAGE/confirm?token=T`: saves what the clerk has heard.
    func confirmRecording(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let typed = (context.parameters.get("message") ?? "").removingPercentEncoding ?? ""
        let language = (context.parameters.get("language") ?? "").removingPercentEncoding ?? ""
        let token = Form(request.uri.query ?? "")["token"] ?? ""
        let config = await door.configuration
        guard let resolved = Self.messageFor(typed: typed, config: config, library: await door.library, now: await door.now()) else {
            return Self.text(t(.webBadMessageID, ["message": typed]), status: .badRequest)
        }
        let saved: SavedRecording
        do {
            saved = try await door.saveStagedRecording(token, message: resolved.id, language: language, title: resolved.title,
                                                      by: .console(user: visit.name))
        } catch {
            if error.code == .notFound { return Self.text(t(.webRecordingPendingGone), status: .gone) }
            return Self.refused(error, texts: t)
        }
        return await savedAnswer(saved, visit: visit, message: resolved.id, title: resolved.title, language: language)
    }

    /// A refusal of an upload as the page shows it.
    static func refused(_ error: Refusal, texts t: Texts) -> Response {
        // A phone's recording that could not be converted (or WeChat's .silk): what to do, in words.
        let phoneProblem = ["converter_missing", "conversion_failed", "conversion_limit", "wechat_silk"].contains(error.args["problem"] ?? "")
        // Not audio: the kind of problem in the clerk's words, never the decoder's English.
        let words = error.code == .notAudio && !phoneProblem
            ? t(.webNotAudio, ["reason": Catalog.audioProblem(code: error.args["problem"].flatMap { $0.isEmpty ? nil : $0 },
                                                              detail: error.args["detail"], in: t.language)])
            : t.refusal(error)
        let status: HTTPResponse.Status = switch error.code {
        case .notAudio: .unprocessableContent
        case .storageFull: .internalServerError
        case .tooLarge: .contentTooLarge
        case .libraryNeedsEverywhere: .forbidden
        default: .badRequest
        }
        return Self.text(words, status: status)
    }

    /// The sentence after a recording is saved (201).
    func savedAnswer(_ saved: SavedRecording, visit: Visit, message: String, title: String?, language: String) async -> Response {
        let t = visit.texts
        logger.notice("console: recording saved", metadata: [
            "console": "\(visit.name)", "message": "\(message)", "language": "\(language)", "path": "\(saved.path)",
            "seconds": "\(saved.seconds)", "lufs": "\(saved.lufs)",
        ])
        let naming = await self.naming(visit)
        var answer = t(.webSaved, ["message": title ?? naming.message(message), "language": naming.language(language),
                                   "seconds": String(format: "%.1f", saved.seconds), "lufs": String(format: "%.1f", saved.lufs)])
        if saved.inStateDirectory {
            answer += " " + t(.webSavedInState, ["path": saved.path, "audio_dir": await door.configuration.audioDirectory])
        } else if !saved.reloaded {
            answer += " " + t(.webReloadRefused)
        }
        if let zones = saved.publishedTo {
            answer += " " + t(.webPublished, ["zones": zones.map(naming.zone).joined(separator: "、")])
        } else if let refusal = saved.notPublished {
            answer += " " + t(.webNotPublished, ["reason": t.refusal(refusal)])
        }
        return Self.text(answer, status: .created)
    }
}
