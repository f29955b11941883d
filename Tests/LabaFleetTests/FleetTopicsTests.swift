// Topics and the JSON units publish.

import Foundation
import LabaCore
import LabaFleet
import Testing

@Suite struct FleetTopicsTests {
    let topics = FleetTopics(fleet: "lijiang")

    @Test(arguments: [
        (FleetTopic.zoneCommand(zone: "gucheng"), "laba/v1/lijiang/zone/gucheng/command"),
        (.unitCommand(unit: "truck-1"), "laba/v1/lijiang/unit/truck-1/command"),
        (.unitStatus(unit: "truck-1"), "laba/v1/lijiang/unit/truck-1/status"),
        (.unitAck(unit: "truck-1"), "laba/v1/lijiang/unit/truck-1/ack"),
        (.unitRecord(unit: "truck-1"), "laba/v1/lijiang/unit/truck-1/record"),
        (.library(key: "0123456789abcdef", message: "masks", language: "naxi"),
         "laba/v1/lijiang/library/0123456789abcdef/masks/naxi"),
    ])
    func eachTopicIsBuiltAndReadBack(_ topic: FleetTopic, _ text: String) {
        #expect(topics.topic(topic) == text)
        #expect(topics.parse(text) == topic)
    }

    @Test(arguments: [
        "laba/v1/dali/zone/gucheng/command",        // another fleet
        "laba/v2/lijiang/zone/gucheng/command",     // another version
        "laba/v1/lijiang/zone/gucheng/status",
        "laba/v1/lijiang/unit/truck-1/status/extra",
        "laba/v1/lijiang/unit/Truck-1/status",
        "laba/v1/lijiang/unit/+/status",
        "laba/v1/lijiang/unit//status",
        "laba/v1/lijiang/zone/gucheng",
        "laba/v1/lijiang/library/masks/naxi",       // the layout before keys had topics
        "laba/v1/lijiang/library/0123456789abcdef/masks/naxi/x",
    ])
    func otherTopicsAreNotTheFleets(_ text: String) {
        #expect(topics.parse(text) == nil)
    }

    @Test func aUnitListensToItsZonesTheirAncestorsAndItself() {
        let subscriptions = topics.commandSubscriptions(unit: "truck-1", zones: ["xianghe", "yulong"], tree: fleetTree)
        #expect(subscriptions == [
            "laba/v1/lijiang/unit/truck-1/command",
            "laba/v1/lijiang/zone/xianghe/command", "laba/v1/lijiang/zone/gucheng/command",
            "laba/v1/lijiang/zone/lijiang/command", "laba/v1/lijiang/zone/yulong/command",
        ])
    }
}

@Suite struct FleetMessagesTests {
    @Test func theWillIsTheOfflineStatus() throws {
        #expect(String(decoding: FleetJSON.encode(UnitStatus.offline(unit: "truck-1")), as: UTF8.self)
                == #"{"state":"offline","unit":"truck-1"}"#)
    }

    @Test func aStatusReadsBackAndIgnoresWhatItDoesNotKnow() throws {
        let status = UnitStatus(unit: "truck-1", state: .online, since: t0,
                                outputs: [.init(id: "horn", zone: "xianghe", state: "playing", playing: "masks", queue: 2)],
                                version: "0.2.0", configDigest: "ab12", recordingsMissing: ["masks/yi"], lastRecordAt: t0)
        let json = String(decoding: FleetJSON.encode(status), as: UTF8.self)
        #expect(json.contains(#""recordings_missing":["masks\/yi"]"#) == false)
        #expect(json.contains(#""recordings_missing":["masks/yi"]"#))
        #expect(json.contains(#""since":"2027-01-15T08:00:00.000Z""#))
        #expect(try FleetJSON.decode(UnitStatus.self, from: FleetJSON.encode(status)) == status)
        #expect(status.zones == ["xianghe"])
        let newer = #"{"unit":"u","state":"online","battery":0.8,"outputs":[{"id":"o","zone":"z","state":"idle","queue":0,"gain":1}]}"#
        #expect(try FleetJSON.decode(UnitStatus.self, from: Array(newer.utf8)).outputs?.first?.zone == "z")
    }

    @Test func anAcceptedAckListsTheBroadcastsAndTheSkew() throws {
        let ack = CommandAck(command: "c1", unit: "truck-1", result: .accepted, broadcasts: ["b1", "b2"], at: t0,
                             clockSkew: .milliseconds(90_500))
        #expect(String(decoding: FleetJSON.encode(ack), as: UTF8.self) == """
            {"at":"2027-01-15T08:00:00.000Z","broadcasts":["b1","b2"],"clock_skew":90.5,"command":"c1","result":"accepted","unit":"truck-1"}
            """)
        #expect(try FleetJSON.decode(CommandAck.self, from: FleetJSON.encode(ack)) == ack)
    }

    struct Broadcast: Codable, Sendable, Equatable {
        var id: String
        var message: String
        var outcome: String?
    }

    @Test func aRecordIsTheBroadcastWithUnitAndCommandBeside() throws {
        let record = FleetRecord(broadcast: Broadcast(id: "b1", message: "masks", outcome: "completed"), unit: "truck-1", command: "c1")
        let json = String(decoding: FleetJSON.encode(record), as: UTF8.self)
        #expect(json == #"{"command":"c1","id":"b1","message":"masks","outcome":"completed","unit":"truck-1"}"#)
        #expect(try FleetJSON.decode(FleetRecord<Broadcast>.self, from: Array(json.utf8)) == record)
    }
}
