// The web console's accounts and sessions as values (SPEC 12); the store keeps them.

import Foundation

/// What an account may do: viewers see; operators broadcast, stop, upload, record and move units;
/// admins also manage accounts.
public enum ConsoleRole: String, Codable, Sendable, CaseIterable, Comparable {
    case viewer, `operator`, admin

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: ConsoleRole, b: ConsoleRole) -> Bool { a.rank < b.rank }
}

/// Where an account may act (SPEC 17): its own zones, everywhere, or as the configuration's
/// `operators.zones` says.
public enum AccountZones: Hashable, Sendable {
    /// Within `operators.zones` of the configuration, or everywhere when that is unset.
    case configured
    /// Everywhere, whatever `operators.zones` says.
    case everywhere
    /// Within these zones and the zones below them.
    case only([String])

    /// As the store keeps it: nil (configured), `*` (everywhere) or the zones joined by commas
    /// (zone ids hold neither).
    public var stored: String? {
        switch self {
        case .configured: nil
        case .everywhere: "*"
        case .only(let zones): zones.joined(separator: ",")
        }
    }

    public init(stored: String?) {
        switch stored {
        case nil: self = .configured
        case "*": self = .everywhere
        case let text?:
            let zones = text.split(separator: ",").map(String.init)
            self = zones.isEmpty ? .configured : .only(zones)
        }
    }
}

public struct ConsoleAccount: Codable, Equatable, Sendable {
    public var name: String
    public var role: ConsoleRole
    /// bcrypt, `$2b$...`.
    public var passwordHash: String
    /// The page language the account chose (`zh-Hans`, `en`); nil: the browser's.
    public var language: String?
    public var createdAt: Int64
    /// Where it may broadcast, stop, talk, move and schedule (admins: everywhere).
    public var zones: AccountZones

    public init(name: String, role: ConsoleRole, passwordHash: String, language: String? = nil, createdAt: Int64,
                zones: AccountZones = .configured) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.language = language
        self.createdAt = createdAt
        self.zones = zones
    }

    enum CodingKeys: String, CodingKey {
        case name, role, passwordHash = "password_hash", language, createdAt = "created_at", zones
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        role = try c.decode(ConsoleRole.self, forKey: .role)
        passwordHash = try c.decode(String.self, forKey: .passwordHash)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        createdAt = try c.decode(Int64.self, forKey: .createdAt)
        zones = AccountZones(stored: try c.decodeIfPresent(String.self, forKey: .zones))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(passwordHash, forKey: .passwordHash)
        try c.encode(language, forKey: .language)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(zones.stored, forKey: .zones)
    }
}

/// A signed-in browser: the SHA-256 of its cookie's token, and the CSRF token its forms carry.
public struct ConsoleSession: Codable, Equatable, Sendable {
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

extension StateLayout {
    /// The console's self-signed certificate and key (PEM), made by labad when it serves beyond
    /// loopback without `console.tls`.
    public var consoleCertificate: String { (directory as NSString).appendingPathComponent("console/console.crt") }
    public var consoleKey: String { (directory as NSString).appendingPathComponent("console/console.key") }
    /// Recordings made in the console when `audio_dir` cannot be written (a sandboxed service).
    public var consoleRecordings: String { (directory as NSString).appendingPathComponent("console/recordings") }
}
