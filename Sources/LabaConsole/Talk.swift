// The talk button (实时喊话, SPEC 14): the browser's microphone, over a WebSocket, as a live talk
// of the engine. The browser opens `/talk/socket` (the session cookie, this console's Origin),
// sends one text message naming the zones with the session's CSRF token, then binary messages of
// mono 16-bit little-endian PCM at 48 kHz; the daemon answers with text messages (started, the
// level and time four times a second, ended with the reason) and closes. The socket closing, for
// whatever reason, ends the talk.

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore

extension Site {
    /// Binary messages larger than this are refused (the browser sends 20 ms, 1,920 bytes).
    static let maxTalkMessage = 64 * 1024

    struct TalkPage {
        var zones: [ZoneChoice]
    }

    func talkPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .operator)
        let naming = await self.naming(visit)
        let zones = await offeredZones(visit, naming).map { ZoneChoice(id: $0.zone.id, name: $0.zone.name, depth: $0.depth) }
        return page("talk", visit, title: .webTalk, page: TalkPage(zones: zones))
    }

    /// The socket's path asked for without an upgrade.
    func talkSocketWithoutUpgrade(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        _ = try await self.visit(request, context, role: .operator)
        throw Failure.badRequest("/talk/socket takes a WebSocket connection (the talk page opens it)")
    }

    func webSocketRoutes(_ router: Router<ConsoleContext>) {
        router.ws("/talk/socket") { request, context in
            // A socket is a change: a signed-in operator, from this console's own page (browsers
            // always send Origin on a WebSocket; without it, nothing is started). The CSRF token
            // comes in the first message.
            guard let visit = await self.currentVisit(request, context), visit.account.role >= .operator,
                  request.headers[.origin] != nil, self.sameOrigin(request) else {
                self.logger.warning("console: a talk socket was refused", metadata: [
                    "address": "\(context.address)", "origin": "\(request.headers[.origin] ?? "none")",
                ])
                return .dontUpgrade
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let visit = await self.currentVisit(context.request, context.requestContext) else { return }
            try await self.talk(visit, inbound, outbound)
        }
    }

    /// The first message of a talk socket.
    struct TalkOpening: Decodable {
        var csrf: String
        var zones: [String]?
        var all: Bool?
        var priority: String?
    }

    /// A later text message: `{"stop": true}`, the button pressed again.
    struct TalkControl: Decodable {
        var stop: Bool?
    }

    /// What the daemon tells the talk page.
    struct TalkEvent: Encodable {
        enum State: String, Encodable { case started, level, ended, refused }
        var state: State
        var text: String?
        var id: String?
        var seconds: Double?
        var level: Double?
        var reason: String?
        /// With a text: whether any output plays the talk now (false: all of them wait).
        var onAir: Bool?
    }

    func talk(_ visit: Visit, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        let t = visit.texts
        func send(_ event: TalkEvent) async throws {
            try await outbound.write(.text(String(decoding: try JSONEncoder().encode(event), as: UTF8.self)))
        }
        func refuse(_ text: String) async throws {
            try await send(TalkEvent(state: .refused, text: text))
            try await outbound.close(.normalClosure, reason: nil)
        }
        var messages = inbound.messages(maxSize: Self.maxTalkMessage).makeAsyncIterator()
        guard case .text(let first)? = try await messages.next(),
              let opening = try? JSONDecoder().decode(TalkOpening.self, from: Data(first.utf8)) else {
            return try await refuse(t(.webRefusalBadRequest))
        }
        guard constantTimeEqual(opening.csrf, visit.session.csrf) else {
            logger.warning("console: a talk without its CSRF token was refused", metadata: ["console": "\(visit.name)"])
            return try await refuse(t(.webCSRF))
        }
        let zones = opening.zones ?? []
        guard opening.all == true || !zones.isEmpty else { return try await refuse(t(.webChooseZone)) }
        let priority: Priority
        do { priority = try Rules.requestedPriority(named: opening.priority) } catch { return try await refuse(t.refusal(error)) }

        let talk: ConsoleTalk
        do {
            talk = try await door.talk(ConsoleTalkRequest(target: opening.all == true ? .all : .zones(zones), priority: priority,
                                                          input: "the console microphone of \(visit.name)",
                                                          requestedBy: .console(user: visit.name)))
        } catch {
            return try await refuse(t.refusal(error))
        }
        let started = talk.started.started, command = talk.started.command?.id
        logger.notice("console: live talk", metadata: [
            "console": "\(visit.name)", "talk": "\(started.id)", "priority": "\(priority)",
            "outputs": "\(started.records.map(\.output).joined(separator: ","))",
        ])
        // Where it is heard now: outputs playing it, and outputs where something else plays first
        // (a broadcast of the same or a higher priority; the talk joins when it ends).
        let door = self.door
        let ids = started.records.map(\.id)
        func onAir() async -> (text: String, playing: Bool) {
            var playing: [String] = [], waiting: [String] = []
            for id in ids {
                guard let record = await door.record(id: id) else { continue }
                if record.state == .playing { playing.append(record.output) } else if record.state == .queued { waiting.append(record.output) }
            }
            // A commander's talk to its units: what they do is in their reports, not here.
            let fleetText = command.map { t(.webTalkFleet, ["command": $0]) }
            if ids.isEmpty, let fleetText { return (fleetText, true) }
            if !waiting.isEmpty && playing.isEmpty {
                return ([t(.webTalkWaiting, ["outputs": waiting.joined(separator: "、")]), fleetText].compactMap { $0 }.joined(separator: " "),
                        fleetText != nil)
            }
            var text = t(.webTalkOnAir, ["outputs": playing.joined(separator: "、")])
            if !waiting.isEmpty { text += " " + t(.webTalkWaiting, ["outputs": waiting.joined(separator: "、")]) }
            if let fleetText { text += " " + fleetText }
            return (text, true)
        }
        var shown = await onAir()
        try? await send(TalkEvent(state: .started, text: shown.text, id: started.id, onAir: shown.playing))

        // The level and time until the talk ends, then how it ended; a write that fails (the
        // socket is gone) ends the loop, the talk is ended by the reader below.
        let reporter = Task {
            while let progress = await door.talkProgress(started.id) {
                if let ended = progress.endReason {
                    let reason = Catalog.reason(code: ended.code.rawValue, args: ended.args, in: t.language) ?? ended.description
                    let seconds = (progress.seconds * 10).rounded() / 10
                    try? await send(TalkEvent(state: .ended, text: t(.webTalkEnded, ["seconds": String(format: "%.1f", seconds),
                                                                                     "reason": reason]),
                                              id: started.id, seconds: seconds, reason: reason))
                    try? await outbound.close(.normalClosure, reason: nil)
                    return
                }
                let now = await onAir()
                let changed = now.text != shown.text
                shown = now
                do {
                    try await send(TalkEvent(state: .level, text: changed ? now.text : nil, id: started.id, seconds: progress.seconds,
                                             level: progress.level, onAir: changed ? now.playing : nil))
                } catch { return }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        var reason = RecordReason(.consoleConnectionClosed)
        do {
            while let message = try await messages.next() {
                switch message {
                case .binary(let buffer):
                    buffer.withUnsafeReadableBytes { talk.push($0) }
                case .text(let text):
                    if (try? JSONDecoder().decode(TalkControl.self, from: Data(text.utf8)))?.stop == true {
                        reason = RecordReason(.stoppedFromConsole, ["who": visit.name])
                        talk.finish(reason)
                    }
                }
            }
        } catch {
            reason = RecordReason(.consoleConnectionFailed, ["detail": "\(error)"])
        }
        talk.finish(reason)
        await reporter.value
        logger.notice("console: live talk socket closed", metadata: ["console": "\(visit.name)", "talk": "\(started.id)"])
    }
}
