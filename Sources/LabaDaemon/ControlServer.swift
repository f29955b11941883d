// The control API (SPEC 8): HTTP/1.1 with JSON over the Unix socket, served by HummingbirdCore's
// server inside our own service group (not `Application.run`, whose date-cache timer would wake an
// idle daemon every second).

import Foundation
import Hummingbird
import HummingbirdCore
import LabaControl
import LabaCore
import LabaFleet
import LabaStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A refused request: the code (and so the HTTP status) and a sentence for the operator.
public struct APIFailure: Error, Equatable, Sendable {
    public var code: APIErrorCode
    public var message: String
    /// The front door's refusal behind it, when there is one.
    public var refusal: Refusal?

    public init(_ code: APIErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A refusal of the front door in the API's terms: one HTTP status per code, its English
    /// words for older clients, and the code with its arguments for those that render it.
    init(_ refusal: Refusal) {
        let code: APIErrorCode = switch refusal.code {
        case .badRequest, .reservedName, .repeatOutOfRange, .withinNotPositive, .languageTwice, .noLanguages, .noTarget, .zonesAndAll,
             .priorityNotAllowed, .unknownLanguage, .fleetRecordingName, .fleetRecordingLanguages: .badRequest
        case .unknownMessage, .unknownZone, .unknownOutput, .noOutput, .noRecording, .notSpoken, .notFound: .notFound
        case .quietHours: .quietHours
        case .expired, .notYetValid: .expired
        case .queueFull: .queueFull
        case .storageFull: .storageFull
        case .alreadyEnded: .alreadyEnded
        case .notCommander: .notCommander
        case .streamUnavailable, .inputUnavailable, .streamInsecure, .streamUntrusted: .streamUnavailable
        case .notAudio: .notAudio
        case .tooLarge, .commandTooLarge: .tooLarge
        case .tooLong: .tooLong
        case .outsideZones, .libraryNeedsEverywhere: .forbidden
        case .volumeOutOfRange: .badRequest
        }
        self.init(code, refusal.english)
        self.refusal = refusal
    }
}

enum ControlServer {
    static let maxJSONBody = 64 * 1024

    /// Builds the server service on `socketPath`, replacing a stale socket file.
    static func build(door: FrontDoor, engine: Engine, fleet: FleetService?, socketPath: String, group: String, configPath: String,
                      stateDirectory: String, reloader: Reloader, logger: Logger,
                      onListening: @escaping @Sendable () -> Void) throws -> any Service {
        let router = Router(context: ControlContext.self)
        let prefix = ControlProtocol.pathPrefix
        @Sendable func wire() async -> WireFormat { WireFormat(await engine.configuration.timeZone) }
        @Sendable func query(_ request: Request) async -> Query {
            Query(request, zone: await engine.configuration.timeZone, now: await door.now())
        }

        router.get("\(prefix)/status") { _, _ in
            var w = await wire()
            return try json(w.status(await engine.status(), configPath: configPath, loadedAt: reloader.loadedAt,
                                     fleet: await fleet?.state()))
        }
        router.post("\(prefix)/broadcasts") { request, context in
            let body: BroadcastRequest = try await decode(request, context)
            let outcome = try await door.broadcast(AdmissionRequest(
                content: .message(body.message), target: try Rules.target(zones: body.zones, all: body.all), languages: body.languages,
                priority: try Rules.requestedPriority(body.priority), repeatCount: body.repeat ?? 1, loop: body.loop ?? false,
                within: body.within, force: body.force ?? false, requestedBy: await requester(context)))
            var w = await wire()
            return try json(w.list(outcome), status: .accepted)
        }
        router.post("\(prefix)/broadcasts/audio") { request, context in
            let q = await query(request)
            var body = try Uploads.request(q)
            let received = try await Uploads.receive(request, into: StateLayout(directory: stateDirectory).uploads)
            let name = body.messageName
            let maxDuration = await engine.configuration.uploads.maxDurationValue
            let now = await door.now()
            let path = try await NIOThreadPool.singleton.runIfActive { () throws(APIFailure) in
                try Uploads.admit(received, name: name, maxDuration: maxDuration, now: now)
            }
            body.requestedBy = await requester(context)
            let outcome = try await door.broadcastRecording(at: path, body)
            var w = await wire()
            return try json(w.list(outcome), status: .accepted)
        }
        router.get("\(prefix)/broadcasts") { request, _ in
            let q = await query(request)
            let filter = BroadcastFilter(
                zone: q["zone"], message: q["message"], output: q["output"], outcome: try q.name("outcome"),
                state: try q.name("state"), since: try q.time("since"), until: try q.time("until"),
                limit: try q.number("limit", in: 1...10_000) ?? 100)
            var w = await wire()
            let everyUnit = try q.flag("fleet") ?? false
            guard q["unit"] != nil || everyUnit else { return try json(w.list(await engine.history(filter))) }
            guard let fleet else { throw APIFailure(.notFound, "this daemon has no fleet: section, so no units' records") }
            let own = fleet.unitID
            // Units' records come in pages (SPEC 17): `next` names where the next one starts (`before`).
            var before: HistoryCursor?
            if let text = q["before"] {
                guard let cursor = HistoryCursor(parsing: text) else { throw APIFailure(.badRequest, "before must be a page's next") }
                before = cursor
            }
            // One more than asked from each source: whether more follow.
            var wider = filter
            wider.limit = filter.limit + 1
            if let before { wider.until = min(wider.until ?? .max, before.plannedAt + 1) }
            var local: [BroadcastJSON] = []
            if q["unit"] == nil || q["unit"] == own {
                var localFilter = wider
                localFilter.limit += 64  // the commander's own records at the cursor's instant (several outputs)
                local = w.list(await engine.history(localFilter)).broadcasts
                for i in local.indices { local[i].unit = own }
            }
            var units: [BroadcastJSON] = []
            if everyUnit || (q["unit"] != nil && q["unit"] != own) {
                units = await fleet.records(unit: everyUnit ? nil : q["unit"], wider,
                                            before: before.map { ($0.plannedAt, $0.unit, $0.id) })
            }
            let items = (local + units).map {
                (cursor: HistoryCursor(plannedAt: FleetTime.parse($0.plannedAt)?.microseconds ?? 0, unit: $0.unit ?? "", id: $0.id),
                 json: $0)
            }
            let page = HistoryPaging.page(items, before: before, limit: filter.limit) { FleetJSON.encode($0).count }
            var list = BroadcastList(broadcasts: page.broadcasts)
            list.next = page.next?.description
            return try json(list)
        }
        router.post("\(prefix)/live") { request, context in
            let body: LiveRequestJSON = try await decode(request, context)
            let live = LiveRequest(target: try Rules.target(zones: body.zones, all: body.all), priority: try Rules.requestedPriority(body.priority),
                                   input: body.input, force: body.force ?? false, requestedBy: await requester(context))
            // A commander with fleet.stream: the zones it commands hear the talk too, through the fleet.
            let talk = try await door.talk(live)
            return liveStream(talk.started, command: talk.command?.id, door: door, engine: engine, channel: context.channel,
                              wire: await wire())
        }
        router.get("\(prefix)/broadcasts/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = await engine.record(id: id) else { throw APIFailure(.notFound, "no broadcast '\(id)'") }
            var w = await wire()
            var broadcast = w.broadcast(record)
            // The off-air check's word on its segments, when its output has a monitor.
            if let heard = try? engine.store.heard(broadcast: id), !heard.isEmpty { broadcast.heard = heard }
            return try json(broadcast)
        }
        router.delete("\(prefix)/broadcasts/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            // A live talk's id ends the talk on every output.
            guard let record = try await door.cancel(id, by: await requester(context)) else {
                return try json(LiveEventJSON(event: .level, id: id), status: .accepted)
            }
            var w = await wire()
            return try json(w.broadcast(record), status: .accepted)
        }
        router.post("\(prefix)/stop") { request, context in
            let body: StopRequest = try await decode(request, context)
            let stopped = try await door.stop(try Rules.target(zones: body.zones, all: body.all), clear: body.clear ?? false,
                                              by: await requester(context))
            return try json(StopJSON(outputs: stopped.outputs, command: stopped.command?.id, commandZones: stopped.command?.zones),
                            status: .accepted)
        }
        router.get("\(prefix)/report") { request, _ in
            let q = await query(request)
            let key: ReportKey = try q.name("by") ?? .zone
            let since = try q.time("since"), until = try q.time("until")
            let records = await engine.history(BroadcastFilter(state: .done, since: since, until: until, limit: .max))
            let withUnits = try q.flag("fleet") ?? false
            guard key == .unit || withUnits else { return try json(ReportJSON(by: key, records: records)) }
            // By unit (or with fleet=true): a commander's own broadcasts under its unit id, and its
            // units', counted by SQLite (a commander may keep millions; none is read into memory).
            let own = fleet?.unitID ?? "local"
            let local = ReportJSON(by: key, records: records, units: Array(repeating: own, count: records.count))
            let units = await fleet?.report(by: key, since: since, until: until) ?? []
            return try json(local.adding(units))
        }
        router.get("\(prefix)/coverage") { request, _ in
            let q = await query(request)
            var alert: Int64?
            if let text = q["alert"] {
                guard let id = Int64(text) else { throw APIFailure(.badRequest, "alert must be an alert's number") }
                alert = id
            }
            let asked = CoverageRequest(message: q["message"], alert: alert, since: try q.time("since"), until: try q.time("until"),
                                        zone: q["zone"])
            guard asked.message != nil || alert != nil else { throw APIFailure(.badRequest, "name a message or an alert") }
            let found = try await door.coverage(asked)
            let tree = ZoneTree(await engine.configuration)
            var w = await wire()
            return try json(w.coverage(found.coverage, message: asked.message, alert: alert, since: asked.since, until: asked.until,
                                       zone: asked.zone, records: found.records, names: { tree[$0]?.name ?? $0 }))
        }
        router.get("\(prefix)/fleet") { _, _ in
            guard let fleet else { throw APIFailure(.notFound, "this daemon has no fleet: section") }
            return try json(await fleet.overview())
        }
        router.get("\(prefix)/fleet/units/:id") { _, context in
            guard let fleet else { throw APIFailure(.notFound, "this daemon has no fleet: section") }
            let id = context.parameters.get("id") ?? ""
            guard let unit = await fleet.unitDetail(id) else { throw APIFailure(.notFound, "no unit '\(id)' is known here") }
            return try json(unit)
        }
        router.post("\(prefix)/library") { request, context in
            guard let fleet else { throw APIFailure(.notCommander, "this daemon has no fleet: section") }
            try await door.checkLibraryChange(by: await requester(context))
            let q = await query(request)
            guard let message = q["message"], Config.isValidID(message) else {
                throw APIFailure(.badRequest, "message must be an id (lower-case letters, digits, '_' and '-')")
            }
            let language = q["language"] ?? Language.neutral
            let config = await engine.configuration
            guard language == Language.neutral || config.language(language) != nil else {
                throw APIFailure(.badRequest, "unknown language '\(language)'"
                                   + (closestMatch(to: language, in: config.languages.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""))
            }
            let path = try await Uploads.receive(request, into: StateLayout(directory: stateDirectory).uploads)
            defer { unlink(path) }
            return try json(try await fleet.publishLibrary(path: path, message: message, language: language), status: .accepted)
        }
        router.get("\(prefix)/schedule") { request, _ in
            let q = await query(request)
            let count = try q.number("count", in: 0...100_000) ?? 10
            let from = try q.time("from").map(Instant.init(microseconds:))
            let planned = try await engine.schedule(from: from, count: count, zone: q["zone"], output: q["output"])
            var w = await wire()
            return try json(w.schedule(planned))
        }
        router.get("\(prefix)/outputs") { _, _ in
            let w = await wire()
            return try json(OutputList(outputs: await engine.status().outputs.map(w.output)))
        }
        router.put("\(prefix)/outputs/:id/zone") { request, context in
            let body: ZoneMove = try await decode(request, context)
            let id = context.parameters.get("id") ?? ""
            return try json(await wire().output(try await door.move(output: id, to: body.zone, by: await requester(context))))
        }
        // The operators' volume of a loudspeaker (issue 27): from its next program on.
        router.put("\(prefix)/outputs/:id/volume") { request, context in
            let body: VolumeJSON = try await decode(request, context)
            let id = context.parameters.get("id") ?? ""
            let applied = try await door.setVolume(output: id, db: body.volumeDB, by: await requester(context))
            let range = await engine.configuration.output(id)?.allowedVolume ?? .standard
            return try json(VolumeJSON(volumeDB: body.volumeDB, lowerDB: range.lower, upperDB: range.upper, applied: applied))
        }
        router.put("\(prefix)/fleet/units/:id/zone") { request, context in
            let body: ZoneMove = try await decode(request, context)
            let id = context.parameters.get("id") ?? ""
            let issued = try await door.moveUnit(id, output: body.output, to: body.zone, by: await requester(context))
            return try json(UnitMoveJSON(command: issued.id, unit: id, zone: body.zone), status: .accepted)
        }
        routeSchedule(router, door: door, query: query)
        router.post("\(prefix)/reload") { _, _ in
            let result = await reloader.reload()
            return try json(result, status: result.reloaded ? .ok : .unprocessableContent)
        }

        addPlacesRoutes(router, door: door, engine: engine)

        let responder = router.buildResponder()
        if FileManager.default.fileExists(atPath: socketPath) { try? FileManager.default.removeItem(atPath: socketPath) }
        let book = PeerBook()
        let respond: HTTPChannelHandler.Responder = { request, responseWriter, channel in
            var context = ControlContext(source: .init(channel: channel, logger: logger))
            context.peer = book.credentials(of: channel)
            let response: Response
            do {
                let routed = try await responder.respond(to: request, context: context)
                // The router answers an unknown path with a bare 404: give it the API's error shape.
                response = routed.status == .notFound && routed.headers[.contentType] == nil
                    ? errorResponse(APIFailure(.notFound, "no endpoint \(request.method) \(request.uri.path)")) : routed
            } catch {
                response = errorResponse(error)
            }
            try await responseWriter.write(response: response.head, body: response.body)
        }
        // Each connection's peer credentials read as it is accepted, before any of its requests.
        let channel = PeerCredentialChannel(base: HTTP1Channel(responder: respond), book: book)
        return channel.server(
            configuration: ServerConfiguration(address: .unixDomainSocket(path: socketPath), serverName: "labad"),
            onServerRunning: { _ in
                // 0660, owned by control.group: its members may use the API, nobody else.
                chmod(socketPath, 0o660)
                if let entry = getgrnam(group) {
                    if chown(socketPath, uid_t.max, entry.pointee.gr_gid) != 0 {
                        logger.warning("cannot give the control socket to group \(group)", metadata: ["errno": "\(errno)"])
                    }
                } else {
                    logger.warning("group \(group) does not exist: only \(getuid() == 0 ? "root" : "this user") can use the control socket",
                                   metadata: ["socket": "\(socketPath)"])
                }
                onListening()
            }, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    }

    /// `/v1/schedule/entries` and `/v1/schedule/log`: the operators' schedule.
    static func routeSchedule(_ router: Router<ControlContext>, door: FrontDoor,
                              query: @escaping @Sendable (Request) async -> Query) {
        let prefix = "\(ControlProtocol.pathPrefix)/schedule"
        @Sendable func refused(_ error: any Error) throws -> Response {
            guard let r = error as? ScheduleRefusal else { throw error }
            return try json(r.body, status: HTTPResponse.Status(code: r.code.status))
        }
        @Sendable func change(_ action: ScheduleAction, _ request: Request, _ context: ControlContext,
                              body: ScheduleEntryRequest?) async throws -> Response {
            let q = await query(request)
            let base = try q.number("base_version", in: 0...Int(Int32.max)) ?? body?.baseVersion
            // `?dry_run=1`: checked and previewed, nothing written.
            let dryRun = (try q.number("dry_run", in: 0...1) ?? 0) == 1
            let who = await requester(context)
            let result: ScheduleChangeJSON
            do {
                result = try await door.changeSchedule(action, id: context.parameters.get("id")?.removingPercentEncoding, request: body,
                                                       baseVersion: base, requester: who, dryRun: dryRun)
            } catch { return try refused(error) }
            return try json(result, status: action == .add && !dryRun ? .created : .ok)
        }
        router.get("\(prefix)/entries") { request, _ in
            let zone = await query(request)["zone"]
            let entries: ScheduleEntriesJSON
            do { entries = try await door.scheduleEntries(zone: zone) } catch { return try refused(error) }
            return try json(entries)
        }
        router.post("\(prefix)/entries") { request, context in
            let body: ScheduleEntryRequest = try await decode(request, context)
            return try await change(.add, request, context, body: body)
        }
        router.put("\(prefix)/entries/:id") { request, context in
            let body: ScheduleEntryRequest = try await decode(request, context)
            return try await change(.change, request, context, body: body)
        }
        router.post("\(prefix)/entries/:id/pause") { request, context in
            try await change(.pause, request, context, body: try await optionalBody(request, context))
        }
        router.post("\(prefix)/entries/:id/resume") { request, context in
            try await change(.resume, request, context, body: try await optionalBody(request, context))
        }
        router.delete("\(prefix)/entries/:id") { request, context in
            try await change(.remove, request, context, body: try await optionalBody(request, context))
        }
        router.get("\(prefix)/log") { request, _ in
            let q = await query(request)
            return try json(try await door.scheduleLog(since: try q.time("since"), until: try q.time("until"),
                                                       limit: try q.number("limit", in: 1...100_000) ?? 100_000))
        }
    }

    /// A JSON body that may be absent (`{"base_version": 3}` or nothing).
    static func optionalBody(_ request: Request, _ context: ControlContext) async throws -> ScheduleEntryRequest? {
        var request = request
        let buffer = try await request.collectBody(upTo: maxJSONBody)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(ScheduleEntryRequest.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIFailure(.badRequest, "the body is not the expected JSON")
        }
    }

    /// The answer of `POST /v1/live`: JSON lines while the talk lasts. The client going away
    /// ends the talk (the CLI's Ctrl-C, a lost connection).
    static func liveStream(_ started: LiveStarted, command: String? = nil, door: FrontDoor, engine: Engine, channel: any Channel,
                           wire: WireFormat) -> Response {
        var wire = wire
        let first = LiveEventJSON(event: .started, id: started.id, input: started.input, command: command,
                                  broadcasts: started.records.map { wire.broadcast($0) },
                                  refused: started.refused.map(WireFormat.refused))
        let id = started.id
        channel.closeFuture.whenComplete { _ in
            Task { await engine.stopLive(id, reason: RecordReason(.connectionClosed)) }
        }
        @Sendable func line(_ event: LiveEventJSON) throws -> ByteBuffer {
            var data = try JSONEncoder().encode(event)
            data.append(UInt8(ascii: "\n"))
            return ByteBuffer(bytes: data)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(line(first))
            while let progress = await engine.liveProgress(id) {
                if let summary = progress.summary {
                    let loudness = summary.loudness?.integrated
                    try await writer.write(line(LiveEventJSON(event: .ended, id: id, seconds: summary.seconds,
                                                              reason: summary.end.reason.english, reasonCode: summary.end.reason.code.rawValue,
                                                              reasonArgs: summary.end.reason.args, recording: summary.recording,
                                                              loudness: loudness?.isFinite == true ? loudness : nil)))
                    break
                }
                do {
                    try await writer.write(line(LiveEventJSON(event: .level, id: id, seconds: progress.seconds,
                                                              level: Double(progress.level))))
                } catch {
                    await engine.stopLive(id, reason: RecordReason(.connectionLost))
                    throw error
                }
                // The meter's pace: a level line four times a second.
                try? await Task.sleep(for: .milliseconds(250))
            }
            try await writer.finish(nil)
        })
    }

    static func decode<T: Decodable>(_ request: Request, _ context: ControlContext) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxJSONBody)
        } catch {
            throw APIFailure(.tooLarge, "the request body is larger than \(maxJSONBody / 1024) KiB")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIFailure(.badRequest, "missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, c) {
            throw APIFailure(.badRequest, "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch let DecodingError.dataCorrupted(c) where !c.codingPath.isEmpty {
            throw APIFailure(.badRequest, "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)")
        } catch {
            throw APIFailure(.badRequest, "the body is not the expected JSON")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func errorResponse(_ error: any Error) -> Response {
        let failure: APIFailure
        switch error {
        case let f as APIFailure: failure = f
        case let r as Refusal: failure = APIFailure(r)
        case let e as HTTPResponseError:
            failure = APIFailure(e.status.code == 404 ? .notFound : e.status.code == 413 ? .tooLarge : .badRequest,
                                 e.status.code == 404 ? "no such endpoint" : "\(e.status.reasonPhrase)")
        default: failure = APIFailure(.internalError, "\(error)")
        }
        let status = HTTPResponse.Status(code: failure.code.status)
        let body = ErrorJSON(failure.code, failure.message, refusal: failure.refusal?.code.rawValue, args: failure.refusal?.args)
        return (try? json(body, status: status)) ?? Response(status: status)
    }

    /// The caller, from the socket's peer credentials (SO_PEERCRED), read when the connection was
    /// accepted: a request whose client has gone keeps its requester.
    static func requester(_ context: ControlContext) async -> RequestedBy? {
        context.peer?.requester
    }
}

/// A request's query parameters, with times read in the configuration's zone.
struct Query {
    let items: [Substring: Substring]
    let zone: TimeZone
    /// The daemon's clock, for `now`, `today` and the like.
    let now: Instant

    init(_ request: Request, zone: TimeZone, now: Instant) {
        var items: [Substring: Substring] = [:]
        for (key, value) in request.uri.queryParameters { items[key] = value }
        self.items = items
        self.zone = zone
        self.now = now
    }

    /// One of a closed set of names.
    func name<T: WireName>(_ key: String) throws(APIFailure) -> T? {
        guard let text = self[key] else { return nil }
        guard let value = T(wireName: text) else {
            throw APIFailure(.badRequest, "\(key) must be one of \(T.allCases.map(\.wireName).joined(separator: ", "))")
        }
        return value
    }

    subscript(key: String) -> String? { items[Substring(key)].map(String.init) }

    /// A true/false parameter.
    func flag(_ key: String) throws(APIFailure) -> Bool? {
        guard let text = self[key] else { return nil }
        guard let value = Rules.flag(text) else { throw APIFailure(.badRequest, "\(key) must be true or false, not '\(text)'") }
        return value
    }

    /// A whole-number parameter within `range`.
    func number(_ key: String, in range: ClosedRange<Int>) throws(APIFailure) -> Int? {
        guard let text = self[key] else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw APIFailure(.badRequest, "\(key) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// A TIME parameter (RFC 3339, local `YYYY-MM-DD[ HH:MM[:SS]]` or `@EPOCH`) in microseconds.
    func time(_ key: String) throws(APIFailure) -> Int64? {
        guard let text = self[key] else { return nil }
        do { return try TimeParsing.instant(text, in: zone, now: now).microseconds } catch {
            throw APIFailure(.badRequest, "\(key): \(error)")
        }
    }
}

/// A request context that keeps the connection, for its peer credentials.
struct ControlContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Who connected, read as the connection was accepted.
    var peer: PeerCredentials?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
