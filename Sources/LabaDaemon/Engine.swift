// The engine: the arbiters of all outputs, the scheduler core and the store, wired together.
// An actor, so that scheduler wake-ups, API requests and player reports are handled one at a time;
// players run on their own threads and report back.

import Foundation
import LabaAudio
import LabaCore
import LabaStore
import Logging

/// Everything the engine needs from the configuration, resolved once per load.
public struct Setup: Sendable {
    public var config: Config
    public var library: MessageLibrary

    public init(config: Config, library: MessageLibrary) {
        self.config = config
        self.library = library
    }
}

public enum EngineError: Error, Equatable, CustomStringConvertible {
    case queueFull(output: String)
    case unknownOutput(String)

    public var description: String {
        switch self {
        case .queueFull(let output): "the queue of output '\(output)' is full (\(Arbiter.queueLimit) waiting)"
        case .unknownOutput(let output): "unknown output '\(output)'"
        }
    }
}

public actor Engine {
    let store: Store
    let loudness: LoudnessCache
    let logger: Logger
    let now: @Sendable () -> Instant
    var setup: Setup
    private var builder: ProgramBuilder
    var scheduler: SchedulerCore
    var arbiters: [String: Arbiter] = [:]
    private var players: [String: Player] = [:]
    /// Told the next wake-up whenever it may have moved (a reload, a new deadline).
    private var rescheduleHandler: @Sendable (Instant?) -> Void = { _ in }

    /// - Parameters:
    ///   - now: the clock; tests pass a manual one.
    public init(setup: Setup, store: Store, loudness: LoudnessCache, logger: Logger,
                now: @escaping @Sendable () -> Instant) throws {
        self.setup = setup
        self.store = store
        self.loudness = loudness
        self.logger = logger
        self.now = now
        let tree = ZoneTree(setup.config)
        self.builder = ProgramBuilder(config: setup.config, tree: tree, library: setup.library, loudness: loudness)
        let zones = try store.outputZones()
        let horizon = try store.horizon().map(Instant.init(microseconds:)) ?? now()
        self.scheduler = SchedulerCore(planner: Planner(config: setup.config, library: setup.library, outputZones: zones),
                                       horizon: horizon)
    }

    public func setRescheduleHandler(_ handler: @escaping @Sendable (Instant?) -> Void) { rescheduleHandler = handler }

    func onReschedule() { rescheduleHandler(nextWake()) }

    /// Starts one player per output and takes up what was queued or playing when Laba last stopped.
    public func start() throws {
        for output in setup.config.outputs {
            addPlayer(output)
        }
        let t = now()
        for record in try store.unfinished() {
            var r = record
            guard arbiters[r.output] != nil else {
                finish(&r, outcome: .failed, reason: "its output is no longer configured", at: t)
                continue
            }
            if r.state == .playing {
                r.state = .queued
                persist(r)
            }
            let item = ArbiterItem(id: r.id, priority: r.priority, plannedAt: Instant(microseconds: r.plannedAt),
                                   deadline: r.deadline.map(Instant.init(microseconds:)), segment: r.segment)
            feed(r.output, .enqueue(item))
        }
    }

    private func addPlayer(_ output: OutputConfig) {
        let id = output.id.value
        arbiters[id] = Arbiter()
        // Reports reach the engine in the order the player sent them: one stream per player,
        // drained by one task (separate tasks per report could run out of order).
        let (reports, continuation) = AsyncStream.makeStream(of: PlayerReport.self)
        Task { [weak self] in
            for await report in reports {
                guard let self else { return }
                await self.playerReported(output: id, report)
            }
        }
        let player = Player(output: id, device: output.device.value, fixedRate: output.rate?.value,
                            fixedChannels: output.channels?.value, logger: logger) { report in
            continuation.yield(report)
        }
        players[id] = player
        player.start()
    }

    /// Takes a new configuration: what plays goes on; the schedule, languages and gains follow the
    /// new file from the next broadcast on. Outputs that were removed stop; new ones start; an
    /// output whose device changed opens the new one from its next broadcast (or probe) on.
    public func reload(_ setup: Setup) {
        self.setup = setup
        let tree = ZoneTree(setup.config)
        builder = ProgramBuilder(config: setup.config, tree: tree, library: setup.library, loudness: loudness)
        let zones = ((try? store.outputZones()) ?? [:]).filter { tree[$0.value] != nil }
        scheduler = SchedulerCore(planner: Planner(config: setup.config, library: setup.library, outputZones: zones),
                                  horizon: scheduler.horizon)
        let t = now()
        for id in Array(players.keys) where setup.config.output(id) == nil {
            players[id]?.shutdown()
            players[id] = nil
            arbiters[id] = nil
            for var record in (try? store.unfinished()) ?? [] where record.output == id {
                finish(&record, outcome: .stopped, reason: "its output was removed from the configuration", at: t)
            }
        }
        for output in setup.config.outputs {
            if let player = players[output.id.value] {
                player.reconfigure(device: output.device.value, fixedRate: output.rate?.value, fixedChannels: output.channels?.value)
            } else {
                addPlayer(output)
            }
        }
        onReschedule()
    }

    /// Stops every player (what plays fades out); for shutdown.
    public func shutdown() {
        for player in players.values { player.shutdown() }
    }

    // MARK: Requests

    /// Accepts a broadcast: committed to the database before this returns.
    ///
    /// - Throws: `EngineError.queueFull` (nothing is stored then), or the store's error.
    public func submit(_ record: BroadcastRecord) throws {
        try submit([record])
    }

    /// Queues broadcasts on their outputs: all of them are stored (one transaction) or none.
    public func submit(_ records: [BroadcastRecord]) throws {
        for record in records {
            guard let arbiter = arbiters[record.output] else { throw EngineError.unknownOutput(record.output) }
            if arbiter.queue.count >= Arbiter.queueLimit { throw EngineError.queueFull(output: record.output) }
        }
        try store.insert(records)
        for record in records {
            let item = ArbiterItem(id: record.id, priority: record.priority, plannedAt: Instant(microseconds: record.plannedAt),
                                   deadline: record.deadline.map(Instant.init(microseconds:)), segment: record.segment)
            feed(record.output, .enqueue(item))
        }
    }

    /// Writes a changed record. A failure (a full disk) is logged, not hidden: the broadcast goes
    /// on from memory, and the log says which record is behind.
    func persist(_ record: BroadcastRecord) {
        do {
            try store.update(record)
        } catch {
            logger.error("cannot record the progress of a broadcast", metadata: [
                "broadcast": "\(record.id)", "state": "\(record.state.rawValue)", "error": "\(error)",
            ])
        }
    }

    /// Stops what plays on `outputs`; with `clear`, cancels what waits there too.
    public func stop(outputs: [String], clear: Bool) {
        for output in outputs where arbiters[output] != nil { feed(output, .stop(clear: clear)) }
    }

    /// Cancels one broadcast, waiting or playing; false when it is not active.
    public func cancel(id: String) throws -> Bool {
        guard let record = try store.broadcast(id: id), record.state != .done else { return false }
        feed(record.output, .cancel(id: id))
        return true
    }

    // MARK: Schedule

    /// Handles every occurrence up to now; returns when to wake next.
    @discardableResult
    public func runSchedule() -> Instant? {
        let t = now()
        let decisions = scheduler.advance(to: t) { planned, kind in
            let claimed = (try? store.claim(entry: planned.entry, output: planned.output,
                                            plannedAt: planned.time.microseconds, broadcast: nil, outcome: nil)) ?? false
            return claimed
        }
        for decision in decisions { apply(decision, at: t) }
        try? store.setHorizon(t.microseconds)
        for output in Array(arbiters.keys) { feed(output, .tick) }
        return nextWake()
    }

    /// The wall clock was set (a timerfd cancel): re-walk or catch up.
    public func clockChanged() -> Instant? {
        scheduler.clockChanged(now: now())
        return runSchedule()
    }

    /// The next scheduled occurrence or waiting deadline.
    public func nextWake() -> Instant? {
        ([scheduler.nextWake()] + arbiters.values.map(\.nextDeadline)).compactMap { $0 }.min()
    }

    private func apply(_ decision: SchedulerDecision, at t: Instant) {
        let p = decision.planned
        var record = BroadcastRecord(id: newID(), source: .schedule, entry: p.entry, message: p.message, output: p.output,
                                     zone: p.zone, priority: .scheduled, plannedLanguages: p.languages,
                                     repeatCount: p.repeatCount, plannedAt: p.time.microseconds,
                                     deadline: p.deadline.microseconds)
        switch decision.kind {
        case .enqueue(let deadline, _):
            record.deadline = deadline.microseconds
            do {
                try submit(record)
            } catch {
                logger.error("cannot queue a scheduled broadcast", metadata: ["output": "\(p.output)", "error": "\(error)"])
                finish(&record, outcome: .failed, reason: "\(error)", at: t, insert: true)
            }
        case .skip(let reason):
            finish(&record, outcome: BroadcastOutcome(rawValue: reason.outcome) ?? .skipped, reason: reason.description,
                   at: t, insert: true)
        case .missed(let reason):
            finish(&record, outcome: .missed, reason: reason, at: t, insert: true)
        }
    }

    func newID() -> String {
        while true {
            let id = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
            if (try? store.broadcast(id: id)) == nil { return id }
        }
    }

    // MARK: Arbiter actions

    func feed(_ output: String, _ event: Arbiter.Event) {
        guard var arbiter = arbiters[output] else { return }
        let actions = arbiter.handle(event, now: now())
        arbiters[output] = arbiter
        perform(output, actions)
    }

    private func perform(_ output: String, _ actions: [Arbiter.Action]) {
        let t = now()
        for action in actions {
            switch action {
            case .start(let id, let segment):
                guard var record = try? store.broadcast(id: id) else { continue }
                record.state = .playing
                persist(record)
                let builder = self.builder
                let playing = record
                players[output]?.play(id: id, from: segment) { builder.program(for: playing).0 }
            case .fadeStop(let id):
                players[output]?.stop(id: id)
            case .record(let id, let outcome, let reason):
                guard var record = try? store.broadcast(id: id) else { continue }
                var outcome = outcome
                var reason = reason
                if outcome == .completed, record.frames == 0 {
                    outcome = .failed
                    reason = "no recording could be played"
                }
                finish(&record, outcome: outcome, reason: reason ?? record.reason, at: t)
            case .requeue(let id, let segment):
                guard var record = try? store.broadcast(id: id) else { continue }
                record.state = .queued
                record.segment = segment
                persist(record)
            case .reject(let id, let reason):
                guard var record = try? store.broadcast(id: id) else { continue }
                finish(&record, outcome: .failed, reason: reason, at: t)
            }
        }
        onReschedule()
    }

    private func finish(_ record: inout BroadcastRecord, outcome: BroadcastOutcome, reason: String?, at t: Instant,
                        insert: Bool = false) {
        record.state = .done
        record.outcome = outcome
        record.reason = reason
        record.endedAt = t.microseconds
        do {
            if insert { try store.insert(record) } else { try store.update(record) }
        } catch {
            logger.error("cannot record a broadcast", metadata: ["broadcast": "\(record.id)", "error": "\(error)"])
        }
        logger.info("broadcast \(outcome.rawValue)", metadata: [
            "broadcast": "\(record.id)", "output": "\(record.output)", "message": "\(record.message)",
            "reason": "\(reason ?? "")",
        ])
    }

    // MARK: Player reports

    func playerReported(output: String, _ report: PlayerReport) {
        switch report {
        case .segmentStarted(let id, let segment, let label):
            if var record = try? store.broadcast(id: id) {
                record.segment = segment
                if record.plannedLanguages.contains(label), !record.playedLanguages.contains(label) {
                    record.playedLanguages.append(label)
                }
                persist(record)
            }
            feed(output, .segmentStarted(id: id, segment: segment))
        case .firstFrame(let id, let at):
            // Kept from the first play: a broadcast resumed after an interruption started earlier.
            if var record = try? store.broadcast(id: id), record.startedAt == nil {
                // `at` is the system's time; the engine's clock may differ (a test's offset).
                record.startedAt = at.microseconds + (now().microseconds - Instant(Date()).microseconds)
                persist(record)
            }
        case .finished(let id, let result):
            if var record = try? store.broadcast(id: id) {
                record.frames += result.frames
                record.xruns += result.xruns
                // A recording broken or deleted since the last check: the rest played; say which did not.
                let failed = result.segments.compactMap { segment -> String? in
                    if case .failed(let error) = segment.2 { "\(segment.1) (\(error))" } else { nil }
                }
                if !failed.isEmpty {
                    record.reason = "not played: " + failed.joined(separator: "; ")
                    logger.warning("a recording could not be played", metadata: ["broadcast": "\(id)", "output": "\(output)",
                                                                              "reason": "\(record.reason ?? "")"])
                }
                persist(record)
            }
            switch result.outcome {
            case .completed:
                feed(output, .completed(id: id))
            case .cancelled(let segment):
                feed(output, .cancelled(id: id, segment: segment))
            case .deviceFailed(let segment, let error):
                logger.error("output unavailable", metadata: ["output": "\(output)", "error": "\(error)"])
                feed(output, .deviceFailed(id: id, segment: segment))
                players[output]?.probe(after: 1)
            }
        case .deviceBack:
            feed(output, .deviceBack)
        }
    }
}
