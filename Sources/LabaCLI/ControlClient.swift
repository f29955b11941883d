// Talks to labad over its Unix socket with AsyncHTTPClient (`http+unix` URLs).

import ArgumentParser
import AsyncHTTPClient
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore
import NIOHTTP1

/// `--socket`, for the commands that talk to the daemon.
struct SocketOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("labad's control socket (LABA_SOCKET).", valueName: "path"))
    var socket: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print times in RFC 3339 (for scripts), not as a clerk reads them (today 07:30).")
    var iso = false

    /// A time of the API's answers as the reader wants it: RFC 3339 with `--iso`, else `今天 07:30`.
    func time(_ text: String) -> String { iso ? text : ClerkTime.format(text) }

    /// A state or outcome in the reader's language: in Chinese its words (`已完成`), in English
    /// the API's own name (`completed`), which scripts of earlier releases read.
    func state(_ name: String) -> String { CatalogLanguage.current == .en ? name : Catalog.stateName(name) }

    var path: String { socket ?? ProcessInfo.processInfo.environment["LABA_SOCKET"] ?? ControlProtocol.defaultSocket }
}

struct ControlClient {
    let socket: String

    struct Reply {
        var status: Int
        var body: Data

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: body) }

        /// The API's error in the reader's language: a refusal of the front door rendered from its
        /// code and arguments, else (a daemon of another version) the message as sent.
        var errorMessage: String? {
            guard let error = (try? decode(ErrorJSON.self))?.error else { return nil }
            return error.refusal.flatMap { Catalog.refusal(code: $0, args: error.args ?? [:]) } ?? error.message
        }

        /// The API's error code, if the body is one with a code this CLI knows.
        var errorCode: APIErrorCode? { (try? decode(ErrorJSON.self)).flatMap { APIErrorCode(rawValue: $0.error.code) } }

        /// Prints the daemon's refusal (and `hint`, if any) and returns the exit code: 64 for a
        /// request it calls malformed (400: bad usage, SPEC §9), else 1.
        func refusal(hint: String = "") -> ArgumentParser.ExitCode {
            printError("laba: " + (errorMessage ?? Catalog.text(.daemonAnswered, ["status": String(status)])) + hint)
            return status == 400 ? ArgumentParser.ExitCode(64) : .failure
        }
    }

    /// Sends one request.
    ///
    /// - Throws: `ExitCode(69)` after a helpful message when the daemon cannot be reached.
    func send(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = nil as String?) async throws -> Reply {
        try await send(method, path, contentType: body == nil ? nil : "application/json",
                       bytes: try body.map { ByteBuffer(bytes: try JSONEncoder().encode($0)) })
    }

    /// Sends one request with a body of any type (an uploaded recording).
    func send(_ method: HTTPMethod, _ path: String, contentType: String?, bytes: ByteBuffer?) async throws -> Reply {
        do {
            return try await attempt(method, path, contentType: contentType, bytes: bytes)
        } catch let error as Unreachable {
            printError(error.message)
            throw ExitCode(69)
        }
    }

    /// The daemon could not be reached; `reason` says why, for the operator.
    struct Unreachable: Error {
        var reason: String

        /// "laba: cannot reach labad: REASON. Is it running? (systemctl status laba)"
        var message: String { "laba: " + Catalog.text(.unreachable, ["reason": reason]) }
    }

    /// Sends one request; throws `Unreachable` (nothing printed) when the daemon cannot be reached.
    func attempt(_ method: HTTPMethod, _ path: String, contentType: String? = nil,
                 bytes: ByteBuffer? = nil) async throws -> Reply {
        guard let url = URL(httpURLWithSocketPath: socket, uri: ControlProtocol.pathPrefix + path) else {
            printError("laba: " + Catalog.text(.badSocketPath, ["socket": socket]))
            throw ExitCode(64)
        }
        // Fail at once, with the reason, where no connection can succeed.
        if access(socket, F_OK) != 0 || access(socket, R_OK | W_OK) != 0 {
            throw Unreachable(reason: Self.unreachable(socket, POSIXError(.ENOENT)))
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        if let bytes {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(bytes)
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(30 + (bytes?.readableBytes ?? 0) >> 20)))
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView))
        } catch {
            throw Unreachable(reason: Self.unreachable(socket, error))
        }
    }

    /// Sends one request and returns the response with its body still streaming (`laba live`),
    /// without a deadline. Throws `Unreachable` when the daemon cannot be reached.
    func stream(_ method: HTTPMethod, _ path: String, body: some Encodable) async throws -> HTTPClientResponse {
        guard let url = URL(httpURLWithSocketPath: socket, uri: ControlProtocol.pathPrefix + path) else {
            printError("laba: " + Catalog.text(.badSocketPath, ["socket": socket]))
            throw ExitCode(64)
        }
        if access(socket, F_OK) != 0 || access(socket, R_OK | W_OK) != 0 {
            throw Unreachable(reason: Self.unreachable(socket, POSIXError(.ENOENT)))
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        do {
            return try await HTTPClient.shared.execute(request, deadline: .distantFuture)
        } catch {
            throw Unreachable(reason: Self.unreachable(socket, error))
        }
    }

    /// What to do about a socket this user may not use, owned by group `groupID`. A socket left to
    /// root's group means labad's control group did not exist when it started (it says so in its
    /// log): joining root is not the advice, creating the group is.
    static func permissionAdvice(_ socket: String, groupID: gid_t, groupName: String?) -> String {
        if groupID == 0 {
            return Catalog.text(.socketPermissionRootGroup, ["socket": socket, "group": ControlConfig.defaultGroup])
        }
        return groupName.map { Catalog.text(.socketPermission, ["socket": socket, "group": $0]) }
            ?? Catalog.text(.socketPermissionNoGroup, ["socket": socket])
    }

    /// Why `socket` cannot be used, for the operator.
    static func unreachable(_ socket: String, _ error: any Error) -> String {
        if access(socket, F_OK) != 0 {
            return Catalog.text(.noSocket, ["socket": socket])
        } else if access(socket, R_OK | W_OK) != 0 {
            var st = stat()
            guard stat(socket, &st) == 0 else { return Catalog.text(.socketPermissionNoGroup, ["socket": socket]) }
            let group = getgrgid(st.st_gid).map { String(cString: $0.pointee.gr_name) }
            return permissionAdvice(socket, groupID: st.st_gid, groupName: group)
        } else if "\(error)".contains("connectionRefused") || "\(error)".contains("Connection refused") {
            return Catalog.text(.nothingListens, ["socket": socket])
        }
        return "\(error)"
    }
}

/// A record's reason in the reader's language, from its code and arguments; a record of an older
/// version (or an unknown code) shows its words as sent.
func reasonText(_ record: BroadcastJSON) -> String? {
    Catalog.reason(code: record.reasonCode, args: record.reasonArgs, words: record.reason)
}

/// What a following output knows of its position, in the reader's language; an older daemon's
/// words (no code) as sent.
func gpsText(_ gps: GPSStatusJSON) -> String {
    switch gps.code {
    case "no_fix": t(.gpsNoFix)
    case "unreachable": t(.gpsUnreachable)
    case "outside": t(.gpsOutside)
    case "inside": t(.gpsInside, ["zone": gps.here ?? "?"])
    default: gps.status
    }
}

/// A state or outcome's name in the reader's language (see `SocketOptions.state`).
func socketState(_ name: String) -> String { CatalogLanguage.current == .en ? name : Catalog.stateName(name) }

/// One output's refusal in the reader's language, from its code and arguments; a code this CLI
/// does not know (a newer daemon's) shows the daemon's own words.
func refusalText(_ refused: RefusedJSON) -> String {
    Catalog.refusal(code: refused.code, args: refused.args ?? [:]) ?? refused.message
}
