// The players of all outputs, and their reports as one stream the engine service drains in order.

import Foundation
import LabaAudio
import LabaCore
import Logging
import Synchronization

/// One player thread per output. Thread-safe: the engine calls it from its actor, shutdown from
/// the service group.
public final class PlayerPool: Sendable {
    private let players = Mutex<[String: Player]>([:])
    private let logger: Logger
    private let continuation: AsyncStream<PlayerReport>.Continuation
    /// Every player's reports, in the order each player sent them.
    public let reports: AsyncStream<PlayerReport>

    public init(logger: Logger) {
        self.logger = logger
        (reports, continuation) = AsyncStream.makeStream(of: PlayerReport.self)
    }

    /// Starts a player for `output`, or takes its new device settings if it has one.
    func add(_ output: OutputConfig) {
        let id = output.id.value
        let existing = players.withLock { $0[id] }
        if let existing {
            existing.reconfigure(device: output.device.value, fixedRate: output.rate?.value, fixedChannels: output.channels?.value)
            existing.setMonitor(output.monitor?.input)
            return
        }
        let continuation = self.continuation
        let player = Player(output: id, device: output.device.value, fixedRate: output.rate?.value,
                            fixedChannels: output.channels?.value, logger: logger) { continuation.yield($0) }
        player.setMonitor(output.monitor?.input)
        players.withLock { $0[id] = player }
        player.start()
    }

    /// Stops and ends the player of an output removed from the configuration.
    func remove(_ output: String) {
        guard let player = players.withLock({ $0.removeValue(forKey: output) }) else { return }
        player.shutdown()
        player.join()
    }

    func play(output: String, id: String, from segment: Int, build: @escaping @Sendable () throws -> Program) {
        players.withLock { $0[output] }?.play(id: id, from: segment, build: build)
    }

    func playLive(output: String, id: String, ring: LiveRing) {
        players.withLock { $0[output] }?.playLive(id: id, ring: ring)
    }

    func stop(output: String, id: String) {
        players.withLock { $0[output] }?.stop(id: id)
    }

    func probe(output: String, after seconds: Double) {
        players.withLock { $0[output] }?.probe(after: seconds)
    }

    /// Fades out what plays everywhere and joins every player's thread; ends the report stream.
    func shutdown() {
        let all = players.withLock { players in
            defer { players.removeAll() }
            return Array(players.values)
        }
        // The fades run side by side: stop them all first, then join.
        for player in all { player.shutdown() }
        for player in all { player.join() }
        continuation.finish()
    }
}
