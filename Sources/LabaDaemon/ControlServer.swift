// The control API (SPEC 8): HTTP/1.1 with JSON over the Unix socket, served by HummingbirdCore's
// server inside our own service group (not `Application.run`, whose date-cache timer would wake an
// idle daemon every second).

import Foundation
import Hummingbird
import HummingbirdCore
import LabaControl
import LabaCore
import LabaStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

enum ControlServer {
    static let maxJSONBody = 64 * 1024

    /// Builds the server service on `socketPath`, replacing a stale socket file.
    static func build(engine: Engine, socketPath: String, group: String, configPath: String, stateDirectory: String,
                      loadedAt: @escaping @Sendable () -> Instant,
                      reload: @escaping @Sendable () async -> ReloadJSON, logger: Logger,
                      onListening: @escaping @Sendable () -> Void) throws -> any Service {
        let router = Router(context: ControlContext.self)
        let prefix = ControlProtocol.pathPrefix

        router.get("\(prefix)/status") { _, _ in
            try json(await engine.status(configPath: configPath, loadedAt: loadedAt()))
        }
        router.post("\(prefix)/broadcasts") { request, context in
            let body: BroadcastRequest = try await decode(request, context)
            let records = try await guarded { () throws(APIFailure) in try await engine.accept(body, requester: requester(context)) }
            return try json(await engine.list(records), status: .accepted)
        }
        router.post("\(prefix)/broadcasts/audio") { request, context in
            let body = try Uploads.request(Query(request, zone: await engine.configuration.timeZone))
            let received = try await Uploads.receive(request, into: StateLayout(directory: stateDirectory).uploads)
            let loudness = await engine.loudness
            let path = try await NIOThreadPool.singleton.runIfActive { () throws(APIFailure) in
                try Uploads.admit(received, loudness: loudness)
            }
            let records: [BroadcastRecord]
            do {
                records = try await guarded { () throws(APIFailure) in
                    try await engine.accept(body, requester: requester(context), upload: path)
                }
            } catch {
                unlink(path)
                throw error
            }
            return try json(await engine.list(records), status: .accepted)
        }
        router.get("\(prefix)/broadcasts") { request, _ in
            let query = Query(request, zone: await engine.configuration.timeZone)
            var state: BroadcastRecord.State?
            if let s = query["state"] {
                guard let parsed = BroadcastRecord.State(rawValue: s) else {
                    throw APIFailure(.badRequest, "state must be queued, playing or done")
                }
                state = parsed
            }
            let limit = try query.number("limit", in: 1...10_000) ?? 100
            let since = try query.time("since"), until = try query.time("until")
            var outcome: BroadcastOutcome?
            if let o = query["outcome"] {
                guard let parsed = BroadcastOutcome(rawValue: o) else {
                    throw APIFailure(.badRequest, "outcome must be one of \(BroadcastOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                outcome = parsed
            }
            let records = await engine.history(zone: query["zone"], message: query["message"],
                                               output: query["output"], outcome: outcome, state: state, since: since,
                                               until: until, limit: limit)
            return try json(await engine.list(records))
        }
        router.get("\(prefix)/broadcasts/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = await engine.record(id: id) else { throw APIFailure(.notFound, "no broadcast '\(id)'") }
            return try json(await engine.json(record))
        }
        router.delete("\(prefix)/broadcasts/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard await engine.record(id: id) != nil else { throw APIFailure(.notFound, "no broadcast '\(id)'") }
            _ = try? await engine.cancel(id: id)
            guard let record = await engine.record(id: id) else { throw APIFailure(.notFound, "no broadcast '\(id)'") }
            return try json(await engine.json(record), status: .accepted)
        }
        router.post("\(prefix)/stop") { request, context in
            let body: StopRequest = try await decode(request, context)
            let outputs = try await guarded { () throws(APIFailure) in try await engine.stop(zones: body.zones, clear: body.clear ?? false) }
            return try json(["outputs": outputs], status: .accepted)
        }
        router.get("\(prefix)/report") { request, _ in
            let query = Query(request, zone: await engine.configuration.timeZone)
            let by = query["by"] ?? "zone"
            guard ["zone", "language", "message", "output"].contains(by) else {
                throw APIFailure(.badRequest, "by must be zone, language, message or output")
            }
            return try json(await engine.report(by: by, since: try query.time("since"), until: try query.time("until")))
        }
        router.get("\(prefix)/schedule") { request, _ in
            let query = Query(request, zone: await engine.configuration.timeZone)
            let count = try query.number("count", in: 0...100_000) ?? 10
            let items = try await guarded { () throws(APIFailure) in
                try await engine.schedule(from: try query.time("from"), count: count, zone: query["zone"], output: query["output"])
            }
            return try json(ScheduleList(schedule: items))
        }
        router.get("\(prefix)/outputs") { _, _ in
            try json(OutputList(outputs: await engine.outputs()))
        }
        router.put("\(prefix)/outputs/:id/zone") { request, context in
            let body: ZoneMove = try await decode(request, context)
            let id = context.parameters.get("id") ?? ""
            let output = try await guarded { () throws(APIFailure) in try await engine.move(output: id, to: body.zone) }
            return try json(output)
        }
        router.post("\(prefix)/reload") { _, _ in
            let result = await reload()
            return try json(result, status: result.reloaded ? .ok : .unprocessableContent)
        }

        let responder = router.buildResponder()
        if FileManager.default.fileExists(atPath: socketPath) { try? FileManager.default.removeItem(atPath: socketPath) }
        let server = try HTTPServerBuilder.http1().buildServer(
            configuration: ServerConfiguration(address: .unixDomainSocket(path: socketPath), serverName: "labad"),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { request, responseWriter, channel in
            let context = ControlContext(source: .init(channel: channel, logger: logger))
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
        } onServerRunning: { _ in
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
        }
        return server
    }

    /// Runs an engine call whose typed error becomes the API's error.
    static func guarded<T>(_ body: () async throws(APIFailure) -> T) async throws -> T {
        do { return try await body() } catch { throw error }
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
        case let e as HTTPResponseError:
            failure = APIFailure(e.status.code == 404 ? .notFound : e.status.code == 413 ? .tooLarge : .badRequest,
                                 e.status.code == 404 ? "no such endpoint" : "\(e.status.reasonPhrase)")
        default: failure = APIFailure(.internalError, "\(error)")
        }
        let status = HTTPResponse.Status(code: failure.code.status)
        return (try? json(ErrorJSON(failure.code, failure.message), status: status)) ?? Response(status: status)
    }

    /// The caller, from the socket's peer credentials (SO_PEERCRED).
    static func requester(_ context: ControlContext) async -> Requester? {
        guard let provider = context.channel as? any SocketOptionProvider else { return nil }
        guard let credentials = try? await provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel.socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)).get() as PeerCredentials
        else { return nil }
        let uid = Int(credentials.uid)
        var user: String?
        if let entry = getpwuid(credentials.uid), let name = entry.pointee.pw_name { user = String(cString: name) }
        return Requester(uid: uid, user: user)
    }
}

/// A request's query parameters, with times read in the configuration's zone.
struct Query {
    let items: [Substring: Substring]
    let zone: TimeZone

    init(_ request: Request, zone: TimeZone) {
        var items: [Substring: Substring] = [:]
        for (key, value) in request.uri.queryParameters { items[key] = value }
        self.items = items
        self.zone = zone
    }

    subscript(key: String) -> String? { items[Substring(key)].map(String.init) }

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
        do { return try TimeParsing.instant(text, in: zone).microseconds } catch {
            throw APIFailure(.badRequest, "\(key): \(error)")
        }
    }
}

/// A request context that keeps the connection, for its peer credentials.
struct ControlContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// `struct ucred` of <sys/socket.h>.
struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
