// The fleet in the daemon (SPEC 11): one MQTT connection (LabaFleet's, which owns the libmosquitto
// handle and its network thread) and this daemon's duties as a unit — obey signed commands through
// the engine's admission, keep its retained status current, report acks and finished broadcasts
// through the store's outbox — and, with a signing key, as a commander (FleetCommander.swift).
//
// Everything here runs on this actor, woken only by the connection's events and the engine's: an
// idle unit sleeps, and only the MQTT keepalive wakes the connection's thread.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaFleet
import LabaStore
import Logging
import ServiceLifecycle

public actor FleetService: Service {
    let engine: Engine
    let store: Store
    /// The keys, zones and stream in force: a reload replaces `trust`, `signingKey`,
    /// `commandZones` and `stream`; the rest is what the connection was made with.
    var setup: FleetSetup
    /// What the connection and the topics were made with, fixed until a restart.
    nonisolated let started: FleetSetup
    let fleetName: String
    let broker: String
    let connection: MQTTConnection
    let logger: Logger
    let layout: StateLayout
    let configPath: String
    /// The daemon's clock (the engine's).
    let now: @Sendable () -> Instant

    var tree: ZoneTree
    var timeZone: TimeZone
    var connected = false
    /// Connected since, or not connected since.
    var since: Instant
    var reason: String?
    /// When an established connection was lost, until the next connect.
    var lostAt: Instant?
    /// The command topics subscribed to now.
    var commandTopics: Set<String> = []
    /// Command topics of the last run that this one no longer wants: left at the first connect.
    var staleTopics: Set<String> = []
    /// Outbox messages published and not yet acknowledged: message id → sequence number.
    var inFlight: [Int32: Int64] = [:]
    var inFlightSeqs: Set<Int64> = []
    /// Outbox messages the broker refused (its ACL): sent again only after the next connect.
    var refusedSeqs: Set<Int64> = []
    /// The status last published, to publish only changes.
    var lastStatus: [UInt8]?
    var lastRecordAt: Instant?
    var configDigest: String?
    /// The latest commands and recordings refused, newest first.
    var refusals: [FleetRefusalJSON] = []
    /// A unit's fleet recordings: `key/message/language` → version kept.
    var libraryVersions: [String: Int64] = [:]
    /// The last library recording refused on each `key/message/language`, for the status.
    var libraryRefusals: [String: UnitStatus.LibraryRefusal] = [:]
    /// A commander's units: unit → the zones its outputs serve (from its last status).
    var knownUnits: [String: [String]] = [:]
    /// Units' records removed since the start to keep `fleet.records_per_unit` (a metric).
    var recordsPruned = 0
    /// Live commands whose stream is being opened, with their zones (nil: all): a repeat delivery
    /// meanwhile is ignored, and a stop for their zones meanwhile stops them before they start.
    var liveOpening: [String: [String]?] = [:]
    /// Those of `liveOpening` that a stop reached.
    var liveStoppedWhileOpening: Set<String> = []
    /// The front door, through which every command obeyed here enters (set once at start).
    var door: FrontDoor?
    /// The key and clock of each command being carried out (by id), for its claim.
    var claims: [String: Store.CommandClaim] = [:]
    /// Per key, the cutoff of the last pruning of its seen command ids (microseconds).
    var prunedBefore: [String: Int64] = [:]
    /// A commander's watchers of its units (the console's live views): each hears the id of a
    /// unit whose status or last record has just been stored.
    var unitWatchers: [Int: AsyncStream<String>.Continuation] = [:]
    var nextWatcher = 0

    static let refusalsKept = 50

    /// - Throws: `DaemonError` when the `fleet:` section's files cannot be used (errors at their
    ///   place in the configuration, exit 78) or libmosquitto refuses the options.
    public init(config: Config, engine: Engine, store: Store, stateDirectory: String, configPath: String,
                now: @escaping @Sendable () -> Instant, logger: Logger) throws(DaemonError) {
        guard let fleet = config.fleet else { throw .state("no fleet: section") }
        let hostName = ProcessInfo.processInfo.hostName
        let loaded = FleetSetup.load(fleet, hostName: hostName)
        let setup: FleetSetup
        switch loaded {
        case .success(let s): setup = s
        case .failure(let error): throw .invalidConfig(error.diagnostics)
        }
        self.setup = setup
        self.started = setup
        self.fleetName = fleet.name.value
        self.broker = fleet.broker.value.description
        do {
            var logger = logger
            logger[metadataKey: "unit"] = "\(setup.unit)"
            connection = try MQTTConnection(setup.options, logger: logger)
        } catch {
            throw .state("the fleet's MQTT connection cannot be set up: \(error)")
        }
        self.engine = engine
        self.store = store
        self.layout = StateLayout(directory: stateDirectory)
        self.configPath = configPath
        self.now = now
        self.logger = logger
        tree = ZoneTree(config)
        timeZone = config.timeZone
        since = now()
    }

    /// Opens the way for commands: they enter through `door`, as every request does.
    public func attach(_ door: FrontDoor) { self.door = door }

    var unit: String { setup.unit }
    var topics: FleetTopics { setup.topics }
    var isCommander: Bool { setup.signingKey != nil && !setup.commandZones.isEmpty }

    /// Turns a finished broadcast into its report on `unit/<id>/record`: the JSON of SPEC 8 plus
    /// `unit` and `command`. The engine writes it with the record, in one transaction.
    public nonisolated func reporter(timeZone: TimeZone) -> @Sendable (BroadcastRecord) -> (topic: String, payload: Data)? {
        let topic = started.topics.topic(.unitRecord(unit: started.unit))
        let unit = started.unit
        return { record in
            var wire = WireFormat(timeZone)
            var command: String?
            if case .fleet(_, let id, _) = record.requestedBy { command = id }
            return (topic, Data(FleetJSON.encode(FleetRecord(broadcast: wire.broadcast(record), unit: unit, command: command))))
        }
    }

    // MARK: Running

    public func run() async throws {
        await prepare()
        connection.start()
        let events = connection.events
        let followed = await engine.follow()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await event in events { await self.handle(event) } }
                group.addTask { for await event in followed { await self.engineEvent(event) } }
            }
        }
        // The broker publishes the will: this unit's status is `offline` from now on.
        await connection.stop(publishingWill: true)
        for watcher in unitWatchers.values { watcher.finish() }
        unitWatchers = [:]
        logger.info("fleet connection closed")
    }

    /// What the first connection needs: subscriptions, the status's parts, the library's versions.
    private func prepare() async {
        configDigest = FileManager.default.contents(atPath: configPath).map { LibraryRecordingInfo.digest($0) }
        lastRecordAt = ((try? store.broadcasts(state: .done, limit: 1)) ?? []).first?.endedAt.map(Instant.init(microseconds:))
        removeRevokedRecordings()
        libraryVersions = FleetLibraryFiles(directory: layout.library).versions()
        // Ids of commands expired a life ago: on a set clock their replays are refused as expired
        // (and, were the clock set back, by their key's mark).
        let t = now()
        if commandClock.isSynced(t) {
            do { try store.pruneSeenCommands(expiredBefore: (t - setup.maxCommandLife).microseconds) } catch {
                logger.warning("cannot forget old fleet command ids", metadata: ["error": "\(error)"])
            }
        }
        let previous = Set((try? store.fleetSubscriptions()) ?? [])
        await updateSubscriptions()
        staleTopics = previous.subtracting(commandTopics)
        // Library recordings: every retained one at the first subscription of this run (the state
        // dir may have lost some), then only new ones (the persistent session queues what is
        // published while the unit is away).
        connection.subscribe(topics.librarySubscription, retained: .always)
        if isCommander { startCommanding() }
        logger.notice("fleet unit \(unit)\(isCommander ? " (commander of \(setup.commandZones.joined(separator: ", ")))" : "")",
                      metadata: ["broker": "\(broker)", "fleet": "\(fleetName)"])
    }

    /// A commander's subscriptions to its units' statuses, acks and records, and the units it knows.
    private func startCommanding() {
        for unit in (try? store.units()) ?? [] {
            knownUnits[unit.unit] = (try? FleetJSON.decode(UnitStatus.self, from: Array(unit.status)))?.zones ?? []
        }
        // Statuses are retained: read them all again on every connect.
        connection.subscribe(topics.commanderSubscriptions[0], retained: .always)
        for filter in topics.commanderSubscriptions.dropFirst() { connection.subscribe(filter) }
    }

    /// Takes a reloaded configuration's `fleet:` (its files already checked by `loadSetup`):
    /// `trust`, `sign_key`, `command_zones` and `stream` from now on; the connection's settings
    /// only at the next start.
    ///
    /// - Returns: the changed settings that need a restart, as the configuration names them.
    public func reconfigure(_ config: Config) -> [String] {
        guard let fleet = config.fleet else { return ["fleet"] }
        guard case .success(let new) = FleetSetup.load(fleet, hostName: ProcessInfo.processInfo.hostName) else { return [] }
        var restart: [String] = []
        if fleet.name.value != fleetName { restart.append("fleet.name") }
        if fleet.broker.value.description != broker { restart.append("fleet.broker") }
        if new.unit != started.unit { restart.append("fleet.unit") }
        if new.options.tls != started.options.tls { restart.append("fleet.tls") }
        if new.options.username != started.options.username { restart.append("fleet.username") }
        if new.options.password != started.options.password { restart.append("fleet.password_file") }
        if new.options.keepalive != started.options.keepalive { restart.append("fleet.keepalive") }

        let wasCommander = isCommander
        let changed = new.trust.entries != setup.trust.entries || new.signingKey?.publicKey != setup.signingKey?.publicKey
            || new.commandZones != setup.commandZones || new.stream != setup.stream
        setup.trust = new.trust
        setup.signingKey = new.signingKey
        setup.commandZones = new.commandZones
        setup.stream = new.stream
        setup.streamCA = new.streamCA
        setup.streamInsecure = new.streamInsecure
        setup.maxCommandLife = new.maxCommandLife
        setup.maxSkew = new.maxSkew
        tree = ZoneTree(config)
        if removeRevokedRecordings() {
            libraryVersions = FleetLibraryFiles(directory: layout.library).versions()
            libraryRefusals = libraryRefusals.filter { !(setup.trust[$0.value.key]?.revoked ?? false) }
            lastStatus = nil  // published again at the next status
        }
        if isCommander, !wasCommander {
            startCommanding()
        } else if wasCommander, !isCommander {
            for filter in topics.commanderSubscriptions { connection.unsubscribe(filter) }
            knownUnits = [:]
        }
        if changed {
            logger.notice("fleet keys and zones reloaded", metadata: [
                "trusted_keys": "\(new.trust.entries.count)",
                "commander": "\(isCommander ? new.commandZones.joined(separator: ",") : "no")",
            ])
        }
        return restart
    }

    /// Subscribes to the command topics of the outputs' current zones and their ancestors, and
    /// leaves those no output needs any more (a move).
    func updateSubscriptions() async {
        let zones = await engine.status(withNext: false).outputs.map(\.zone)
        let wanted = topics.commandSubscriptions(unit: unit, zones: zones, tree: tree)
        for topic in wanted.subtracting(commandTopics).sorted() { connection.subscribe(topic) }
        for topic in commandTopics.subtracting(wanted).sorted() { connection.unsubscribe(topic) }
        if wanted != commandTopics { try? store.setFleetSubscriptions(Array(wanted)) }
        commandTopics = wanted
    }

    // MARK: The connection's events

    func handle(_ event: MQTTEvent) async {
        switch event {
        case .connected(let sessionPresent):
            connected = true
            since = now()
            reason = nil
            refusedSeqs = []
            logger.notice("connected to the fleet's broker", metadata: ["broker": "\(broker)"])
            // The persistent session may still hold the zones of the configuration the unit ran before.
            for topic in staleTopics.sorted() { connection.unsubscribe(topic) }
            staleTopics = []
            // What was on its way when the connection was lost goes again: the broker's PUBACK is
            // the only proof it arrived (a repeat is harmless, records and acks are keyed).
            inFlight = [:]
            inFlightSeqs = []
            lastStatus = nil
            await publishStatus()
            flushOutbox()
            if isCommander {
                republishCommands()
                askForReports(lostAt: lostAt, sessionPresent: sessionPresent)
            }
            lostAt = nil
        case .refused(let why), .connectFailed(let why), .disconnected(let why):
            if connected {
                since = now()
                lostAt = since
                logger.warning("lost the fleet's broker; reconnecting", metadata: ["broker": "\(broker)", "reason": "\(why)"])
            }
            connected = false
            reason = why
        case .message(let message):
            await receive(message)
        case .acknowledged(let id, let code):
            guard let seq = inFlight.removeValue(forKey: id) else { return }
            inFlightSeqs.remove(seq)
            if code < 0x80 {
                do { try store.removeOutgoing(seq: seq) } catch {
                    logger.warning("cannot remove a delivered message from the outbox", metadata: ["error": "\(error)"])
                }
            } else {
                refusedSeqs.insert(seq)
                logger.error("the broker refused a message (check its ACL for this unit)", metadata: [
                    "reason": "\(String(format: "0x%02x", code))", "seq": "\(seq)",
                ])
            }
            if inFlight.isEmpty { flushOutbox() }
        case .subscribed(let filters, let granted):
            for (filter, code) in zip(filters, granted) where code >= 0x80 {
                logger.error("the broker refused the subscription to \(filter) (check its ACL for this unit)")
            }
        }
    }

    private func receive(_ message: MQTTMessage) async {
        guard let topic = topics.parse(message.topic) else { return }
        switch topic {
        case .zoneCommand, .unitCommand:
            await receiveCommand(message.payload)
        case .library(let key, let name, let language):
            await receiveLibrary(message.payload, key: key, message: name, language: language)
        case .unitStatus(let from):
            receiveStatus(message.payload, from: from)
        case .unitAck(let from):
            receiveAck(message.payload, from: from)
        case .unitRecord(let from):
            receiveRecord(message.payload, from: from)
        }
    }

    // MARK: The engine's events

    func engineEvent(_ event: EngineEvent) async {
        switch event {
        case .broadcast(let record):
            if record.state == .done {
                if let ended = record.endedAt { lastRecordAt = Instant(microseconds: ended) }
                flushOutbox()
            }
            await publishStatus()
        case .output:
            await updateSubscriptions()
            await publishStatus()
        case .reloaded:
            let config = await engine.configuration
            tree = ZoneTree(config)
            timeZone = config.timeZone
            configDigest = FileManager.default.contents(atPath: configPath).map { LibraryRecordingInfo.digest($0) }
            await updateSubscriptions()
            await publishStatus()
        case .scheduleWalked:
            break
        }
    }

    // MARK: Status

    /// Publishes the retained status when it changed since it was last published.
    func publishStatus() async {
        guard connection.isConnected else { return }
        let engineStatus = await engine.status(withNext: false)
        let missing = await engine.currentSetup.recordingsMissing
        let outputs = engineStatus.outputs.map { o in
            var output = UnitStatus.Output(id: o.id, zone: o.zone, state: !o.available ? "unavailable" : o.playing == nil ? "idle" : "playing",
                                           playing: o.playing?.message, queue: o.queue.count)
            output.power = o.power?.state
            output.powerProblem = o.power?.problem
            output.powerProblemCode = o.power?.problemCode
            output.powerProblemArgs = o.power.flatMap { $0.problemArgs.isEmpty ? nil : $0.problemArgs }
            if let r = o.playing {
                let segments = max(1, r.plannedLanguages.count)
                output.segment = min(r.segment % segments, segments - 1) + 1
                output.segments = segments
            }
            if let follower = o.gps?.follower {
                switch follower.status {
                case .inside, .outside: output.gpsFix = true
                case .noFix, .unreachable: output.gpsFix = false
                }
                output.lat = follower.lastFix?.position.lat
                output.lon = follower.lastFix?.position.lon
            }
            output.heard = o.monitor?.heard?.rawValue
            output.unheard = o.monitor?.unheard
            output.silent = o.monitor?.silent
            return output
        }
        let held = libraryVersions.compactMap { entry -> UnitStatus.LibraryHeld? in
            let parts = entry.key.split(separator: "/").map(String.init)
            guard parts.count == 3 else { return nil }
            return UnitStatus.LibraryHeld(key: parts[0], message: parts[1], language: parts[2], version: entry.value)
        }.sorted { ($0.key, $0.message, $0.language) < ($1.key, $1.message, $1.language) }
        let status = UnitStatus(unit: unit, state: .online, since: since, outputs: outputs, version: LabaVersion.string,
                                configDigest: configDigest, recordingsMissing: missing, lastRecordAt: lastRecordAt,
                                library: held, libraryRefusals: libraryRefusals.keys.sorted().compactMap { libraryRefusals[$0] },
                                clockSynced: commandClock.isSynced(now()))
        let payload = FleetJSON.encode(status)
        guard payload != lastStatus else { return }
        do {
            try connection.publish(topic: topics.topic(.unitStatus(unit: unit)), payload: payload, retain: true)
            lastStatus = payload
        } catch {
            // Not connected: published again on the next connect.
        }
    }

    // MARK: The outbox

    /// Publishes every outbox message not already on its way; each leaves the outbox at its PUBACK.
    func flushOutbox() {
        guard connection.isConnected else { return }
        let messages: [OutgoingMessage]
        do { messages = try store.outgoing(limit: 1000) } catch {
            logger.warning("cannot read the fleet outbox", metadata: ["error": "\(error)"])
            return
        }
        for message in messages where !inFlightSeqs.contains(message.seq) && !refusedSeqs.contains(message.seq) {
            do {
                let id = try connection.publish(topic: message.topic, payload: Array(message.payload),
                                                retain: message.kind == .library)
                inFlight[id] = message.seq
                inFlightSeqs.insert(message.seq)
            } catch MQTTError.notConnected {
                return
            } catch {
                logger.warning("cannot publish an outbox message", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
            }
        }
    }

    // MARK: Commands

    /// The limits on commands' times here.
    var commandClock: CommandClock {
        CommandClock(maxLife: setup.maxCommandLife, maxSkew: setup.maxSkew, buildDate: LabaVersion.buildDate)
    }

    private func receiveCommand(_ bytes: [UInt8]) async {
        let t = now()
        let store = self.store
        let outputZones = await engine.outputZones()
        let marks = (try? store.commandMarks()) ?? [:]
        let context = CommandContext(unit: unit, outputZones: outputZones, clock: commandClock,
                                     mark: { marks[$0].map(Instant.init(microseconds:)) },
                                     seen: { (try? store.hasSeenCommand($1, key: $0)) ?? false })
        let verdict = CommandVerifier.verify(bytes, trust: setup.trust, zones: tree, now: t, context: context)
        switch verdict {
        case .accepted(let verified):
            if let skew = verified.clockSkew {
                logger.notice("a fleet command was issued ahead of this unit's clock; obeyed",
                              metadata: ["command": "\(verified.command.id)", "skew": "\(skew)",
                                         "clock": "\(verified.synced ? "synced" : "not synced")"])
            }
            let command = verified.command
            if claims.count > 1000 { claims = [:] }  // commands never answered (no door): forget them
            claims[command.id] = Store.CommandClaim(key: verified.key, id: command.id, issuedAt: command.issuedAt.microseconds,
                                                    expiresAt: command.expiresAt.microseconds, advancesMark: verified.synced)
            await obey(verified, at: t)
            if verified.synced { pruneSeen(key: verified.key, mark: max(marks[verified.key] ?? 0, command.issuedAt.microseconds)) }
        case .refused(let refusal, let command):
            if refusal.code == .expired, let command, claims[command.id] == nil,
               let envelope = try? FleetJSON.decode(SignedEnvelope.self, from: bytes) {
                // Claimed only when recorded as expired: signed and in scope, never obeyed.
                claims[command.id] = Store.CommandClaim(key: envelope.key, id: command.id, issuedAt: command.issuedAt.microseconds,
                                                        expiresAt: command.expiresAt.microseconds, advancesMark: false)
            }
            // The commander's own command, brought back by the broker: it was carried out when issued.
            if refusal.code == .duplicate, command?.issuer == setup.issuer { return }
            if refusal.code == .expired, let command, case .broadcast(let b) = command.body {
                // Signed, in scope, never seen: record what it would have played, as expired.
                if let request = try? broadcastRequest(b, command: command, at: t) {
                    await admit(request, command: command, skew: nil, at: t, unplayed: (.expired, RecordReason(.commandExpired, ["command": command.id,
                                                                                      "at": FleetTime.format(command.expiresAt)])))
                } else {
                    refuse(command.id, code: refusal.code.rawValue, refusal.message, at: t, claim: false)
                }
            } else {
                refuse(command?.id, code: refusal.code.rawValue, refusal.message, at: t, claim: false)
            }
        }
        flushOutbox()
    }

    /// Forgets the ids a key's mark refuses anyway (issued more than one command life before it),
    /// once the mark has moved an hour past the last time: a write of its own on a command's way
    /// is not needed for each command (the mark, not this list, refuses the old ones).
    private func pruneSeen(key: String, mark: Int64) {
        let before = commandClock.forgetBefore(mark: Instant(microseconds: mark)).microseconds
        if let last = prunedBefore[key], before < last + Self.pruneEvery { return }
        prunedBefore[key] = before
        do { try store.pruneSeenCommands(key: key, issuedBefore: before) } catch {
            logger.warning("cannot forget old fleet command ids", metadata: ["error": "\(error)"])
        }
    }

    /// How far a key's mark moves between two prunings of its seen ids (microseconds): an hour.
    static let pruneEvery: Int64 = 3_600_000_000

    /// The claim of a command being carried out: its key and whether it moves the key's mark.
    func claim(_ command: FleetCommand) -> Store.CommandClaim {
        claims.removeValue(forKey: command.id)
            ?? Store.CommandClaim(id: command.id, issuedAt: command.issuedAt.microseconds, expiresAt: command.expiresAt.microseconds)
    }

    /// The KEY_ID that signed a command being carried out, for its records.
    func signer(of command: FleetCommand) -> String? { claims[command.id]?.key }

    private func broadcastRequest(_ b: BroadcastCommand, command: FleetCommand, at t: Instant) throws(Refusal) -> AdmissionRequest {
        let priority = try Rules.requestedPriority(named: b.priority)
        // The command's expiry is the broadcast's deadline here, wherever the unit's clock stands.
        return AdmissionRequest(content: .message(b.message), target: b.all == true ? .all : .zones(b.zones),
                                languages: b.languages, priority: priority, repeatCount: b.repeat ?? 1, loop: b.loop ?? false,
                                within: priority == .emergency ? nil : max(command.expiresAt - t, .milliseconds(1)),
                                force: b.force ?? false, source: .fleet,
                                requestedBy: .fleet(unit: command.issuer, command: command.id, key: signer(of: command)))
    }

    private func obey(_ verified: VerifiedCommand, at t: Instant) async {
        let command = verified.command
        switch command.body {
        case .broadcast(let b):
            let request: AdmissionRequest
            do { request = try broadcastRequest(b, command: command, at: t) } catch {
                refuse(command.id, code: error.code.rawValue, error.english, args: error.args, at: t, claim: true, command: command)
                return
            }
            await admit(request, command: command, skew: verified.clockSkew, at: t, unplayed: nil)
        case .stop(let s):
            stopOpeningTalks(in: s.zones)
            guard let door else { return }
            do {
                let stopped = try await door.stop(.zones(s.zones), clear: s.clear ?? false, from: .fleet)
                answer(command, result: .accepted, broadcasts: [], skew: verified.clockSkew, at: t)
                logger.notice("fleet command obeyed: stop", metadata: ["command": "\(command.id)", "issuer": "\(command.issuer)",
                                                                        "outputs": "\(stopped.outputs.joined(separator: ","))"])
            } catch {
                refuse(command.id, code: error.code.rawValue, error.english, args: error.args, at: t, claim: true, command: command)
            }
        case .move(let m):
            // The verifier checked the unit and the outputs' current zones.
            var outputs = [m.output].compactMap { $0 }
            if outputs.isEmpty { outputs = await engine.configuration.outputs.map(\.id.value) }
            guard let door else { return }
            do {
                for output in outputs { _ = try await door.move(output: output, to: m.zone) }
                answer(command, result: .accepted, broadcasts: [], skew: verified.clockSkew, at: t)
            } catch {
                refuse(command.id, code: error.code.rawValue, error.english, args: error.args, at: t, claim: true, command: command)
            }
        case .alert(let a):
            await receiveAlert(a, verified, at: t)
        case .report(let r):
            report(command, since: r.since.instant, skew: verified.clockSkew, at: t)
        case .live(let l):
            // Opening the stream may take seconds: the next command (a stop, an emergency) does not wait.
            guard liveOpening[command.id] == nil else { return }
            liveOpening[command.id] = l.all == true ? .some(nil) : .some(l.zones)
            Task {
                await self.obeyLive(l, verified, at: t)
                await self.liveOpened(command.id)
            }
        }
    }

    /// A CAP alert from a commander: read and recorded as any alert, reaching only the zones its
    /// key may command (kept with the alert, so that its repeats stay inside them after a restart).
    /// A repeat delivery finds the alert's identifier already received and plays nothing.
    private func receiveAlert(_ a: AlertCommand, _ verified: VerifiedCommand, at t: Instant) async {
        let command = verified.command
        guard let door, let document = a.document,
              let receipt = await door.alert(document, via: .fleet(unit: command.issuer, command: command.id), scope: verified.scope,
                                             zones: a.zones)?.receipt else { return }
        if let invalid = receipt.invalid {
            refuse(command.id, code: FleetRefusalCode.malformed.rawValue, invalid.english(), at: t,
                   claim: true, command: command)
            return
        }
        // Accepted even when nothing played: the alert is on record with the reason, which the ack carries.
        answer(command, result: .accepted, broadcasts: receipt.record.broadcasts,
               message: receipt.record.broadcasts.isEmpty ? receipt.record.reason : nil, skew: verified.clockSkew, at: t)
        logger.notice("fleet command obeyed: alert", metadata: [
            "command": "\(command.id)", "issuer": "\(command.issuer)", "identifier": "\(receipt.record.identifier ?? "")",
            "zones": "\(receipt.record.zones.joined(separator: ","))", "reason": "\(receipt.record.reason ?? "")",
        ])
    }

    /// Admits a command's broadcast; its records, its claim and its ack go to the store in one
    /// transaction (a repeat delivery finds the claim and plays nothing).
    private func admit(_ request: AdmissionRequest, command: FleetCommand, skew: TimeSpan?, at t: Instant,
                       unplayed: (outcome: BroadcastOutcome, reason: RecordReason)?) async {
        let store = self.store, unit = self.unit
        let ackTopic = topics.topic(.unitAck(unit: unit))
        let claim = claim(command)
        guard let door else { return }
        do {
            let admitted = try await door.broadcastCommand(request, unplayed: unplayed) { records, reports in
                let ack = unplayed == nil
                    ? CommandAck(command: command.id, unit: unit, result: .accepted, broadcasts: records.map(\.id), at: t, clockSkew: skew)
                    : CommandAck(command: command.id, unit: unit, result: .refused, broadcasts: records.map(\.id),
                                 code: FleetRefusalCode.expired.rawValue, message: unplayed?.reason.english, at: t)
                return try store.acceptCommand(claim, at: t.microseconds, broadcasts: records,
                                               reports: reports, ack: (ackTopic, Data(FleetJSON.encode(ack))))
            }
            guard let admitted else { return }
            if let unplayed {
                note(command.id, code: FleetRefusalCode.expired.rawValue, unplayed.reason.english, at: t)
            } else {
                logger.notice("fleet command obeyed", metadata: [
                    "command": "\(command.id)", "issuer": "\(command.issuer)", "message": "\(request.messageName)",
                    "broadcasts": "\(admitted.records.map(\.id).joined(separator: ","))",
                    "refused": "\(admitted.refused.map { "\($0.output ?? "?"): \($0.code.rawValue)" }.joined(separator: "; "))",
                ])
            }
        } catch where error.code == .storageFull {
            logger.error("a fleet command could not be stored; it is not acknowledged", metadata: [
                "command": "\(command.id)", "error": "\(error)",
            ])
        } catch {
            if let unplayed {
                refuse(command.id, code: FleetRefusalCode.expired.rawValue, unplayed.reason.english, at: t, claim: true, command: command)
            } else {
                refuse(command.id, code: error.code.rawValue, error.english, args: error.args, at: t, claim: true, command: command)
            }
        }
    }

    /// Publishes again the records of every broadcast finished since `since` (a commander may have
    /// lost them), with the command's ack, in one transaction.
    private func report(_ command: FleetCommand, since: Instant, skew: TimeSpan?, at t: Instant) {
        let reporter = reporter(timeZone: timeZone)
        // Planned up to a day before (a long loop), finished since.
        let records = ((try? store.broadcasts(BroadcastFilter(state: .done, since: since.microseconds - 86_400_000_000,
                                                               limit: .max))) ?? [])
            .filter { ($0.endedAt ?? $0.plannedAt) >= since.microseconds }
        let ack = CommandAck(command: command.id, unit: unit, result: .accepted, broadcasts: records.map(\.id), at: t, clockSkew: skew)
        do {
            _ = try store.acceptCommand(claim(command), at: t.microseconds, broadcasts: [],
                                        reports: records.compactMap(reporter),
                                        ack: (topics.topic(.unitAck(unit: unit)), Data(FleetJSON.encode(ack))))
            logger.info("fleet command obeyed: report", metadata: ["command": "\(command.id)", "records": "\(records.count)"])
        } catch {
            logger.error("cannot store the records asked for", metadata: ["command": "\(command.id)", "error": "\(error)"])
        }
    }

    /// Acks a command; claims its id so that a repeat is answered `duplicate`.
    func answer(_ command: FleetCommand, result: CommandAck.Result, broadcasts: [String], code: String? = nil,
                        message: String? = nil, args: [String: String]? = nil, skew: TimeSpan?, at t: Instant) {
        var ack = CommandAck(command: command.id, unit: unit, result: result, broadcasts: broadcasts, code: code, message: message,
                             at: t, clockSkew: skew)
        ack.args = args
        do {
            _ = try store.acceptCommand(claim(command), at: t.microseconds,
                                        broadcasts: [], ack: (topics.topic(.unitAck(unit: unit)), Data(FleetJSON.encode(ack))))
        } catch {
            logger.error("cannot store a fleet ack", metadata: ["command": "\(command.id)", "error": "\(error)"])
        }
    }

    /// Refuses a command with a named code: acked, logged, and listed in `laba fleet`.
    ///
    /// - Parameter claim: claim the id (a command decided here, such as one refused for quiet
    ///   hours, is not decided again when the commander publishes it anew); never for a command
    ///   whose signature, key or scope failed, whose id may be anyone's.
    /// - Parameter args: a front door refusal's arguments (with its code, the commander renders it
    ///   in its reader's language); nil for the fleet's own codes, whose words need none.
    func refuse(_ id: String?, code: String, _ message: String, args: [String: String]? = nil, at t: Instant, claim: Bool,
                command: FleetCommand? = nil) {
        if claim, let command {
            answer(command, result: .refused, broadcasts: [], code: code, message: message, args: args, skew: nil, at: t)
        } else {
            var ack = CommandAck(command: id, unit: unit, result: .refused, code: code, message: message, at: t)
            ack.args = args
            do {
                try store.enqueueOutgoing(kind: .ack, topic: topics.topic(.unitAck(unit: unit)), payload: Data(FleetJSON.encode(ack)),
                                          createdAt: t.microseconds)
            } catch {
                logger.error("cannot store a fleet ack", metadata: ["command": "\(id ?? "?")", "error": "\(error)"])
            }
        }
        note(id, code: code, message, args: args, at: t)
    }

    /// Logs a refusal and keeps it for `laba fleet` (a repeat delivery only in the debug log:
    /// every reconnect of a commander brings its commands again).
    func note(_ id: String?, unit from: String? = nil, code: String, _ message: String, args: [String: String]? = nil, at t: Instant) {
        if code == FleetRefusalCode.duplicate.rawValue {
            logger.debug("fleet command repeated", metadata: ["command": "\(id ?? "?")"])
            return
        }
        logger.warning("fleet command refused", metadata: [
            "command": "\(id ?? "?")", "code": "\(code)", "reason": "\(message)", "unit": "\(from ?? unit)",
        ])
        var converter = ZoneConverter(timeZone)
        var refusal = FleetRefusalJSON(command: id, unit: from, code: code, message: message,
                                       at: RFC3339.format(t, converter: &converter, fractionDigits: 3))
        refusal.args = args
        refusals.insert(refusal, at: 0)
        if refusals.count > Self.refusalsKept { refusals.removeLast(refusals.count - Self.refusalsKept) }
    }

    // MARK: Library

    /// Keeps a recording a commander published, once checked, and plays it from then on; a
    /// refusal goes in the status, where the publishing commander reads it (SPEC 17).
    private func receiveLibrary(_ bytes: [UInt8], key topicKey: String, message: String, language: String) async {
        guard !bytes.isEmpty else { return }  // a retained recording cleared
        let name = "\(topicKey)/\(message)/\(language)"
        var trust = setup.trust
        // A commander's own recordings come back from the broker: known, and already kept.
        if let own = setup.signingKey, trust[own.id] == nil {
            trust = FleetTrust(entries: Array(trust.entries.values)
                               + [FleetTrust.Entry(key: own.publicKey, zones: setup.commandZones, issuer: setup.issuer)])
        }
        let t = now()
        let kept = libraryVersions[name]
        switch RecordingVerifier.verify(bytes, topicKey: topicKey, message: message, language: language, trust: trust, tree: tree,
                                        currentVersion: kept) {
        case .refused(let refusal):
            let version = Self.claimedVersion(bytes)
            // The recording kept, delivered again (retained, at every start): nothing to say.
            if refusal.code == .duplicate, let kept, version == kept { return }
            refuseLibrary(refusal, key: topicKey, message: message, language: language, version: version, at: t)
            await publishStatus()
        case .accepted(let info, let audio, let keyID):
            await install(info, audio: audio, key: keyID)
        }
    }

    /// Removes the recordings of every key `fleet.trust` revokes (SPEC 17), at start and at each
    /// reload; the scan that follows no longer finds them.
    ///
    /// - Returns: whether any was removed.
    @discardableResult
    func removeRevokedRecordings() -> Bool {
        let revoked = Set(setup.trust.entries.values.filter(\.revoked).map(\.key.id))
        let removed = FleetLibraryFiles(directory: layout.library).removeRecordings(of: revoked)
        for name in removed {
            logger.notice("library recording of a revoked key removed", metadata: ["recording": "\(name)"])
        }
        return !removed.isEmpty
    }

    /// The version a library message claims, read without trusting it (to name it in a refusal).
    static func claimedVersion(_ bytes: [UInt8]) -> Int64? {
        guard let envelope = try? FleetJSON.decode(SignedRecording.self, from: bytes) else { return nil }
        return (try? FleetJSON.decode(LibraryRecordingInfo.self, from: Array(envelope.payload)))?.version
    }

    func refuseLibrary(_ refusal: FleetRefusal, key: String, message: String, language: String, version: Int64?, at t: Instant) {
        let name = "\(key)/\(message)/\(language)"
        logger.warning("library recording refused", metadata: [
            "recording": "\(name)", "code": "\(refusal.code.rawValue)", "reason": "\(refusal.message)",
        ])
        libraryRefusals[name] = UnitStatus.LibraryRefusal(key: key, message: message, language: language, version: version,
                                                          code: refusal.code.rawValue, reason: refusal.message, at: t)
        var converter = ZoneConverter(timeZone)
        refusals.insert(FleetRefusalJSON(command: nil, unit: nil, code: refusal.code.rawValue, message: "library recording \(name): \(refusal.message)",
                                         at: RFC3339.format(t, converter: &converter, fractionDigits: 3)), at: 0)
        if refusals.count > Self.refusalsKept { refusals.removeLast(refusals.count - Self.refusalsKept) }
    }

    /// Writes a checked recording under the state dir and gives the engine the new library.
    @discardableResult
    func install(_ info: LibraryRecordingInfo, audio: [UInt8], key: String) async -> Bool {
        let name = "\(key)/\(info.message)/\(info.language)"
        do {
            try FleetLibraryFiles(directory: layout.library).install(info, audio: audio, key: key)
        } catch {
            refuseLibrary(FleetRefusal(.malformed, "\(error)"), key: key, message: info.message, language: info.language,
                          version: info.version, at: now())
            await publishStatus()
            return false
        }
        libraryVersions[name] = info.version
        libraryRefusals[name] = nil
        let config = await engine.configuration
        let library = scanLibrary(config, stateDirectory: layout.directory)
        await engine.replaceLibrary(library)
        warmLoudness(library, cache: engine.loudness, store: store, logger: logger)
        logger.notice("library recording received", metadata: [
            "recording": "\(name)", "version": "\(info.version)", "issuer": "\(info.issuer)", "sha256": "\(info.sha256)",
            "zones": "\((info.zones ?? []).joined(separator: ","))",
        ])
        await publishStatus()
        return true
    }

    // MARK: What the control API shows

    func time(_ instant: Instant) -> String {
        var converter = ZoneConverter(timeZone)
        return RFC3339.format(instant, converter: &converter, fractionDigits: 3)
    }

    /// This daemon in its fleet, for `GET /v1/status` and `GET /v1/fleet`.
    /// What SPEC 17's limits removed since the start: units' records pruned (`records_per_unit`)
    /// and messages dropped unread (too large, or no room in the queue).
    public func limitCounts() -> (recordsPruned: Int, messagesDropped: Int) {
        (recordsPruned, connection.messagesDropped)
    }

    public func state() async -> FleetStateJSON {
        let pending = isCommander ? ((try? store.pendingCommands(now: now().microseconds).count) ?? 0) : nil
        let outbox = (try? store.outgoingCount()) ?? 0
        return FleetStateJSON(fleet: fleetName, unit: unit, role: isCommander ? "commander" : "unit", broker: broker,
                              connected: connected, since: time(since), reason: connected ? nil : reason,
                              commandZones: isCommander ? setup.commandZones : nil, outbox: outbox, pendingCommands: pending,
                              recordingsMissing: await engine.currentSetup.recordingsMissing, refusals: refusals,
                              clockSynced: commandClock.isSynced(now()))
    }
}
