// The fleet end to end (SPEC 11): a real mosquitto, real `labad` units and a commander playing
// into capture PCMs, commands from the real `laba`, and envelopes crafted here for the refusals.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaFleet
import LabaStore
import LabaTestSupport
import Synchronization
import Testing

/// A broker, the keys a technician makes with `laba fleet keygen`, and units on them.
final class FleetFixture {
    let broker: MosquittoBroker
    let keys: String
    let county: FleetSigningKey
    let city: FleetSigningKey

    init() throws {
        broker = try MosquittoBroker()
        keys = try Binaries.temporaryDirectory()
        for name in ["county", "city"] {
            let made = try Binaries.run("laba", ["fleet", "keygen", "\(keys)/\(name)"])
            guard made.status == 0 else { throw BrokerError(description: "laba fleet keygen: \(made.stderr)") }
        }
        county = try FleetKeyFile.readSecret("\(keys)/county.key")
        city = try FleetKeyFile.readSecret("\(keys)/city.key")
    }

    deinit {
        broker.kill(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: keys)
    }

    var topics: FleetTopics { FleetTopics(fleet: "e2e") }

    /// The zones: county > city > east (naxi), west (yi); county > hills.
    func config(unit: String, zone: String, commander: Bool, eastSchedule: String = "", signKey: String = "county",
                commandZone: String = "county") -> String {
        """
        timezone: UTC
        audio_dir: audio
        defaults: {gap: 200ms, loudness_lufs: -16}
        outputs:
          - {id: square, device: laba_square, zone: \(zone)}
        zones:
          - {id: county, languages: [mandarin]}
          - {id: city, parent: county}
          - {id: east, parent: city, languages: [naxi]\(eastSchedule)}
          - {id: west, parent: city, languages: [yi]}
          - {id: hills, parent: county}
        fleet:
          name: e2e
          broker: "mqtt://127.0.0.1:\(broker.port)"
          unit: \(unit)
          trust:
            - {key: \(keys)/county.pub, zones: [county]}
            - {key: \(keys)/city.pub, zones: [city]}
        \(commander ? "  sign_key: \(keys)/\(signKey).key\n  command_zones: [\(commandZone)]\n" : "")
        """
    }

    /// A commander played by the test: a connection of its own that hears `unit`'s acks; returns
    /// once the unit's status has come (published after its subscriptions: it hears its zones).
    /// The caller stops the connection.
    func testCommander(hearing unit: String) async throws -> (MQTTConnection, Inbox) {
        let client = try MQTTConnection(MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "test-commander"))
        let inbox = Inbox(client)
        client.subscribe(topics.topic(.unitAck(unit: unit)))
        client.subscribe(topics.topic(.unitStatus(unit: unit)), retained: .always)
        client.start()
        guard await inbox.waitForSubscriptions(2), !(await inbox.wait(for: 1) { $0.topic.hasSuffix("/status") }).isEmpty else {
            await client.stop(publishingWill: false)
            throw BrokerError(description: "the test's commander did not hear \(unit)")
        }
        return (client, inbox)
    }

    /// Starts `labad` as fleet unit `id`, its output in `zone`; once it is connected to the broker.
    func start(_ id: String, zone: String, commander: Bool = false, eastSchedule: String = "", signKey: String = "county",
               commandZone: String = "county",
               edit: @escaping @Sendable (String, DaemonFixture) throws -> String = { yaml, _ in yaml }) async throws -> DaemonFixture {
        try await blocking {
            try self.startBlocking(id, zone: zone, commander: commander, eastSchedule: eastSchedule, signKey: signKey,
                                   commandZone: commandZone, edit: edit)
        }
    }

    private func startBlocking(_ id: String, zone: String, commander: Bool, eastSchedule: String, signKey: String, commandZone: String,
                               edit: (String, DaemonFixture) throws -> String) throws -> DaemonFixture {
        let unit = try DaemonFixture()
        try unit.writeTones()
        try edit(config(unit: id, zone: zone, commander: commander, eastSchedule: eastSchedule, signKey: signKey,
                        commandZone: commandZone), unit)
            .write(toFile: unit.configPath, atomically: true, encoding: .utf8)
        try unit.start()
        guard unit.waitForLog("connected to the fleet's broker") else {
            throw BrokerError(description: "\(id) did not connect to the broker")
        }
        return unit
    }
}

/// Runs blocking work (a process, a pipe, a broker's start) on a thread of its own, so that the
/// tests never hold one of the few threads of Swift's cooperative pool, on which the MQTT clients'
/// event streams (here and in LabaFleetTests, run at the same time) must make progress.
func blocking<T>(_ body: @escaping () throws -> T) async throws -> T {
    let work = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { (c: CheckedContinuation<UncheckedBox<T>, any Error>) in
        Thread {
            do { c.resume(returning: UncheckedBox(try work.value())) } catch { c.resume(throwing: error) }
        }.start()
    }.value
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The tones of a capture, read off the pool.
func tones(_ path: String) async throws -> [Int] {
    try await blocking { try Binaries.toneFrequencies(of: path) }
}

extension DaemonFixture {
    var pid: pid_t { process!.processIdentifier }

    /// Runs `laba` against this daemon.
    func laba(_ arguments: [String]) async throws -> Binaries.Result {
        let environment = self.environment
        return try await blocking { try Binaries.run("laba", arguments, environment: environment) }
    }

    /// Reads labad's log until `text` (or `Binaries.patience`), off the pool.
    func log(_ text: String) async -> Bool {
        (try? await blocking { self.waitForLog(text) }) ?? false
    }

    /// Waits (`Binaries.patience` at most) until `condition` holds for this daemon's store.
    func waitForStore(_ condition: (Store) throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: database), let store = try? Store(path: database),
               (try? condition(store)) == true { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// A commander: waits until it has seen each unit online (their retained statuses, published
    /// once their subscriptions were in place).
    func waitUntilOnline(_ units: [String]) async -> Bool {
        await waitForStore { store in Set(try store.units().filter { $0.state == "online" }.map(\.unit)).isSuperset(of: units) }
    }

    /// A commander: the records its units reported.
    func fleetRecords() throws -> [FleetRecordRow] {
        try Store(path: database).fleetRecords(unit: nil, BroadcastFilter(limit: 1000))
    }
}

/// Messages received on a connection of the test's own (a commander played by the test).
final class Inbox: Sendable {
    private let messages = Mutex<[MQTTMessage]>([])
    private let subscribed = Mutex(0)

    init(_ connection: MQTTConnection) {
        let events = connection.events
        Task.detached { [self] in
            for await event in events {
                switch event {
                case .message(let m): messages.withLock { $0.append(m) }
                case .subscribed: subscribed.withLock { $0 += 1 }
                default: break
                }
            }
        }
    }

    /// Waits (`Binaries.patience` at most) until `count` messages matched `match`; returns those that did.
    func wait(for count: Int, _ match: @escaping (MQTTMessage) -> Bool = { _ in true }) async -> [MQTTMessage] {
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while true {
            let found = messages.withLock { $0.filter(match) }
            if found.count >= count || Date() >= deadline { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func waitForSubscriptions(_ count: Int) async -> Bool {
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while subscribed.withLock({ $0 }) < count, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return subscribed.withLock { $0 } >= count
    }
}

@Suite struct FleetTests {
    /// The issue's first test: one command from the county office plays on two units in their own
    /// zones' languages, and the office's history holds both units' records.
    @Test func aCommandForACityPlaysOnEveryUnitInItsZonesLanguagesAndTheCommanderKeepsTheirRecords() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        let east = try await fleet.start("east-1", zone: "east")
        let west = try await fleet.start("west-1", zone: "west")
        #expect(await office.waitUntilOnline(["east-1", "west-1"]))

        let play = try await office.laba(["play", "notice", "--zone", "city"])
        #expect(play.status == 0, "\(play.stderr)")
        let command = try #require(play.stdout.split(separator: " ").dropFirst(2).first.map(String.init), "\(play.stdout)")
        #expect(play.stdout.contains("fleet command \(command) published for city"), "\(play.stdout)")

        #expect(await office.waitForStore { try $0.fleetRecords(unit: nil, BroadcastFilter()).count == 2 })
        let records = try office.fleetRecords()
        #expect(Set(records.map(\.unit)) == ["east-1", "west-1"])
        #expect(records.allSatisfy { $0.outcome == "completed" && $0.command == command && $0.message == "notice" })
        // Each unit played its own zone's language: naxi (300 Hz) in the east, yi (500 Hz) in the west.
        #expect(try await tones(east.dir + "/laba_square.wav") == [300])
        #expect(try await tones(west.dir + "/laba_square.wav") == [500])
        // The office played nothing of it (no output of its own serves the city).
        #expect(try Store(path: office.database).broadcasts().isEmpty)

        let history = try await office.laba(["history", "--fleet"])
        #expect(history.status == 0)
        for line in ["east-1", "west-1"] { #expect(history.stdout.contains(line), "\(history.stdout)") }
        let report = try await office.laba(["report", "--by", "unit", "--format", "csv"])
        #expect(report.stdout.contains("east-1,1,") && report.stdout.contains("west-1,1,"), "\(report.stdout)")
        let units = try await office.laba(["fleet"])
        #expect(units.stdout.contains("east-1") && units.stdout.contains("online") && units.stdout.contains("notice completed"),
                "\(units.stdout)")
        // Every unit answered: the command left the outbox.
        #expect(await office.waitForStore { try $0.pendingCommands(now: 0).isEmpty })
        let status = try await east.laba(["status"])
        #expect(status.stdout.contains("broker mqtt://127.0.0.1:\(fleet.broker.port) connected since"), "\(status.stdout)")
        // SIGTERM: the unit leaves the broker (its will: offline) and exits 0 in time.
        #expect(try await blocking { east.terminate() } == 0)
        #expect(await office.waitForStore { try $0.units().first { $0.unit == "east-1" }?.state == "offline" })
    }

    /// A broker missing at start holds up nothing local, and `laba status` says so.
    @Test func aMissingBrokerDoesNotStopLocalPlaybackAndTheStatusSaysSo() async throws {
        let fleet = try await blocking { try FleetFixture() }
        fleet.broker.kill(signal: SIGKILL)
        let unit = try DaemonFixture()
        try await blocking { try unit.writeTones() }
        try fleet.config(unit: "east-1", zone: "east", commander: false).write(toFile: unit.configPath, atomically: true, encoding: .utf8)
        try unit.start()
        #expect(await unit.log("ready"))
        #expect(try await unit.laba(["play", "notice", "--zone", "east"]).status == 0)
        #expect(await unit.waitForStore { try $0.broadcasts(outcome: .completed).count == 1 })
        #expect(try await tones(unit.dir + "/laba_square.wav") == [300])
        let status = try await unit.laba(["status"])
        #expect(status.stdout.contains("broker mqtt://127.0.0.1:\(fleet.broker.port) NOT connected since"), "\(status.stdout)")
        // Its report waits in the outbox for the broker.
        #expect(try Store(path: unit.database).outgoingCount() == 1)
    }

    /// A unit stopped (SIGSTOP) while the command is published plays it once when resumed within
    /// the expiry; resumed after it, it records `expired` and plays nothing.
    @Test func aStoppedUnitPlaysOnceWithinTheExpiryAndRecordsExpiredAfterIt() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        let east = try await fleet.start("east-1", zone: "east")
        #expect(await office.waitUntilOnline(["east-1"]))

        kill(east.pid, SIGSTOP)
        // An expiry no busy machine reaches (the whole run's suites share two cores).
        #expect(try await office.laba(["play", "notice", "--zone", "east", "--within", "10min"]).status == 0)
        kill(east.pid, SIGCONT)
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter()).count == 1 })

        kill(east.pid, SIGSTOP)
        let late = try await office.laba(["play", "notice", "--zone", "east", "--within", "1s"])
        #expect(late.status == 0)
        // The time the test is about: the command's expiry passes while the unit cannot run.
        try await Task.sleep(for: .milliseconds(1500))
        kill(east.pid, SIGCONT)
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter()).count == 2 })

        let records = try Store(path: east.database).broadcasts()
        #expect(records.map(\.outcome) == [.expired, .completed], "\(records)")
        #expect(records.first?.frames == 0 && records.first?.startedAt == nil)
        #expect(try office.fleetRecords().map(\.outcome) == ["expired", "completed"])
        #expect(try await tones(east.dir + "/laba_square.wav") == [300])
    }

    /// The same envelope five times plays once; a bad signature, an untrusted key, a zone outside
    /// the key's subtree, a replayed id and an expired command are each refused with their code,
    /// and nothing of them plays.
    @Test func repeatsAndForgeriesAreRefusedWithTheirCodes() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let east = try await fleet.start("east-1", zone: "east")
        let topics = fleet.topics
        let (client, inbox) = try await fleet.testCommander(hearing: "east-1")
        defer { Task { await client.stop(publishingWill: false) } }

        let now = Instant(Date())
        func command(_ id: String, zones: [String] = ["east"], issued: Instant = now, lifetime: TimeSpan = .seconds(60)) -> FleetCommand {
            FleetCommand(id: id, issuer: "test", issuedAt: issued, expiresAt: issued + lifetime,
                         body: .broadcast(BroadcastCommand(message: "notice", zones: zones)))
        }
        func publish(_ bytes: [UInt8], on zone: String = "east") throws {
            try client.publish(topic: topics.topic(.zoneCommand(zone: zone)), payload: bytes)
        }
        let good = SignedEnvelope(signing: command("good"), with: fleet.county)
        for _ in 0..<5 { try publish(good.bytes) }
        var forged = SignedEnvelope(signing: command("forged"), with: fleet.county)
        forged.sig = Data(fleet.county.signature(for: Array("something else".utf8)))
        try publish(forged.bytes)
        try publish(SignedEnvelope(signing: command("stranger"), with: FleetSigningKey()).bytes)
        // The city's key may command the city, not the whole county.
        try publish(SignedEnvelope(signing: command("overreach", zones: ["county"]), with: fleet.city).bytes, on: "county")
        try publish(SignedEnvelope(signing: command("good", issued: now + .seconds(1)), with: fleet.county).bytes)
        try publish(SignedEnvelope(signing: command("stale", issued: now - .seconds(120)), with: fleet.county).bytes)

        let acks = await inbox.wait(for: 10) { $0.topic.hasSuffix("/ack") }.compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
        #expect(acks.count == 10)
        let codes = Dictionary(grouping: acks, by: { $0.command ?? "?" }).mapValues { $0.map { $0.code ?? $0.result.rawValue } }
        #expect(codes["good"] == ["accepted", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate"], "\(codes)")
        #expect(codes["forged"] == ["bad_signature"] && codes["stranger"] == ["untrusted"], "\(codes)")
        #expect(codes["overreach"] == ["out_of_scope"] && codes["stale"] == ["expired"], "\(codes)")

        #expect(await east.waitForStore { try $0.broadcasts(outcome: .completed).count == 1 })
        let records = try Store(path: east.database).broadcasts()
        #expect(records.map(\.outcome).sorted { $0!.rawValue < $1!.rawValue } == [.completed, .expired], "\(records)")
        #expect(try await tones(east.dir + "/laba_square.wav") == [300])
        let shown = try await east.laba(["fleet"])
        for code in ["bad_signature", "untrusted", "out_of_scope", "expired"] {
            #expect(shown.stdout.contains(code), "\(shown.stdout)")
        }
    }

    /// A CAP alert carried by a fleet command reaches only the zones its key may command: the
    /// county-wide alert, signed by the city's key, plays in the city and not in the hills, and
    /// the alert's record keeps that scope for its repeats.
    @Test func aFleetAlertPlaysOnlyInTheZonesOfItsKey() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let unit = try await fleet.start("two-1", zone: "east") { yaml, _ in
            // A second output, in the hills (Config/alsa-capture.conf has laba_van).
            return yaml
                .replacingOccurrences(of: "  - {id: square, device: laba_square, zone: east}",
                                      with: "  - {id: square, device: laba_square, zone: east}\n  - {id: van, device: laba_van, zone: hills}")
                .replacingOccurrences(of: "  - {id: county, languages: [mandarin]}",
                                      with: "  - {id: county, languages: [mandarin], code: \"530700000000\"}")
                + "alerts:\n  events:\n    - {event: 地震, message: notice}\n  languages: {zh-CN: mandarin}\n"
        }
        let client = try MQTTConnection(MQTTOptions(host: "127.0.0.1", port: fleet.broker.port, clientID: "test-commander"))
        let inbox = Inbox(client)
        client.subscribe(fleet.topics.topic(.unitAck(unit: "two-1")))
        client.start()
        defer { Task { await client.stop(publishingWill: false) } }
        #expect(await inbox.waitForSubscriptions(1))

        let now = Instant(Date())
        let cap = """
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>CN-E2E-0001</identifier><sender>eew@example.cn</sender>
              <sent>2026-12-02T09:59:50+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
              <info><language>zh-CN</language><category>Geo</category><event>地震</event><urgency>Immediate</urgency>
                <severity>Severe</severity><certainty>Observed</certainty>
                <area><areaDesc>the whole county</areaDesc><geocode><valueName>GB/T 2260</valueName><value>530700000000</value></geocode></area>
              </info>
            </alert>
            """
        let command = FleetCommand(id: "quake-1", issuer: "city-office", issuedAt: now, expiresAt: now + .seconds(60),
                                   body: .alert(AlertCommand(cap: cap)))
        try client.publish(topic: fleet.topics.topic(.unitCommand(unit: "two-1")),
                           payload: SignedEnvelope(signing: command, with: fleet.city).bytes)

        let acks = await inbox.wait(for: 1) { $0.topic.hasSuffix("/ack") }.compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
        #expect(acks.first?.result == .accepted, "\(acks)")
        #expect(acks.first?.broadcasts?.count == 1, "\(acks.first?.message ?? "")")
        #expect(await unit.waitForStore { try $0.broadcasts(outcome: .completed).count == 1 })
        let store = try Store(path: unit.database)
        let records = try store.broadcasts()
        #expect(records.map(\.output) == ["square"], "\(records)")
        #expect(records.map(\.outcome) == [.completed], "\(records.map { "\($0.outcome.map(\.rawValue) ?? "live") \($0.reason ?? "")" })")
        let alert = try #require(try store.alerts(limit: 5).first)
        #expect(alert.via == "fleet" && alert.zones == ["city"] && alert.scope == ["city"], "\(alert)")
        #expect(try await tones(unit.dir + "/laba_square.wav") == [300])  // east speaks naxi
        if FileManager.default.fileExists(atPath: unit.dir + "/laba_van.wav") {
            #expect(try await tones(unit.dir + "/laba_van.wav").isEmpty)
        }
    }

    /// A recording published on the commander reaches a unit that had none: it is named missing
    /// in the unit's status before, counted by `laba check` on the unit after, and played.
    @Test func aRecordingPublishedOnTheCommanderIsPlayedByAUnitThatHadNone() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        let schedule = #", schedule: [{message: bulletin, at: "2099-01-01 08:00"}]"#
        let east = try await fleet.start("east-1", zone: "east", eastSchedule: schedule)
        func missing() throws -> [String]? {
            guard let row = try Store(path: office.database).units().first(where: { $0.unit == "east-1" }) else { return nil }
            return try FleetJSON.decode(UnitStatus.self, from: Array(row.status)).recordingsMissing
        }
        #expect(await office.waitForStore { _ in try missing() == ["bulletin/naxi"] })

        let file = office.dir + "/bulletin.wav"
        _ = try await blocking { try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", file, "synth", "0.3", "sine", "700",
                                                          "vol", "0.5"]) }
        let published = try await office.laba(["library", "publish", "bulletin", "--lang", "naxi", file])
        #expect(published.status == 0 && published.stdout.contains("/bulletin/naxi") && published.stdout.contains("kept by east-1"), "\(published.stderr)")
        #expect(await east.log("library recording received"))
        #expect(await office.waitForStore { _ in try missing() == [] })

        #expect(try await office.laba(["play", "bulletin", "--zone", "east"]).status == 0)
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter(outcome: .completed)).count == 1 })
        #expect(try await tones(east.dir + "/laba_square.wav") == [700])
        // `laba check` on the unit counts the recording it received (naxi is the first column).
        let check = try await east.laba(["check", "--config", east.configPath])
        let row = try #require(check.stdout.split(separator: "\n").first { $0.hasPrefix("bulletin") }, "\(check.stdout)")
        #expect(row.contains("✓") && !check.stdout.contains("unknown message 'bulletin'"), "\(check.stdout)")

        // `laba play --file` for a zone of the fleet: the recording travels through the library, then plays.
        let flash = office.dir + "/flash.wav"
        _ = try await blocking { try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", flash, "synth", "0.3", "sine", "1100",
                                                          "vol", "0.5"]) }
        let upload = try await office.laba(["play", "--file", flash, "flash", "--lang", "naxi", "--zone", "east"])
        #expect(upload.status == 0 && upload.stdout.contains("fleet command"), "\(upload.stderr)")
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter(message: "flash", outcome: .completed)).count == 1 })
        #expect(try await tones(east.dir + "/laba_square.wav") == [1100])
    }

    /// Issue 26: a unit's refusal of the front door travels in its ack with its code and
    /// arguments (beside the English message older commanders show), and the commander's
    /// `laba fleet` gives it in its reader's words.
    @Test func aUnitsRefusalReadsInTheCommandersLanguage() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        let east = try await fleet.start("east-1", zone: "east", eastSchedule: #", quiet_hours: "00:00-23:59""#)
        #expect(await office.waitUntilOnline(["east-1"]))
        let (client, inbox) = try await fleet.testCommander(hearing: "east-1")
        defer { Task { await client.stop(publishingWill: false) } }
        #expect(try await office.laba(["play", "notice", "--zone", "east"]).status == 0)

        let acks = await inbox.wait(for: 1) { $0.topic.hasSuffix("/ack") }.compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
        let ack = try #require(acks.first, "east-1 answers")
        #expect(ack.result == .refused && ack.code == "quiet_hours", "\(ack)")
        #expect(ack.args?["zone"] == "east" && ack.args?["window"] != nil, "\(ack)")
        #expect(ack.message?.contains("quiet hours") == true, "the English words stay for older commanders: \(ack.message ?? "")")

        let zh = office.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 }
        let expected = "区域“east”处于禁播时段（\(ack.args?["window"] ?? "")）"
        var shown = ""
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            shown = try await blocking { try Binaries.run("laba", ["fleet"], environment: zh).stdout }
            if shown.contains("east-1") && shown.contains("quiet_hours") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(shown.contains(expected) && !shown.contains("quiet hours"), "\(shown)")
        let english = try await blocking { try Binaries.run("laba", ["fleet"], environment: office.environment.merging(["LANG": "C"]) { $1 }) }
        #expect(english.stdout.contains(ack.message ?? "?"), "\(english.stdout)")
        // The commander keeps the ack with its arguments (v12-ack-args): the console's alerts page
        // and `laba fleet` render it from them after a restart too.
        let kept = try #require(try Store(path: office.database).acks(command: ack.command ?? "").first { $0.unit == "east-1" })
        #expect(kept.code == "quiet_hours" && kept.args == ack.args, "\(kept)")
        let answer = CommandJSON.Answer(unit: kept.unit, result: kept.result, code: kept.code, message: kept.message,
                                        broadcasts: kept.broadcasts, args: kept.args)
        #expect(answer.words(in: .zhHans).hasPrefix(expected), "\(answer.words(in: .zhHans))")
        _ = east
    }

    /// Issue 26: a recording a clerk titled on the commander (titles.json, the operators' layer)
    /// carries that title in its signed entry, which the unit keeps beside it.
    @Test func aPublishedRecordingCarriesTheTitleTheCommandersClerkGaveIt() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true) { yaml, unit in
            try FileManager.default.createDirectory(atPath: unit.dir + "/state", withIntermediateDirectories: true)
            try #"{"bulletin": "防汛公告"}"#.write(toFile: unit.dir + "/state/titles.json", atomically: true, encoding: .utf8)
            return yaml
        }
        let east = try await fleet.start("east-1", zone: "east")
        #expect(await office.waitUntilOnline(["east-1"]))
        let file = office.dir + "/bulletin.wav"
        _ = try await blocking { try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", file, "synth", "0.3", "sine", "700",
                                                          "vol", "0.5"]) }
        let published = try await office.laba(["library", "publish", "bulletin", "--lang", "naxi", file])
        #expect(published.status == 0, "\(published.stdout)\(published.stderr)")
        #expect(await east.log("library recording received"))
        let keys = east.dir + "/state/library/.keys"
        let sidecars = try FileManager.default.subpathsOfDirectory(atPath: keys).filter { $0.hasSuffix("bulletin/.naxi.json") }
        let sidecar = try String(contentsOfFile: keys + "/" + (try #require(sidecars.first, "\(sidecars)")), encoding: .utf8)
        #expect(sidecar.contains("防汛公告"), "\(sidecar)")
    }

    /// Library authority (SPEC 17, issue 25 finding 1): a township key (trusted for the city only)
    /// that publishes for the whole county is refused by every unit, and its commander is told
    /// which and why; the county's recording is kept everywhere and plays in the township too,
    /// before the township's own newer recording for it.
    @Test func aTownshipKeyCannotTakeOverTheCountysRecordings() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        // The township's office, its key trusted for the city only, claiming the county.
        let town = try await fleet.start("town", zone: "west", commander: true, signKey: "city", commandZone: "county")
        let east = try await fleet.start("east-1", zone: "east")
        let hills = try await fleet.start("hills-1", zone: "hills")
        #expect(await town.waitUntilOnline(["office", "east-1", "hills-1"]))
        #expect(await office.waitUntilOnline(["town", "east-1", "hills-1"]))

        func tone(_ name: String, _ hz: Int) async throws -> String {
            let file = office.dir + "/\(name).wav"
            _ = try await blocking { try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", file,
                                                                                  "synth", "0.3", "sine", "\(hz)", "vol", "0.5"]) }
            return file
        }
        let refused = try await town.laba(["library", "publish", "bulletin", try await tone("town", 500), "--wait", "60"])
        #expect(refused.status != 0, "\(refused.stdout)")
        #expect(refused.stdout.contains("refused by hills-1: out_of_scope"), "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stdout.contains("refused by east-1: out_of_scope"), "\(refused.stdout)")
        let listed = try await town.laba(["fleet"])
        #expect(listed.stdout.contains("hills-1") && listed.stdout.contains("\(fleet.city.id)/bulletin/neutral"), "\(listed.stdout)")

        let kept = try await office.laba(["library", "publish", "bulletin", try await tone("county", 700), "--wait", "60"])
        #expect(kept.status == 0, "\(kept.stdout)\(kept.stderr)")
        #expect(kept.stdout.contains("kept by east-1, hills-1, town"), "\(kept.stdout)")

        // The township's own recording for the city, newer than the county's, reaches east-1...
        let audio = try await blocking { Array(try Data(contentsOf: URL(fileURLWithPath: office.dir + "/town.wav"))) }
        let info = LibraryRecordingInfo(message: "bulletin", language: Language.neutral, format: "wav", audio: audio, issuer: "town",
                                        issuedAt: Instant(Date()) + .seconds(1), zones: ["city"], title: "Bulletin")
        let client = try MQTTConnection(MQTTOptions(host: "127.0.0.1", port: fleet.broker.port, clientID: "test-township"))
        let inbox = Inbox(client)
        client.subscribe(fleet.topics.topic(.unitStatus(unit: "east-1")))
        client.start()
        #expect(await inbox.waitForSubscriptions(1))
        _ = try client.publish(topic: fleet.topics.topic(.library(key: fleet.city.id, message: "bulletin", language: Language.neutral)),
                               payload: SignedRecording(signing: info, audio: audio, with: fleet.city).bytes, retain: true)
        func held(_ unit: String) throws -> [UnitStatus.LibraryHeld] {
            guard let row = try Store(path: office.database).units().first(where: { $0.unit == unit }) else { return [] }
            return try FleetJSON.decode(UnitStatus.self, from: Array(row.status)).library ?? []
        }
        #expect(await office.waitForStore { _ in try held("east-1").contains { $0.key == fleet.city.id } })
        await client.stop(publishingWill: false)

        // ...and still the county's plays there, as everywhere.
        #expect(try await office.laba(["play", "bulletin", "--zone", "east"]).status == 0)
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter(outcome: .completed)).count == 1 })
        #expect(try await tones(east.dir + "/laba_square.wav") == [700])
        #expect(try await office.laba(["play", "bulletin", "--zone", "hills"]).status == 0)
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "hills-1", BroadcastFilter(outcome: .completed)).count == 1 })
        #expect(try await tones(hills.dir + "/laba_square.wav") == [700])
    }
}
