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

    /// The units' records of `subject` planned in [since, until), as coverage reads them: the
    /// fields it needs taken out of each record's JSON by SQLite (one row per segment, times in
    /// microseconds), never a JSON decoder per record: a month of a message at county scale is
    /// tens of thousands of records.
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
        // RFC 3339 → µs, to the millisecond (the JSON's precision).
        func micros(_ text: String) -> String {
            "CAST(round((julianday(\(text)) - 2440587.5) * 86400000.0) AS INTEGER) * 1000"
        }
        let sql = """
            SELECT f.rid, f.unit, f.id, f.output, f.zone, f.message, f.outcome, f.planned_at,
                   (SELECT group_concat(value, char(31)) FROM json_each(f.r, '$.languages.planned')) AS planned,
                   (SELECT group_concat(value, char(31)) FROM json_each(f.r, '$.languages.played')) AS played,
                   \(micros("json_extract(f.r, '$.started_at')")) AS started,
                   json_extract(f.r, '$.position.lat') AS lat, json_extract(f.r, '$.position.lon') AS lon,
                   json_extract(f.r, '$.frames') AS frames, json_extract(f.r, '$.source') AS source,
                   json_type(f.r, '$.segments') = 'array' AS segmented,
                   json_extract(s.value, '$.index'), json_extract(s.value, '$.label'), json_extract(s.value, '$.pass'),
                   json_extract(s.value, '$.planned_frames'), json_extract(s.value, '$.played_frames'),
                   \(micros("json_extract(s.value, '$.started_at')")), json_extract(s.value, '$.zone'),
                   json_extract(s.value, '$.ended'), json_extract(s.value, '$.heard'),
                   json_extract(s.value, '$.heard_level_db'), json_extract(s.value, '$.heard_delay_ms')
            FROM (SELECT rowid AS rid, unit, id, output, zone, message, outcome, planned_at, CAST(record AS TEXT) AS r
                  FROM fleet_record WHERE \(conditions.joined(separator: " AND "))) f
            LEFT JOIN json_each(f.r, '$.segments') s ON json_type(f.r, '$.segments') = 'array'
            ORDER BY f.rid, s.key
            """
        return try database.read { db in
            var out: [CoverageRecord] = []
            var current: Int64?
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            while let row = try cursor.next() {
                let rid: Int64 = row[0]
                if rid != current {
                    current = rid
                    func list(_ text: String?) -> [String] { text.map { $0.split(separator: "\u{1F}").map(String.init) } ?? [] }
                    var r = BroadcastRecord(id: row[2], source: (row[14] as String?).flatMap(BroadcastSource.init(rawValue:)) ?? .fleet,
                                            message: row[5], output: row[3], zone: row[4], priority: .manual,
                                            plannedLanguages: list(row[8]), plannedAt: row[7], deadline: nil)
                    r.playedLanguages = list(row[9])
                    r.state = .done
                    r.outcome = (row[6] as String?).flatMap(BroadcastOutcome.init(rawValue:))
                    r.startedAt = row[10]
                    r.positionLat = row[11]
                    r.positionLon = row[12]
                    r.frames = row[13] ?? 0
                    let segmented: Bool = row[15] ?? false
                    r.segments = segmented ? [] : nil
                    out.append(CoverageRecord(unit: row[1], record: r))
                }
                guard let label: String = row[17] else { continue }
                // A word this version does not know (or none: an older unit) reads as not monitored.
                let heard = String.fromDatabaseValue(row[24] as DatabaseValue).flatMap(Heard.init(rawValue:))
                let fact = SegmentFact(index: row[16] ?? 0, label: label, pass: row[18] ?? 0, planned: row[19], played: row[20] ?? 0,
                                       startedAt: row[21], zone: row[22], ended: (row[23] as Int64?).map { $0 != 0 } ?? true,
                                       heard: heard, heardLevelDB: row[25], heardDelayMS: row[26])
                out[out.count - 1].record.segments?.append(fact)
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
