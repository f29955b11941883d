// The units' records as coverage reads them at county scale (issue 28, v12-fleet-segments): one
// row per record and one per segment, filled from the record's JSON when it is stored, replaced
// or removed, and by the migration from the records a store already holds. Coverage computed
// from those rows is coverage computed from the JSON decoded record by record.

import Foundation
import GRDB
import LabaControl
import LabaCore
@testable import LabaDaemon
import LabaFleet
@testable import LabaStore
import Testing

@Suite struct FleetSegmentsTests {
    static let t0: Int64 = 1_800_000_000_000_000
    static let second: Int64 = 1_000_000

    static let tree: ZoneTree = {
        let result = ConfigLoader.parse(yaml: """
            zones:
              - {id: county, languages: [mandarin]}
              - {id: town-a, parent: county, languages: [naxi, mandarin]}
              - {id: village-a1, parent: town-a}
              - {id: town-b, parent: county, languages: [yi, mandarin]}
            """, file: "t.yaml", directory: "/cfg")
        return ZoneTree(result.config!)
    }()

    /// A unit's record of `message` as the unit sends it (SPEC 8's JSON with `unit` and `command`).
    static func json(_ id: String, unit: String, command: String?, message: String = "masks", zone: String, languages: [String],
                     segments: [(String, Int?, Int, String?, Heard?)]?, at: Int64, position: Bool = false) -> (FleetRecordRow, BroadcastJSON) {
        var r = BroadcastRecord(id: id, source: .fleet, message: message, output: "square", zone: zone, priority: .manual,
                                plannedLanguages: languages, plannedAt: at, deadline: nil)
        r.state = .done
        r.outcome = .completed
        r.startedAt = at + 1_234_000
        r.endedAt = at + 60 * second
        r.frames = 48_000 * 50
        if position {
            r.positionLat = 26.8721
            r.positionLon = 100.2299
            r.positionAt = at
        }
        if let segments {
            r.segments = segments.enumerated().map { i, s in
                SegmentFact(index: i, label: s.0, pass: i / 3, planned: s.1, played: s.2, startedAt: at + Int64(i) * 10 * second,
                            zone: s.3, ended: true, heard: s.4, heardLevelDB: s.4 == nil ? nil : 12.5,
                            heardDelayMS: s.4 == nil ? nil : 41)
            }
            r.playedLanguages = r.segments!.filter { $0.isPlayed && languages.contains($0.label) }.map(\.label)
        } else {
            // A unit of an older version: no segments; it said which languages it played.
            r.segments = nil
            r.playedLanguages = languages
        }
        var wire = WireFormat(TimeZone(identifier: "Asia/Shanghai")!)
        let b = wire.broadcast(r)
        let bytes = FleetJSON.encode(FleetRecord(broadcast: b, unit: unit, command: command))
        return (FleetRecordRow(unit: unit, id: id, command: command, zone: zone, message: message, output: "square",
                               outcome: "completed", plannedAt: at, record: Data(bytes), receivedAt: at + 70 * second), b)
    }

    /// A partial language, a van that changed zone mid-program, a monitor's word either way, a
    /// planned length unknown, an older unit without segments, another message, another command.
    static func rows() -> [(FleetRecordRow, BroadcastJSON)] {
        [
            json("a1", unit: "east-1", command: "c1", zone: "town-a", languages: ["naxi", "mandarin"],
                 segments: [("chime", 96_000, 96_000, "town-a", nil), ("naxi", 1_000, 500, "town-a", .no),
                            ("mandarin", 1_000, 990, "town-a", .yes)], at: t0),
            json("a2", unit: "van-1", command: "c1", zone: "town-a", languages: ["naxi", "mandarin"],
                 segments: [("naxi", 1_000, 1_000, "town-a", nil), ("mandarin", 1_000, 1_000, "town-b", nil),
                            ("naxi", nil, 7, nil, nil)], at: t0 + 5 * second, position: true),
            json("b1", unit: "west-1", command: "c1", zone: "town-b", languages: ["yi", "mandarin"], segments: nil,
                 at: t0 + 9 * second),
            json("b2", unit: "west-1", command: "c2", zone: "town-b", languages: ["yi", "mandarin"],
                 segments: [("yi", 2_000, 100, "town-b", nil)], at: t0 + 3_600 * second),
            json("o1", unit: "east-1", command: "c3", message: "other", zone: "town-a", languages: ["naxi"],
                 segments: [("naxi", 1_000, 1_000, "town-a", nil)], at: t0 + 10 * second),
        ]
    }

    /// Coverage from the JSON decoded record by record (what coverage did before v12).
    static func decoded(_ rows: [(FleetRecordRow, BroadcastJSON)]) -> [CoverageRecord] {
        rows.map { CoverageRecord(unit: $0.0.unit, record: BroadcastRecord(fleet: $0.1)!) }
    }

    static func expectSame(_ a: [CoverageRecord], _ b: [CoverageRecord]) {
        #expect(a.map(\.unit) == b.map(\.unit))
        #expect(a.map(\.record.id) == b.map(\.record.id))
        for (x, y) in zip(a.map(\.record), b.map(\.record)) {
            #expect(x.zone == y.zone && x.output == y.output && x.message == y.message && x.plannedAt == y.plannedAt)
            #expect(x.plannedLanguages == y.plannedLanguages && x.playedLanguages == y.playedLanguages)
            #expect(x.startedAt == y.startedAt && x.outcome == y.outcome && x.frames == y.frames)
            #expect(x.positionLat == y.positionLat && x.positionLon == y.positionLon)
            // A segment without a zone is kept with its record's (what coverage credits it to).
            let ys = y.segments?.map { s -> SegmentFact in
                var s = s
                s.zone = s.zone ?? y.zone
                return s
            }
            #expect(x.segments == ys, "\(x.id)")
        }
    }

    static func coverage(_ records: [CoverageRecord]) -> BroadcastCoverage {
        BroadcastCoverage.compute(records, query: CoverageQuery(aimed: ["county"], placed: ["town-a", "town-b", "village-a1"]),
                                  tree: tree)
    }

    @Test func recordsStoredAreReadAsTheirJSONSays() throws {
        let dir = NSTemporaryDirectory() + "laba-segments-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/laba.sqlite")
        let all = Self.rows()
        for (row, _) in all.reversed() { try store.saveFleetRecord(row) }
        let masks = all.filter { $0.1.message == "masks" }
        let read = try store.coverageFleetRecords(.message("masks"), since: nil, until: nil)
        Self.expectSame(read, Self.decoded(masks))
        #expect(read.first { $0.record.id == "b1" }?.record.segments == nil)
        #expect(read.first { $0.record.id == "a1" }?.record.segments?.map(\.heard) == [nil, .no, .yes])
        let fromRows = Self.coverage(read), fromJSON = Self.coverage(Self.decoded(masks))
        #expect(fromRows == fromJSON)
        // The coverage itself: naxi partial on east-1 but played on the van; mandarin in town-b from
        // the van that moved; yi of the older unit played, extent unknown.
        let townB = try #require(fromRows.zones.first { $0.zone == "town-b" })
        #expect(townB.entries.first { $0.label == "yi" }?.state == .playedExtentUnknown)
        #expect(townB.entries.first { $0.label == "mandarin" }?.evidence?.unit == "van-1")

        // A period: the hour's record left out; by command (an alert's).
        Self.expectSame(try store.coverageFleetRecords(.message("masks"), since: Self.t0, until: Self.t0 + 60 * Self.second),
                        Self.decoded(masks.filter { $0.0.plannedAt < Self.t0 + 60 * Self.second }))
        #expect(try store.coverageFleetRecords(.alert(commands: ["c2", "c3"], broadcasts: []), since: nil, until: nil)
            .map(\.record.id).sorted() == ["b2", "o1"])

        // The same record received again with more played replaces its rows.
        let again = Self.json("b2", unit: "west-1", command: "c2", zone: "town-b", languages: ["yi", "mandarin"],
                              segments: [("yi", 2_000, 1_900, "town-b", .yes)], at: Self.t0 + 3_600 * Self.second)
        try store.saveFleetRecord(again.0)
        let b2 = try #require(try store.coverageFleetRecords(.message("masks"), since: nil, until: nil).first { $0.record.id == "b2" })
        #expect(b2.record.segments?.map(\.played) == [1_900])
        #expect(b2.record.segments?.map(\.heard) == [.yes])
        #expect(b2.record.segments?.first?.heardLevelDB == 12.5 && b2.record.segments?.first?.heardDelayMS == 41)
        // A unit's oldest records pruned (fleet.records_per_unit) take their rows with them.
        #expect(try store.saveFleetRecord(Self.rows()[2].0, keepingAtMost: 1) == 1)
        let left = try store.coverageFleetRecords(.message("masks"), since: nil, until: nil)
        #expect(left.map(\.record.id).sorted() == ["a1", "a2", "b2"])
        let counts = try store.database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fleet_record_fact")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fleet_segment")!)
        }
        #expect(counts.0 == 4 && counts.1 == 3 + 3 + 1 + 1)
    }

    /// One message over a period is one range of each table's primary key, already in order;
    /// zone queries have their index.
    @Test func coverageReadsByIndexNotByScan() throws {
        let dir = NSTemporaryDirectory() + "laba-segments-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/laba.sqlite")
        for (table, order) in [("fleet_record_fact", "message, planned_at, unit, id"), ("fleet_segment", "message, planned_at, unit, id, seq")] {
            let plan = try store.database.read { db in
                try Row.fetchAll(db, sql: """
                    EXPLAIN QUERY PLAN SELECT * FROM \(table) WHERE message = 'm' AND planned_at >= 1 AND planned_at < 2 ORDER BY \(order)
                    """).map { $0["detail"] as String }
            }
            #expect(plan == ["SEARCH \(table) USING PRIMARY KEY (message=? AND planned_at>? AND planned_at<?)"], "\(plan)")
        }
        let zone = try store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM fleet_segment WHERE zone = 'z' AND planned_at >= 1")
                .map { $0["detail"] as String }
        }
        #expect(zone.contains { $0.contains("fleet_segment_zone") }, "\(zone)")
        // A zone's history (newest first), as the record page asks for it.
        let history = try store.database.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT * FROM fleet_record WHERE zone = 'z' ORDER BY planned_at DESC, unit DESC, id DESC LIMIT 100
                """).map { $0["detail"] as String }
        }
        #expect(history.contains { $0.contains("fleet_record_zone_planned") }, "\(history)")
    }

    /// A store of the last release (Tests/Fixtures/f38237e) and one made up to v11 with records
    /// holding segments: the migration fills the rows from the records they already hold.
    @Test func theMigrationFillsTheRowsOfRecordsAlreadyHeld() throws {
        let dir = NSTemporaryDirectory() + "laba-segments-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/laba.sqlite"
        let all = Self.rows()
        do {
            let old = try DatabaseQueue(path: path)
            try Store.migrator.migrate(old, upTo: "v11-buttons")
            try old.write { db in
                for (row, _) in all { try row.insert(db) }
                // Not JSON (a row no reader could read): left out, and the migration goes on.
                try FleetRecordRow(unit: "bad", id: "x", command: nil, zone: "town-a", message: "masks", output: "square",
                                   outcome: nil, plannedAt: Self.t0, record: Data("{not json".utf8), receivedAt: 0).insert(db)
            }
            try old.close()
        }
        let store = try Store(path: path)
        let masks = all.filter { $0.1.message == "masks" }
        let read = try store.coverageFleetRecords(.message("masks"), since: nil, until: nil)
        Self.expectSame(read, Self.decoded(masks))
        #expect(Self.coverage(read) == Self.coverage(Self.decoded(masks)))

        // The last release's commander: its units' records (no segments) read as before.
        let f = try ReleaseF38237eMigrationTests.fixture()
        let release = try ReleaseF38237eMigrationTests.copy("commander")
        defer { try? FileManager.default.removeItem(atPath: release) }
        let migrated = try Store(path: StateLayout(directory: release).database)
        let rows = try migrated.coverageRecords(.message("notice"), since: nil, until: nil).fleet
        #expect(!rows.isEmpty)
        let decoded = rows.map { CoverageRecord(unit: $0.unit, record: BroadcastRecord(fleet: try! FleetJSON.decode(BroadcastJSON.self, from: Array($0.record)))!) }
        let facts = try migrated.coverageFleetRecords(.message("notice"), since: nil, until: nil)
        Self.expectSame(facts.sorted { ($0.unit ?? "", $0.record.id) < ($1.unit ?? "", $1.record.id) },
                        decoded.sorted { ($0.unit ?? "", $0.record.id) < ($1.unit ?? "", $1.record.id) })
        #expect(facts.contains { $0.unit == f.unit })
    }
}
