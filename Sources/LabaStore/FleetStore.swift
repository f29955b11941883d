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
    public var topic: String
    /// The signed envelope, as published.
    public var envelope: Data
    /// The zones it targets (empty for `all`).
    public var zones: [String]
    /// Microseconds since the epoch.
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(id: String, topic: String, envelope: Data, zones: [String], createdAt: Int64, expiresAt: Int64) {
        self.id = id
        self.topic = topic
        self.envelope = envelope
        self.zones = zones
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case id, topic, envelope, zones, createdAt = "created_at", expiresAt = "expires_at"
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

    public init(command: String, unit: String, result: String, code: String? = nil, message: String? = nil,
                broadcasts: [String] = [], at: Int64) {
        self.command = command
        self.unit = unit
        self.result = result
        self.code = code
        self.message = message
        self.broadcasts = broadcasts
        self.at = at
    }
}

/// A message in a unit's outbox (an ack or a record), removed when the broker acknowledges it.
public struct OutgoingMessage: Codable, Equatable, Sendable, FetchableRecord {
    public enum Kind: String, Codable, Sendable { case ack, record }

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
    }

    // MARK: Commander: the outbox of commands

    /// Commits a command to the outbox (before the API answers).
    public func enqueueCommand(_ command: OutboxCommand) throws {
        try database.write { try command.insert($0) }
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

    /// Keeps a unit's ack; a second ack from the same unit for the same command replaces the first.
    public func recordAck(_ ack: FleetAckRow) throws {
        try database.write { try ack.save($0) }
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

    /// Removes a message the broker acknowledged (PUBACK).
    public func removeOutgoing(seq: Int64) throws {
        try database.write { try $0.execute(sql: "DELETE FROM fleet_outbox WHERE seq = ?", arguments: [seq]) }
    }

    // MARK: Unit: commands obeyed

    /// Whether the command `id` was obeyed before.
    public func hasSeenCommand(_ id: String) throws -> Bool {
        try database.read { try Bool.fetchOne($0, sql: "SELECT 1 FROM fleet_seen WHERE command = ?", arguments: [id]) ?? false }
    }

    /// Claims a command id, inserts its broadcasts and queues its ack, in one transaction.
    ///
    /// - Returns: false, with nothing written, when the id was claimed before (a repeat delivery).
    public func acceptCommand(id: String, expiresAt: Int64, at now: Int64, broadcasts: [BroadcastRecord],
                              ack: (topic: String, payload: Data)) throws -> Bool {
        try database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO fleet_seen (command, seen_at, expires_at) VALUES (?, ?, ?)",
                           arguments: [id, now, expiresAt])
            guard db.changesCount == 1 else { return false }
            for broadcast in broadcasts { try broadcast.insert(db) }
            _ = try Self.insertOutgoing(db, kind: .ack, topic: ack.topic, payload: ack.payload, createdAt: now)
            return true
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
}
