// What the fleet's tests share: the repository's root, running a command, and a log of a
// connection's events (the broker itself is in LabaTestSupport).

import Foundation
import LabaFleet
import LabaTestSupport
import Synchronization
import Testing

/// The repository's root, for the files it ships (Config/fleet, Scripts).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

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
    try? pipe.fileHandleForReading.close()
    guard process.endStatus() == 0 else {
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
    func next<T: Sendable>(within seconds: Double = 30, _ what: String = "event",
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

    func connected(within seconds: Double = 30) async throws -> Bool {
        try await next(within: seconds, "connected") { if case .connected(let present) = $0 { present } else { nil } }
    }

    func subscribed(within seconds: Double = 30) async throws -> [Int] {
        try await next(within: seconds, "SUBACK") { if case .subscribed(_, let granted) = $0 { granted } else { nil } }
    }

    func acknowledged(_ id: Int32, within seconds: Double = 30) async throws -> Int {
        try await next(within: seconds, "PUBACK of \(id)") {
            if case .acknowledged(let mid, let reason) = $0, mid == id { reason } else { nil }
        }
    }

    func message(within seconds: Double = 30) async throws -> MQTTMessage {
        try await next(within: seconds, "message") { if case .message(let m) = $0 { m } else { nil } }
    }
}
