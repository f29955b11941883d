// The broker's side of security, as Config/fleet ships it: TLS with client certificates from
// Scripts/fleet-test-ca.sh, and the ACL that keeps each unit under its own topics.

import Foundation
import LabaCore
import LabaFleet
import LabaTestSupport
import Testing

@Suite struct BrokerSecurityTests {
    @Test func tlsWithClientCertificatesConnectsAndSurvivesABrokerRestart() async throws {
        let folder = TemporaryFolder("laba-broker")
        let certs = folder.file("certs")
        try run(repositoryRoot + "/Scripts/fleet-test-ca.sh", [certs, "localhost,127.0.0.1", "unit-a"])
        let broker = try MosquittoBroker(settings: """
            allow_anonymous true
            cafile \(certs)/ca.crt
            certfile \(certs)/broker.crt
            keyfile \(certs)/broker.key
            require_certificate true
            use_identity_as_username true
            """, folder: folder)
        defer { broker.kill(signal: SIGKILL); folder.remove() }

        let tls = MQTTOptions.TLS(caFile: certs + "/ca.crt", certFile: certs + "/unit-a.crt", keyFile: certs + "/unit-a.key")
        let (unit, log) = try connect(broker, "unit-a", tls: tls)
        defer { Task { await unit.stop() } }
        _ = try await log.connected()
        let topic = FleetTopics(fleet: "lijiang").topic(.unitCommand(unit: "unit-a"))
        unit.subscribe(topic)
        _ = try await log.subscribed()
        let id = try unit.publish(topic: topic, payload: Array("over tls".utf8))
        #expect(try await log.acknowledged(id) == 0)
        #expect(try await log.message().payload == Array("over tls".utf8))

        // A TLS connection lost makes mosquitto_loop_forever give up; this connection comes back.
        broker.kill(signal: SIGKILL)
        _ = try await log.next("disconnected") { if case .disconnected = $0 { true } else { nil } }
        try broker.start()
        // A bound, not a wait: reconnects come 1, 3, 7, 15 s after the loss, and the broker may be
        // slow to start again on a loaded machine.
        _ = try await log.connected(within: 30)

        // Without a client certificate, the broker does not let it in.
        let (stranger, strangerLog) = try connect(broker, "stranger", tls: MQTTOptions.TLS(caFile: certs + "/ca.crt"))
        _ = try await strangerLog.next("refusal") { if case .connectFailed = $0 { true } else { nil } }
        #expect(!stranger.isConnected)
        #expect(!strangerLog.all.contains { if case .connected = $0 { true } else { false } })
        await stranger.stop()
        await unit.stop()  // before its certificates go with the folder
    }

    @Test func anUnreadableCertificateIsNamed() throws {
        let options = MQTTOptions(host: "127.0.0.1", port: 8883, clientID: "u",
                                  tls: MQTTOptions.TLS(caFile: "/nonexistent/ca.crt"))
        #expect(throws: MQTTError.unreadableFile("/nonexistent/ca.crt")) { try MQTTConnection(options) }
    }

    @Test func theShippedACLKeepsEachUnitUnderItsOwnTopics() async throws {
        let folder = TemporaryFolder("laba-broker")
        let passwords = folder.file("passwd")
        for user in ["unit-a", "unit-b", "gucheng-office"] {
            try run("mosquitto_passwd", (user == "unit-a" ? ["-c"] : []) + ["-b", passwords, user, "pw-" + user])
        }
        let broker = try MosquittoBroker(settings: """
            allow_anonymous false
            password_file \(passwords)
            acl_file \(repositoryRoot)/Config/fleet/laba.acl
            """, folder: folder)
        defer { broker.kill(signal: SIGKILL); folder.remove() }
        let topics = FleetTopics(fleet: "lijiang")
        func login(_ user: String) throws -> (MQTTConnection, EventLog) {
            try connect(broker, user, username: user, password: "pw-" + user)
        }

        let (commander, commanderLog) = try login("gucheng-office")
        defer { Task { await commander.stop() } }
        for filter in topics.commanderSubscriptions { commander.subscribe(filter) }
        for _ in topics.commanderSubscriptions { #expect(try await commanderLog.subscribed() == [1]) }

        let (unitA, logA) = try login("unit-a")
        defer { Task { await unitA.stop() } }
        _ = try await logA.connected()
        // unit-a speaking for unit-b: the broker refuses (PUBACK 0x87, not authorised)...
        let forged = try unitA.publish(topic: topics.topic(.unitStatus(unit: "unit-b")), payload: Array("forged".utf8), retain: true)
        #expect(try await logA.acknowledged(forged) == 0x87)
        // ...and publishing commands is for commanders only.
        let command = try unitA.publish(topic: topics.topic(.zoneCommand(zone: "gucheng")), payload: Array("play".utf8))
        #expect(try await logA.acknowledged(command) == 0x87)
        // Its own status passes, and is the first thing the commander receives.
        let own = try unitA.publish(topic: topics.topic(.unitStatus(unit: "unit-a")), payload: Array("online".utf8), retain: true)
        #expect(try await logA.acknowledged(own) == 0)
        let received = try await commanderLog.message()
        #expect(received.topic == topics.topic(.unitStatus(unit: "unit-a")))
        #expect(received.payload == Array("online".utf8))

        // A commander's command reaches a unit subscribed to its zone.
        let (unitB, logB) = try login("unit-b")
        defer { Task { await unitB.stop() } }
        unitB.subscribe(topics.topic(.zoneCommand(zone: "gucheng")))
        #expect(try await logB.subscribed() == [1])
        // unit-b may not read unit-a's commands (mosquitto 2.0 grants the subscription and
        // checks each delivery): the command for unit-a, published first, never reaches it.
        unitB.subscribe(topics.topic(.unitCommand(unit: "unit-a")))
        _ = try await logB.subscribed()
        let forA = try commander.publish(topic: topics.topic(.unitCommand(unit: "unit-a")), payload: Array("for a".utf8))
        #expect(try await commanderLog.acknowledged(forA) == 0)
        let order = try commander.publish(topic: topics.topic(.zoneCommand(zone: "gucheng")), payload: Array("play".utf8))
        #expect(try await commanderLog.acknowledged(order) == 0)
        #expect(try await logB.message().payload == Array("play".utf8))
    }
}
