import Foundation
import GRDB
import LabaCore
@testable import LabaStore
import Testing

/// SPEC 17: a commander keeps at most `fleet.records_per_unit` records per unit, oldest out first,
/// and units' history is read in pages.
@Suite struct FleetLimitsStoreTests {
    func row(_ unit: String, _ id: String, planned: Int64) -> FleetRecordRow {
        FleetRecordRow(unit: unit, id: id, command: nil, zone: "east", message: "notice", output: "square", outcome: "completed",
                       plannedAt: planned, record: Data("{}".utf8), receivedAt: planned + 5)
    }

    @Test func aUnitsOldestRecordsGoFirstAndOtherUnitsKeepTheirs() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        // Received out of order: what goes is the oldest planned, not the first received.
        for (id, planned) in [("b3", 30), ("b1", 10), ("b2", 20)] {
            #expect(try store.saveFleetRecord(row("east-1", id, planned: Int64(planned)), keepingAtMost: 3) == 0)
        }
        try store.saveFleetRecord(row("west-1", "w1", planned: 1), keepingAtMost: 3)
        #expect(try store.saveFleetRecord(row("east-1", "b4", planned: 40), keepingAtMost: 3) == 1)
        #expect(try store.fleetRecords(unit: "east-1", BroadcastFilter()).map(\.id) == ["b4", "b3", "b2"])
        // The same record again replaces itself: nothing goes.
        #expect(try store.saveFleetRecord(row("east-1", "b4", planned: 40), keepingAtMost: 3) == 0)
        // A lower limit (a reload) takes the unit down to it at its next record.
        #expect(try store.saveFleetRecord(row("east-1", "b5", planned: 50), keepingAtMost: 1) == 3)
        #expect(try store.fleetRecords(unit: "east-1", BroadcastFilter()).map(\.id) == ["b5"])
        #expect(try store.fleetRecords(unit: "west-1", BroadcastFilter()).map(\.id) == ["w1"])
        #expect(try store.fleetRecordCounts() == ["east-1": 1, "west-1": 1])
    }

    /// Issue 31: `retention.fleet_records` (by age, then the oldest beyond a count over all units)
    /// beside `fleet.records_per_unit`: whichever removes first; the per-unit counts follow.
    @Test func retentionPrunesUnitsRecordsByAgeThenCountAndTheCountsFollow() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        for (unit, id, planned) in [("east-1", "e1", 10), ("east-1", "e2", 20), ("east-1", "e3", 30), ("east-1", "e4", 40),
                                    ("west-1", "w1", 15), ("west-1", "w2", 35)] {
            try store.saveFleetRecord(row(unit, id, planned: Int64(planned)), keepingAtMost: 3)
        }
        // records_per_unit 3 took e1 already.
        #expect(try store.fleetRecordCounts() == ["east-1": 3, "west-1": 2])
        // Older than 16: none left but w1 (e1 is gone); then at most 3 in all: the oldest, e2, goes.
        let pruned = try store.pruneFleetRecords(before: 16, keep: 3)
        #expect(pruned.count == 2 && pruned.oldest == 15 && pruned.newest == 20, "\(pruned)")
        #expect(try store.fleetRecords(unit: nil, BroadcastFilter()).map(\.id) == ["e4", "w2", "e3"])
        #expect(try store.fleetRecordCounts() == ["east-1": 2, "west-1": 1])
        // Nothing more to do: a second pass removes nothing.
        #expect(try store.pruneFleetRecords(before: 16, keep: 3).count == 0)
        // And records_per_unit counts from what retention left.
        #expect(try store.saveFleetRecord(row("east-1", "e5", planned: 50), keepingAtMost: 3) == 0)
        #expect(try store.saveFleetRecord(row("east-1", "e6", planned: 60), keepingAtMost: 3) == 1)
        #expect(try store.fleetRecords(unit: "east-1", BroadcastFilter()).map(\.id) == ["e6", "e5", "e4"])
    }

    @Test func unitsRecordsAreReadInPagesAfterACursor() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        for (unit, id, planned) in [("a", "1", 10), ("b", "1", 10), ("b", "2", 10), ("a", "2", 20), ("c", "1", 5)] {
            try store.saveFleetRecord(row(unit, id, planned: Int64(planned)))
        }
        func names(_ rows: [FleetRecordRow]) -> [String] { rows.map { "\($0.unit)/\($0.id)" } }
        #expect(names(try store.fleetRecords(unit: nil, BroadcastFilter())) == ["a/2", "b/2", "b/1", "a/1", "c/1"])
        #expect(names(try store.fleetRecords(unit: nil, BroadcastFilter(limit: 2), before: (10, "b", "2"))) == ["b/1", "a/1"])
        #expect(names(try store.fleetRecords(unit: nil, BroadcastFilter(), before: (10, "a", "1"))) == ["c/1"])
    }

    @Test func theMigrationCountsTheRecordsAStoreAlreadyHolds() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        do {
            let old = try DatabaseQueue(path: tmp.path)
            try Store.migrator.migrate(old, upTo: "v8-account-zones")
            try old.write { db in
                for (unit, id, planned) in [("east-1", "b1", 10), ("east-1", "b2", 20), ("east-1", "b3", 30), ("west-1", "w1", 15)] {
                    try row(unit, id, planned: Int64(planned)).insert(db)
                }
            }
            try old.close()
        }
        let store = try tmp.open()
        #expect(try store.fleetRecordCounts() == ["east-1": 3, "west-1": 1])
        #expect(try store.saveFleetRecord(row("east-1", "b4", planned: 40), keepingAtMost: 2) == 2)
        #expect(try store.fleetRecords(unit: nil, BroadcastFilter()).map(\.id) == ["b4", "b3", "w1"])
    }
}
