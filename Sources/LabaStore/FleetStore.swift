// The fleet's durable state: the commander's outbox of commands and the acks it received, the
// unit's outbox of acks and records (kept until the broker's PUBACK), the ids of commands a unit
// obeyed (replay protection), and the units a commander knows.

import Foundation
import GRDB
import LabaCore

/// A command in a commander's outbox: kept, and published again after each reconnect, until every
/// unit known in its zones has acked it or it expires.
public struct OutboxCommand: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fleet_command"

    public var id: String
    /// The first topic it is published on.
    public var topic: String
    /// Every topic it is published on (one per subtree of a command for several); empty in a
    /// row written before there could be several: then `topic` alone.
    public var topics: [String]
    /// The signed envelope, as published.
    public var envelope: Data
    /// The zones it targets (empty for `all`).
    public var zones: [String]
    /// Microseconds since the epoch.
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(id: String, topics: [String], envelope: Data, zones: [String], createdAt: Int64, expiresAt: Int64) {
        self.id = id
        self.topic = topics.first ?? ""
        self.topics = topics
        self.envelope = envelope
        self.zones = zones
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// The topics to publish it on.
    public var publishTopics: [String] { topics.isEmpty ? [topic] : topics }

    enum CodingKeys: String, CodingKey {
        case id, topic, topics, envelope, zones, createdAt = "created_at", expiresAt = "expires_at"
    }
}

/// A unit's answer to a command, as a commander keeps it.
public struct FleetAckRow: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fleet_ack"

    public var command: String
    public var unit: String
    /// `accepted` or `refused`.
    public var result: String
    public var code: String?
    public var message: String?
    public var broadcasts: [String]
    /// When the unit decided, by its clock (µs).
    public var at: Int64
    /// A front door refusal's arguments, as the unit sent them (`{"zones": "liming"}`), so that the
    /// refusal is rendered in the reader's language; nil for the fleet's own codes, from units of an
    /// older version and in rows kept before v12 (whose `message` is shown as it is).
    public var args: [String: String]?

    public init(command: String, unit: String, result: String, code: String? = nil, message: String? = nil,
                broadcasts: [String] = [], at: Int64, args: [String: String]? = nil) {
        self.command = command
        self.unit = unit
        self.result = result
        self.code = code
        self.message = message
        self.broadcasts = broadcasts
        self.at = at
        self.args = args
    }
}

extension Store {
    /// v12: an ack's arguments (issue 26), beside its code and its English words.
    static func registerAckArgsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-ack-args") { db in
            try db.alter(table: "fleet_ack") { t in t.add(column: "args", .text) }
        }
    }
}

/// A message in a unit's outbox (an ack or a record), removed when the broker acknowledges it.
public struct OutgoingMessage: Codable, Equatable, Sendable, FetchableRecord {
    /// `library`: a signed recording, published retained (a commander's).
    public enum Kind: String, Codable, Sendable { case ack, record, library }

    /// Publication order.
    public var seq: Int64
    public var kind: Kind
    public var topic: String
    public var payload: Data
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey { case seq, kind, topic, payload, createdAt = "created_at" }
}

/// The last status a commander received from a unit.
public struct FleetUnitRow: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fleet_unit"

    public var unit: String
    /// The status JSON, as published.
    public var status: Data
    /// `online` or `offline`.
    public var state: String
    /// When the commander saw the state change (µs): online since or offline since.
    public var since: Int64
    public var updatedAt: Int64

    public init(unit: String, status: Data, state: String, since: Int64, updatedAt: Int64) {
        self.unit = unit
        self.status = status
        self.state = state
        self.since = since
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey { case unit, status, state, since, updatedAt = "updated_at" }
}

/// A finished broadcast a unit reported, as a commander keeps it.
public struct FleetRecordRow: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fleet_record"

    public var unit: String
    /// The broadcast's id on that unit.
    public var id: String
    /// The command that made it, if one did.
    public var command: String?
    public var zone: String
    public var message: String
    public var output: String
    public var outcome: String?
    /// Microseconds since the epoch.
    public var plannedAt: Int64
    /// The record's JSON as the unit published it (SPEC 8's broadcast, plus `unit` and `command`).
    public var record: Data
    public var receivedAt: Int64

    public init(unit: String, id: String, command: String?, zone: String, message: String, output: String,
                outcome: String?, plannedAt: Int64, record: Data, receivedAt: Int64) {
        self.unit = unit
        self.id = id
        self.command = command
        self.zone = zone
        self.message = message
        self.output = output
        self.outcome = outcome
        self.plannedAt = plannedAt
        self.record = record
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case unit, id, command, zone, message, output, outcome, plannedAt = "planned_at", record, receivedAt = "received_at"
    }
}

extension Store {
    static func registerFleetMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("fleet-v1") { db in
            try db.create(table: "fleet_command") { t in
                t.primaryKey("id", .text)
                t.column("topic", .text).notNull()
                t.column("envelope", .blob).notNull()
                t.column("zones", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.column("expires_at", .integer).notNull()
            }
            try db.create(table: "fleet_ack") { t in
                t.column("command", .text).notNull()
                t.column("unit", .text).notNull()
                t.column("result", .text).notNull()
                t.column("code", .text)
                t.column("message", .text)
                t.column("broadcasts", .text).notNull()
                t.column("at", .integer).notNull()
                t.primaryKey(["command", "unit"])
            }
            try db.create(table: "fleet_outbox") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("kind", .text).notNull()
                t.column("topic", .text).notNull()
                t.column("payload", .blob).notNull()
                t.column("created_at", .integer).notNull()
            }
            // Replay protection: one row per command id obeyed, kept until its expiry has passed
            // (after that, a replay is refused as expired anyway).
            try db.create(table: "fleet_seen") { t in
                t.primaryKey("command", .text)
                t.column("seen_at", .integer).notNull()
                t.column("expires_at", .integer).notNull()
            }
            try db.create(index: "fleet_seen_expiry", on: "fleet_seen", columns: ["expires_at"])
            try db.create(table: "fleet_unit") { t in
                t.primaryKey("unit", .text)
                t.column("status", .blob).notNull()
                t.column("state", .text).notNull()
                t.column("since", .integer).notNull()
                t.column("updated_at", .integer).notNull()
            }
        }
        // v2: a command for several subtrees goes out on several topics; units' records on a commander.
        migrator.registerMigration("fleet-v2") { db in
            try db.alter(table: "fleet_command") { t in
                t.add(column: "topics", .text).notNull().defaults(to: "[]")
            }
            try db.create(table: "fleet_record") { t in
                t.column("unit", .text).notNull()
                t.column("id", .text).notNull()
                t.column("command", .text)
                t.column("zone", .text).notNull()
                t.column("message", .text).notNull()
                t.column("output", .text).notNull()
                t.column("outcome", .text)
                t.column("planned_at", .integer).notNull()
                t.column("record", .blob).notNull()
                t.column("received_at", .integer).notNull()
                t.primaryKey(["unit", "id"])
            }
            try db.create(index: "fleet_record_planned", on: "fleet_record", columns: ["planned_at"])
        }
    }

    /// SPEC 17: seen ids keyed by (key, id), with their `issued_at`; each key's mark. Ids of the
    /// last release keep an empty key (a unit then obeys a replay of one signed by a key once, at
    /// most, until they expire) and an `issued_at` of 0 (pruned at the first mark).
    static func migrateCommandMarks(_ db: Database) throws {
        try db.create(table: "fleet_seen_new") { t in
            t.column("key", .text).notNull()
            t.column("command", .text).notNull()
            t.column("seen_at", .integer).notNull()
            t.column("issued_at", .integer).notNull()
            t.column("expires_at", .integer).notNull()
            t.primaryKey(["key", "command"])
        }
        try db.execute(sql: """
            INSERT INTO fleet_seen_new (key, command, seen_at, issued_at, expires_at)
            SELECT '', command, seen_at, 0, expires_at FROM fleet_seen
            """)
        try db.drop(table: "fleet_seen")
        try db.rename(table: "fleet_seen_new", to: "fleet_seen")
        try db.create(index: "fleet_seen_expiry", on: "fleet_seen", columns: ["expires_at"])
        try db.create(index: "fleet_seen_issued", on: "fleet_seen", columns: ["key", "issued_at"])
        try db.create(table: "fleet_mark") { t in
            t.primaryKey("key", .text)
            t.column("issued_at", .integer).notNull()
        }
    }

    // MARK: Commander: the outbox of commands

    /// Commits a command to the outbox (before the API answers), and claims its id as seen under
    /// the signing key (`key`, KEY_ID), so that the commander, a unit too, does not obey its own
    /// command when the broker brings it back.
    public func enqueueCommand(_ command: OutboxCommand, key: String = "") throws {
        try database.write { db in
            try command.insert(db)
            try db.execute(sql: """
                INSERT OR IGNORE INTO fleet_seen (key, command, seen_at, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [key, command.id, command.createdAt, command.createdAt, command.expiresAt])
        }
    }

    /// The commands still to deliver at `now` (not expired), oldest first: what to publish again
    /// after a reconnect.
    public func pendingCommands(now: Int64) throws -> [OutboxCommand] {
        try database.read { db in
            try OutboxCommand.filter(Column("expires_at") > now).order(Column("created_at"), Column("id")).fetchAll(db)
        }
    }

    public func outboxCommand(id: String) throws -> OutboxCommand? {
        try database.read { try OutboxCommand.fetchOne($0, key: id) }
    }

    /// Takes a command out of the outbox: every unit known in its zones has acked it.
    public func completeCommand(id: String) throws {
        _ = try database.write { try OutboxCommand.deleteOne($0, key: id) }
    }

    /// Removes the commands expired at `now`; returns their ids.
    @discardableResult
    public func pruneExpiredCommands(now: Int64) throws -> [String] {
        try database.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM fleet_command WHERE expires_at <= ? ORDER BY id", arguments: [now])
            try db.execute(sql: "DELETE FROM fleet_command WHERE expires_at <= ?", arguments: [now])
            return ids
        }
    }

    /// Keeps a unit's ack; a second ack from the same unit for the same command replaces the
    /// first, except a `duplicate` (the answer to a repeat delivery), which never hides the first.
    public func recordAck(_ ack: FleetAckRow) throws {
        try database.write { db in
            if ack.code == "duplicate", try FleetAckRow.exists(db, key: ["command": ack.command, "unit": ack.unit]) { return }
            try ack.save(db)
        }
    }

    /// The acks of a command, by unit.
    public func acks(command: String) throws -> [FleetAckRow] {
        try database.read { try FleetAckRow.filter(Column("command") == command).order(Column("unit")).fetchAll($0) }
    }

    // MARK: Unit: the outbox of acks and records

    /// Queues a message for the broker; returns its sequence number.
    @discardableResult
    public func enqueueOutgoing(kind: OutgoingMessage.Kind, topic: String, payload: Data, createdAt: Int64) throws -> Int64 {
        try database.write { db in
            try Self.insertOutgoing(db, kind: kind, topic: topic, payload: payload, createdAt: createdAt)
        }
    }

    static func insertOutgoing(_ db: Database, kind: OutgoingMessage.Kind, topic: String, payload: Data, createdAt: Int64) throws -> Int64 {
        try db.execute(sql: "INSERT INTO fleet_outbox (kind, topic, payload, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [kind.rawValue, topic, payload, createdAt])
        return db.lastInsertedRowID
    }

    /// The messages not yet acknowledged by the broker, in order.
    public func outgoing(limit: Int = 1000) throws -> [OutgoingMessage] {
        try database.read { db in
            try OutgoingMessage.fetchAll(db, sql: "SELECT * FROM fleet_outbox ORDER BY seq LIMIT ?", arguments: [limit])
        }
    }

    /// How many messages wait for the broker.
    public func outgoingCount() throws -> Int {
        try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM fleet_outbox") ?? 0 }
    }

    /// Removes a message the broker acknowledged (PUBACK).
    public func removeOutgoing(seq: Int64) throws {
        try database.write { try $0.execute(sql: "DELETE FROM fleet_outbox WHERE seq = ?", arguments: [seq]) }
    }

    // MARK: Unit: commands obeyed

    /// Whether the command `id` signed by `key` (KEY_ID) was obeyed before.
    public func hasSeenCommand(_ id: String, key: String = "") throws -> Bool {
        try database.read {
            // An empty key: an id claimed before ids were keyed by key (SPEC 17), whoever signed it.
            try Bool.fetchOne($0, sql: "SELECT 1 FROM fleet_seen WHERE key IN (?, '') AND command = ?", arguments: [key, id]) ?? false
        }
    }

    /// A command's claim: the key that signed it, its id and times; `advancesMark`: it passed on a
    /// synced clock, so its key's mark moves up to its `issued_at`.
    public struct CommandClaim: Sendable {
        public var key: String
        public var id: String
        public var issuedAt: Int64
        public var expiresAt: Int64
        public var advancesMark: Bool

        public init(key: String = "", id: String, issuedAt: Int64? = nil, expiresAt: Int64, advancesMark: Bool = false) {
            self.key = key
            self.id = id
            self.issuedAt = issuedAt ?? 0
            self.expiresAt = expiresAt
            self.advancesMark = advancesMark
        }
    }

    /// Claims a command id, inserts its broadcasts (and queues the reports of those already done,
    /// such as the records of a command that arrived expired) and queues its ack, in one transaction.
    ///
    /// - Returns: false, with nothing written, when the id was claimed before (a repeat delivery).
    public func acceptCommand(id: String, expiresAt: Int64, at now: Int64, broadcasts: [BroadcastRecord],
                              reports: [(topic: String, payload: Data)] = [], ack: (topic: String, payload: Data)) throws -> Bool {
        try acceptCommand(CommandClaim(id: id, expiresAt: expiresAt), at: now, broadcasts: broadcasts, reports: reports, ack: ack)
    }

    /// Claims a command under its key (and advances the key's mark when the claim says so), inserts
    /// its broadcasts, queues their reports and its ack, in one transaction.
    ///
    /// - Returns: false, with nothing written, when (key, id) was claimed before (a repeat delivery).
    public func acceptCommand(_ claim: CommandClaim, at now: Int64, broadcasts: [BroadcastRecord],
                              reports: [(topic: String, payload: Data)] = [], ack: (topic: String, payload: Data)) throws -> Bool {
        try database.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO fleet_seen (key, command, seen_at, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [claim.key, claim.id, now, claim.issuedAt, claim.expiresAt])
            guard db.changesCount == 1 else { return false }
            if claim.advancesMark {
                try db.execute(sql: """
                    INSERT INTO fleet_mark (key, issued_at) VALUES (?, ?)
                    ON CONFLICT(key) DO UPDATE SET issued_at = max(issued_at, excluded.issued_at)
                    """, arguments: [claim.key, claim.issuedAt])
            }
            for broadcast in broadcasts { try broadcast.insert(db) }
            for report in reports {
                _ = try Self.insertOutgoing(db, kind: .record, topic: report.topic, payload: report.payload, createdAt: now)
            }
            _ = try Self.insertOutgoing(db, kind: .ack, topic: ack.topic, payload: ack.payload, createdAt: now)
            return true
        }
    }

    /// The latest `issued_at` obeyed from each key on a synced clock (KEY_ID → microseconds).
    public func commandMarks() throws -> [String: Int64] {
        try database.read { db in
            var marks: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, issued_at FROM fleet_mark") { marks[row["key"]] = row["issued_at"] }
            return marks
        }
    }

    /// Writes a broadcast and, when given, queues its report for the broker, in one transaction:
    /// a finished broadcast is never on disk without its report waiting to go out.
    public func save(_ broadcast: BroadcastRecord, reporting report: (topic: String, payload: Data)?, at now: Int64) throws {
        guard let report else { return try save(broadcast) }
        try database.write { db in
            try broadcast.save(db)
            _ = try Self.insertOutgoing(db, kind: .record, topic: report.topic, payload: report.payload, createdAt: now)
        }
    }

    /// Forgets the ids a key's mark refuses anyway: those of `key` issued before `instant` (one
    /// command life behind the mark); returns how many.
    @discardableResult
    public func pruneSeenCommands(key: String, issuedBefore instant: Int64) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM fleet_seen WHERE key = ? AND issued_at < ?", arguments: [key, instant])
            return db.changesCount
        }
    }

    /// Forgets the ids of commands expired before `instant`; returns how many.
    @discardableResult
    public func pruneSeenCommands(expiredBefore instant: Int64) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM fleet_seen WHERE expires_at < ?", arguments: [instant])
            return db.changesCount
        }
    }

    // MARK: Commander: the units it knows

    /// Keeps a unit's latest status; `since` moves only when the state changes.
    public func saveUnitStatus(unit: String, status: Data, state: String, at now: Int64) throws {
        try database.write { db in
            let previous = try FleetUnitRow.fetchOne(db, key: unit)
            let since = previous.flatMap { $0.state == state ? $0.since : nil } ?? now
            try FleetUnitRow(unit: unit, status: status, state: state, since: since, updatedAt: now).save(db)
        }
    }

    public func units() throws -> [FleetUnitRow] {
        try database.read { try FleetUnitRow.order(Column("unit")).fetchAll($0) }
    }

    /// One unit's row (its primary key), nil for a unit not known here.
    public func unit(_ id: String) throws -> FleetUnitRow? {
        try database.read { try FleetUnitRow.fetchOne($0, key: id) }
    }

    // MARK: Unit: its command subscriptions

    /// The command topics this unit subscribed to when it last ran: the broker's persistent
    /// session still holds them, so that those no longer wanted must be left explicitly.
    public func fleetSubscriptions() throws -> [String] {
        try database.read { db in
            let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fleet_subscriptions'")
            return text.map { $0.split(separator: "\n").map(String.init) } ?? []
        }
    }

    public func setFleetSubscriptions(_ topics: [String]) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('fleet_subscriptions', ?)",
                           arguments: [topics.sorted().joined(separator: "\n")])
        }
    }

    /// v9: a commander keeps at most `fleet.records_per_unit` records per unit (SPEC 17). Each
    /// unit's count is kept by triggers, so that a save need not count two million rows, and the
    /// oldest are found by an index on (unit, planned_at).
    static func registerFleetLimitsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-fleet-limits") { db in
            try db.create(index: "fleet_record_unit_planned", on: "fleet_record", columns: ["unit", "planned_at", "id"])
            try db.create(table: "fleet_record_count") { t in
                t.primaryKey("unit", .text)
                t.column("count", .integer).notNull()
            }
            try db.execute(sql: """
                INSERT INTO fleet_record_count (unit, count) SELECT unit, COUNT(*) FROM fleet_record GROUP BY unit;
                CREATE TRIGGER fleet_record_counted AFTER INSERT ON fleet_record BEGIN
                  INSERT INTO fleet_record_count (unit, count) VALUES (NEW.unit, 1)
                    ON CONFLICT (unit) DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER fleet_record_uncounted AFTER DELETE ON fleet_record BEGIN
                  UPDATE fleet_record_count SET count = count - 1 WHERE unit = OLD.unit;
                END;
                """)
        }
    }

    // MARK: Commander: the units' records

    /// Keeps a unit's finished broadcast; the same record received again replaces itself. Beyond
    /// `keepingAtMost` records of that unit, its oldest (by planned time) go, in the same transaction.
    ///
    /// - Returns: how many records were removed.
    @discardableResult
    public func saveFleetRecord(_ record: FleetRecordRow, keepingAtMost limit: Int = .max) throws -> Int {
        try database.write { db in
            try record.save(db)
            let count = try Int.fetchOne(db, sql: "SELECT count FROM fleet_record_count WHERE unit = ?", arguments: [record.unit]) ?? 0
            guard count > limit else { return 0 }
            try db.execute(sql: """
                DELETE FROM fleet_record WHERE rowid IN (
                  SELECT rowid FROM fleet_record WHERE unit = ? ORDER BY planned_at, id LIMIT ?)
                """, arguments: [record.unit, count - limit])
            return db.changesCount
        }
    }

    /// How many records a commander keeps for each unit.
    public func fleetRecordCounts() throws -> [String: Int] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT unit, count FROM fleet_record_count WHERE count > 0")
            return Dictionary(rows.map { ($0["unit"] as String, $0["count"] as Int) }) { a, _ in a }
        }
    }

    /// Units' records, newest first; `unit` nil: every unit's. Every such record is done: a filter
    /// on another state finds none.
    ///
    /// - Parameter before: only those before this one, in that order (planned time, unit, id; a page's end).
    public func fleetRecords(unit: String?, _ f: BroadcastFilter,
                             before: (plannedAt: Int64, unit: String, id: String)? = nil) throws -> [FleetRecordRow] {
        if let state = f.state, state != .done { return [] }
        return try database.read { db in
            var request = FleetRecordRow.all()
            if let unit { request = request.filter(Column("unit") == unit) }
            if let zone = f.zone { request = request.filter(Column("zone") == zone) }
            if let message = f.message { request = request.filter(Column("message") == message) }
            if let output = f.output { request = request.filter(Column("output") == output) }
            if let outcome = f.outcome { request = request.filter(Column("outcome") == outcome.rawValue) }
            if let since = f.since { request = request.filter(Column("planned_at") >= since) }
            if let until = f.until { request = request.filter(Column("planned_at") < until) }
            if let before {
                request = request.filter(sql: "(planned_at, unit, id) < (?, ?, ?)", arguments: [before.plannedAt, before.unit, before.id])
            }
            return try request.order(Column("planned_at").desc, Column("unit").desc, Column("id").desc).limit(f.limit).fetchAll(db)
        }
    }

    /// What a report groups units' records by.
    public enum FleetReportKey: String, Sendable {
        case unit, zone, message, output, language
    }

    /// One group of a report over units' records: its key, one outcome, how many, how long.
    public struct FleetReportRow: Sendable, Equatable {
        public var key: String
        public var outcome: String
        public var broadcasts: Int
        public var airtimeSeconds: Double
    }

    /// Counts and airtime of units' records planned in [since, until), grouped by `key` and
    /// outcome, computed by SQLite: a commander may keep millions of records, never read into
    /// memory for a report. Airtime is a record's wall time (a unit's JSON has no rate); by
    /// language, each language played (else planned; none: `unknown`) counts the broadcast once
    /// and an equal share of its airtime. An outcome not in `outcomes` counts as `unknown`.
    public func fleetReport(by key: FleetReportKey, since: Int64?, until: Int64?, outcomes: [String]) throws -> [FleetReportRow] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let since {
            conditions.append("planned_at >= ?")
            arguments.append(since)
        }
        if let until {
            conditions.append("planned_at < ?")
            arguments.append(until)
        }
        let known = outcomes.isEmpty ? "''" : outcomes.map { _ in "?" }.joined(separator: ", ")
        arguments = outcomes as [any DatabaseValueConvertible] + arguments
        let wall = """
            CASE WHEN json_extract(r, '$.started_at') IS NULL THEN 0.0
                 ELSE MAX(0.0, (julianday(json_extract(r, '$.ended_at')) - julianday(json_extract(r, '$.started_at'))) * 86400.0)
            END
            """
        let base = """
            SELECT unit, zone, message, output,
                   CASE WHEN outcome IN (\(known)) THEN outcome ELSE 'unknown' END AS o,
                   CAST(record AS TEXT) AS r
            FROM fleet_record \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            """
        let sql: String
        if key == .language {
            sql = """
                WITH x AS (SELECT o, r, CASE WHEN json_array_length(r, '$.languages.played') > 0 THEN '$.languages.played'
                                              ELSE '$.languages.planned' END AS p FROM (\(base)))
                SELECT COALESCE(j.value, 'unknown') AS k, o, COUNT(*) AS n,
                       TOTAL((\(wall)) / MAX(1, COALESCE(json_array_length(r, p), 0))) AS a
                FROM x LEFT JOIN json_each(x.r, x.p) AS j
                GROUP BY k, o
                """
        } else {
            sql = "SELECT \(key.rawValue) AS k, o, COUNT(*) AS n, TOTAL(\(wall)) AS a FROM (\(base)) GROUP BY k, o"
        }
        return try database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
                FleetReportRow(key: $0["k"], outcome: $0["o"], broadcasts: $0["n"], airtimeSeconds: $0["a"])
            }
        }
    }

    /// The newest record of each unit (by planned time).
    /// The newest record of each of `units` (nil: of every unit), one indexed look-up a unit.
    public func lastFleetRecords(units: [String]?) throws -> [String: FleetRecordRow] {
        guard let units else { return try lastFleetRecords() }
        return try database.read { db in
            var out: [String: FleetRecordRow] = [:]
            for unit in units {
                out[unit] = try FleetRecordRow.fetchOne(db, sql: """
                    SELECT * FROM fleet_record WHERE unit = ? ORDER BY planned_at DESC, id DESC LIMIT 1
                    """, arguments: [unit])
            }
            return out
        }
    }

    public func lastFleetRecords() throws -> [String: FleetRecordRow] {
        try database.read { db in
            // One index seek per unit (fleet_record_unit_planned), not a scan of millions (issue 28).
            let rows = try FleetRecordRow.fetchAll(db, sql: """
                SELECT r.* FROM fleet_record_count c
                JOIN fleet_record r ON r.rowid = (
                  SELECT rowid FROM fleet_record WHERE unit = c.unit ORDER BY planned_at DESC, id DESC LIMIT 1)
                WHERE c.count > 0
                """)
            return Dictionary(rows.map { ($0.unit, $0) }) { a, _ in a }
        }
    }
}
