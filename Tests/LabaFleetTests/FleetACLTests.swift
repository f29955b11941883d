// `laba fleet acl`'s text, and what it lets each account do on a real mosquitto.

import Foundation
import LabaCore
import LabaFleet
import LabaTestSupport
import Testing

@Suite struct FleetACLTests {
    static let topics = FleetTopics(fleet: "lijiang")
    /// The county office (its own key, this daemon) and a township office (a trust entry).
    static let county = FleetSigningKey(comment: "lijiang-office")
    static let township = FleetSigningKey(comment: "gucheng-office")
    static let commanders = FleetACL.commanders(
        trust: [(county.publicKey, ["lijiang"], nil), (township.publicKey, ["gucheng"], nil), (FleetSigningKey().publicKey, ["dali"], nil)],
        own: ("lijiang-office", county.publicKey, ["lijiang", "dali"]))

    /// A trust entry's `issuer:` names its account before the key's comment; a revoked key has none.
    @Test func anIssuerNamesTheAccount() {
        let found = FleetACL.commanders(trust: [(Self.township.publicKey, ["gucheng"], "gucheng-clerks")], own: nil)
        #expect(found.commanders.map(\.account) == ["gucheng-clerks"])
    }

    @Test func eachCommanderWritesOnlyItsZonesCommandsAndItsLibraryPrefix() {
        #expect(Self.commanders.commanders == [
            ACLCommander(account: "lijiang-office", keyID: Self.county.id, zones: ["lijiang", "dali"]),
            ACLCommander(account: "gucheng-office", keyID: Self.township.id, zones: ["gucheng"]),
        ])
        #expect(Self.commanders.withoutAccount.count == 1)
        let acl = FleetACL.render(topics: Self.topics, commanders: Self.commanders.commanders, tree: fleetTree)
        let township = acl.components(separatedBy: "user gucheng-office\n")[1].split(separator: "\n").map(String.init)
        #expect(township == [
            "topic write laba/v1/lijiang/zone/gucheng/command",
            "topic write laba/v1/lijiang/zone/xianghe/command",
            "topic write laba/v1/lijiang/unit/+/command",
            "topic write laba/v1/lijiang/library/\(Self.township.id)/#",
            "topic read laba/v1/lijiang/unit/+/status",
            "topic read laba/v1/lijiang/unit/+/ack",
            "topic read laba/v1/lijiang/unit/+/record",
        ])
        #expect(acl.contains("user lijiang-office\ntopic write laba/v1/lijiang/zone/lijiang/command\n"))
        #expect(acl.contains("topic write laba/v1/lijiang/zone/dali/command\n"))
        #expect(acl.contains("pattern write laba/v1/lijiang/unit/%u/record\n"))
        #expect(!acl.contains("library/#\ntopic"))
    }

    @Test func thePrintedACLKeepsUnitsAndCommandersInTheirPlaceOnMosquitto() async throws {
        let folder = TemporaryFolder("laba-acl")
        let passwords = folder.file("passwd")
        for user in ["unit-a", "unit-b", "gucheng-office"] {
            try run("mosquitto_passwd", (user == "unit-a" ? ["-c"] : []) + ["-b", passwords, user, "pw-" + user])
        }
        try folder.write("laba.acl", FleetACL.render(topics: Self.topics, commanders: Self.commanders.commanders, tree: fleetTree))
        let broker = try MosquittoBroker(settings: """
            allow_anonymous false
            password_file \(passwords)
            acl_file \(folder.file("laba.acl"))
            """, folder: folder)
        defer { broker.kill(signal: SIGKILL); folder.remove() }
        func login(_ user: String) async throws -> (MQTTConnection, EventLog) {
            let (connection, log) = try connect(broker, user, username: user, password: "pw-" + user)
            _ = try await log.connected()
            return (connection, log)
        }
        /// Whether the broker took it: a PUBACK below 0x80 (0x10 when nobody listens); 0x87 is "not authorised".
        func publish(_ connection: MQTTConnection, _ log: EventLog, _ topic: String) async throws -> Bool {
            let code = try await log.acknowledged(try connection.publish(topic: topic, payload: Array("x".utf8)))
            #expect(code < 0x80 || code == 0x87)
            return code < 0x80
        }
        let t = Self.topics
        let (unitA, logA) = try await login("unit-a")
        let (office, officeLog) = try await login("gucheng-office")
        defer { Task { await unitA.stop(); await office.stop() } }

        // A unit account publishes under unit/<its id>/ and nowhere else.
        #expect(try await publish(unitA, logA, t.topic(.unitRecord(unit: "unit-a"))) == true)
        #expect(try await publish(unitA, logA, t.topic(.unitStatus(unit: "unit-a"))) == true)
        for elsewhere in [t.topic(.unitRecord(unit: "unit-b")), t.topic(.unitStatus(unit: "unit-b")), t.topic(.zoneCommand(zone: "gucheng")),
                          t.topic(.unitCommand(unit: "unit-b")), t.root + "/library/\(Self.township.id)/masks/zh",
                          "laba/v1/other/unit/unit-a/record", "elsewhere"] {
            #expect(try await publish(unitA, logA, elsewhere) == false, "\(elsewhere)")
        }
        // The township office commands its subtree and publishes its own library, nothing more.
        #expect(try await publish(office, officeLog, t.topic(.zoneCommand(zone: "xianghe"))) == true)
        #expect(try await publish(office, officeLog, t.root + "/library/\(Self.township.id)/masks/zh") == true)
        // A command for one unit (laba fleet move): the unit itself checks the key's trust over its zones.
        #expect(try await publish(office, officeLog, t.topic(.unitCommand(unit: "unit-a"))) == true)
        for elsewhere in [t.topic(.zoneCommand(zone: "lijiang")), t.topic(.zoneCommand(zone: "yulong")),
                          t.root + "/library/\(Self.county.id)/masks/zh", t.root + "/library/masks/zh"] {
            #expect(try await publish(office, officeLog, elsewhere) == false, "\(elsewhere)")
        }
        // It reads the units' reports.
        office.subscribe(t.topic(.unitRecord(unit: "unit-a")))
        #expect(try await officeLog.subscribed() == [1])
        #expect(try await publish(unitA, logA, t.topic(.unitRecord(unit: "unit-a"))) == true)
        #expect(try await officeLog.message().topic == t.topic(.unitRecord(unit: "unit-a")))
        await unitA.stop()
        await office.stop()
    }
}
