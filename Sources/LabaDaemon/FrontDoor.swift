// The front door (SPEC 15): every way a broadcast arrives — the control API and so the CLI, the
// web console, fleet commands, alerts, live talk — enters here with a typed request and leaves
// with a typed outcome. The doors parse their transport and render the outcome; who may play
// what, where, and whether the fleet's units hear it too, is decided here and in LabaCore's rules.

import Foundation
import LabaControl
import LabaCore
import LabaFleet
import LabaStore
import Logging

/// An alert taken: its record here, and on a commander the command that forwarded it.
public struct AlertTaken: Sendable {
    public var receipt: AlertReceipt
    public var command: IssuedCommand?
}

/// The one way in. Thread rules: any task may call it; each call awaits the engine and the fleet.
public final class FrontDoor: Sendable {
    let engine: Engine
    let fleet: FleetService?
    let store: Store
    /// The operators' schedule, one editor for every door.
    let editor: ScheduleEditor
    public let stateDirectory: String
    /// Re-reads the configuration, as SIGHUP does (after a recording joins the library).
    let reload: @Sendable () async -> ReloadJSON
    let logger: Logger

    public init(engine: Engine, fleet: FleetService?, store: Store, editor: ScheduleEditor, stateDirectory: String,
                reload: @escaping @Sendable () async -> ReloadJSON, logger: Logger) {
        self.engine = engine
        self.fleet = fleet
        self.store = store
        self.editor = editor
        self.stateDirectory = stateDirectory
        self.reload = reload
        self.logger = logger
    }

    /// The daemon's clock (a test's offset included): every door's "now".
    public func now() async -> Instant { await engine.currentTime() }

    // MARK: Broadcasts

    /// Admits a broadcast on the outputs here and, on a commander whose target reaches into its
    /// `command_zones`, commands the units there. A request that arrived as a fleet command is
    /// never sent on again (its units heard the same command).
    ///
    /// - Throws: the refusal of the whole request: what no output here and no unit could take;
    ///   `.outsideZones` for a target outside the requester's zones (SPEC 17).
    public func broadcast(_ request: AdmissionRequest) async throws(Refusal) -> Broadcasts {
        var request = request
        request.priority = try Rules.requestedPriority(request.priority)
        request.target = try await confine(request.target, by: request.requestedBy)
        let fleetZones = await commandZones(for: request.target, from: request.source)
        guard let fleet, !fleetZones.isEmpty else {
            let admitted = try await engine.admit(request)
            return Broadcasts(records: admitted.records, refused: admitted.refused, command: nil)
        }
        return try await admitHere(request, commanding: fleetZones) { () async throws(Refusal) in
            try await fleet.commandBroadcast(request, message: request.messageName, zones: fleetZones)
        }
    }

    /// A commander's request: its own outputs as always, and `command` for the units of the zones
    /// it commands. What only the units can decide (a zone no output here serves, its quiet hours
    /// or languages) does not refuse the request; when the command cannot be issued, what was
    /// admitted here is cancelled.
    private func admitHere(_ request: AdmissionRequest, commanding zones: [String],
                           command: () async throws(Refusal) -> String) async throws(Refusal) -> Broadcasts {
        var outcome = Broadcasts(records: [], refused: [], command: nil)
        do {
            let admitted = try await engine.admit(request)
            (outcome.records, outcome.refused) = (admitted.records, admitted.refused)
        } catch where error.unitsDecide {
            outcome.refused = [error]
        }
        do {
            outcome.command = IssuedCommand(id: try await command(), zones: zones)
        } catch {
            for record in outcome.records { _ = try? await engine.cancel(id: record.id) }
            throw error
        }
        return outcome
    }

    /// A recording received by a door (the API's upload), broadcast as a message of its own.
    /// On a commander whose target reaches its units, the recording joins the fleet's library
    /// under its name (signed, retained) before the command that plays it.
    ///
    /// - Parameter path: the checked recording, kept under the state dir; removed when nothing
    ///   here plays it.
    public func broadcastRecording(at path: String, _ request: AdmissionRequest) async throws(Refusal) -> Broadcasts {
        var request = request
        let name = request.messageName
        request.content = .recording(path: path, name: name)
        do {
            request.target = try await confine(request.target, by: request.requestedBy)
        } catch {
            unlink(path)
            throw error
        }
        let fleetZones = await commandZones(for: request.target, from: request.source)
        guard let fleet, !fleetZones.isEmpty else {
            do {
                return try await broadcast(request)
            } catch {
                unlink(path)
                throw error
            }
        }
        do throws(Refusal) {
            // The fleet's library is every unit's: a limited requester's recording may not join it.
            try await checkLibraryChange(by: request.requestedBy)
            guard Config.isValidID(name) else { throw Refusal(.fleetRecordingName, ["name": name]) }
            guard (request.languages?.count ?? 0) <= 1 else { throw Refusal(.fleetRecordingLanguages) }
            _ = try await fleet.publishLibrary(path: path, message: name, language: request.languages?.first ?? Language.neutral)
            var asMessage = request
            asMessage.content = .message(name)
            let outcome = try await admitHere(request, commanding: fleetZones) { () async throws(Refusal) in
                try await fleet.commandBroadcast(asMessage, message: name, zones: fleetZones)
            }
            if outcome.records.isEmpty { unlink(path) }
            return outcome
        } catch {
            unlink(path)
            throw error
        }
    }

    /// A fleet command's broadcast on this unit: admitted as any request, its records stored by
    /// `commit` with the command's claim and ack (SPEC 11). Never sent on to other units.
    func broadcastCommand(_ request: AdmissionRequest, unplayed: (outcome: BroadcastOutcome, reason: RecordReason)?,
                          commit: @Sendable ([BroadcastRecord], [(topic: String, payload: Data)]) throws -> Bool)
        async throws(Refusal) -> Admitted? {
        _ = try Rules.requestedPriority(request.priority)
        return try await engine.admitCommand(request, unplayed: unplayed, commit: commit)
    }

    // MARK: Stops

    /// Stops what plays on the outputs serving `target` (with `clear`, what waits there too) and,
    /// on a commander, on the units of the zones it commands.
    ///
    /// - Throws: `.outsideZones` for a target outside the requester's zones (`all`: all of them).
    public func stop(_ target: AdmissionRequest.Target, clear: Bool, from source: BroadcastSource, by requester: RequestedBy? = nil)
        async throws(Refusal) -> Stopped {
        let target = try await confine(target, by: requester)
        let fleetZones = await commandZones(for: target, from: source)
        var outcome = Stopped(outputs: [], command: nil)
        outcome.outputs = try await engine.stop(target, clear: clear)
        if let fleet, !fleetZones.isEmpty {
            let id = try await fleet.commandStop(zones: fleetZones, clear: clear)
            outcome.command = IssuedCommand(id: id, zones: fleetZones)
        }
        return outcome
    }

    /// Ends one broadcast, or a live talk (every output of it) when `id` is a talk's.
    ///
    /// - Returns: the broadcast as it is now; nil for a talk.
    /// - Throws: `.outsideZones` for a broadcast (or a talk) that plays outside the requester's zones.
    public func cancel(_ id: String, by requester: RequestedBy?) async throws(Refusal) -> BroadcastRecord? {
        if let zones = await engine.talkZones(id) {
            try await check(zones, by: requester)
        } else if let record = await engine.record(id: id) {
            try await check([record.zone], by: requester)
        }
        if await engine.stopLive(id, reason: requester.map { RecordReason(.stoppedBy, ["who": $0.label]) } ?? RecordReason(.stoppedThroughAPI)) {
            return nil
        }
        return try await engine.cancel(id: id)
    }

    // MARK: Live talk

    /// Starts a talk here and, on a commander that streams (`fleet.stream`), sends it to the units
    /// of the zones it commands.
    ///
    /// - Throws: the engine's refusal; `.streamUnavailable` when the stream to the units cannot
    ///   start (the talk is ended then, with that reason).
    public func talk(_ request: LiveRequest, from source: BroadcastSource = .live) async throws(Refusal) -> TalkStarted {
        var request = request
        request.priority = try Rules.requestedPriority(request.priority)
        request.target = try await confine(request.target, by: request.requestedBy)
        var fleetZones: [String] = []
        if let fleet, await fleet.streamsLive { fleetZones = await commandZones(for: request.target, from: source) }
        request.toFleet = !fleetZones.isEmpty
        let started = try await engine.startLive(request)
        guard let fleet, !fleetZones.isEmpty else { return TalkStarted(started: started, command: nil) }
        let lifetime = await engine.configuration.live.maxValue
        do {
            let id = try await fleet.commandLive(talk: started.id, zones: fleetZones, priority: request.priority,
                                                 force: request.force, lifetime: lifetime)
            return TalkStarted(started: started, command: IssuedCommand(id: id, zones: fleetZones))
        } catch {
            await engine.stopLive(started.id, reason: RecordReason(.fleetStreamFailed, ["detail": "\(error)"]))
            throw error
        }
    }

    // MARK: Alerts

    /// Takes a CAP alert from any way in. On a commander it plays on the outputs here and is
    /// forwarded, as received, to the units of the zones it reaches inside `command_zones`; an
    /// alert that came as a fleet command is never forwarded again.
    ///
    /// - Parameters:
    ///   - scope: the subtrees the sender may command (a fleet key's trust); nil: any zone.
    ///   - zones: the zones a commander signed for it (a forwarded alert): it plays there, and its
    ///     areas are not matched again.
    /// - Returns: nil only for a file read before.
    public func alert(_ xml: Data, via: AlertVia, scope: [String]? = nil, zones: [String]? = nil) async -> AlertTaken? {
        guard let receipt = await engine.receiveAlert(xml, via: via, scope: scope, zones: zones) else { return nil }
        var outcome = AlertTaken(receipt: receipt, command: nil)
        guard let fleet, await fleet.isCommander, !via.isFleet, !receipt.forward.isEmpty else { return outcome }
        let fleetZones = await fleet.commandable(receipt.forward)
        guard !fleetZones.isEmpty else { return outcome }
        let received = Instant(microseconds: receipt.record.receivedAt)
        let lifetime = receipt.record.expiresAt.map { Instant(microseconds: $0) - received } ?? AlertForwarding.lifetime
        do {
            let id = try await fleet.commandAlert(xml, zones: fleetZones, lifetime: max(lifetime, .seconds(60)))
            outcome.command = IssuedCommand(id: id, zones: fleetZones)
            if let noted = await engine.noteAlert(receipt.record.id, forwarded: id, zones: fleetZones) { outcome.receipt.record = noted }
        } catch {
            logger.error("an alert could not be forwarded to the fleet's units", metadata: [
                "identifier": "\(receipt.record.identifier ?? "")", "error": "\(error)",
            ])
            if let noted = await engine.noteAlert(receipt.record.id, notForwarded: error) { outcome.receipt.record = noted }
        }
        return outcome
    }

    // MARK: Outputs

    /// Moves a (mobile) output to another zone.
    ///
    /// - Throws: `.outsideZones` when the output's zone or the new one is outside the requester's
    ///   zones (SPEC 17: a move needs both, as a fleet key's does).
    public func move(output: String, to zone: String, by requester: RequestedBy? = nil) async throws(Refusal) -> OutputStatus {
        let current = await engine.status(withNext: false).outputs.first { $0.id == output }?.zone
        try await check([current, zone].compactMap { $0 }, by: requester)
        return try await engine.move(output: output, to: zone)
    }

    /// Moves a unit of the fleet (its outputs, or one) to another zone, by a signed command on
    /// its own topic; the unit checks the key's trust over where its outputs are and where they go.
    ///
    /// - Throws: `.notCommander`; `.outsideZones` when the new zone, or a zone the unit's last
    ///   status puts it in, is outside the requester's zones or this commander's `command_zones`.
    public func moveUnit(_ unit: String, output: String?, to zone: String, by requester: RequestedBy? = nil)
        async throws(Refusal) -> IssuedCommand {
        guard let fleet, await fleet.isCommander else { throw Refusal(.notCommander) }
        try await check(await fleet.knownZones(of: unit) + [zone], by: requester)
        let id = try await fleet.commandMove(unit: unit, output: output, to: zone)
        return IssuedCommand(id: id, zones: [zone])
    }

    // MARK: The fleet's part

    /// The zones of a target that this commander's units must hear: those inside `command_zones`
    /// (`all`: every command zone); none on a unit that is not a commander, and none for what
    /// arrived from the fleet (its units heard the same command).
    func commandZones(for target: AdmissionRequest.Target, from source: BroadcastSource) async -> [String] {
        guard let fleet, source != .fleet else { return [] }
        switch target {
        case .all: return await fleet.commandZones
        case .zones(let zones): return await fleet.commandable(zones)
        }
    }
}

/// How long a forwarded alert without `<expires>` stays valid for units that are away.
enum AlertForwarding {
    static let lifetime = TimeSpan.seconds(3600)
}
