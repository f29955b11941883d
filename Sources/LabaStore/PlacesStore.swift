// Places in the state: where each broadcast of a following output started (columns of
// `broadcast`), every zone move with its cause and position, and every CAP alert received.

import Foundation
import GRDB

/// One CAP alert as received, and what came of it (SPEC 13: every alert leaves a record).
public struct AlertRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "alert"

    public var id: Int64?
    /// Nil when the XML could not be read that far.
    public var identifier: String?
    public var sender: String?
    /// `<sent>` as written.
    public var sent: String?
    public var status: String?
    public var msgType: String?
    public var event: String?
    public var message: String?
    /// The daemon's clock when it arrived (µs).
    public var receivedAt: Int64
    /// `file`, `api` or `fleet`.
    public var via: String
    /// The file's name in the watched folder, and its modification time (µs): a file seen once is
    /// not read again at the next start.
    public var file: String?
    public var fileMtime: Int64?
    public var zones: [String]
    public var broadcasts: [String]
    /// Outputs that refused it: `output: reason`.
    public var refused: [String]
    /// Why nothing (more) plays, when nothing does.
    public var reason: String?
    public var notes: [String]
    public var drill: Bool
    /// Identifiers of the earlier alerts it stopped (Update, Cancel).
    public var cancels: [String]
    /// The alert that stopped this one, if one did.
    public var cancelledBy: String?
    public var priority: String?
    /// Plays still to come, and when the next is due (µs).
    public var repeatsLeft: Int
    public var nextAt: Int64?
    public var expiresAt: Int64?
    /// The document as received, byte for byte (whatever its encoding), kept so that repeats can
    /// be planned again after a restart. Records of releases before v8 kept it as text: the
    /// migration turned that text into its UTF-8 bytes.
    public var document: Data?
    /// The subtrees its sender may command (a fleet command's key), kept so that the repeats
    /// planned again from `xml` stay inside them; nil: any zone.
    public var scope: [String]?
    /// The zones a commander signed for it (a forwarded alert, SPEC 15): it plays there, and its
    /// repeats too, without its areas being matched again.
    public var sentZones: [String]?
    /// On a commander: the fleet command that forwarded it to its units.
    public var command: String?
    /// `refused` as codes with their arguments (issue 26), one per refusal in the same order;
    /// nil in records kept before v12 (their words are shown as they are).
    public var refusals: [AlertRefusal]?
    /// `reason` as a code and its arguments (`AlertReason`'s codes, or `cap` with a CAPError's);
    /// nil for a reason only in words (before v12, or one not yet given a code).
    public var reasonCode: String?
    public var reasonArgs: [String: String]?
    /// `notes` as codes with their arguments (issue 26), one per note in the same order; nil in
    /// records kept before v12-alert-notes (their words are shown as they are).
    public var noteCodes: [AlertNote]?

    public init(receivedAt: Int64, via: String) {
        self.receivedAt = receivedAt
        self.via = via
        zones = []
        broadcasts = []
        refused = []
        notes = []
        drill = false
        cancels = []
        repeatsLeft = 0
    }

    enum CodingKeys: String, CodingKey {
        case id, identifier, sender, sent, status, msgType = "msg_type", event, message, receivedAt = "received_at", via, file
        case fileMtime = "file_mtime", zones, broadcasts, refused, reason, notes, drill, cancels, cancelledBy = "cancelled_by"
        case priority, repeatsLeft = "repeats_left", nextAt = "next_at", expiresAt = "expires_at", document, scope
        case sentZones = "sent_zones", command, refusals, reasonCode = "reason_code", reasonArgs = "reason_args"
        case noteCodes = "note_codes"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One output's (or zone's) refusal of an alert's broadcast, as a code with its arguments.
public struct AlertRefusal: Codable, Equatable, Sendable {
    /// The output that refused; nil when the whole request was refused (then `zone`).
    public var output: String?
    /// The zones the request was for (comma-separated), or `all`.
    public var zone: String?
    /// A `Refusal.Code`'s wire name.
    public var code: String
    public var args: [String: String]?

    public init(output: String?, zone: String?, code: String, args: [String: String]?) {
        self.output = output
        self.zone = zone
        self.code = code
        self.args = args.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A note on an alert (forwarded to the units, a repeat that did not play, a language left out...)
/// as a code with its arguments.
public struct AlertNote: Codable, Equatable, Sendable {
    public var code: String
    public var args: [String: String]?

    public init(code: String, args: [String: String]?) {
        self.code = code
        self.args = args.flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension AlertRecord {
    /// Notes `english` with its code and arguments; codes are kept only while every note has one
    /// (a record of an older version keeps its words).
    public mutating func note(_ code: String, _ args: [String: String] = [:], _ english: String) {
        if noteCodes != nil || notes.isEmpty { noteCodes = (noteCodes ?? []) + [AlertNote(code: code, args: args)] }
        notes.append(english)
    }
}

extension Store {
    /// v12: an alert's notes as codes with arguments (issue 26), beside their words.
    static func registerAlertNotesMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-alert-notes") { db in
            try db.alter(table: "alert") { t in t.add(column: "note_codes", .text) }
        }
    }
}

extension Store {
    /// v12: an alert's refusals and reason as codes with arguments (issue 26), beside their words.
    static func registerAlertCodesMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-alert-codes") { db in
            try db.alter(table: "alert") { t in
                t.add(column: "refusals", .text)
                t.add(column: "reason_code", .text)
                t.add(column: "reason_args", .text)
            }
        }
    }
}

/// A move of an output to another zone: by an operator, or by its position.
public struct ZoneMoveRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "zone_move"

    public var output: String
    public var fromZone: String?
    public var toZone: String
    public var at: Int64
    /// `operator` or `gps`.
    public var cause: String
    public var lat: Double?
    public var lon: Double?
    /// The fix's own time (µs), for a move by position.
    public var fixAt: Int64?

    public init(output: String, fromZone: String?, toZone: String, at: Int64, cause: String, lat: Double? = nil,
                lon: Double? = nil, fixAt: Int64? = nil) {
        self.output = output
        self.fromZone = fromZone
        self.toZone = toZone
        self.at = at
        self.cause = cause
        self.lat = lat
        self.lon = lon
        self.fixAt = fixAt
    }

    enum CodingKeys: String, CodingKey {
        case output, fromZone = "from_zone", toZone = "to_zone", at, cause, lat, lon, fixAt = "fix_at"
    }
}

extension Store {
    /// v4: positions of broadcasts, zone moves, alerts.
    static func registerPlacesMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-places") { db in
            try db.alter(table: "broadcast") { t in
                t.add(column: "position_lat", .double)
                t.add(column: "position_lon", .double)
                t.add(column: "position_at", .integer)
            }
            try db.create(table: "zone_move") { t in
                t.column("output", .text).notNull()
                t.column("from_zone", .text)
                t.column("to_zone", .text).notNull()
                t.column("at", .integer).notNull()
                t.column("cause", .text).notNull()
                t.column("lat", .double)
                t.column("lon", .double)
                t.column("fix_at", .integer)
            }
            try db.create(table: "alert") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("identifier", .text)
                t.column("sender", .text)
                t.column("sent", .text)
                t.column("status", .text)
                t.column("msg_type", .text)
                t.column("event", .text)
                t.column("message", .text)
                t.column("received_at", .integer).notNull()
                t.column("via", .text).notNull()
                t.column("file", .text)
                t.column("file_mtime", .integer)
                t.column("zones", .text).notNull()
                t.column("broadcasts", .text).notNull()
                t.column("refused", .text).notNull()
                t.column("reason", .text)
                t.column("notes", .text).notNull()
                t.column("drill", .boolean).notNull()
                t.column("cancels", .text).notNull()
                t.column("cancelled_by", .text)
                t.column("priority", .text)
                t.column("repeats_left", .integer).notNull()
                t.column("next_at", .integer)
                t.column("expires_at", .integer)
                t.column("xml", .text)
            }
            try db.create(index: "alert_identifier", on: "alert", columns: ["identifier", "sender"])
        }
        migrator.registerMigration("v5-alert-scope") { db in
            try db.alter(table: "alert") { t in t.add(column: "scope", .text) }
        }
    }

    /// v8: an alert's document kept as the bytes received (`document`), not as text (`xml`, where
    /// an ISO-8859-1 alert's letters became U+FFFD); the text of older records becomes its UTF-8
    /// bytes, and `xml` stays empty from then on (a newer release reads only `document`).
    static func registerAlertBytesMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-alert-bytes") { db in
            try db.alter(table: "alert") { t in t.add(column: "document", .blob) }
            try db.execute(sql: "UPDATE alert SET document = CAST(xml AS BLOB), xml = NULL WHERE xml IS NOT NULL")
        }
    }

    // MARK: Zone moves

    public func recordMove(_ move: ZoneMoveRecord) throws {
        try database.write { try move.insert($0) }
    }

    /// The moves of an output (or all), oldest first.
    public func moves(output: String? = nil) throws -> [ZoneMoveRecord] {
        try database.read { db in
            var request = ZoneMoveRecord.all()
            if let output { request = request.filter(Column("output") == output) }
            return try request.order(Column("at"), Column("rowid")).fetchAll(db)
        }
    }

    // MARK: Alerts

    /// Writes an alert record, new (its id is set) or changed.
    public func save(_ alert: inout AlertRecord) throws {
        try database.write { try alert.save($0) }
    }

    /// Newest first.
    public func alerts(limit: Int = 100) throws -> [AlertRecord] {
        try database.read { try AlertRecord.order(Column("received_at").desc, Column("id").desc).limit(limit).fetchAll($0) }
    }

    /// The first record of an alert by its identifier (and sender, when given) that was acted on.
    public func alert(identifier: String, sender: String? = nil) throws -> AlertRecord? {
        try database.read { db in
            var request = AlertRecord.filter(Column("identifier") == identifier)
            if let sender { request = request.filter(Column("sender") == sender) }
            return try request.order(Column("id")).fetchOne(db)
        }
    }

    public func alert(id: Int64) throws -> AlertRecord? {
        try database.read { try AlertRecord.fetchOne($0, key: id) }
    }

    /// Alerts with plays still to come.
    public func alertsWithRepeats() throws -> [AlertRecord] {
        try database.read { try AlertRecord.filter(Column("repeats_left") > 0).order(Column("id")).fetchAll($0) }
    }

    /// `name mtime` of every alert file read before.
    public func alertFilesSeen() throws -> Set<String> {
        try database.read { db in
            Set(try Row.fetchAll(db, sql: "SELECT file, file_mtime FROM alert WHERE file IS NOT NULL")
                .map { "\($0["file"] as String) \(($0["file_mtime"] as Int64?) ?? 0)" })
        }
    }
}
