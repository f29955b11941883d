// The web console's accounts and sessions (SPEC 12): bcrypt hashes made by the caller, session
// tokens kept only as their SHA-256, so that a copy of the database opens no session.

import Foundation
import GRDB

/// What an account may do: viewers see; operators broadcast, stop, upload, record and move units;
/// admins also manage accounts.
public enum ConsoleRole: String, Codable, Sendable, CaseIterable, Comparable {
    case viewer, `operator`, admin

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: ConsoleRole, b: ConsoleRole) -> Bool { a.rank < b.rank }
}

public struct ConsoleAccount: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "console_account"

    public var name: String
    public var role: ConsoleRole
    /// bcrypt, `$2b$...`.
    public var passwordHash: String
    /// The page language the account chose (`zh-Hans`, `en`); nil: the browser's.
    public var language: String?
    public var createdAt: Int64

    public init(name: String, role: ConsoleRole, passwordHash: String, language: String? = nil, createdAt: Int64) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.language = language
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, role, passwordHash = "password_hash", language, createdAt = "created_at"
    }
}

/// A signed-in browser: the SHA-256 of its cookie's token, and the CSRF token its forms carry.
public struct ConsoleSession: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "console_session"

    public var tokenHash: String
    public var account: String
    public var csrf: String
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(tokenHash: String, account: String, csrf: String, createdAt: Int64, expiresAt: Int64) {
        self.tokenHash = tokenHash
        self.account = account
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case tokenHash = "token_hash", account, csrf, createdAt = "created_at", expiresAt = "expires_at"
    }
}

public enum AccountError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .exists(let name): "an account '\(name)' exists already"
        case .notFound(let name): "no account '\(name)'"
        }
    }
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

extension StateLayout {
    /// The console's self-signed certificate and key (PEM), made by labad when it serves beyond
    /// loopback without `console.tls`.
    public var consoleCertificate: String { (directory as NSString).appendingPathComponent("console/console.crt") }
    public var consoleKey: String { (directory as NSString).appendingPathComponent("console/console.key") }
    /// Recordings made in the console when `audio_dir` cannot be written (a sandboxed service).
    public var consoleRecordings: String { (directory as NSString).appendingPathComponent("console/recordings") }
}
