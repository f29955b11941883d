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

    /// The commander's own records and its units' records of `subject`, planned in [since, until).
    public func coverageRecords(_ subject: CoverageSubject, since: Int64?, until: Int64?)
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
                let fleet = try FleetRecordRow.fetchAll(db, sql: "SELECT * FROM fleet_record WHERE message = ?" + period,
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
                if !commands.isEmpty {
                    let marks = commands.map { _ in "?" }.joined(separator: ", ")
                    fleet = try FleetRecordRow.fetchAll(db, sql: "SELECT * FROM fleet_record WHERE command IN (\(marks))" + period,
                                                        arguments: StatementArguments(commands + arguments))
                }
                return (own, fleet)
            }
        }
    }
}
