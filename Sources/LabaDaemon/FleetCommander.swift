// A commander's side of the fleet: commands published through its outbox (kept until every unit
// known in their zones has answered, or they expire, and published again after each reconnect,
// since the broker is not trusted to keep them), the library it publishes, and what its units
// report (statuses, acks, records), kept in its store.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaFleet
import LabaStore

extension FleetService {
    /// The part of `zones` that this commander commands: a zone inside `command_zones` stays, a
    /// zone above command zones narrows to them; empty on a unit that is not a commander.
    public func commandable(_ zones: [String]) -> [String] {
        guard isCommander else { return [] }
        return CommandDelivery.commandable(zones, commandZones: setup.commandZones, tree: tree)
    }

    /// `command_zones`: what `all` reaches among the units (empty on a unit that is not a commander).
    public var commandZones: [String] { isCommander ? setup.commandZones.filter { tree[$0] != nil } : [] }

    /// Publishes a broadcast command for `zones`: signed, committed to the outbox before this
    /// returns, sent now when the broker is connected, and again after every reconnect.
    ///
    /// - Parameter message: the message the units play (an upload's name once it is in the library).
    /// - Returns: the command's id.
    /// - Throws: `.storageFull` when the outbox cannot take it.
    public func commandBroadcast(_ request: AdmissionRequest, message: String, zones: [String]) throws(Refusal) -> String {
        let within = request.within ?? Admission.defaultManualWithin
        let body = BroadcastCommand(message: message, zones: zones, languages: request.languages,
                                    priority: request.priority == .manual ? nil : request.priority.description,
                                    repeat: request.repeatCount == 1 ? nil : request.repeatCount, loop: request.loop ? true : nil,
                                    force: request.force ? true : nil, within: within.description)
        return try issue(.broadcast(body), zones: zones, lifetime: within)
    }

    /// Publishes a stop command for `zones` (valid for 1 h).
    public func commandStop(zones: [String], clear: Bool) throws(Refusal) -> String {
        try issue(.stop(StopCommand(zones: zones, clear: clear ? true : nil)), zones: zones, lifetime: Admission.defaultManualWithin)
    }

    /// Publishes a move of a unit's outputs (or of one) to `zone`, on the unit's own command topic
    /// (valid for 1 h; envelope v2, which units of the last release refuse).
    ///
    /// - Throws: `.outsideZones` when `zone`, or a zone the unit's last status puts it in, lies
    ///   outside `command_zones` (its units would refuse it: SPEC 17); `.notCommander`.
    public func commandMove(unit target: String, output: String?, to zone: String) throws(Refusal) -> String {
        guard isCommander else { throw Refusal(.notCommander) }
        try Rules.check((knownUnits[target] ?? []) + [zone], within: .within(setup.commandZones), tree: tree)
        return try issue(.move(MoveCommand(unit: target, output: output, zone: zone)), zones: [zone],
                         lifetime: Admission.defaultManualWithin, topics: [topics.topic(.unitCommand(unit: target))])
    }

    /// The zones a unit's outputs were in at its last status (empty for a unit not known here).
    public func knownZones(of unit: String) -> [String] { knownUnits[unit] ?? [] }

    /// Forwards a CAP alert, its bytes unchanged, to the units of `zones` (SPEC 15): they play it
    /// there without matching its areas again.
    public func commandAlert(_ xml: Data, zones: [String], lifetime: TimeSpan) throws(Refusal) -> String {
        try issue(.alert(AlertCommand(capBase64: xml, zones: zones)), zones: zones, lifetime: lifetime)
    }

    /// After a connect that may follow lost reports (an established connection lost: the broker may
    /// have died holding them; or a session the broker no longer had), asks the units to report
    /// again every broadcast finished since a little before the loss.
    func askForReports(lostAt: Instant?, sessionPresent: Bool) {
        // A broker saves what it holds every autosave_interval (60 s in Config/fleet): go back well before.
        let margin = TimeSpan.seconds(300)
        var since = lostAt.map { $0 - margin }
        if since == nil, !sessionPresent,
           let last = try? store.fleetRecords(unit: nil, BroadcastFilter(limit: 1)).first {
            since = Instant(microseconds: last.receivedAt) - margin
        }
        guard let since else { return }
        do {
            let id = try issue(.report(ReportCommand(zones: setup.commandZones, since: since)), zones: setup.commandZones,
                               lifetime: Admission.defaultManualWithin)
            logger.notice("units asked to report again", metadata: ["command": "\(id)", "since": "\(FleetTime.format(since))"])
        } catch {
            logger.warning("cannot ask the units to report again", metadata: ["error": "\(error.english)"])
        }
    }

    /// - Parameter explicitTopics: where it goes; nil: the command topics of `zones`.
    func issue(_ body: FleetCommand.Body, zones: [String], lifetime: TimeSpan, topics explicitTopics: [String]? = nil)
        throws(Refusal) -> String {
        guard let key = setup.signingKey else { throw Refusal(.notCommander) }
        let t = now()
        // Units refuse a command that lives longer than their fleet.max_command_life (SPEC 17).
        let command = FleetCommand(issuer: setup.issuer, issuedAt: t, expiresAt: t + min(lifetime, setup.maxCommandLife), body: body)
        let bytes = SignedEnvelope(signing: command, with: key).bytes
        // Units drop a command over the limit unread (SPEC 17; a forwarded CAP alert counts): refuse it here.
        guard bytes.count <= FleetLimits.command else {
            throw Refusal(.commandTooLarge, ["size": String(format: "%.1f MiB", Double(bytes.count) / 1_048_576),
                                             "limit": "\(FleetLimits.command >> 20) MiB"])
        }
        let row = OutboxCommand(id: command.id, topics: explicitTopics ?? CommandDelivery.topics(zones: zones, tree: tree, topics: topics),
                                envelope: Data(bytes), zones: zones, createdAt: t.microseconds,
                                expiresAt: command.expiresAt.microseconds)
        do {
            try store.enqueueCommand(row, key: key.id)
            // Coverage needs the zones a message was aimed at after the command expired (SPEC 16).
            if case .broadcast(let b) = body {
                try store.saveAim(FleetAimRow(command: command.id, message: b.message, zones: zones, at: t.microseconds))
            }
        } catch {
            throw Refusal.storageFull("\(error)")
        }
        logger.notice("fleet command issued", metadata: [
            "command": "\(command.id)", "kind": "\(body.kind)", "zones": "\(zones.joined(separator: ","))",
            "expires": "\(FleetTime.format(command.expiresAt))", "connected": "\(connection.isConnected)",
        ])
        send(row, at: t)
        return command.id
    }

    /// Publishes an outbox command on each of its topics, with the message expiry its
    /// `expires_at` leaves at this moment.
    func send(_ row: OutboxCommand, at t: Instant) {
        guard connection.isConnected else { return }
        for topic in row.publishTopics {
            do {
                try connection.publish(topic: topic, payload: Array(row.envelope), expiry: (Instant(microseconds: row.expiresAt), t))
            } catch MQTTError.notConnected {
                return
            } catch {
                logger.warning("cannot publish a fleet command", metadata: ["command": "\(row.id)", "error": "\(error)"])
            }
        }
    }

    /// After a (re)connect: every command not yet answered by all its units, again, same ids.
    func republishCommands() {
        let t = now()
        do {
            let expired = try store.pruneExpiredCommands(now: t.microseconds)
            if !expired.isEmpty { logger.info("fleet commands expired", metadata: ["commands": "\(expired.joined(separator: ","))"]) }
            let pending = try store.pendingCommands(now: t.microseconds)
            for row in pending { send(row, at: t) }
            if !pending.isEmpty { logger.info("fleet commands published again", metadata: ["count": "\(pending.count)"]) }
        } catch {
            logger.warning("cannot read the fleet's command outbox", metadata: ["error": "\(error)"])
        }
    }

    /// The units that must answer a command in the outbox.
    func awaited(_ row: OutboxCommand) -> Set<String> {
        if case .unitCommand(let target)? = topics.parse(row.topic) { return [target] }
        return CommandDelivery.awaited(zones: row.zones, units: knownUnits, except: unit, tree: tree)
    }

    // MARK: What units report

    func receiveStatus(_ bytes: [UInt8], from: String) {
        guard isCommander, !bytes.isEmpty else { return }
        guard var status = try? FleetJSON.decode(UnitStatus.self, from: bytes) else {
            logger.warning("a unit's status cannot be read", metadata: ["unit": "\(from)"])
            return
        }
        // Its own row only: a county's hundreds of units report at once after a broker restarts.
        let previous = ((try? store.unit(from)) ?? nil).flatMap { try? FleetJSON.decode(UnitStatus.self, from: Array($0.status)) }
        // The will says only `offline`: keep what the unit said last (its zones, version...).
        if status.outputs == nil, let last = previous {
            status.outputs = last.outputs
            status.version = last.version
            status.configDigest = last.configDigest
            status.recordingsMissing = last.recordingsMissing
            status.lastRecordAt = last.lastRecordAt
            status.library = last.library
            status.libraryRefusals = last.libraryRefusals
            status.clockSynced = last.clockSynced
        }
        if status.outputs != nil { knownUnits[from] = status.zones }
        // A unit that (re)connected, perhaps on a session the broker lost (a broker killed before
        // it saved): what it has not answered goes again. Its status comes after its subscriptions.
        let reconnected = status.state == .online && (previous?.state != .online || previous?.since != status.since)
        do {
            try store.saveUnitStatus(unit: from, status: Data(FleetJSON.encode(status)), state: status.state.rawValue,
                                     at: now().microseconds)
        } catch {
            logger.warning("cannot store a unit's status", metadata: ["unit": "\(from)", "error": "\(error)"])
        }
        if reconnected, from != unit { republish(for: from) }
        unitChanged(from)
    }

    /// The ids of units whose status or last record is stored from now on, until `stop` ends it
    /// (a watcher that does not keep up loses the oldest: it reads the units' rows again anyway).
    public func followUnits() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4096))
        let id = nextWatcher
        nextWatcher += 1
        unitWatchers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unfollow(id) } }
        return stream
    }

    private func unfollow(_ id: Int) { unitWatchers[id] = nil }

    func unitChanged(_ id: String) {
        for watcher in unitWatchers.values { watcher.yield(id) }
    }

    /// Publishes again every pending command `unit` must answer and has not.
    func republish(for unit: String) {
        let t = now()
        guard let pending = try? store.pendingCommands(now: t.microseconds) else { return }
        var sent = 0
        for row in pending where awaited(row).contains(unit) {
            guard (try? store.acks(command: row.id))?.contains(where: { $0.unit == unit }) != true else { continue }
            send(row, at: t)
            sent += 1
        }
        if sent > 0 { logger.info("fleet commands published again for a unit that reconnected", metadata: ["unit": "\(unit)", "count": "\(sent)"]) }
    }

    func receiveAck(_ bytes: [UInt8], from: String) {
        guard isCommander, from != unit else { return }
        guard let ack = try? FleetJSON.decode(CommandAck.self, from: bytes), let id = ack.command else {
            logger.warning("a unit's ack cannot be read", metadata: ["unit": "\(from)"])
            return
        }
        do {
            try store.recordAck(FleetAckRow(command: id, unit: from, result: ack.result.rawValue, code: ack.code, message: ack.message,
                                            broadcasts: ack.broadcasts ?? [], at: ack.at.instant.microseconds,
                                            args: ack.args.flatMap { $0.isEmpty ? nil : $0 }))
            if ack.result == .refused, let code = ack.code {
                note(id, unit: from, code: code, ack.message ?? "", args: ack.args, at: now())
            }
            guard let row = try store.outboxCommand(id: id) else { return }
            let answered = Set(try store.acks(command: id).map(\.unit))
            if CommandDelivery.isComplete(awaited: awaited(row), answered: answered) {
                try store.completeCommand(id: id)
                logger.info("fleet command answered by every unit", metadata: ["command": "\(id)", "units": "\(answered.count)"])
            }
        } catch {
            logger.warning("cannot store a unit's ack", metadata: ["unit": "\(from)", "error": "\(error)"])
        }
    }

    func receiveRecord(_ bytes: [UInt8], from: String) {
        guard isCommander, from != unit else { return }
        guard let record = try? FleetJSON.decode(FleetRecord<BroadcastJSON>.self, from: bytes),
              let planned = FleetTime.parse(record.broadcast.plannedAt) else {
            logger.warning("a unit's record cannot be read", metadata: ["unit": "\(from)"])
            return
        }
        let b = record.broadcast
        do {
            let pruned = try store.saveFleetRecord(
                FleetRecordRow(unit: from, id: b.id, command: record.command, zone: b.zone, message: b.message, output: b.output,
                               outcome: b.outcome?.description, plannedAt: planned.microseconds, record: Data(bytes),
                               receivedAt: now().microseconds),
                keepingAtMost: setup.recordsPerUnit)
            if pruned > 0 {
                recordsPruned += pruned
                logger.debug("a unit's oldest records removed (fleet.records_per_unit)",
                             metadata: ["unit": "\(from)", "removed": "\(pruned)", "kept": "\(setup.recordsPerUnit)"])
            }
            unitChanged(from)
        } catch {
            logger.warning("cannot store a unit's record", metadata: ["unit": "\(from)", "error": "\(error)"])
        }
    }

    // MARK: The library

    /// Publishes `path` (a recording received by the API) as `message` in `language` for
    /// `fleet.command_zones`, on this key's own topic: checked with libsndfile, signed, kept here
    /// at once, and in the outbox until the broker has it (retained). Units that refuse it say so
    /// in their status (`overview()`).
    public func publishLibrary(path: String, message: String, language: String) async throws(Refusal) -> LibraryPublishJSON {
        guard let key = setup.signingKey, !setup.commandZones.isEmpty else { throw Refusal(.notCommander) }
        let format: String
        switch SndFileProbe().probe(path: path) {
        case .success(let f):
            format = f.format.split(separator: " ").first.map { $0.lowercased() } ?? ""
        case .failure(let failure):
            throw Refusal(.notAudio, ["detail": "\(message)/\(language): \(failure.reason)"])
        }
        guard MessageLibrary.audioExtensions.contains(format) else {
            throw Refusal(.notAudio, ["detail": "\(message)/\(language): \(format)"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Refusal.storageFull("cannot read the received recording back")
        }
        let audio = Array(data)
        let config = await engine.configuration
        let title = config.messages.first(where: { $0.id.value == message })?.title ?? message
        let info = LibraryRecordingInfo(message: message, language: language, format: format, audio: audio, issuer: setup.issuer,
                                        issuedAt: now(), zones: setup.commandZones, title: title)
        let signed = SignedRecording(signing: info, audio: audio, with: key)
        // Units drop a library message over the limit unread (SPEC 17): refuse it here, with its size.
        let bytes = signed.bytes
        let size = bytes.count
        guard size <= FleetLimits.library else {
            throw Refusal(.tooLarge, ["size": String(format: "%.1f MiB", Double(size) / 1_048_576),
                                      "limit": "\(FleetLimits.library >> 20) MiB"])
        }
        let topic = topics.topic(.library(key: key.id, message: message, language: language))
        do {
            try store.enqueueOutgoing(kind: .library, topic: topic, payload: Data(bytes), createdAt: now().microseconds)
        } catch {
            throw Refusal.storageFull("\(error)")
        }
        await install(info, audio: audio, key: key.id)
        flushOutbox()
        return LibraryPublishJSON(message: message, language: language, format: format, sha256: info.sha256, size: info.size,
                                  version: info.version, topic: topic, key: key.id, zones: setup.commandZones)
    }

    // MARK: What the control API shows

    /// `GET /v1/fleet`.
    public func overview() async -> FleetOverviewJSON {
        let state = await state()
        guard isCommander else { return FleetOverviewJSON(fleet: state, units: [], commands: []) }
        let last = (try? store.lastFleetRecords()) ?? [:]
        let units = ((try? store.units()) ?? []).map { unitJSON($0, last: last[$0.unit]) }
        var commands: [CommandJSON] = []
        for row in (try? store.pendingCommands(now: now().microseconds)) ?? [] {
            let acks = (try? store.acks(command: row.id)) ?? []
            let answered = Set(acks.map(\.unit))
            commands.append(CommandJSON(
                id: row.id, zones: row.zones, createdAt: time(Instant(microseconds: row.createdAt)),
                expiresAt: time(Instant(microseconds: row.expiresAt)),
                answers: acks.map {
                    .init(unit: $0.unit, result: $0.result, code: $0.code, message: $0.message, broadcasts: $0.broadcasts, args: $0.args)
                },
                waitingFor: awaited(row).subtracting(answered).sorted()))
        }
        return FleetOverviewJSON(fleet: state, units: units, commands: commands)
    }

    /// `GET /v1/fleet/units/{id}`: nil for a unit this commander does not know.
    public func unitDetail(_ id: String) -> UnitJSON? {
        guard let row = try? store.unit(id) else { return nil }
        // One unit's row and its newest record by index, not every unit's (issue 28's scale).
        var json = unitJSON(row, last: (try? store.lastFleetRecords(units: [id]))?[id])
        json.records = records(unit: id, BroadcastFilter(limit: 20))
        return json
    }

    func unitJSON(_ row: FleetUnitRow, last: FleetRecordRow?) -> UnitJSON {
        let status = try? FleetJSON.decode(UnitStatus.self, from: Array(row.status))
        // From the row's columns: the overview lists every unit, whose record's JSON need not be read.
        let lastRecord = last.map { r in
            UnitJSON.LastRecord(id: r.id, message: r.message, zone: r.zone, outcome: r.outcome,
                                plannedAt: time(Instant(microseconds: r.plannedAt)))
        }
        var json = UnitJSON(unit: row.unit, state: row.state, since: time(Instant(microseconds: row.since)), zones: status?.zones ?? [],
                        outputs: (status?.outputs ?? []).map { o in
                            var output = UnitJSON.Output(id: o.id, zone: o.zone, state: o.state, playing: o.playing, queue: o.queue)
                            output.power = o.power
                            output.powerProblem = o.powerProblem
                            output.powerProblemCode = o.powerProblemCode
                            output.powerProblemArgs = o.powerProblemArgs
                            output.segment = o.segment
                            output.segments = o.segments
                            output.gpsFix = o.gpsFix
                            output.lat = o.lat
                            output.lon = o.lon
                            output.heard = o.heard
                            output.unheard = o.unheard
                            output.silent = o.silent
                            return output
                        },
                        version: status?.version, configDigest: status?.configDigest,
                        recordingsMissing: status?.recordingsMissing ?? [], lastRecord: lastRecord,
                        library: status?.library.map { $0.map { .init(key: $0.key, message: $0.message, language: $0.language, version: $0.version) } },
                        libraryRefusals: status?.libraryRefusals.map { $0.map {
                            .init(key: $0.key, message: $0.message, language: $0.language, version: $0.version, code: $0.code,
                                  reason: $0.reason, at: time($0.at.instant))
                        } })
        json.clockSynced = status?.clockSynced
        return json
    }

    /// Units' records as the API shows them; `unit` nil: every unit's.
    public func records(unit: String?, _ filter: BroadcastFilter,
                        before: (plannedAt: Int64, unit: String, id: String)? = nil) -> [BroadcastJSON] {
        ((try? store.fleetRecords(unit: unit, filter, before: before)) ?? []).compactMap { row in
            guard var json = try? FleetJSON.decode(BroadcastJSON.self, from: Array(row.record)) else { return nil }
            json.unit = row.unit
            json.command = row.command
            return json
        }
    }

    /// Units' records planned in [since, until), grouped by `key` and outcome (by SQLite).
    public func report(by key: ReportKey, since: Int64?, until: Int64?) -> [Store.FleetReportRow] {
        let grouping: Store.FleetReportKey = switch key {
        case .unit: .unit
        case .zone: .zone
        case .message: .message
        case .output: .output
        case .language: .language
        }
        do {
            return try store.fleetReport(by: grouping, since: since, until: until,
                                         outcomes: BroadcastOutcome.allCases.map(\.rawValue))
        } catch {
            logger.warning("cannot count the units' records", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// This daemon's unit id.
    public nonisolated var unitID: String { started.unit }
}
