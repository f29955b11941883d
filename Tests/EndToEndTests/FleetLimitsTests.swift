// SPEC 17's limits against real binaries: a unit account's oversized record is dropped before it
// is read, a commander keeps `fleet.records_per_unit` records per unit, and its history answers.

import Foundation
import LabaCore
import LabaFleet
import LabaStore
import LabaTestSupport
import Testing

@Suite struct FleetLimitsEndToEndTests {
    /// A unit's record as labad publishes it, `padding` bytes longer.
    static func record(_ id: String, minute: Int, padding: Int = 0) -> [UInt8] {
        Array("""
            {"id":"\(id)","source":"manual","message":"notice","output":"square","zone":"east","priority":"manual",\
            "languages":{"planned":["naxi"],"played":["naxi"]},"planned_at":"2026-12-01T10:\(String(format: "%02d", minute)):00Z",\
            "state":"done","outcome":"completed","reason":"\(String(repeating: "x", count: padding))","unit":"east-1"}
            """.utf8)
    }

    @Test func anOversizedRecordIsDroppedUnreadAndTheCommanderKeepsItsNewestRecordsPerUnit() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true) { yaml, _ in
            yaml.replacingOccurrences(of: "  unit: office\n", with: "  unit: office\n  records_per_unit: 3\n")
        }
        // The test speaks as unit east-1.
        let unit = try MQTTConnection(MQTTOptions(host: "127.0.0.1", port: fleet.broker.port, clientID: "east-1"))
        let inbox = Inbox(unit)
        unit.subscribe(fleet.topics.topic(.unitCommand(unit: "east-1")))
        unit.start()
        defer { Task { await unit.stop(publishingWill: false) } }
        #expect(await inbox.waitForSubscriptions(1))
        let topic = fleet.topics.topic(.unitRecord(unit: "east-1"))

        // One byte over 64 KiB: never copied or decoded, and said once in the log.
        try unit.publish(topic: topic, payload: Self.record("huge", minute: 0, padding: 64 << 10))
        #expect(await office.log("fleet messages dropped"))
        for minute in 1...5 { try unit.publish(topic: topic, payload: Self.record("b\(minute)", minute: minute)) }
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter()).map(\.id) == ["b5", "b4", "b3"] })

        let history = try await office.laba(["history", "--fleet", "--json"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("\"b5\"") && history.stdout.contains("\"b3\"") && !history.stdout.contains("\"b2\""),
                "\(history.stdout)")
        #expect(!history.stdout.contains("huge"))
        let two = try await office.laba(["history", "--unit", "east-1", "--limit", "2", "--format", "csv"])
        #expect(two.status == 0 && two.stdout.contains("b5") && two.stdout.contains("b4") && !two.stdout.contains("b3"), "\(two.stdout)")
        await unit.stop(publishingWill: false)
    }

    @Test func aRecordingTooLargeForTheUnitsIsRefusedWithItsSize() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        // 400 s of 16 kHz mono: 12.8 MB of audio, over 16 MiB once signed (base64).
        let file = office.dir + "/long.wav"
        _ = try await blocking { try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", file, "synth", "400",
                                                          "sine", "700", "vol", "0.5"]) }
        let published = try await office.laba(["library", "publish", "bulletin", "--lang", "naxi", file])
        #expect(published.status != 0, "\(published.stdout)")
        #expect(published.stderr.contains("MiB, larger than 16 MiB"), "\(published.stderr)")
        #expect(try Store(path: office.database).outgoingCount() == 0)
    }

    @Test func fleetACLPrintsEachCommandersZonesAndLibraryPrefixFromTheConfiguration() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let folder = TemporaryFolder("laba-acl")
        defer { folder.remove() }
        try folder.write("laba.yaml", fleet.config(unit: "office", zone: "county", commander: true))
        let printed = try await blocking { try Binaries.run("laba", ["fleet", "acl", "--config", folder.file("laba.yaml")]) }
        #expect(printed.status == 0, "\(printed.stderr)")
        let root = "laba/v1/e2e"
        #expect(printed.stdout.contains("pattern write \(root)/unit/%u/record\n"), "\(printed.stdout)")
        // This daemon, by its unit id, and each trust entry, by its .pub file's comment.
        #expect(printed.stdout.contains("user office\ntopic write \(root)/zone/county/command\n"), "\(printed.stdout)")
        #expect(printed.stdout.contains("""
            user city
            topic write \(root)/zone/city/command
            topic write \(root)/zone/east/command
            topic write \(root)/zone/west/command
            topic write \(root)/unit/+/command
            topic write \(root)/library/\(fleet.city.id)/#
            topic read \(root)/unit/+/status
            """), "\(printed.stdout)")
        #expect(printed.stdout.contains("topic write \(root)/library/\(fleet.county.id)/#"))

        let none = try await blocking { try Binaries.run("laba", ["fleet", "acl", "--config", folder.file("nothing.yaml")]) }
        #expect(none.status != 0)
    }
}
