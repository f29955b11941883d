// Two levels: a township broker bridged to the county's with the shipped bridge's topics and
// protocol, two real mosquittos.

import Foundation
import LabaCore
import LabaFleet
import LabaTestSupport
import Testing

@Suite struct BridgeTests {
    /// The shipped Config/fleet/bridge.conf, pointed at `port` on the loopback without TLS or accounts.
    static func bridgeSettings(countyPort: Int) throws -> String {
        let shipped = try String(contentsOfFile: repositoryRoot + "/Config/fleet/bridge.conf", encoding: .utf8)
        let kept = shipped.split(separator: "\n").filter { line in
            ["topic ", "bridge_protocol_version ", "cleansession ", "try_private ", "restart_timeout ", "remote_clientid ",
             "local_clientid "].contains { line.hasPrefix($0) }
        }
        return (["allow_anonymous true", "connection county", "address 127.0.0.1:\(countyPort)"] + kept.map(String.init))
            .joined(separator: "\n")
    }

    @Test func commandsComeDownWithTheirExpiryAndReportsGoUp() async throws {
        let settings = try Self.bridgeSettings(countyPort: 1)
        #expect(settings.contains("bridge_protocol_version mqttv50"))
        #expect(settings.contains("topic laba/v1/lijiang/zone/+/command in 1"))

        let county = try MosquittoBroker()
        defer { county.kill(signal: SIGKILL); county.folder.remove() }
        let topics = FleetTopics(fleet: "lijiang")
        let (office, officeLog) = try connect(county, "lijiang-office")
        defer { Task { await office.stop() } }
        office.subscribe(topics.topic(.unitStatus(unit: "xianghe-1")))
        _ = try await officeLog.subscribed()
        // Retained, so that it comes down whenever the bridge subscribes.
        let now = Instant(Date())
        let command = try office.publish(topic: topics.topic(.zoneCommand(zone: "gucheng")), payload: Array("play".utf8),
                                         retain: true, expiry: (now + .seconds(600), now))
        #expect(try await officeLog.acknowledged(command) < 0x80)

        let township = try MosquittoBroker(settings: try Self.bridgeSettings(countyPort: county.port))
        defer { township.kill(signal: SIGKILL); township.folder.remove() }
        let (unit, unitLog) = try connect(township, "xianghe-1")
        defer { Task { await unit.stop() } }
        unit.subscribe(topics.topic(.zoneCommand(zone: "gucheng")))
        let down = try await unitLog.message()
        #expect(down.payload == Array("play".utf8))
        // MQTT 5 on the bridge: the expiry came along (with 3.1.1 it would be nil).
        // The broker counts down the time it held the message: bounded by the time passed here (on a
        // loaded machine the bridge's start alone can take half a minute).
        let held = Int((Instant(Date()) - now).seconds.rounded(.up)) + 1
        #expect(((600 - held)...600).contains(down.expiresIn ?? -1), "expiresIn \(String(describing: down.expiresIn)) after \(held) s")

        let status = try unit.publish(topic: topics.topic(.unitStatus(unit: "xianghe-1")), payload: Array("online".utf8), retain: true)
        #expect(try await unitLog.acknowledged(status) < 0x80)
        let up = try await officeLog.message()
        #expect(up.topic == topics.topic(.unitStatus(unit: "xianghe-1")))
        #expect(up.payload == Array("online".utf8))
    }
}
