// The web console's accounts and sessions (SPEC 12): bcrypt hashes made by the caller, session
// tokens kept only as their SHA-256, so that a copy of the database opens no session.

import Foundation
import GRDB
import LabaCore

extension ConsoleAccount: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "console_account"
}

extension ConsoleSession: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "console_session"
}

extension Store {
    /// The console's tables; registered once in `Store.migrator`.
    static func migrateConsole(_ db: Database) throws {
        try db.create(table: "console_account") { t in
            t.primaryKey("name", .text)
            t.column("role", .text).notNull()
            t.column("password_hash", .text).notNull()
            t.column("language", .text)
            t.column("created_at", .integer).notNull()
        }
        try db.create(table: "console_session") { t in
            t.primaryKey("token_hash", .text)
            t.column("account", .text).notNull().references("console_account", onDelete: .cascade, onUpdate: .cascade)
            t.column("csrf", .text).notNull()
            t.column("created_at", .integer).notNull()
            t.column("expires_at", .integer).notNull()
        }
    }

    /// Accounts' zones (SPEC 17): NULL for the accounts of earlier releases, which act as
    /// `operators.zones` says.
    static func migrateAccountZones(_ db: Database) throws {
        try db.alter(table: "console_account") { t in t.add(column: "zones", .text) }
    }

    public func accounts() throws -> [ConsoleAccount] {
        try database.read { try ConsoleAccount.order(Column("name")).fetchAll($0) }
    }

    public func account(_ name: String) throws -> ConsoleAccount? {
        try database.read { try ConsoleAccount.fetchOne($0, key: name) }
    }

    /// - Throws: `AccountError.exists` when the name is taken.
    public func addAccount(_ account: ConsoleAccount) throws {
        try database.write { db in
            if try ConsoleAccount.exists(db, key: account.name) { throw AccountError.exists(account.name) }
            try account.insert(db)
        }
    }

    /// Sets a new password and ends the account's sessions.
    public func setPassword(_ name: String, hash: String) throws {
        try database.write { db in
            guard var account = try ConsoleAccount.fetchOne(db, key: name) else { throw AccountError.notFound(name) }
            account.passwordHash = hash
            try account.update(db)
            try ConsoleSession.filter(Column("account") == name).deleteAll(db)
        }
    }

    public func setRole(_ name: String, role: ConsoleRole) throws {
        try database.write { db in
            guard var account = try ConsoleAccount.fetchOne(db, key: name) else { throw AccountError.notFound(name) }
            account.role = role
            try account.update(db)
        }
    }

    /// Where the account may act; its sessions go on (each request asks where anew).
    public func setZones(_ name: String, zones: AccountZones) throws {
        try database.write { db in
            guard var account = try ConsoleAccount.fetchOne(db, key: name) else { throw AccountError.notFound(name) }
            account.zones = zones
            try account.update(db)
        }
    }

    public func setLanguage(_ name: String, language: String?) throws {
        try database.write { db in
            guard var account = try ConsoleAccount.fetchOne(db, key: name) else { throw AccountError.notFound(name) }
            account.language = language
            try account.update(db)
        }
    }

    /// Removes an account and its sessions.
    public func removeAccount(_ name: String) throws {
        try database.write { db in
            guard try ConsoleAccount.deleteOne(db, key: name) else { throw AccountError.notFound(name) }
        }
    }

    public func addSession(_ session: ConsoleSession) throws {
        try database.write { db in
            try ConsoleSession.filter(Column("expires_at") <= session.createdAt).deleteAll(db)
            try session.insert(db)
        }
    }

    /// The live session with this token hash and its account; nil when unknown or expired.
    public func session(tokenHash: String, now: Int64) throws -> (ConsoleSession, ConsoleAccount)? {
        try database.read { db in
            guard let session = try ConsoleSession.fetchOne(db, key: tokenHash), session.expiresAt > now,
                  let account = try ConsoleAccount.fetchOne(db, key: session.account) else { return nil }
            return (session, account)
        }
    }

    public func removeSession(tokenHash: String) throws {
        _ = try database.write { try ConsoleSession.deleteOne($0, key: tokenHash) }
    }
}
