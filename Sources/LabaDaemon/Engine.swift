// The engine: the owner of every live broadcast. It holds the arbiters of all outputs, the
// scheduler core and the broadcasts that wait or play, in memory; it writes the store on each
// transition and never reads it on the hot path. An actor, so that scheduler wake-ups, requests and
// player reports are handled one at a time; players run on their own threads and report back.

import Foundation
import LabaAudio
import LabaCore
import LabaStore
import Logging

/// Everything the engine needs from the configuration, resolved once per load.
public struct Setup: Sendable {
    public var config: Config
    public var library: MessageLibrary
    /// What `laba check` would warn about in this configuration.
    public var warnings: [Diagnostic]
    /// The technician's configuration alone (`config` holds the operators' entries too).
    public var technician: Config
    /// The operators' schedule as read, and its entries that do not play (with the reason).
    public var operators: OperatorScheduleLoad = .none(OperatorSchedule.fileName)
    public var disabled: [String: String] = [:]
    public var disabledDiagnostics: [String: Diagnostic] = [:]
    /// The loader's own diagnostics (those that do not depend on the recordings).
    public var configDiagnostics: [Diagnostic] = []
    /// `message/language` of each recording the schedule needs and the library lacks, sorted.
    public var recordingsMissing: [String] = []

    public init(config: Config, library: MessageLibrary, warnings: [Diagnostic] = []) {
        self.config = config
        self.library = library
        self.warnings = warnings
        technician = config
    }

    /// Checks `config` against `library` as `laba check` does; `warnings` then holds every
    /// diagnostic, errors included.
    public init(config: Config, configDiagnostics: [Diagnostic], library: MessageLibrary, now: Instant) {
        let check = ConfigCheck(config: config, library: library, now: now)
        self.init(config: config, library: library, warnings: (configDiagnostics + check.diagnostics).sortedByLocation())
        self.configDiagnostics = configDiagnostics
        recordingsMissing = Set(check.coverage.gaps.flatMap { gap in gap.missing.map { "\(gap.message)/\($0)" } }).sorted()
    }

    /// The same configuration with another library (a recording received from the fleet).
    public func with(library: MessageLibrary, now: Instant) -> Setup {
        var copy = Setup(config: config, configDiagnostics: configDiagnostics, library: library, now: now)
        copy.technician = technician
        copy.operators = operators
        copy.disabled = disabled
        copy.disabledDiagnostics = disabledDiagnostics
        return copy
    }
}

/// What the engine refuses beyond admission's rules.

/// What changed, for whoever follows the engine (the console's live page, the fleet's reports,
/// tests waiting for an event instead of a time).
public enum EngineEvent: Sendable {
    /// A broadcast was queued, started, or ended (its record as it is now).
    case broadcast(BroadcastRecord)
    /// An output moved or changed availability.
    case output(String)
    /// The scheduler handled every occurrence up to this instant (after a wake or a clock change).
    case scheduleWalked(horizon: Instant, clockChanged: Bool)
    case reloaded
}

/// Where the engine asks to be woken: the scheduling loop's timer.
public protocol WakeTimer: Sendable {
    /// Arms the timer for an absolute instant of the engine's clock; nil: no wake needed.
    func arm(_ wake: Instant?)
}

public actor Engine {
    let store: Store
    let loudness: LoudnessCache
    let logger: Logger
    /// The daemon's clock: the only source of "now" (tests pass a manual one).
    let now: @Sendable () -> Instant
    let timer: any WakeTimer
    let players: PlayerPool
    var setup: Setup
    var builder: ProgramBuilder
    var scheduler: SchedulerCore
    var arbiters: [String: Arbiter] = [:]
    /// Every broadcast that waits or plays, by id: the engine's own copy, written through to the store.
    var live: [String: BroadcastRecord] = [:]
    /// Records and occurrence claims the store did not take (a full disk), retried at each write.
    var behind: [String: BroadcastRecord] = [:]
    var behindClaims: [PlannedBroadcast] = []
    /// Zones' areas, outputs that follow GPS, alerts' repeats (EnginePlaces, EngineAlerts).
    var places: PlacesState
    /// Live talks under way, and the last ones ended (for the CLI's last word) (EngineLive).
    var talks: [String: LiveTalk] = [:]
    var endedTalks: [String: LiveSummary] = [:]
    /// `endedTalks`' ids, oldest first: the oldest go when more than 16 are kept.
    var endedOrder: [String] = []
    /// Amplifiers switched for each broadcast (EnginePower).
    var power = PowerRoom()
    /// The off-air check of each output with `monitor:` (EngineMonitor).
    var monitors: [String: MonitorStatus] = [:]
    private var followers: [UUID: AsyncStream<EngineEvent>.Continuation] = [:]
    private var shuttingDown = false
    /// A fleet unit's report of a finished broadcast (topic and payload), written with its record.
    var reporter: (@Sendable (BroadcastRecord) -> (topic: String, payload: Data)?)?

    /// - Parameters:
    ///   - now: the clock; tests pass a manual one.
    ///   - timer: told the next wake-up once per event handled.
    public init(setup: Setup, store: Store, loudness: LoudnessCache, players: PlayerPool, timer: any WakeTimer,
                logger: Logger, now: @escaping @Sendable () -> Instant) throws {
        self.setup = setup
        self.store = store
        self.loudness = loudness
        self.players = players
        self.timer = timer
        self.logger = logger
        self.now = now
        self.builder = ProgramBuilder(config: setup.config, tree: ZoneTree(setup.config), library: setup.library, loudness: loudness)
        // A ledger written when entries were named by position takes the stable ids, once.
        var renames: [String: String] = [:]
        for zone in setup.config.zones {
            for (index, entry) in zone.schedule.enumerated() { renames["\(zone.id.value)#\(index + 1)"] = entry.id }
        }
        if try store.adoptEntryIDs(renames) { logger.info("schedule entries now have stable ids") }
        let tree = builder.tree
        let zones = try store.outputZones().filter { tree[$0.value] != nil }
        let horizon = try store.horizon().map(Instant.init(microseconds:)) ?? now()
        self.scheduler = SchedulerCore(planner: Planner(config: setup.config, library: setup.library, outputZones: zones),
                                       horizon: horizon)
        self.places = PlacesState(config: setup.config, tree: tree, outputZones: scheduler.planner.outputZones)
        for output in setup.config.outputs { arbiters[output.id.value] = Arbiter() }
    }

    /// Starts one player per output and takes up what was queued or playing when Laba last stopped.
    public func start() throws {
        for output in setup.config.outputs { players.add(output) }
        configurePower()
        let t = now()
        for record in try store.unfinished() {
            var r = record
            guard arbiters[r.output] != nil else {
                finish(&r, outcome: .failed, reason: RecordReason(.outputNotConfigured), at: t)
                continue
            }
            if endOrphanedLive(&r, at: t) { continue }
            r.state = .queued
            live[r.id] = r
            write(r)
            feed(r.output, .enqueue(item(r)))
        }
        loadAlertRepeats()
        rearm()
    }

    /// Stops every player: what plays fades out, each thread is joined, and what was cut waits in
    /// the store to resume after the restart (by its deadline). For shutdown.
    public func shutdown() {
        shuttingDown = true
        for talk in talks.values { talk.capture.stop(reason: RecordReason(.labadStopped)) }
        // Each capture closes its recording (the FLAC's last block and header) before labad exits.
        for talk in talks.values { _ = talk.capture.waitUntilFinished(timeout: 2) }
        players.shutdown()
        powerShutdown()
        for continuation in followers.values { continuation.finish() }
        followers.removeAll()
    }

    /// Takes a new configuration: what plays goes on; the schedule, languages and gains follow the
    /// new file from the next broadcast on. Outputs that were removed stop; new ones start; an
    /// output whose device changed opens the new one from its next broadcast (or probe) on.
    public func reload(_ setup: Setup) {
        self.setup = setup
        builder = ProgramBuilder(config: setup.config, tree: ZoneTree(setup.config), library: setup.library, loudness: loudness)
        let tree = builder.tree
        let zones = scheduler.planner.outputZones.filter { tree[$0.value] != nil }
        scheduler = SchedulerCore(planner: Planner(config: setup.config, library: setup.library, outputZones: zones),
                                  horizon: scheduler.horizon)
        reloadPlaces()
        let t = now()
        for id in Array(arbiters.keys) where setup.config.output(id) == nil {
            players.remove(id)
            arbiters[id] = nil
            for var record in live.values where record.output == id {
                finish(&record, outcome: .stopped, reason: RecordReason(.outputRemoved), at: t)
            }
        }
        for output in setup.config.outputs {
            if arbiters[output.id.value] == nil { arbiters[output.id.value] = Arbiter() }
            players.add(output)
        }
        configurePower()
        publish(.reloaded)
        rearm()
    }

    /// Makes every finished broadcast leave its report in the store's outbox, in the same
    /// transaction as its record (a fleet unit's `unit/<id>/record`).
    public func setReporter(_ reporter: @escaping @Sendable (BroadcastRecord) -> (topic: String, payload: Data)?) {
        self.reporter = reporter
    }

    /// The reports of finished broadcasts, for a caller that stores them itself.
    func reports(_ records: [BroadcastRecord]) -> [(topic: String, payload: Data)] {
        guard let reporter else { return [] }
        return records.filter { $0.state == .done }.compactMap(reporter)
    }

    // MARK: Following

    /// A stream of what changes from now on; it ends at shutdown or when the caller stops reading.
    public func follow() -> AsyncStream<EngineEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: EngineEvent.self, bufferingPolicy: .bufferingNewest(1000))
        let id = UUID()
        followers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unfollow(id) }
        }
        return stream
    }

    private func unfollow(_ id: UUID) { followers[id] = nil }

    func publish(_ event: EngineEvent) {
        for continuation in followers.values { continuation.yield(event) }
    }

    // MARK: Queueing

    /// Queues admitted broadcasts. With `durable`, each is committed to the store first, or none is
    /// queued (`Refusal.storageFull`), except emergencies, which play from memory and are
    /// recorded when the disk takes them.
    func enqueue(_ records: [BroadcastRecord], durable: Bool) throws(Refusal) {
        if durable, !records.allSatisfy({ $0.priority == .emergency }) {
            flushBehind()
            do {
                try store.insert(records)
            } catch {
                logger.error("a broadcast was refused: the state dir cannot store it", metadata: ["error": "\(error)"])
                throw .storageFull("\(error)")
            }
        } else {
            for record in records { write(record) }
        }
        queueStored(records)
    }

    /// Queues broadcasts already in the store.
    func queueStored(_ records: [BroadcastRecord]) {
        for record in records {
            live[record.id] = record
            publish(.broadcast(record))
            feed(record.output, .enqueue(item(record)))
        }
    }

    /// The broadcasts waiting on each output that count against its queue limit.
    var waitingCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for (id, arbiter) in arbiters { counts[id] = arbiter.waiting }
        return counts
    }

    func item(_ r: BroadcastRecord) -> ArbiterItem {
        ArbiterItem(id: r.id, priority: r.priority, plannedAt: Instant(microseconds: r.plannedAt),
                    deadline: r.deadline.map(Instant.init(microseconds:)), segment: r.segment, resumes: !r.isSiren)
    }

    func newID() -> String {
        while true {
            let id = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
            if live[id] == nil, behind[id] == nil, (try? store.broadcast(id: id)) == nil { return id }
        }
    }

    // MARK: Writing

    /// Writes a record's new state. The one policy for a store that refuses (a full disk): the
    /// broadcast goes on from memory, the record is kept and written at the next write the disk
    /// accepts, and `laba status` counts what is behind.
    func write(_ record: BroadcastRecord) {
        flushBehind()
        do {
            try store.save(record, reporting: record.state == .done ? reporter?(record) : nil, at: now().microseconds)
        } catch {
            if behind.isEmpty {
                logger.error("cannot record a broadcast; it goes on from memory", metadata: [
                    "broadcast": "\(record.id)", "state": "\(record.state.rawValue)", "error": "\(error)",
                ])
            }
            behind[record.id] = record
        }
    }

    /// Retries what the store refused before.
    private func flushBehind() {
        guard !behind.isEmpty || !behindClaims.isEmpty else { return }
        do {
            for record in behind.values.sorted(by: { $0.plannedAt < $1.plannedAt }) {
                try store.save(record, reporting: record.state == .done ? reporter?(record) : nil, at: now().microseconds)
                behind[record.id] = nil
            }
            while let p = behindClaims.first {
                _ = try store.claim(entry: p.entry, output: p.output, plannedAt: p.time.microseconds, broadcast: nil, outcome: nil)
                behindClaims.removeFirst()
            }
            logger.notice("the state dir takes records again; every record is written")
        } catch {
            // Still refused: kept for the next write.
        }
    }

    func finish(_ record: inout BroadcastRecord, outcome: BroadcastOutcome, reason: RecordReason?, at t: Instant) {
        record.state = .done
        record.outcome = outcome
        // A reason of an older version's record (prose) stays when no new one is given.
        if let reason { record.recordReason = reason } else if record.reasonCode != nil { record.recordReason = nil }
        record.endedAt = t.microseconds
        live[record.id] = nil
        write(record)
        publish(.broadcast(record))
        liveRecordFinished(record)
        logger.info("broadcast \(outcome.rawValue)", metadata: [
            "broadcast": "\(record.id)", "output": "\(record.output)", "message": "\(record.message)",
            "reason": "\(reason?.description ?? "")",
        ])
    }

    // MARK: Arbiter actions

    /// Feeds one event to an output's arbiter and carries out its actions. Callers re-arm the
    /// timer once when they are done (`rearm`), not once per feed.
    func feed(_ output: String, _ event: Arbiter.Event) {
        guard var arbiter = arbiters[output] else { return }
        let t = now()
        let actions = arbiter.handle(event, now: t)
        arbiters[output] = arbiter
        for action in actions { perform(output, action, at: t) }
        if arbiters[output]?.isIdle == true { amplifierIdle(output, at: t) }
    }

    private func perform(_ output: String, _ action: Arbiter.Action, at t: Instant) {
        switch action {
        case .start(let id, let segment):
            guard var record = live[id] else {
                // Never expected: the arbiter plays only what the engine holds. Free the output.
                logger.error("a broadcast to start is unknown", metadata: ["broadcast": "\(id)", "output": "\(output)"])
                feed(output, .cancelled(id: id, segment: 0))
                return
            }
            record.state = .playing
            stampPosition(&record)
            live[id] = record
            write(record)
            publish(.broadcast(record))
            // An amplifier with `power:` that is off warms up first (runPower starts it then).
            guard amplifierReady(output, id: id, segment: segment, at: t) else { return }
            beginPlayback(output, id, segment, at: t)
        case .fadeStop(let id):
            if cancelPendingStart(output, id: id) { return }
            players.stop(output: output, id: id)
        case .record(let id, let outcome, let reason):
            guard var record = live[id] else { return }
            var outcome = outcome
            var reason = reason ?? record.recordReason
            if outcome == .completed, record.frames == 0 {
                outcome = .failed
                reason = record.recordReason ?? RecordReason(.nothingPlayed)
            }
            finish(&record, outcome: outcome, reason: reason, at: t)
        case .requeue(let id, let segment):
            guard var record = live[id] else { return }
            // A talk muted by a higher broadcast as its capture ended: nothing is left to rejoin.
            if record.source == .live, talk(of: id).map({ $0.capture.isFinished }) ?? true {
                feed(output, .cancel(id: id, reason: record.recordReason ?? RecordReason(.talkEnded)))
                return
            }
            record.state = .queued
            record.segment = segment
            live[id] = record
            write(record)
            publish(.broadcast(record))
        case .reject(let id, let reason):
            guard var record = live[id] else { return }
            finish(&record, outcome: .failed, reason: reason, at: t)
        }
    }

    /// Hands a started broadcast to its output's player (or its talk's feed): at its start, or
    /// when its amplifier is warm.
    func beginPlayback(_ output: String, _ id: String, _ segment: Int, at t: Instant) {
        guard let record = live[id] else { return }
        if record.source == .live {
            if !startLivePlayback(record, on: output) {
                // The talk's own reason, once its end is known (liveEnded), is kept.
                if live[id]?.reason == nil { live[id]?.recordReason = RecordReason(.talkEnded) }
                feed(output, .completed(id: id))
            }
            return
        }
        let builder = self.builder
        let nightDB = nightVolume(of: record, at: t)
        players.play(output: output, id: id, from: segment) { try builder.program(for: record, nightDB: nightDB).0 }
    }

    /// The night volume's change of gain for a broadcast starting at `t` in its zone: fixed for
    /// the program (SPEC 18); 0 for emergencies and signals.
    func nightVolume(of record: BroadcastRecord, at t: Instant) -> Double {
        guard let zone = builder.tree[record.zone], !zone.volumeSchedule.isEmpty else { return 0 }
        var local = ZoneConverter(setup.config.timeZone)
        let decision = NightVolume.decide(zone: zone, at: local.civil(t), priority: record.priority,
                                          siren: record.isSiren, scheduled: false)
        if decision.gainDB != 0 {
            logger.info("night volume", metadata: ["broadcast": "\(record.id)", "gain_db": "\(decision.gainDB)"])
        }
        return decision.gainDB
    }

    /// Arms the scheduling loop's timer for the next occurrence or waiting deadline: once per event.
    func rearm() {
        timer.arm(nextWake())
    }

    /// The next scheduled occurrence or waiting deadline.
    public func nextWake() -> Instant? {
        ([scheduler.nextWake(), places.nextRepeat, powerWake] + arbiters.values.map(\.nextDeadline)).compactMap { $0 }.min()
    }

    // MARK: Player reports

    /// How many segment facts a record keeps (SPEC 16): a program's segments for a few passes.
    static let maxSegmentFacts = 64

    public func playerReported(_ report: PlayerReport) {
        defer { rearm() }
        switch report {
        case .segmentStarted(let output, let id, let segment, let label):
            if var record = live[id] {
                record.segment = segment
                // A language counts as played once a pass played it through (segmentEnded), not
                // when it starts; the fact keeps where and when it started (SPEC 16).
                // At most `maxSegmentFacts` of them: a loop (an emergency until stopped) would otherwise
                // grow its record, and the time to write it, with every pass. The first passes say
                // what coverage needs.
                let zone = places.followers[output]?.zone ?? record.zone
                if (record.segments?.count ?? 0) < Self.maxSegmentFacts {
                    record.segments = (record.segments ?? []) + [SegmentFact(index: segment, label: label, pass: 0,
                                                                             startedAt: now().microseconds, zone: zone)]
                }
                live[id] = record
                write(record)
                // Followers show the progress by language (the console's overview).
                publish(.broadcast(record))
            }
            feed(output, .segmentStarted(id: id, segment: segment))
        case .segmentEnded(_, let id, let segment, let pass, let planned, let played):
            if var record = live[id], let at = record.segments?.lastIndex(where: { $0.index == segment && !$0.ended }) {
                record.segments?[at].pass = pass
                record.segments?[at].planned = planned
                record.segments?[at].played = played
                record.segments?[at].ended = true
                if let fact = record.segments?[at], fact.isPlayed, record.plannedLanguages.contains(fact.label),
                   !record.playedLanguages.contains(fact.label) {
                    record.playedLanguages.append(fact.label)
                }
                live[id] = record
                write(record)
                // Followers show the progress by language (the console's overview).
                publish(.broadcast(record))
            }
        case .firstFrame(_, let id):
            // Stamped by the engine's clock; kept from the first play (a resumed broadcast started earlier).
            if var record = live[id], record.startedAt == nil {
                record.startedAt = now().microseconds
                live[id] = record
                write(record)
                publish(.broadcast(record))
            }
        case .finished(let output, let id, let result):
            if var record = live[id] {
                record.frames += result.frames
                record.xruns += result.xruns
                if let rate = result.format?.rate { record.rate = rate }
                for segment in result.segments {
                    switch segment.outcome {
                    case .played(let frames), .cut(let frames): record.segmentFrames[segment.label, default: 0] += frames
                    case .failed: break
                    }
                    // A segment the device cut reported no end of its own: close its fact here.
                    if case .cut(let frames) = segment.outcome,
                       let at = record.segments?.lastIndex(where: { $0.index == segment.index && !$0.ended }) {
                        record.segments?[at].played = frames
                        record.segments?[at].ended = true
                    }
                }
                // A recording broken or deleted since the last check: the rest played; say which did not.
                let failed = result.segments.compactMap { segment -> String? in
                    if case .failed(let error) = segment.2 { "\(segment.1) (\(error))" } else { nil }
                }
                if !failed.isEmpty {
                    record.recordReason = RecordReason(.notPlayed, ["segments": failed.joined(separator: "; ")])
                    logger.warning("a recording could not be played", metadata: ["broadcast": "\(id)", "output": "\(output)",
                                                                              "reason": "\(record.reason ?? "")"])
                }
                live[id] = record
            }
            // Cut by the shutdown: it resumes at the next start, from its segment. Not a live talk,
            // whose capture ends with the daemon: it is recorded stopped, as when its capture ends first.
            if shuttingDown, case .cancelled(let segment) = result.outcome, var record = live[id], record.source != .live {
                record.state = .queued
                record.segment = segment
                write(record)
                return
            }
            switch result.outcome {
            case .completed:
                feed(output, .completed(id: id))
            case .cancelled(let segment):
                feed(output, .cancelled(id: id, segment: segment))
            case .deviceFailed(let segment, let error):
                logger.error("output unavailable", metadata: ["output": "\(output)", "error": "\(error)"])
                feed(output, .deviceFailed(id: id, segment: segment))
                publish(.output(output))
                players.probe(output: output, after: 1)
            }
        case .unplayable(let output, let id, let reason):
            logger.error("a broadcast cannot be played", metadata: ["broadcast": "\(id)", "output": "\(output)", "reason": "\(reason)"])
            live[id]?.recordReason = RecordReason(.unplayable, ["detail": reason])
            feed(output, .completed(id: id))
        case .deviceBack(let output):
            feed(output, .deviceBack)
            publish(.output(output))
        case .heard(let output, let id, let result):
            monitorHeard(output: output, broadcast: id, result)
        case .monitorFailed(let output, _, let code, let problem):
            monitors[output, default: MonitorStatus()].problemCode = code
            monitors[output, default: MonitorStatus()].problem = problem
            publish(.output(output))
        }
    }
}
