// The audit log of the operators' schedule: every change, who asked for it and when, the entry
// before and after.

import Foundation
import GRDB
import LabaCore

/// One change to the operators' schedule.
public struct ScheduleChangeRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "schedule_change"

    /// Assigned by the database, in order.
    public var id: Int64?
    /// Microseconds since the epoch.
    public var at: Int64
    /// The schedule's version after the change.
    public var version: Int
    /// add, change, pause, resume or remove.
    public var action: String
    public var entry: String
    public var before: OperatorEntry?
    public var after: OperatorEntry?
    public var requestedBy: RequestedBy?

    public init(at: Int64, version: Int, action: String, entry: String, before: OperatorEntry?, after: OperatorEntry?,
                requestedBy: RequestedBy?) {
        self.at = at
        self.version = version
        self.action = action
        self.entry = entry
        self.before = before
        self.after = after
        self.requestedBy = requestedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, at, version, action, entry, before, after, requestedBy = "requested_by"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Store {
    static func registerScheduleMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("schedule-v1") { db in
            try db.create(table: "schedule_change") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .integer).notNull()
                t.column("version", .integer).notNull()
                t.column("action", .text).notNull()
                t.column("entry", .text).notNull()
                t.column("before", .text)
                t.column("after", .text)
                t.column("requested_by", .text)
            }
            try db.create(index: "schedule_change_at", on: "schedule_change", columns: ["at"])
        }
    }

    /// Commits one change to the log.
    public func record(_ change: ScheduleChangeRecord) throws {
        var change = change
        try database.write { try change.insert($0) }
    }

    /// Changes, oldest first: those after `version` (what changed since a base version), or in
    /// [since, until], at most `limit` of the newest.
    public func scheduleChanges(afterVersion version: Int? = nil, since: Int64? = nil, until: Int64? = nil,
                                limit: Int = .max) throws -> [ScheduleChangeRecord] {
        try database.read { db in
            var request = ScheduleChangeRecord.all()
            if let version { request = request.filter(Column("version") > version) }
            if let since { request = request.filter(Column("at") >= since) }
            if let until { request = request.filter(Column("at") <= until) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db).reversed()
        }
    }
}
