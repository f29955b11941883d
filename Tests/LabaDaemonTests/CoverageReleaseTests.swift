// Coverage (SPEC 16) over state dirs of the last release (Tests/Fixtures/f38237e): its records
// carry no segments, so what they played counts as "played, extent unknown".

import Foundation
import LabaControl
import LabaCore
@testable import LabaDaemon
import LabaFleet
import LabaStore
import Testing

@Suite struct CoverageReleaseTests {
    @Test func anOlderUnitsRecordOnACommanderCountsAsPlayedExtentUnknown() throws {
        let f = try ReleaseF38237eMigrationTests.fixture()
        let dir = try ReleaseF38237eMigrationTests.copy("commander")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: StateLayout(directory: dir).database)
        let found = try store.coverageRecords(.message("notice"), since: nil, until: nil)
        #expect(found.fleet.contains { $0.unit == f.unit && $0.command == f.command })
        var records: [CoverageRecord] = []
        for row in found.fleet {
            let json = try FleetJSON.decode(BroadcastJSON.self, from: Array(row.record))
            #expect(json.segments == nil)
            records.append(CoverageRecord(unit: row.unit, record: try #require(BroadcastRecord(fleet: json))))
        }
        // What SQLite takes out of the JSON (the path coverage uses at county scale) is what the decoder reads.
        let extracted = try store.coverageFleetRecords(.message("notice"), since: nil, until: nil)
        #expect(extracted.map(\.unit) == records.map(\.unit))
        for (a, b) in zip(extracted.map(\.record), records.map(\.record)) {
            #expect(a.id == b.id && a.zone == b.zone && a.output == b.output && a.plannedLanguages == b.plannedLanguages
                    && a.playedLanguages == b.playedLanguages && a.startedAt == b.startedAt && a.outcome == b.outcome
                    && a.segments == nil && a.plannedAt == b.plannedAt)
        }
        #expect(try store.coverageFleetRecords(.alert(commands: [f.command], broadcasts: []), since: nil, until: nil).count == 1)
        // The same records found by the command that made them.
        let byCommand = try store.coverageRecords(.alert(commands: [f.command], broadcasts: []), since: nil, until: nil)
        #expect(byCommand.fleet.map(\.id) == found.fleet.filter { $0.command == f.command }.map(\.id))
        let coverage = BroadcastCoverage.compute(records, query: CoverageQuery(aimed: [f.zone], placed: [f.zone]),
                                                 tree: try ReleaseF38237eMigrationTests.tree())
        let zone = try #require(coverage.zones.first { $0.zone == f.zone })
        let naxi = try #require(zone.entries.first { $0.label == "naxi" })
        #expect(naxi.state == .playedExtentUnknown)
        #expect(naxi.evidence?.unit == f.unit)
        // No broadcast command of this release was kept for coverage: its zones come from its records.
        #expect(try store.aimedZones(message: "notice", since: nil, until: nil).isEmpty)
    }

    @Test func anOlderUnitsOwnRecordsHaveNoSegments() throws {
        let dir = try ReleaseF38237eMigrationTests.copy("unit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: StateLayout(directory: dir).database)
        let records = try store.broadcasts(BroadcastFilter(state: .done, limit: 100))
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { $0.segments == nil })
        // A new record keeps its segments through the store.
        var fresh = try #require(records.first)
        fresh.id = "fresh"
        fresh.segments = [SegmentFact(index: 0, label: "naxi", pass: 0, planned: 1000, played: 950, startedAt: 5, zone: "east",
                                      ended: true)]
        try store.insert(fresh)
        #expect(try store.broadcast(id: "fresh")?.segments == fresh.segments)
    }
}
