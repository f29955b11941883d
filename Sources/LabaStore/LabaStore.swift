// LabaStore: durable state under the state dir — broadcasts (queue and history), the occurrence
// ledger, the outputs' current zones, the loudness cache — in SQLite (WAL) through GRDB.

import Foundation
import GRDB
import LabaCore

extension BroadcastRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "broadcast"
}

/// The database. Thread-safe: GRDB serialises writes and lets reads run beside them.
public final class Store: Sendable {
    public let path: String
    let database: DatabasePool

    /// Opens (creating when needed) and migrates the database at `path`.
    ///
    /// - Throws: GRDB's error, with SQLite's reason, when the file cannot be opened or migrated.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "broadcast") { t in
                t.primaryKey("id", .text)
                t.column("source", .text).notNull()
                t.column("entry", .text)
                t.column("message", .text).notNull()
                t.column("upload_path", .text)
                t.column("output", .text).notNull()
                t.column("zone", .text).notNull()
                t.column("priority", .integer).notNull()
                t.column("planned_languages", .text).notNull()
                t.column("played_languages", .text).notNull()
                t.column("repeat_count", .integer).notNull()
                t.column("loop", .boolean).notNull()
                t.column("planned_at", .integer).notNull()
                t.column("deadline", .integer)
                t.column("started_at", .integer)
                t.column("ended_at", .integer)
                t.column("state", .text).notNull()
                t.column("segment", .integer).notNull()
                t.column("outcome", .text)
                t.column("reason", .text)
                t.column("requested_uid", .integer)
                t.column("requested_user", .text)
                t.column("frames", .integer).notNull()
                t.column("xruns", .integer).notNull()
            }
            try db.create(index: "broadcast_state", on: "broadcast", columns: ["state", "output"])
            try db.create(index: "broadcast_planned", on: "broadcast", columns: ["planned_at"])
            // The occurrence ledger: one row per (entry, output, planned instant), so that an
            // occurrence is played at most once per output, across restarts and clock jumps.
            try db.create(table: "occurrence") { t in
                t.column("entry", .text).notNull()
                t.column("output", .text).notNull()
                t.column("planned_at", .integer).notNull()
                t.column("broadcast", .text)
                t.column("outcome", .text)
                t.primaryKey(["entry", "output", "planned_at"])
            }
            try db.create(table: "output_zone") { t in
                t.primaryKey("output", .text)
                t.column("zone", .text).notNull()
                t.column("moved_at", .integer).notNull()
            }
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "loudness") { t in
                t.primaryKey("content_key", .text)
                t.column("integrated", .double).notNull()
                t.column("true_peak", .double).notNull()
            }
        }
        // v2: the chime and neutral choices travel in the record; drills; a tagged requester.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "broadcast") { t in
                t.add(column: "chime", .text)
                t.add(column: "neutral", .boolean).notNull().defaults(to: false)
                t.add(column: "drill", .boolean).notNull().defaults(to: false)
                t.add(column: "requested_by", .text)
            }
            try db.execute(sql: """
                UPDATE broadcast SET requested_by = json_object('uid', requested_uid, 'user', requested_user)
                WHERE requested_uid IS NOT NULL
                """)
            try db.execute(sql: "UPDATE broadcast SET priority = CASE priority WHEN 0 THEN 'scheduled' WHEN 1 THEN 'manual' "
                           + "WHEN 2 THEN 'emergency' ELSE priority END")
        }
        // v3: airtime is what was played (frames at the output's rate), per segment label.
        migrator.registerMigration("v3") { db in
            try db.alter(table: "broadcast") { t in
                t.add(column: "rate", .integer)
                t.add(column: "segment_frames", .text).notNull().defaults(to: "{}")
            }
        }
        registerFleetMigrations(&migrator)
        registerScheduleMigrations(&migrator)
        migrator.registerMigration("console-v1", migrate: migrateConsole)
        registerPlacesMigration(&migrator)
        migrator.registerMigration("v6-live") { db in
            try db.alter(table: "broadcast") { t in t.add(column: "loudness", .double) }
        }
        migrator.registerMigration("v7-alert-forwarding") { db in
            try db.alter(table: "alert") { t in
                t.add(column: "sent_zones", .text)
                t.add(column: "command", .text)
            }
        }
        registerAlertBytesMigration(&migrator)
        migrator.registerMigration("v8-account-zones", migrate: migrateAccountZones)
        registerFleetLimitsMigration(&migrator)
        migrator.registerMigration("v9-command-marks", migrate: migrateCommandMarks)
        // v10: a record's reason as a code and its arguments beside the English words (issue 26);
        // older records keep their words only.
        migrator.registerMigration("v10-reason-codes") { db in
            try db.alter(table: "broadcast") { t in
                t.add(column: "reason_code", .text)
                t.add(column: "reason_args", .text)
            }
        }
        registerMonitorMigration(&migrator)
        registerCoverageMigrations(&migrator)
        // v11: the console's one-tap buttons (issue 27).
        migrator.registerMigration("v11-buttons", migrate: migrateButtons)
        registerAckArgsMigration(&migrator)
        registerAlertCodesMigration(&migrator)
        registerFleetSegmentsMigration(&migrator)
        registerAlertNotesMigration(&migrator)
        return migrator
    }

    // MARK: Broadcasts

    /// Commits a new broadcast. With GRDB's WAL default (`synchronous = NORMAL`) a commit survives a
    /// crash of labad (kill -9) but is synced to the disk only at a checkpoint: a power cut may lose
    /// the last commits (syncing each is an fsync on the engine's executor; see Docs/performance.md).
    public func insert(_ broadcast: BroadcastRecord) throws {
        try database.write { try broadcast.insert($0) }
    }

    /// Inserts all of them in one transaction, or none.
    public func insert(_ broadcasts: [BroadcastRecord]) throws {
        try database.write { db in
            for broadcast in broadcasts { try broadcast.insert(db) }
        }
    }

    /// Whether `error` says the state dir cannot take more (disk full, a file-size limit, read-only).
    public static func isStorageFailure(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode.primaryResultCode)
    }

    /// Writes a broadcast, new or changed.
    public func save(_ broadcast: BroadcastRecord) throws {
        try database.write { try broadcast.save($0) }
    }

    public func update(_ broadcast: BroadcastRecord) throws {
        try database.write { try broadcast.update($0) }
    }

    public func broadcast(id: String) throws -> BroadcastRecord? {
        try database.read { try BroadcastRecord.fetchOne($0, key: id) }
    }

    /// Broadcasts not done (queued or interrupted by a crash while playing), oldest first.
    public func unfinished() throws -> [BroadcastRecord] {
        try database.read { db in
            try BroadcastRecord.filter(Column("state") != BroadcastRecord.State.done.rawValue)
                .order(Column("planned_at"), Column("id")).fetchAll(db)
        }
    }

    /// History and queue, newest first, filtered.
    public func broadcasts(zone: String? = nil, message: String? = nil, output: String? = nil,
                           outcome: BroadcastOutcome? = nil, state: BroadcastRecord.State? = nil,
                           since: Int64? = nil, until: Int64? = nil, limit: Int = 100) throws -> [BroadcastRecord] {
        try broadcasts(BroadcastFilter(zone: zone, message: message, output: output, outcome: outcome, state: state,
                                       since: since, until: until, limit: limit))
    }

    public func broadcasts(_ f: BroadcastFilter) throws -> [BroadcastRecord] {
        try database.read { db in
            var request = BroadcastRecord.all()
            if let zone = f.zone { request = request.filter(Column("zone") == zone) }
            if let message = f.message { request = request.filter(Column("message") == message) }
            if let output = f.output { request = request.filter(Column("output") == output) }
            if let outcome = f.outcome { request = request.filter(Column("outcome") == outcome.rawValue) }
            if let state = f.state { request = request.filter(Column("state") == state.rawValue) }
            if let since = f.since { request = request.filter(Column("planned_at") >= since) }
            if let until = f.until { request = request.filter(Column("planned_at") < until) }
            return try request.order(Column("planned_at").desc, Column("id").desc).limit(f.limit).fetchAll(db)
        }
    }

    // MARK: Occurrence ledger

    /// Claims a scheduled occurrence for an output. Returns false if it was claimed before
    /// (it played, or was recorded missed or skipped): it must not play again.
    public func claim(entry: String, output: String, plannedAt: Int64, broadcast: String?, outcome: BroadcastOutcome?) throws -> Bool {
        try database.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO occurrence (entry, output, planned_at, broadcast, outcome) VALUES (?, ?, ?, ?, ?)
                """, arguments: [entry, output, plannedAt, broadcast, outcome?.rawValue])
            return db.changesCount == 1
        }
    }

    /// The latest planned instant in the ledger, per (entry, output): where the scheduler resumes.
    public func lastOccurrences() throws -> [String: Int64] {
        try database.read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT entry, output, MAX(planned_at) AS last FROM occurrence GROUP BY entry, output") {
                out["\(row["entry"] as String) \(row["output"] as String)"] = row["last"]
            }
            return out
        }
    }

    /// Renames schedule entries in the ledger and the record, once: the ledger of a version that
    /// named entries by position (`zone#N`) takes the stable ids. Returns false when done before.
    public func adoptEntryIDs(_ renames: [String: String]) throws -> Bool {
        try database.write { db in
            if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'entry_ids'") == "stable" { return false }
            for (old, new) in renames where old != new {
                try db.execute(sql: "UPDATE OR IGNORE occurrence SET entry = ? WHERE entry = ?", arguments: [new, old])
                try db.execute(sql: "UPDATE broadcast SET entry = ? WHERE entry = ?", arguments: [new, old])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('entry_ids', 'stable')")
            return true
        }
    }

    // MARK: Outputs' zones

    public func setZone(_ zone: String, of output: String, at instant: Int64) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO output_zone (output, zone, moved_at) VALUES (?, ?, ?)",
                           arguments: [output, zone, instant])
        }
    }

    public func outputZones() throws -> [String: String] {
        try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT output, zone FROM output_zone")
                .map { ($0["output"] as String, $0["zone"] as String) })
        }
    }

    // MARK: Loudness cache

    public func saveLoudness(key: String, integrated: Double, truePeak: Double) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO loudness (content_key, integrated, true_peak) VALUES (?, ?, ?)",
                           arguments: [key, integrated.isFinite ? integrated : -1e9, truePeak.isFinite ? truePeak : -1e9])
        }
    }

    /// content key → (integrated LUFS, true peak dBTP); -infinity for silence.
    public func loudness() throws -> [String: (integrated: Double, truePeak: Double)] {
        try database.read { db in
            var out: [String: (Double, Double)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT content_key, integrated, true_peak FROM loudness") {
                let i: Double = row["integrated"], p: Double = row["true_peak"]
                out[row["content_key"]] = (i <= -1e9 ? -.infinity : i, p <= -1e9 ? -.infinity : p)
            }
            return out
        }
    }

    // MARK: Scheduler horizon

    /// The instant up to which the scheduler has handled occurrences (µs), if it ever ran.
    public func horizon() throws -> Int64? {
        try database.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'horizon'") }.flatMap(Int64.init)
    }

    public func setHorizon(_ microseconds: Int64) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('horizon', ?)", arguments: [String(microseconds)])
        }
    }

    /// SQLite's own check of the file: "ok" when sound.
    public func integrityCheck() throws -> String {
        try database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }
}
