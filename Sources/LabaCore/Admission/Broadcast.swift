// The words every source of broadcasts shares: where a broadcast came from and who asked for it.

/// Where a broadcast came from (SPEC 8).
public enum BroadcastSource: String, Sendable, Codable, CaseIterable {
    case schedule, manual, emergency, upload, live, alert, fleet
}

/// Where a broadcast is in its life.
public enum BroadcastState: String, Sendable, Codable, CaseIterable {
    case queued, playing, done
}

/// A closed set of names that a newer version may extend: the wire format reads an unknown name
/// without failing (SPEC 8: readers ignore values they do not know).
public protocol WireName: Hashable, Sendable, CaseIterable {
    var wireName: String { get }
}

extension WireName {
    public init?(wireName: String) {
        guard let value = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = value
    }

}

extension WireName where Self: RawRepresentable, RawValue == String {
    public var wireName: String { rawValue }
}

extension BroadcastSource: WireName {}
extension BroadcastState: WireName {}
extension BroadcastOutcome: WireName {}
extension Priority: WireName {
    public var wireName: String { description }
}

/// Who asked for a broadcast: a tagged union, one case per way in.
public enum RequestedBy: Hashable, Sendable, Codable {
    /// A control-socket client, from its peer credentials.
    case socket(uid: Int, user: String?)
    /// A web-console account.
    case console(user: String)
    /// A signed fleet command from a commander unit (its `issuer`), with the KEY_ID that signed it
    /// (nil in records of the last release).
    case fleet(unit: String, command: String, key: String? = nil)
    /// A CAP alert, by its identifier.
    case alert(identifier: String)

    enum CodingKeys: String, CodingKey { case uid, user, console, fleet, command, key, alert }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let uid = try c.decodeIfPresent(Int.self, forKey: .uid) {
            self = .socket(uid: uid, user: try c.decodeIfPresent(String.self, forKey: .user))
        } else if let user = try c.decodeIfPresent(String.self, forKey: .console) {
            self = .console(user: user)
        } else if let unit = try c.decodeIfPresent(String.self, forKey: .fleet) {
            self = .fleet(unit: unit, command: try c.decodeIfPresent(String.self, forKey: .command) ?? "",
                          key: try c.decodeIfPresent(String.self, forKey: .key))
        } else if let identifier = try c.decodeIfPresent(String.self, forKey: .alert) {
            self = .alert(identifier: identifier)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "requested_by names no known requester"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .socket(let uid, let user):
            try c.encode(uid, forKey: .uid)
            try c.encode(user, forKey: .user)
        case .console(let user): try c.encode(user, forKey: .console)
        case .fleet(let unit, let command, let key):
            try c.encode(unit, forKey: .fleet)
            try c.encode(command, forKey: .command)
            try c.encodeIfPresent(key, forKey: .key)
        case .alert(let identifier): try c.encode(identifier, forKey: .alert)
        }
    }

    /// The socket client's uid, if that is who asked.
    public var uid: Int? {
        if case .socket(let uid, _) = self { return uid }
        return nil
    }

    /// A short name for tables: the user, the console account, the commander or the alert.
    public var label: String {
        switch self {
        case .socket(let uid, let user): user ?? "uid \(uid)"
        case .console(let user): user
        case .fleet(let unit, _, _): unit
        case .alert(let identifier): identifier
        }
    }
}

extension Priority {
    /// Written by name (`"manual"`); an older record's number is still read.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // A name first: SQLite would read a name as the number 0.
        guard let name = try? c.decode(String.self) else {
            let number = try c.decode(Int.self)
            guard let p = Priority(rawValue: number) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "no priority \(number)")
            }
            self = p
            return
        }
        if let number = Int(name), let p = Priority(rawValue: number) {
            self = p
            return
        }
        guard let p = Priority(name: name) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "priority must be scheduled, manual or emergency, not '\(name)'")
        }
        self = p
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension TimeSpan: Codable {
    /// Read in systemd's syntax (`"15min"`); a bare number is seconds.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let seconds = try? c.decode(Double.self) {
            self = TimeSpan(microseconds: Int64((seconds * 1e6).rounded()))
            return
        }
        let text = try c.decode(String.self)
        do { self = try TimeSpan(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid time span '\(text)': \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
