// A real mosquitto for the tests: its own config in a temp folder, a free port on the loopback,
// ready once its log says it runs and the port accepts; killed at the end.

import Foundation
import LabaFleet
import Synchronization
import Testing

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init(_ prefix: String = "laba-fleet") {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-XXXXXX").utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The repository's root, for the files it ships (Config/fleet, Scripts).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

struct BrokerError: Error, CustomStringConvertible {
    var description: String
}

/// One mosquitto process. `start` again after `kill` restarts it on the same port and persistence.
final class MosquittoBroker: @unchecked Sendable {
    let folder: TemporaryFolder
    let port: Int
    private let settings: String
    private var process: Process?
    private let log = Lines()

    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    /// - Parameter settings: lines added to the listener's config (TLS, ACL, passwords).
    init(settings: String = "allow_anonymous true", port: Int? = nil,
         folder: TemporaryFolder = TemporaryFolder("laba-broker")) throws {
        self.folder = folder
        self.settings = settings
        self.port = try port ?? Self.freePort()
        try start()
    }

    deinit { kill(signal: SIGKILL) }

    /// Everything the broker logged, one line each.
    var logLines: [String] { log.lines.withLock { $0 } }

    func start() throws {
        let config = folder.file("mosquitto.conf")
        try """
            persistence true
            persistence_location \(folder.path)/
            autosave_interval 60
            log_dest stderr
            log_type all
            # As root, mosquitto would switch to its own user, which cannot read this temp folder.
            user \(ProcessInfo.processInfo.userName)
            per_listener_settings false
            listener \(port) 127.0.0.1
            \(settings)

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-c", config]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let running = DispatchSemaphore(value: 0)
        let handle = pipe.fileHandleForReading
        // Reads the log as it comes, so that the pipe never fills, and says when the broker runs.
        Thread.detachNewThread { [log] in
            var pending = Data()
            var signalled = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    log.lines.withLock { $0.append(line) }
                    if !signalled, line.contains(" running") {
                        signalled = true
                        running.signal()
                    }
                }
            }
            if !signalled { running.signal() }
        }
        try process.run()
        self.process = process
        guard running.wait(timeout: .now() + 10) == .success, process.isRunning, Self.accepts(port: port) else {
            kill(signal: SIGKILL)
            throw BrokerError(description: "mosquitto did not start:\n" + logLines.joined(separator: "\n"))
        }
    }

    /// Sends `signal` and waits for the process to end (SIGTERM: mosquitto saves its persistence first).
    func kill(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }

    static var executable: String {
        for candidate in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "mosquitto"
    }

    /// A port the kernel had free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BrokerError(description: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connection to the port is accepted.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Runs a command to its end; throws with its output when it fails.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BrokerError(description: "\(executable) \(arguments.joined(separator: " ")) failed:\n\(output)")
    }
    return output
}

/// Collects a connection's events, so that a test can wait for the next one that matches, with a
/// deadline (a broker that never answers fails the test instead of hanging it).
final class EventLog: Sendable {
    private struct State {
        var events: [MQTTEvent] = []
        /// The events a `next` returned; the others stay for later calls.
        var taken = Set<Int>()
        /// How many events the last search looked at.
        var seen = 0
        var ended = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    init(_ connection: MQTTConnection) {
        let stream = connection.events
        Task.detached { [self] in
            for await event in stream { update { $0.events.append(event) } }
            update { $0.ended = true }
        }
    }

    private func update(_ change: (inout State) -> Void = { _ in }) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Every event so far.
    var all: [MQTTEvent] { state.withLock { $0.events } }

    /// The first event not returned before that `match` accepts, waiting for it if needed.
    func next<T: Sendable>(within seconds: Double = 10, _ what: String = "event",
                           _ match: @escaping @Sendable (MQTTEvent) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let timer = Task { [self] in
            try? await Task.sleep(until: deadline)
            update()
        }
        defer { timer.cancel() }
        while true {
            let (found, stop) = state.withLock { state -> (T?, Bool) in
                for (index, event) in state.events.enumerated() where !state.taken.contains(index) {
                    if let value = match(event) {
                        state.taken.insert(index)
                        return (value, true)
                    }
                }
                state.seen = state.events.count
                return (nil, state.ended || ContinuousClock.now >= deadline)
            }
            if let found { return found }
            if stop { throw BrokerError(description: "no \(what) within \(seconds) s; events: \(all)") }
            // Resumed by the next event or by the deadline.
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.seen < state.events.count || state.ended || ContinuousClock.now >= deadline { return true }
                    state.waiter = waiter
                    return false
                }
                if now { waiter.resume() }
            }
        }
    }

    func connected(within seconds: Double = 10) async throws -> Bool {
        try await next(within: seconds, "connected") { if case .connected(let present) = $0 { present } else { nil } }
    }

    func subscribed(within seconds: Double = 10) async throws -> [Int] {
        try await next(within: seconds, "SUBACK") { if case .subscribed(_, let granted) = $0 { granted } else { nil } }
    }

    func acknowledged(_ id: Int32, within seconds: Double = 10) async throws -> Int {
        try await next(within: seconds, "PUBACK of \(id)") {
            if case .acknowledged(let mid, let reason) = $0, mid == id { reason } else { nil }
        }
    }

    func message(within seconds: Double = 10) async throws -> MQTTMessage {
        try await next(within: seconds, "message") { if case .message(let m) = $0 { m } else { nil } }
    }
}
