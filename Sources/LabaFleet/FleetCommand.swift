// Commands and their signed envelopes (SPEC 11):
// `{"v": 1, "key": KEY_ID, "payload": BASE64, "sig": BASE64}`, the signature over the payload bytes,
// whose JSON is `{id, issuer, issued_at, expires_at, kind, ...}`.

import Foundation
import LabaCore

/// A broadcast ordered by a commander: the fields of `POST /v1/broadcasts`.
public struct BroadcastCommand: Codable, Sendable, Equatable {
    public var message: String
    public var zones: [String]
    public var languages: [String]?
    /// `manual` or `emergency`; nil: manual.
    public var priority: String?
    public var `repeat`: Int?
    public var loop: Bool?
    public var force: Bool?
    /// A time span (`30min`): the deadline after acceptance.
    public var within: String?
    /// Every zone of the unit; needs a key trusted for every root zone.
    public var all: Bool?

    public init(message: String, zones: [String], languages: [String]? = nil, priority: String? = nil,
                repeat: Int? = nil, loop: Bool? = nil, force: Bool? = nil, within: String? = nil, all: Bool? = nil) {
        self.message = message
        self.zones = zones
        self.languages = languages
        self.priority = priority
        self.repeat = `repeat`
        self.loop = loop
        self.force = force
        self.within = within
        self.all = all
    }
}

/// Stop what plays in zones (`clear`: and what waits): the fields of `POST /v1/stop`.
public struct StopCommand: Codable, Sendable, Equatable {
    public var zones: [String]
    public var clear: Bool?

    public init(zones: [String], clear: Bool? = nil) {
        self.zones = zones
        self.clear = clear
    }
}

/// Move a unit's outputs (or one of them) to a zone.
public struct MoveCommand: Codable, Sendable, Equatable {
    /// The unit meant: a unit refuses a move that does not name it (envelope v2; a move of
    /// envelope v1 may lack it and is refused).
    public var unit: String?
    /// One output; nil: every output of the unit.
    public var output: String?
    public var zone: String

    public init(unit: String? = nil, output: String? = nil, zone: String) {
        self.unit = unit
        self.output = output
        self.zone = zone
    }
}

/// A CAP 1.2 alert, carried as it was received (SPEC 13 reads it, SPEC 15 forwards it).
///
/// Envelope `v: 2` (a commander's forward): `cap_base64`, the alert's bytes unchanged, and `zones`,
/// where the units play it without matching its areas again. Envelope `v: 1` (the last release's
/// commanders): `cap`, the alert as text, played where its areas reach.
public struct AlertCommand: Codable, Sendable, Equatable {
    public var cap: String?
    public var capBase64: Data?
    public var zones: [String]?

    public init(cap: String) { self.cap = cap }

    public init(capBase64: Data, zones: [String]) {
        self.capBase64 = capBase64
        self.zones = zones
    }

    /// The alert's bytes, whichever form carried them.
    public var document: Data? { capBase64 ?? cap.map { Data($0.utf8) } }

    enum CodingKeys: String, CodingKey {
        case cap, capBase64 = "cap_base64", zones
    }
}

/// Report again every broadcast finished since an instant: a commander asks it after it may have
/// lost reports (its connection lost, or its session gone with a broker killed before it saved).
/// Units answer by publishing those records again; the commander keeps each once.
public struct ReportCommand: Codable, Sendable, Equatable {
    /// The subtrees whose units are asked (the scope the key must be trusted for).
    public var zones: [String]
    public var since: FleetTime

    public init(zones: [String], since: Instant) {
        self.zones = zones
        self.since = FleetTime(FleetTime.milliseconds(since))
    }
}

/// A commander's live talk (SPEC 14): units play the stream at `stream`, an Icecast mount whose
/// unguessable name is the talk's token (it travels only inside this signed command).
public struct LiveCommand: Codable, Sendable, Equatable {
    /// `http://HOST:PORT/laba-live-<token>.opus`.
    public var stream: String
    public var zones: [String]
    /// Every zone of the unit; needs a key trusted for every root zone.
    public var all: Bool?
    /// `manual` or `emergency`; nil: manual.
    public var priority: String?
    public var force: Bool?

    public init(stream: String, zones: [String], all: Bool? = nil, priority: String? = nil, force: Bool? = nil) {
        self.stream = stream
        self.zones = zones
        self.all = all
        self.priority = priority
        self.force = force
    }
}

/// The signed payload of an envelope.
public struct FleetCommand: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case broadcast(BroadcastCommand)
        case stop(StopCommand)
        case move(MoveCommand)
        case alert(AlertCommand)
        case report(ReportCommand)
        case live(LiveCommand)

        public var kind: String {
            switch self {
            case .broadcast: "broadcast"
            case .stop: "stop"
            case .move: "move"
            case .alert: "alert"
            case .report: "report"
            case .live: "live"
            }
        }
    }

    /// Unique per command; a unit obeys an id once.
    public var id: String
    /// The commander's unit id.
    public var issuer: String
    public var issuedAt: Instant
    public var expiresAt: Instant
    public var body: Body

    /// The times are cut to the millisecond, as the JSON carries them, so that a command equals
    /// itself after a round trip.
    public init(id: String = FleetCommand.newID(), issuer: String, issuedAt: Instant, expiresAt: Instant, body: Body) {
        self.id = id
        self.issuer = issuer
        self.issuedAt = FleetTime.milliseconds(issuedAt)
        self.expiresAt = FleetTime.milliseconds(expiresAt)
        self.body = body
    }

    /// A fresh random id: 16 hex digits.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx", generator.next() as UInt64)
    }

    /// The zones the command acts on, as it names them; nil when only the unit can tell
    /// (`all`, an alert's areas).
    public var namedZones: [String]? {
        switch body {
        case .broadcast(let b): b.all == true ? nil : b.zones
        case .stop(let s): s.zones
        case .move(let m): [m.zone]
        case .alert(let a): a.zones
        case .report(let r): r.zones
        case .live(let l): l.all == true ? nil : l.zones
        }
    }
}

extension FleetCommand: Codable {
    enum CodingKeys: String, CodingKey {
        case id, issuer, issuedAt = "issued_at", expiresAt = "expires_at", kind
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        issuer = try c.decode(String.self, forKey: .issuer)
        issuedAt = try c.decode(FleetTime.self, forKey: .issuedAt).instant
        expiresAt = try c.decode(FleetTime.self, forKey: .expiresAt).instant
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "broadcast": body = .broadcast(try BroadcastCommand(from: decoder))
        case "stop": body = .stop(try StopCommand(from: decoder))
        case "move": body = .move(try MoveCommand(from: decoder))
        case "alert": body = .alert(try AlertCommand(from: decoder))
        case "report": body = .report(try ReportCommand(from: decoder))
        case "live": body = .live(try LiveCommand(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown kind '\(kind)'")
        }
    }

    /// One flat object: the common fields and the kind's own.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(issuer, forKey: .issuer)
        try c.encode(FleetTime(issuedAt), forKey: .issuedAt)
        try c.encode(FleetTime(expiresAt), forKey: .expiresAt)
        try c.encode(body.kind, forKey: .kind)
        switch body {
        case .broadcast(let b): try b.encode(to: encoder)
        case .stop(let s): try s.encode(to: encoder)
        case .move(let m): try m.encode(to: encoder)
        case .alert(let a): try a.encode(to: encoder)
        case .report(let r): try r.encode(to: encoder)
        case .live(let l): try l.encode(to: encoder)
        }
    }
}

/// An instant in the fleet's JSON: RFC 3339 in UTC with milliseconds (`2026-11-30T02:30:00.000Z`);
/// any RFC 3339 offset is read.
public struct FleetTime: Codable, Sendable, Equatable {
    public var instant: Instant

    public init(_ instant: Instant) { self.instant = instant }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let instant = Self.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an RFC 3339 time"))
        }
        self.instant = instant
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Self.format(instant))
    }

    /// `instant` cut to the millisecond (down), the precision of the JSON.
    public static func milliseconds(_ instant: Instant) -> Instant {
        let us = instant.microseconds
        return Instant(microseconds: us - ((us % 1000) + 1000) % 1000)
    }

    public static func format(_ instant: Instant) -> String {
        let text = RFC3339.format(instant, in: utc, fractionDigits: 3)
        return text.hasSuffix("+00:00") ? text.dropLast(6) + "Z" : text
    }

    /// An RFC 3339 time with its offset (`T` and `Z` in either case); nil otherwise.
    public static func parse(_ text: String) -> Instant? {
        // Only the full form: TimeParsing would also read local times, which mean nothing here.
        guard text.range(of: #"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#,
                         options: .regularExpression) != nil else { return nil }
        return try? TimeParsing.instant(text.uppercased(), in: utc, now: Instant(microseconds: 0))
    }

    static let utc = TimeZone(identifier: "UTC")!
}

/// The signed wrapper every command travels in.
///
/// Versions: 1, the first; 2, for every command a unit of the last release (f38237e) would misread
/// or could not check: an alert (a forwarded one's payload it cannot read), a report (its scope),
/// a move (which it would check against its destination only). Such a unit refuses version 2
/// (`malformed`) and says so in its ack; a unit of this release obeys version 1 only for
/// `broadcast`, `stop` and `live`, and refuses any other kind in it (`malformed`, naming the
/// version the kind needs).
public struct SignedEnvelope: Codable, Sendable, Equatable {
    public static let version = 1
    /// The versions this release reads.
    public static let versions = 1...2

    public var v: Int
    /// KEY_ID of the signing key.
    public var key: String
    /// The command's JSON, exactly the bytes that were signed.
    public var payload: Data
    /// Ed25519 signature of `payload`.
    public var sig: Data

    public init(v: Int = SignedEnvelope.version, key: String, payload: Data, sig: Data) {
        self.v = v
        self.key = key
        self.payload = payload
        self.sig = sig
    }

    /// Signs `command` with `key`, in the lowest version that carries it.
    public init(signing command: FleetCommand, with key: FleetSigningKey) {
        let payload = FleetJSON.encode(command)
        self.init(v: Self.version(of: command), key: key.id, payload: Data(payload), sig: Data(key.signature(for: payload)))
    }

    /// The kinds a unit of this release still obeys in envelope version 1: those the last
    /// release's units read as this one does.
    public static let versionOneKinds: Set<String> = ["broadcast", "stop", "live"]

    /// The envelope version a command is sent in and must arrive in: 1 for `broadcast`, `stop`
    /// and `live`, 2 for every other kind (`alert`, `report`, `move`).
    public static func version(of command: FleetCommand) -> Int {
        versionOneKinds.contains(command.body.kind) ? 1 : 2
    }

    /// The envelope's JSON: what is published.
    public var bytes: [UInt8] { FleetJSON.encode(self) }
}

/// The fleet's JSON coding: keys sorted (stable bytes for the same value), no escaped slashes.
public enum FleetJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every type encoded here is made of strings, numbers and booleans.
        return Array(try! encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
