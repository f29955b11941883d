// What the engine does when asked: admit a broadcast, stop, cancel, move an output, and tell its
// state. Every source of broadcasts (the control socket, the console, the fleet, alerts, live talk)
// comes through `admit`, which decides with LabaCore's `Admission`.

import Foundation
import LabaCore
import LabaStore

/// The admitted part of a request, as records, and what each other output refused.
public struct Admitted: Sendable {
    public var records: [BroadcastRecord]
    public var refused: [Refusal]
}

extension Engine {
    public var configuration: Config { setup.config }
    /// The recordings of the configuration in force (the console's coverage matrix).
    public var library: MessageLibrary { setup.library }
    /// The engine's clock (a test offset included), for pages that show what comes next.
    public func currentTime() -> Instant { now() }
    /// The zone tree in force: where a requester's zones reach.
    public var zoneTree: ZoneTree { builder.tree }

    /// Everything admission looks at besides the request, as it is at `t`: one context for every
    /// way in.
    func admissionContext(at t: Instant) -> Admission.Context {
        Admission.Context(config: setup.config, tree: builder.tree, library: setup.library,
                          outputZones: scheduler.planner.outputZones, waiting: waitingCounts, now: t)
    }

    /// Admits a request on every output it reaches and queues it there.
    ///
    /// Committed to the store before this returns, except an emergency the disk cannot take, which
    /// plays from memory (SPEC 5).
    /// - Throws: `Refusal` when no output admitted it; `.storageFull` when the store
    ///   cannot take a non-emergency broadcast (nothing is queued then).
    public func admit(_ request: AdmissionRequest) throws(Refusal) -> Admitted {
        let context = admissionContext(at: now())
        let admission = try Admission.admit(request, in: context)
        let records = admission.admitted.map { BroadcastRecord(id: newID(), $0) }
        try enqueue(records, durable: true)
        rearm()
        return Admitted(records: records, refused: admission.refused)
    }

    /// Admits a fleet command's broadcast through the same admission as every request, and lets
    /// `commit` store it with whatever must go in the same transaction (the command's claim and ack).
    ///
    /// - Parameters:
    ///   - unplayed: the outcome and reason of a command that must not play (it arrived expired):
    ///     its records are written done, and their reports are given to `commit`.
    ///   - commit: stores the records and the reports of those done; returns false when the
    ///     command was claimed before (a repeat delivery): nothing is queued then.
    /// - Returns: the admitted part, or nil when `commit` returned false.
    /// - Throws: `Refusal` when no output admitted it; `.storageFull` when `commit`
    ///   throws, except for an emergency, which then plays from memory (SPEC 5).
    public func admitCommand(_ request: AdmissionRequest, unplayed: (outcome: BroadcastOutcome, reason: RecordReason)? = nil,
                             commit: @Sendable ([BroadcastRecord], [(topic: String, payload: Data)]) throws -> Bool)
        throws(Refusal) -> Admitted? {
        let t = now()
        let context = admissionContext(at: t)
        let admission = try Admission.admit(request, in: context)
        var records = admission.admitted.map { BroadcastRecord(id: newID(), $0) }
        if let unplayed {
            for i in records.indices {
                records[i].state = .done
                records[i].outcome = unplayed.outcome
                records[i].recordReason = unplayed.reason
                records[i].endedAt = t.microseconds
            }
        }
        do {
            guard try commit(records, reports(records)) else { return nil }
        } catch {
            guard unplayed == nil, request.priority == .emergency else {
                logger.error("a fleet command was refused: the state dir cannot store it", metadata: ["error": "\(error)"])
                throw Refusal.storageFull("\(error)")
            }
            // An emergency plays from memory; its records are written when the disk takes them.
            for record in records { write(record) }
        }
        if unplayed == nil {
            queueStored(records)
        } else {
            for record in records {
                publish(.broadcast(record))
                logger.info("broadcast \(record.outcome?.rawValue ?? "done")", metadata: [
                    "broadcast": "\(record.id)", "output": "\(record.output)", "message": "\(record.message)",
                    "reason": "\(record.reason ?? "")",
                ])
            }
        }
        rearm()
        return Admitted(records: records, refused: admission.refused)
    }

    /// Takes a new library with the same configuration (a recording received from the fleet):
    /// from the next broadcast on, it plays.
    public func replaceLibrary(_ library: MessageLibrary) {
        reload(setup.with(library: library, now: now()))
    }

    /// The configuration and recordings in force.
    public var currentSetup: Setup { setup }

    /// The outputs serving `target` now.
    public func outputs(serving target: AdmissionRequest.Target) throws(Refusal) -> [String] {
        try Rules.outputs(for: target, config: setup.config, tree: builder.tree, outputZones: scheduler.planner.outputZones)
    }

    /// Stops what plays on the outputs serving `target` (and with `clear`, what waits there).
    /// - Returns: the outputs reached.
    public func stop(_ target: AdmissionRequest.Target, clear: Bool) throws(Refusal) -> [String] {
        let outputs = try outputs(serving: target)
        for output in outputs { feed(output, .stop(clear: clear)) }
        rearm()
        return outputs
    }

    /// Cancels one broadcast, waiting or playing.
    ///
    /// - Returns: the record as it is now (a playing one is fading out).
    /// - Throws: `.notFound`, or `.alreadyEnded` for a broadcast that is done.
    public func cancel(id: String) throws(Refusal) -> BroadcastRecord {
        guard let record = live[id] else {
            if let done = self.record(id: id) { throw Refusal(.alreadyEnded, ["id": id, "outcome": done.outcome?.rawValue ?? "done"]) }
            throw .notFound(id)
        }
        feed(record.output, .cancel(id: id))
        rearm()
        return live[id] ?? self.record(id: id) ?? record
    }

    /// One broadcast: the engine's copy while it is live, the store's once done.
    public func record(id: String) -> BroadcastRecord? {
        live[id] ?? behind[id] ?? (try? store.broadcast(id: id)) ?? nil
    }

    /// History and queue, newest first; what waits or plays comes from memory.
    public func history(_ filter: BroadcastFilter) -> [BroadcastRecord] {
        var records = (try? store.broadcasts(filter)) ?? []
        // The engine's copies are newer than the store's (and may not be there at all, when behind).
        let fresh = live.merging(behind) { a, _ in a }
        records = records.map { fresh[$0.id] ?? $0 }
        let known = Set(records.map(\.id))
        records += fresh.values.filter { !known.contains($0.id) && filter.matches($0) }
        records = records.filter(filter.matches)
        records.sort { ($0.plannedAt, $0.id) > ($1.plannedAt, $1.id) }
        return Array(records.prefix(filter.limit))
    }

    /// Each output's zone now (a van's follows its position): what a fleet command's scope is
    /// checked against, without building the whole status on the command's way to its first frame.
    public func outputZones() -> [String: String] {
        Dictionary(setup.config.outputs.map { ($0.id.value, scheduler.planner.outputZones[$0.id.value] ?? $0.zone.value) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// - Parameter withNext: whether to look up each output's next scheduled broadcast (the
    ///   fleet's status, published on every change, leaves it out).
    public func status(withNext: Bool = true) -> EngineStatus {
        let t = now()
        var outputs = setup.config.outputs.map { output in
            let id = output.id.value
            let arbiter = arbiters[id]
            return OutputStatus(
                id: id, device: output.device.value, zone: scheduler.planner.outputZones[id] ?? output.zone.value,
                available: arbiter?.available ?? false, playing: arbiter?.playing.flatMap { live[$0.id] },
                queue: arbiter?.queue.map(\.id) ?? [],
                next: withNext ? scheduler.planner.upcoming(after: t, count: 1, output: id).first : nil)
        }
        for i in outputs.indices {
            outputs[i].gps = gpsStatus(of: outputs[i].id)
            outputs[i].power = powerStatus(of: outputs[i].id)
            outputs[i].monitor = monitorStatus(of: outputs[i].id)
            if let output = setup.config.output(outputs[i].id) {
                outputs[i].volume = VolumeStatus(db: output.operatorVolumeDB ?? 0, range: output.allowedVolume)
            }
        }
        return EngineStatus(outputs: outputs, recordsBehind: behind.count + behindClaims.count, warnings: setup.warnings)
    }

    /// The next `count` scheduled broadcasts from `from` (default now), as planned with the
    /// outputs' current zones.
    public func schedule(from: Instant?, count: Int, zone: String?, output: String?) throws(Refusal) -> [PlannedBroadcast] {
        let planner = scheduler.planner
        if let zone, planner.tree[zone] == nil { throw .unknownZone(zone) }
        if let output, setup.config.output(output) == nil { throw .unknownOutput(output) }
        let start = from ?? now()
        return Array(planner.broadcasts(after: Instant(microseconds: start.microseconds - 1), zone: zone, output: output)
            .prefix(count))
    }

    /// Moves a (mobile) output to another zone, persistently. From now on it follows that zone's
    /// schedule and languages; scheduled broadcasts still waiting for the old zone are dropped, with
    /// the reason recorded.
    public func move(output: String, to zone: String) throws(Refusal) -> OutputStatus {
        try move(output: output, to: zone, cause: .operator)
    }

    /// The move, by an operator or by the output's position (recorded with it).
    func move(output: String, to zone: String, cause: MoveCause) throws(Refusal) -> OutputStatus {
        guard setup.config.output(output) != nil else { throw .unknownOutput(output) }
        guard builder.tree[zone] != nil else { throw .unknownZone(zone, among: builder.tree.ids) }
        do {
            try store.setZone(zone, of: output, at: now().microseconds)
        } catch {
            throw .storageFull("\(error)")
        }
        let from = scheduler.planner.outputZones[output]
        scheduler.setZone(zone, of: output)
        for item in arbiters[output]?.queue ?? [] {
            guard let record = live[item.id], record.source == .schedule, record.zone != zone else { continue }
            feed(output, .cancel(id: item.id, reason: RecordReason(.outputMoved, ["from": from ?? "?", "to": zone])))
        }
        noteMove(output: output, from: from, to: zone, cause: cause, at: now())
        logger.notice("output moved", metadata: moveMetadata(output: output, from: from, to: zone, cause: cause))
        publish(.output(output))
        rearm()
        return status().outputs.first { $0.id == output }!
    }
}
