import Foundation
import LabaCore
import LabaStore
import Testing

@Suite struct FleetStoreTests {
    func outboxCommand(_ id: String, at created: Int64, expires: Int64) -> OutboxCommand {
        OutboxCommand(id: id, topics: ["laba/v1/lijiang/zone/gucheng/command"], envelope: Data("{\"v\":1}".utf8),
                      zones: ["gucheng"], createdAt: created, expiresAt: expires)
    }

    @Test func aCommanderKeepsCommandsUntilCompletedOrExpiredAcrossARestart() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        do {
            let store = try tmp.open()
            try store.enqueueCommand(outboxCommand("c2", at: 2_000, expires: 10_000))
            try store.enqueueCommand(outboxCommand("c1", at: 1_000, expires: 5_000))
            try store.enqueueCommand(outboxCommand("c3", at: 3_000, expires: 20_000))
        }
        let store = try tmp.open()
        #expect(try store.pendingCommands(now: 0).map(\.id) == ["c1", "c2", "c3"])
        #expect(try store.outboxCommand(id: "c2") == outboxCommand("c2", at: 2_000, expires: 10_000))
        // Expired: no longer published, then pruned.
        #expect(try store.pendingCommands(now: 5_000).map(\.id) == ["c2", "c3"])
        #expect(try store.pruneExpiredCommands(now: 10_000) == ["c1", "c2"])
        try store.completeCommand(id: "c3")
        #expect(try store.pendingCommands(now: 0).isEmpty)
        // The same id twice is refused: a command id is unique.
        try store.enqueueCommand(outboxCommand("c4", at: 1, expires: 2))
        #expect(throws: (any Error).self) { try store.enqueueCommand(outboxCommand("c4", at: 1, expires: 2)) }
    }

    @Test func acksAreKeptPerUnitTheLatestWinning() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        try store.recordAck(FleetAckRow(command: "c1", unit: "truck-2", result: "refused", code: "quiet_hours", at: 10))
        try store.recordAck(FleetAckRow(command: "c1", unit: "truck-1", result: "accepted", broadcasts: ["b1", "b2"], at: 11))
        try store.recordAck(FleetAckRow(command: "c2", unit: "truck-1", result: "accepted", at: 12))
        try store.recordAck(FleetAckRow(command: "c1", unit: "truck-2", result: "accepted", broadcasts: ["b3"], at: 13))
        #expect(try store.acks(command: "c1") == [
            FleetAckRow(command: "c1", unit: "truck-1", result: "accepted", broadcasts: ["b1", "b2"], at: 11),
            FleetAckRow(command: "c1", unit: "truck-2", result: "accepted", broadcasts: ["b3"], at: 13),
        ])
    }

    @Test func aUnitsOutboxKeepsOrderUntilEachPUBACKAcrossARestart() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let first: Int64, second: Int64
        do {
            let store = try tmp.open()
            first = try store.enqueueOutgoing(kind: .ack, topic: "t/ack", payload: Data("a".utf8), createdAt: 1)
            second = try store.enqueueOutgoing(kind: .record, topic: "t/record", payload: Data("r".utf8), createdAt: 2)
            _ = try store.enqueueOutgoing(kind: .record, topic: "t/record", payload: Data("s".utf8), createdAt: 3)
        }
        let store = try tmp.open()
        #expect(try store.outgoing().map(\.payload) == [Data("a".utf8), Data("r".utf8), Data("s".utf8)])
        #expect(try store.outgoing(limit: 1).map(\.kind) == [.ack])
        try store.removeOutgoing(seq: second)
        try store.removeOutgoing(seq: first)
        #expect(try store.outgoing().map(\.createdAt) == [3])
    }

    @Test func aCommandIsAcceptedOnceWithItsBroadcastsAndAckInOneTransaction() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        let ack = (topic: "laba/v1/lijiang/unit/truck-1/ack", payload: Data("{\"result\":\"accepted\"}".utf8))
        #expect(try !store.hasSeenCommand("c1"))
        #expect(try store.acceptCommand(id: "c1", expiresAt: 5_000, at: 1_000, broadcasts: [record("b1"), record("b2", output: "truck-2")], ack: ack))
        #expect(try store.hasSeenCommand("c1"))
        // Delivered again: nothing more is written.
        #expect(try !store.acceptCommand(id: "c1", expiresAt: 5_000, at: 1_100, broadcasts: [record("b3")], ack: ack))
        #expect(try store.broadcasts().map(\.id).sorted() == ["b1", "b2"])
        #expect(try store.outgoing().map(\.kind) == [.ack])

        // A broadcast id already taken rolls the whole command back, claim included.
        #expect(throws: (any Error).self) {
            try store.acceptCommand(id: "c2", expiresAt: 5_000, at: 1_200, broadcasts: [record("b1")], ack: ack)
        }
        #expect(try !store.hasSeenCommand("c2"))
        #expect(try store.outgoing().count == 1)

        // Ids are forgotten once their commands expired: a replay is refused as expired then.
        #expect(try store.acceptCommand(id: "c3", expiresAt: 9_000, at: 1_300, broadcasts: [], ack: ack))
        #expect(try store.pruneSeenCommands(expiredBefore: 6_000) == 1)
        #expect(try !store.hasSeenCommand("c1"))
        #expect(try store.hasSeenCommand("c3"))
    }

    @Test func aCommanderRemembersUnitsAndSinceWhenTheyAreOnlineOrOffline() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        try store.saveUnitStatus(unit: "truck-1", status: Data("{\"state\":\"online\"}".utf8), state: "online", at: 100)
        try store.saveUnitStatus(unit: "truck-1", status: Data("{\"state\":\"online\",\"q\":1}".utf8), state: "online", at: 200)
        try store.saveUnitStatus(unit: "horn-2", status: Data("{\"state\":\"offline\"}".utf8), state: "offline", at: 150)
        #expect(try store.units().map { "\($0.unit) \($0.state) \($0.since) \($0.updatedAt)" }
                == ["horn-2 offline 150 150", "truck-1 online 100 200"])
        try store.saveUnitStatus(unit: "truck-1", status: Data("{\"state\":\"offline\"}".utf8), state: "offline", at: 300)
        #expect(try store.units().last?.since == 300)
    }
}

@Suite struct FleetStoreRecordTests {
    func row(_ unit: String, _ id: String, planned: Int64, zone: String = "east") -> FleetRecordRow {
        FleetRecordRow(unit: unit, id: id, command: "c1", zone: zone, message: "notice", output: "square", outcome: "completed",
                       plannedAt: planned, record: Data("{}".utf8), receivedAt: planned + 5)
    }

    @Test func aCommanderKeepsUnitsRecordsOnceEachNewestFirst() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        try store.saveFleetRecord(row("east-1", "b1", planned: 10))
        try store.saveFleetRecord(row("west-1", "b1", planned: 20, zone: "west"))   // the same id on another unit
        try store.saveFleetRecord(row("east-1", "b2", planned: 30))
        try store.saveFleetRecord(row("east-1", "b2", planned: 30))                  // delivered twice
        #expect(try store.fleetRecords(unit: nil, BroadcastFilter()).map { "\($0.unit)/\($0.id)" } == ["east-1/b2", "west-1/b1", "east-1/b1"])
        #expect(try store.fleetRecords(unit: "east-1", BroadcastFilter(since: 20)).map(\.id) == ["b2"])
        #expect(try store.fleetRecords(unit: nil, BroadcastFilter(zone: "west")).map(\.unit) == ["west-1"])
        #expect(try store.fleetRecords(unit: nil, BroadcastFilter(state: .queued)).isEmpty)
        #expect(try store.lastFleetRecords().mapValues(\.id) == ["east-1": "b2", "west-1": "b1"])
    }

    @Test func aUnitRemembersItsCommandSubscriptionsAcrossARestart() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        do {
            let store = try tmp.open()
            #expect(try store.fleetSubscriptions().isEmpty)
            try store.setFleetSubscriptions(["laba/v1/f/zone/b/command", "laba/v1/f/zone/a/command"])
        }
        #expect(try tmp.open().fleetSubscriptions() == ["laba/v1/f/zone/a/command", "laba/v1/f/zone/b/command"])
    }

    @Test func aDuplicateAckNeverHidesTheFirstAnswer() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        try store.recordAck(FleetAckRow(command: "c1", unit: "east-1", result: "accepted", broadcasts: ["b1"], at: 1))
        try store.recordAck(FleetAckRow(command: "c1", unit: "east-1", result: "refused", code: "duplicate", at: 2))
        try store.recordAck(FleetAckRow(command: "c2", unit: "east-1", result: "refused", code: "duplicate", at: 3))
        #expect(try store.acks(command: "c1").map(\.result) == ["accepted"])
        #expect(try store.acks(command: "c2").map(\.code) == ["duplicate"])
    }

    @Test func aFinishedBroadcastAndItsReportAreWrittenTogether() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        var record = BroadcastRecord(id: "b1", source: .fleet, message: "notice", output: "square", zone: "east", priority: .manual,
                                     plannedLanguages: ["naxi"], plannedAt: 1, deadline: nil)
        try store.save(record, reporting: nil, at: 1)
        record.state = .done
        record.outcome = .completed
        try store.save(record, reporting: ("t/record", Data("r".utf8)), at: 2)
        #expect(try store.broadcast(id: "b1")?.outcome == .completed)
        #expect(try store.outgoing().map(\.kind) == [.record])
        // A command's claim with the records of a command that arrived expired, their reports and the ack.
        record.id = "b2"
        record.outcome = .expired
        #expect(try store.acceptCommand(id: "c9", expiresAt: 5, at: 3, broadcasts: [record], reports: [("t/record", Data("x".utf8))],
                                        ack: ("t/ack", Data("a".utf8))))
        #expect(try store.outgoing().map(\.kind) == [.record, .record, .ack])
        #expect(try !store.acceptCommand(id: "c9", expiresAt: 5, at: 4, broadcasts: [], ack: ("t/ack", Data("a".utf8))))
        // A commander's own command is claimed when it is issued: the broker bringing it back finds it seen.
        try store.enqueueCommand(OutboxCommand(id: "c10", topics: ["t"], envelope: Data(), zones: [], createdAt: 1, expiresAt: 9))
        #expect(try store.hasSeenCommand("c10"))
    }
}
