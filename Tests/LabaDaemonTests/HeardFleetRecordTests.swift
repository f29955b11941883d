// Issues 28, 30: a unit's record carries the monitor's word per segment; the record the unit sends
// again once the word came (after the play's end) replaces the first on the commander, and the
// commander's coverage (SQLite's path through the JSON, and the decoder's) reads it.

import Foundation
import LabaControl
import LabaCore
@testable import LabaDaemon
import LabaFleet
import LabaStore
import Testing

@Suite struct HeardFleetRecordTests {
    static func row(_ record: BroadcastRecord) throws -> FleetRecordRow {
        var wire = WireFormat(TimeZone(identifier: "UTC")!)
        let json = FleetJSON.encode(FleetRecord(broadcast: wire.broadcast(record), unit: "unit-a", command: nil))
        return FleetRecordRow(unit: "unit-a", id: record.id, command: nil, zone: record.zone, message: record.message,
                              output: record.output, outcome: record.outcome?.rawValue, plannedAt: record.plannedAt,
                              record: Data(json), receivedAt: record.plannedAt)
    }

    @Test func aRecordSentAgainWithTheMonitorsWordIsWhatCoverageReads() throws {
        let dir = NSTemporaryDirectory() + "laba-heard-fleet-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/laba.sqlite")
        let t0: Int64 = 1_800_000_000_000_000
        var record = BroadcastRecord(id: "b1", source: .fleet, message: "notice", output: "square", zone: "east", priority: .manual,
                                     plannedLanguages: ["naxi", "yi"], plannedAt: t0, deadline: nil)
        record.state = .done
        record.outcome = .completed
        record.startedAt = t0
        record.segments = [SegmentFact(index: 0, label: "naxi", pass: 0, planned: 1000, played: 1000, startedAt: t0, zone: "east", ended: true),
                           SegmentFact(index: 1, label: "yi", pass: 0, planned: 1000, played: 1000, startedAt: t0 + 1, zone: "east", ended: true)]
        // At the end of the play: no word yet.
        try store.saveFleetRecord(try Self.row(record))
        #expect(try store.coverageFleetRecords(.message("notice"), since: nil, until: nil).first?.record.segments?.map(\.heard) == [nil, nil])
        // The word, sent again with the record.
        record.segments?[0].take(SegmentHeard(segment: 0, label: "naxi", heard: .yes, levelDB: 31.26, delayMS: 870.4))
        record.segments?[1].take(SegmentHeard(segment: 1, label: "yi", heard: .no, levelDB: 0.4, delayMS: 870.4))
        try store.saveFleetRecord(try Self.row(record))
        let found = try store.coverageFleetRecords(.message("notice"), since: nil, until: nil)
        #expect(found.count == 1)
        let facts = try #require(found.first?.record.segments)
        #expect(facts.map(\.heard) == [.yes, .no] && facts[0].heardLevelDB == 31.3 && facts[0].heardDelayMS == 870, "\(facts)")
        // The decoder's path reads the same.
        let rows = try store.fleetRecords(unit: "unit-a", BroadcastFilter(limit: 10))
        let json = try FleetJSON.decode(BroadcastJSON.self, from: Array(try #require(rows.first).record))
        #expect(BroadcastRecord(fleet: json)?.segments == facts)
        let coverage = BroadcastCoverage.compute(found, query: CoverageQuery(aimed: ["east"], placed: ["east"]),
                                                 tree: try ReleaseF38237eMigrationTests.tree())
        let east = try #require(coverage.zones.first { $0.zone == "east" })
        #expect(coverage.monitored && east.entries.first { $0.label == "naxi" }?.heard == .yes, "\(coverage)")
    }
}
