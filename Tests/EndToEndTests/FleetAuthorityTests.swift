// Authority follows the grid (SPEC 17), end to end: real mosquitto, real `labad` units, envelopes
// signed here with the keys `laba fleet keygen` made.

import Foundation
import LabaCore
import LabaFleet
import LabaStore
import LabaTestSupport
import Testing

/// A connection of the test's own that hears the acks of `units` (a commander played by the test);
/// returns once its subscriptions are in place and each unit's status has come.
private func listener(_ fleet: FleetFixture, hearing units: [String]) async throws -> (MQTTConnection, Inbox) {
    let client = try MQTTConnection(MQTTOptions(host: "127.0.0.1", port: fleet.broker.port, clientID: "test-authority"))
    let inbox = Inbox(client)
    for unit in units {
        client.subscribe(fleet.topics.topic(.unitAck(unit: unit)))
        client.subscribe(fleet.topics.topic(.unitStatus(unit: unit)), retained: .always)
    }
    client.start()
    guard await inbox.waitForSubscriptions(2 * units.count),
          await inbox.wait(for: units.count, { $0.topic.hasSuffix("/status") }).count >= units.count else {
        await client.stop(publishingWill: false)
        throw BrokerError(description: "the test's commander did not hear \(units)")
    }
    return (client, inbox)
}

/// The acks heard from `unit`, by command id.
private func acks(_ inbox: Inbox, from unit: String, count: Int) async -> [String: CommandAck] {
    let heard = await inbox.wait(for: count) { $0.topic.hasSuffix("/unit/\(unit)/ack") }
        .compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
    return Dictionary(heard.map { ($0.command ?? "?", $0) }, uniquingKeysWith: { first, _ in first })
}

@Suite struct FleetAuthorityTests {
    /// Finding 2 of issue 25: the city's key moved every unit of the county into the city. Now the
    /// unit refuses a move by a key that does not hold the zone it is in, a v1 move and a move that
    /// names no unit; the county's `laba fleet move` moves it.
    @Test func aTownshipKeyCannotMoveACountyUnitAndTheCountysMoveDoes() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        let hills = try await fleet.start("hills-1", zone: "hills")
        #expect(await office.waitUntilOnline(["hills-1"]))
        let (client, inbox) = try await listener(fleet, hearing: ["hills-1"])
        defer { Task { await client.stop(publishingWill: false) } }

        let now = Instant(Date())
        func move(_ id: String, unit: String? = "hills-1", to zone: String, issuer: String = "test") -> FleetCommand {
            FleetCommand(id: id, issuer: issuer, issuedAt: now, expiresAt: now + .seconds(600),
                         body: .move(MoveCommand(unit: unit, zone: zone)))
        }
        let unitTopic = fleet.topics.topic(.unitCommand(unit: "hills-1"))
        try client.publish(topic: unitTopic, payload: SignedEnvelope(signing: move("grab", to: "city"), with: fleet.city).bytes)
        var v1 = SignedEnvelope(signing: move("old", to: "east"), with: fleet.county)
        v1.v = 1
        try client.publish(topic: unitTopic, payload: v1.bytes)
        try client.publish(topic: fleet.topics.topic(.zoneCommand(zone: "county")),
                           payload: SignedEnvelope(signing: move("anyone", unit: nil, to: "east"), with: fleet.county).bytes)

        let answers = await acks(inbox, from: "hills-1", count: 3)
        #expect(answers["grab"]?.code == "out_of_scope", "\(answers)")
        #expect(answers["grab"]?.message?.contains("not 'hills'") == true, "\(answers)")
        #expect(answers["old"]?.code == "malformed" && answers["old"]?.message?.contains("needs envelope version 2") == true,
                "\(answers)")
        #expect(answers["anyone"]?.code == "malformed", "\(answers)")

        func zones() throws -> [String]? {
            guard let row = try Store(path: office.database).units().first(where: { $0.unit == "hills-1" }) else { return nil }
            return try FleetJSON.decode(UnitStatus.self, from: Array(row.status)).outputs?.map(\.zone)
        }
        #expect(try zones() == ["hills"])

        let moved = try await office.laba(["fleet", "move", "hills-1", "east"])
        #expect(moved.status == 0 && moved.stdout.contains("hills-1"), "\(moved.stdout)\(moved.stderr)")
        #expect(await office.waitForStore { _ in try zones() == ["east"] })
        #expect(try Store(path: hills.database).outputZones() == ["square": "east"])
    }

    /// Finding 3 of issue 25: commands lived forever and ids were anyone's. A unit with a set clock
    /// refuses a ten-year command and one issued a year ahead; a unit whose clock is earlier than
    /// its build obeys the year-ahead one and records the skew; an id the city's key used first
    /// does not block the county's command of the same id; `laba status` says whether the clock is set.
    @Test func aSetClockRefusesLongAndFutureCommandsAndAnUnsetClockObeysWithTheSkew() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let east = try await fleet.start("east-1", zone: "east")
        let west = try await fleet.start("west-1", zone: "west") { yaml, unit in
            // Five years back: before any build of this code.
            let file = unit.dir + "/clock-offset"
            try "\(-5 * 365 * 86_400)\n".write(toFile: file, atomically: true, encoding: .utf8)
            unit.extraEnvironment["LABA_TEST_CLOCK_OFFSET_FILE"] = file
            return yaml
        }
        let (client, inbox) = try await listener(fleet, hearing: ["east-1", "west-1"])
        defer { Task { await client.stop(publishingWill: false) } }

        let now = Instant(Date())
        let year = TimeSpan.seconds(365 * 86_400)
        func play(_ id: String, _ zone: String, issued: Instant = now, lifetime: TimeSpan = .seconds(600)) -> FleetCommand {
            FleetCommand(id: id, issuer: "test", issuedAt: issued, expiresAt: issued + lifetime,
                         body: .broadcast(BroadcastCommand(message: "notice", zones: [zone])))
        }
        for (unit, zone) in [("east-1", "east"), ("west-1", "west")] {
            let topic = fleet.topics.topic(.unitCommand(unit: unit))
            try client.publish(topic: topic, payload: SignedEnvelope(signing: play("decade", zone, lifetime: .seconds(10 * 365 * 86_400)),
                                                                     with: fleet.county).bytes)
            try client.publish(topic: topic, payload: SignedEnvelope(signing: play("ahead", zone, issued: now + year), with: fleet.county).bytes)
        }
        // The city's key takes the id first; the county's command of that id is still obeyed.
        let eastTopic = fleet.topics.topic(.unitCommand(unit: "east-1"))
        try client.publish(topic: eastTopic, payload: SignedEnvelope(signing: play("shared", "east"), with: fleet.city).bytes)
        try client.publish(topic: eastTopic, payload: SignedEnvelope(signing: play("shared", "east"), with: fleet.county).bytes)

        let atEast = await inbox.wait(for: 4) { $0.topic.hasSuffix("/unit/east-1/ack") }
            .compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
        let eastCodes = Dictionary(grouping: atEast, by: { $0.command ?? "?" }).mapValues { $0.map { $0.code ?? $0.result.rawValue } }
        #expect(eastCodes["decade"] == ["too_long"] && eastCodes["ahead"] == ["issued_ahead"], "\(eastCodes)")
        #expect(eastCodes["shared"] == ["accepted", "accepted"], "\(eastCodes)")
        // Each record keeps the key that signed its command.
        #expect(await east.waitForStore { store in
            Set(try store.broadcasts().compactMap { record -> String? in
                guard case .fleet(_, "shared", let key)? = record.requestedBy else { return nil }
                return key
            }) == [fleet.city.id, fleet.county.id]
        })

        let atWest = await acks(inbox, from: "west-1", count: 2)
        #expect(atWest["decade"]?.code == "too_long", "\(atWest)")
        #expect(atWest["ahead"]?.result == .accepted, "\(atWest)")
        #expect((atWest["ahead"]?.clockSkew ?? 0) > Double(year.microseconds) / 1e6, "\(atWest)")

        let eastStatus = try await east.laba(["status"])
        #expect(eastStatus.stdout.contains("clock: set"), "\(eastStatus.stdout)")
        let westStatus = try await west.laba(["status"])
        #expect(westStatus.stdout.contains("clock: NOT set"), "\(westStatus.stdout)")
        // The set clock keeps the county key's mark, across restarts; the unset one keeps none.
        #expect(await east.waitForStore { try $0.commandMarks()[fleet.county.id] == FleetTime.milliseconds(now).microseconds })
        #expect(try Store(path: west.database).commandMarks().isEmpty)
        // Its retained status says so too, for a commander's `laba fleet`.
        let statuses = await inbox.wait(for: 2) { $0.topic.hasSuffix("/status") }
            .compactMap { try? FleetJSON.decode(UnitStatus.self, from: $0.payload) }
        #expect(statuses.first { $0.unit == "west-1" }?.clockSynced == false, "\(statuses)")
        #expect(statuses.first { $0.unit == "east-1" }?.clockSynced == true, "\(statuses)")
    }
}
