// The records coverage reads (SPEC 16), found by index at county scale: a commander may keep
// millions of its units' records; a month of one message is read, never the whole table.

import Foundation
import GRDB
import LabaCore

/// A broadcast command a commander issued: which message, to which zones, when. Commands are
/// pruned once expired; coverage needs their zones for as long as records are kept.
public struct FleetAimRow: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fleet_aim"

    public var command: String
    public var message: String
    public var zones: [String]
    /// Microseconds since the epoch.
    public var at: Int64

    public init(command: String, message: String, zones: [String], at: Int64) {
        self.command = command
        self.message = message
        self.zones = zones
        self.at = at
    }
}

/// What coverage asks the store about: a message in a period, or an alert's broadcasts.
public enum CoverageSubject: Sendable, Equatable {
    case message(String)
    /// The commands that forwarded an alert and its local broadcasts' ids.
    case alert(commands: [String], broadcasts: [String])
}

extension Store {
    static func registerCoverageMigrations(_ migrator: inout DatabaseMigrator) {
        // v11: each segment of each pass, as it played (SPEC 16); NULL for older records.
        migrator.registerMigration("v11-segments") { db in
            try db.alter(table: "broadcast") { t in t.add(column: "segments", .text) }
        }
        // v11: coverage at county scale: one message's records over a period, a command's
        // records, and the zones each broadcast command was aimed at.
        migrator.registerMigration("v11-coverage-indexes") { db in
            try db.create(index: "fleet_record_message_planned", on: "fleet_record", columns: ["message", "planned_at"])
            try db.create(index: "fleet_record_command", on: "fleet_record", columns: ["command"])
            try db.create(index: "broadcast_message_planned", on: "broadcast", columns: ["message", "planned_at"])
            try db.create(table: "fleet_aim") { t in
                t.primaryKey("command", .text)
                t.column("message", .text).notNull()
                t.column("zones", .text).notNull()
                t.column("at", .integer).notNull()
            }
            try db.create(index: "fleet_aim_message_at", on: "fleet_aim", columns: ["message", "at"])
        }
    }

    /// v12: what coverage reads of the units' records, in columns: one row per record
    /// (`fleet_record_fact`) and one per segment (`fleet_segment`), both keyed by (message,
    /// planned time, unit, id) so that one message over a period is one range of each table, not
    /// millions of JSON documents. Filled from each record's JSON by triggers on `fleet_record`
    /// (a record stored, replaced or removed: its rows follow), and from the records a store
    /// already holds by the migration itself, with the same SQL. `heard` is a monitor's word
    /// (SPEC 18: yes, partly, no) with its level and delay, NULL when none said. The history of one zone's records (the console's and
    /// `laba history --fleet --zone`) has its index too.
    static func registerFleetSegmentsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-fleet-segments") { db in
            try db.execute(sql: """
                CREATE TABLE fleet_record_fact (
                  message TEXT NOT NULL, planned_at INTEGER NOT NULL, unit TEXT NOT NULL, id TEXT NOT NULL,
                  command TEXT, zone TEXT NOT NULL, output TEXT NOT NULL, outcome TEXT, source TEXT,
                  planned TEXT, played TEXT, started_at INTEGER, lat REAL, lon REAL, frames INTEGER,
                  segmented INTEGER NOT NULL,
                  PRIMARY KEY (message, planned_at, unit, id)) WITHOUT ROWID;
                CREATE INDEX fleet_record_fact_command ON fleet_record_fact (command) WHERE command IS NOT NULL;
                CREATE TABLE fleet_segment (
                  message TEXT NOT NULL, planned_at INTEGER NOT NULL, unit TEXT NOT NULL, id TEXT NOT NULL,
                  seq INTEGER NOT NULL, idx INTEGER, label TEXT NOT NULL, pass INTEGER,
                  planned_frames INTEGER, played_frames INTEGER, started_at INTEGER, zone TEXT NOT NULL,
                  ended INTEGER, heard TEXT, heard_level_db REAL, heard_delay_ms REAL,
                  PRIMARY KEY (message, planned_at, unit, id, seq)) WITHOUT ROWID;
                CREATE INDEX fleet_segment_zone ON fleet_segment (zone, planned_at);
                CREATE INDEX fleet_record_zone_planned ON fleet_record (zone, planned_at);
                \(fleetFactsInsert(from: fleetRecordsSource))
                CREATE TRIGGER fleet_record_facts_inserted AFTER INSERT ON fleet_record BEGIN
                  \(fleetFactsInsert(from: fleetRecordSource("NEW")))
                END;
                CREATE TRIGGER fleet_record_facts_updated AFTER UPDATE ON fleet_record BEGIN
                  \(fleetFactsDelete("OLD"))
                  \(fleetFactsInsert(from: fleetRecordSource("NEW")))
                END;
                CREATE TRIGGER fleet_record_facts_deleted AFTER DELETE ON fleet_record BEGIN
                  \(fleetFactsDelete("OLD"))
                END;
                """)
        }
    }

    /// Every stored record, as the facts' SQL reads one (`r`: its JSON, NULL when not JSON).
    static let fleetRecordsSource = """
        (SELECT unit, id, command, zone, message, output, outcome, planned_at,
                CASE WHEN json_valid(CAST(record AS TEXT)) THEN CAST(record AS TEXT) END AS r FROM fleet_record)
        """

    /// The record a trigger sees (`NEW` or `OLD`).
    static func fleetRecordSource(_ row: String) -> String {
        """
        (SELECT \(row).unit AS unit, \(row).id AS id, \(row).command AS command, \(row).zone AS zone,
                \(row).message AS message, \(row).output AS output, \(row).outcome AS outcome, \(row).planned_at AS planned_at,
                CASE WHEN json_valid(CAST(\(row).record AS TEXT)) THEN CAST(\(row).record AS TEXT) END AS r)
        """
    }

    static func fleetFactsDelete(_ row: String) -> String {
        let key = "message = \(row).message AND planned_at = \(row).planned_at AND unit = \(row).unit AND id = \(row).id"
        return "DELETE FROM fleet_record_fact WHERE \(key); DELETE FROM fleet_segment WHERE \(key);"
    }

    /// The facts of the records of `source`: the fields coverage reads, out of the JSON (SPEC 8's
    /// broadcast; times RFC 3339 → µs, to the JSON's millisecond); lists joined by U+001F. A
    /// record whose segment has no label or zone falls back as coverage does: the record's zone.
    static func fleetFactsInsert(from source: String) -> String {
        func micros(_ text: String) -> String {
            "CAST(round((julianday(\(text)) - 2440587.5) * 86400000.0) AS INTEGER) * 1000"
        }
        return """
            INSERT OR REPLACE INTO fleet_record_fact (message, planned_at, unit, id, command, zone, output, outcome, source,
                planned, played, started_at, lat, lon, frames, segmented)
            SELECT f.message, f.planned_at, f.unit, f.id, f.command, f.zone, f.output, f.outcome, json_extract(f.r, '$.source'),
                   (SELECT group_concat(value, char(31)) FROM json_each(f.r, '$.languages.planned')),
                   (SELECT group_concat(value, char(31)) FROM json_each(f.r, '$.languages.played')),
                   \(micros("json_extract(f.r, '$.started_at')")),
                   json_extract(f.r, '$.position.lat'), json_extract(f.r, '$.position.lon'), json_extract(f.r, '$.frames'),
                   IFNULL(json_type(f.r, '$.segments') = 'array', 0)
            FROM \(source) f WHERE f.r IS NOT NULL;
            INSERT OR REPLACE INTO fleet_segment (message, planned_at, unit, id, seq, idx, label, pass, planned_frames,
                played_frames, started_at, zone, ended, heard, heard_level_db, heard_delay_ms)
            SELECT f.message, f.planned_at, f.unit, f.id, s.key, json_extract(s.value, '$.index'), json_extract(s.value, '$.label'),
                   json_extract(s.value, '$.pass'), json_extract(s.value, '$.planned_frames'), json_extract(s.value, '$.played_frames'),
                   \(micros("json_extract(s.value, '$.started_at')")), COALESCE(json_extract(s.value, '$.zone'), f.zone),
                   json_extract(s.value, '$.ended'), json_extract(s.value, '$.heard'),
                   json_extract(s.value, '$.heard_level_db'), json_extract(s.value, '$.heard_delay_ms')
            FROM \(source) f, json_each(f.r, '$.segments') s
            WHERE f.r IS NOT NULL AND json_type(f.r, '$.segments') = 'array' AND json_type(s.value, '$.label') = 'text';
            """
    }

    /// Keeps the zones a broadcast command was aimed at.
    public func saveAim(_ aim: FleetAimRow) throws {
        try database.write { try aim.save($0) }
    }

    /// The zones broadcast commands for `message` issued in [since, until) were aimed at, in order.
    public func aimedZones(message: String, since: Int64?, until: Int64?) throws -> [String] {
        try database.read { db in
            var request = FleetAimRow.filter(Column("message") == message)
            if let since { request = request.filter(Column("at") >= since) }
            if let until { request = request.filter(Column("at") < until) }
            var out: [String] = []
            for row in try request.order(Column("at")).fetchAll(db) {
                for zone in row.zones where !out.contains(zone) { out.append(zone) }
            }
            return out
        }
    }

    /// The units' records of `subject` planned in [since, until), as coverage reads them: from
    /// `fleet_record_fact` and `fleet_segment` (v12), filled from each record's JSON when it is
    /// stored, never from the JSON itself: a month of a message at county scale is tens of
    /// thousands of records among millions, read here as one range of each table's primary key,
    /// the two answers walked together (both in key order).
    public func coverageFleetRecords(_ subject: CoverageSubject, since: Int64?, until: Int64?) throws -> [CoverageRecord] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        switch subject {
        case .message(let message):
            conditions.append("message = ?")
            arguments.append(message)
        case .alert(let commands, _):
            guard !commands.isEmpty else { return [] }
            conditions.append("command IN (\(commands.map { _ in "?" }.joined(separator: ", ")))")
            arguments += commands as [any DatabaseValueConvertible]
        }
        if let since {
            conditions.append("planned_at >= ?")
            arguments.append(since)
        }
        if let until {
            conditions.append("planned_at < ?")
            arguments.append(until)
        }
        let key = "message, planned_at, unit, id"
        let records = """
            SELECT \(key), output, zone, outcome, planned, played, started_at, lat, lon, frames, source, segmented
            FROM fleet_record_fact WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(key)
            """
        // One message: a range of the segments' own key, beside the records' (no seek per record);
        // an alert's few commands: the segments of the records they made.
        let segmentColumns = "idx, label, pass, planned_frames, played_frames, started_at, zone, ended, heard, heard_level_db, heard_delay_ms"
        let segments: String
        if case .message = subject {
            segments = """
                SELECT \(key), \(segmentColumns) FROM fleet_segment
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(key), seq
                """
        } else {
            segments = """
                SELECT \(key.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                       \(segmentColumns.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM fleet_record_fact r JOIN fleet_segment s USING (message, planned_at, unit, id)
                WHERE \(conditions.map { "r." + $0 }.joined(separator: " AND ")) ORDER BY s.message, s.planned_at, s.unit, s.id, s.seq
                """
        }
        func list(_ text: String?) -> [String] { text.map { $0.split(separator: "\u{1F}").map(String.init) } ?? [] }
        // SQLite's order of text (bytes), for walking both answers together.
        func precedes(_ a: (String, Int64, String, String), _ b: (String, Int64, String, String)) -> Bool {
            if a.0 != b.0 { return a.0.utf8.lexicographicallyPrecedes(b.0.utf8) }
            if a.1 != b.1 { return a.1 < b.1 }
            if a.2 != b.2 { return a.2.utf8.lexicographicallyPrecedes(b.2.utf8) }
            return a.3.utf8.lexicographicallyPrecedes(b.3.utf8)
        }
        return try database.read { db in
            var out: [CoverageRecord] = []
            let recordRows = try Row.fetchCursor(db.cachedStatement(sql: records), arguments: StatementArguments(arguments))
            let segmentRows = try Row.fetchCursor(db.cachedStatement(sql: segments), arguments: StatementArguments(arguments))
            var pending: (key: (String, Int64, String, String), fact: SegmentFact)?
            func nextSegment() throws -> (key: (String, Int64, String, String), fact: SegmentFact)? {
                guard let row = try segmentRows.next() else { return nil }
                // A word this version does not know (or none: an older unit) reads as not monitored.
                let heard = String.fromDatabaseValue(row[12] as DatabaseValue).flatMap(Heard.init(rawValue:))
                let fact = SegmentFact(index: row[4] ?? 0, label: row[5], pass: row[6] ?? 0, planned: row[7], played: row[8] ?? 0,
                                       startedAt: row[9], zone: row[10], ended: (row[11] as Int64?).map { $0 != 0 } ?? true,
                                       heard: heard, heardLevelDB: row[13], heardDelayMS: row[14])
                return ((row[0], row[1], row[2], row[3]), fact)
            }
            pending = try nextSegment()
            while let row = try recordRows.next() {
                let key: (String, Int64, String, String) = (row[0], row[1], row[2], row[3])
                var r = BroadcastRecord(id: key.3, source: (row[13] as String?).flatMap(BroadcastSource.init(rawValue:)) ?? .fleet,
                                        message: key.0, output: row[4], zone: row[5], priority: .manual,
                                        plannedLanguages: list(row[7]), plannedAt: key.1, deadline: nil)
                r.playedLanguages = list(row[8])
                r.state = .done
                r.outcome = (row[6] as String?).flatMap(BroadcastOutcome.init(rawValue:))
                r.startedAt = row[9]
                r.positionLat = row[10]
                r.positionLon = row[11]
                r.frames = row[12] ?? 0
                let segmented: Bool = row[14] ?? false
                var facts: [SegmentFact]? = segmented ? [] : nil
                // Segments before this record's (none are kept without their record) are passed over.
                while let p = pending, precedes(p.key, key) { pending = try nextSegment() }
                while let p = pending, p.key == key {
                    facts?.append(p.fact)
                    pending = try nextSegment()
                }
                r.segments = facts
                out.append(CoverageRecord(unit: key.2, record: r))
            }
            return out
        }
    }

    /// The commander's own records and its units' records of `subject`, planned in [since, until).
    ///
    /// - Parameter ownOnly: the commander's own only (its units' come from `coverageFleetRecords`).
    public func coverageRecords(_ subject: CoverageSubject, ownOnly: Bool = false, since: Int64?, until: Int64?)
        throws -> (own: [BroadcastRecord], fleet: [FleetRecordRow]) {
        var period = ""
        var arguments: [any DatabaseValueConvertible] = []
        if let since {
            period += " AND planned_at >= ?"
            arguments.append(since)
        }
        if let until {
            period += " AND planned_at < ?"
            arguments.append(until)
        }
        return try database.read { db in
            switch subject {
            case .message(let message):
                let own = try BroadcastRecord.fetchAll(db, sql: "SELECT * FROM broadcast WHERE message = ?" + period,
                                                       arguments: StatementArguments([message] + arguments))
                let fleet = ownOnly ? [] : try FleetRecordRow.fetchAll(db, sql: "SELECT * FROM fleet_record WHERE message = ?" + period,
                                                                        arguments: StatementArguments([message] + arguments))
                return (own, fleet)
            case .alert(let commands, let broadcasts):
                var own: [BroadcastRecord] = []
                if !broadcasts.isEmpty {
                    let marks = broadcasts.map { _ in "?" }.joined(separator: ", ")
                    own = try BroadcastRecord.fetchAll(db, sql: "SELECT * FROM broadcast WHERE id IN (\(marks))" + period,
                                                       arguments: StatementArguments(broadcasts + arguments))
                }
                var fleet: [FleetRecordRow] = []
                if !commands.isEmpty, !ownOnly {
                    let marks = commands.map { _ in "?" }.joined(separator: ", ")
                    fleet = try FleetRecordRow.fetchAll(db, sql: "SELECT * FROM fleet_record WHERE command IN (\(marks))" + period,
                                                        arguments: StatementArguments(commands + arguments))
                }
                return (own, fleet)
            }
        }
    }
}
