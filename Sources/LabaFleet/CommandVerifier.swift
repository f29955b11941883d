// Whether a unit obeys a command: key, signature, scope, replay and expiry, as one pure function.

import LabaCore

/// The keys a unit obeys, each for its zones' subtrees (`fleet.trust`).
public struct FleetTrust: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: FleetPublicKey
        /// The roots of the subtrees the key may command.
        public var zones: [String]
    }

    /// By KEY_ID.
    public private(set) var entries: [String: Entry] = [:]

    /// The same key listed twice is trusted for both lists of zones.
    public init(_ keys: [(key: FleetPublicKey, zones: [String])]) {
        for (key, zones) in keys {
            var entry = entries[key.id] ?? Entry(key: key, zones: [])
            for zone in zones where !entry.zones.contains(zone) { entry.zones.append(zone) }
            entries[key.id] = entry
        }
    }

    public subscript(keyID: String) -> Entry? { entries[keyID] }
}

/// Why a unit refuses a command; the raw values are the ack's `code`.
public enum FleetRefusalCode: String, Sendable, Codable, CaseIterable {
    /// Not an envelope, or a payload that is not a command this version reads.
    case malformed
    /// The key is not in `fleet.trust`.
    case untrusted
    case badSignature = "bad_signature"
    /// A zone the key is not trusted for.
    case outOfScope = "out_of_scope"
    /// A zone this unit's configuration does not have.
    case unknownZone = "unknown_zone"
    /// An id obeyed before.
    case duplicate
    case expired
    /// A library recording whose audio does not match its signed SHA-256.
    case badDigest = "bad_digest"
    /// A command kind this unit does not carry out (one from a newer version).
    case unsupported
}

public struct FleetRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: FleetRefusalCode
    public var message: String

    public init(_ code: FleetRefusalCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// A command that passed every check.
public struct VerifiedCommand: Sendable, Equatable {
    public var command: FleetCommand
    /// KEY_ID of the key that signed it.
    public var key: String
    /// The subtrees that key may command: where an alert's or `all`'s zones must be cut to.
    public var scope: [String]
    /// How far `issued_at` is ahead of this unit's clock, when it is: the command is obeyed and
    /// the skew recorded (a board without a battery clock before NTP).
    public var clockSkew: TimeSpan?
}

/// The verdict on one delivered message.
public enum CommandVerdict: Sendable, Equatable {
    case accepted(VerifiedCommand)
    /// `command`: what the payload says, when it could be read (for the ack; not to be trusted).
    case refused(FleetRefusal, command: FleetCommand?)
}

public enum CommandVerifier {
    /// Checks a delivered envelope, in this order: envelope, key (`untrusted`), signature
    /// (`bad_signature`), payload (`malformed`), zones (`unknown_zone`, `out_of_scope`),
    /// replay (`duplicate`), expiry (`expired`).
    ///
    /// - Parameters:
    ///   - message: the bytes received on a command topic.
    ///   - trust: the keys this unit obeys.
    ///   - zones: this unit's zone tree.
    ///   - now: this unit's clock.
    ///   - seen: whether a command id was obeyed before (the store's replay table).
    public static func verify(_ message: [UInt8], trust: FleetTrust, zones: ZoneTree, now: Instant,
                              seen: (String) -> Bool) -> CommandVerdict {
        guard let envelope = try? FleetJSON.decode(SignedEnvelope.self, from: message) else {
            return .refused(FleetRefusal(.malformed, "not a signed command envelope"), command: nil)
        }
        // Read before it is trusted, only to name the command in the ack.
        let claimed = try? FleetJSON.decode(FleetCommand.self, from: Array(envelope.payload))
        guard SignedEnvelope.versions.contains(envelope.v) else {
            return .refused(FleetRefusal(.malformed, "envelope version \(envelope.v) (this unit reads "
                                         + "\(SignedEnvelope.versions.lowerBound) to \(SignedEnvelope.versions.upperBound))"),
                            command: claimed)
        }
        guard let entry = trust[envelope.key] else {
            return .refused(FleetRefusal(.untrusted, "key \(envelope.key) is not trusted here"), command: claimed)
        }
        guard entry.key.isValidSignature(Array(envelope.sig), for: Array(envelope.payload)) else {
            return .refused(FleetRefusal(.badSignature, "the signature does not match key \(envelope.key)"), command: claimed)
        }
        let command: FleetCommand
        do {
            command = try FleetJSON.decode(FleetCommand.self, from: Array(envelope.payload))
        } catch {
            return .refused(FleetRefusal(.malformed, "the payload is not a command: \(describe(error))"), command: nil)
        }
        guard envelope.v == SignedEnvelope.version(of: command) else {
            return .refused(FleetRefusal(.malformed, "a \(command.body.kind) command in envelope version \(envelope.v)"),
                            command: command)
        }
        var targets: [String]
        if command.namedZones == nil, command.body.kind == "broadcast" || command.body.kind == "live" {
            // Every zone of this unit: the key must be trusted for all of them.
            targets = zones.zones.filter { $0.parent == nil }.map(\.id)
        } else {
            targets = command.namedZones ?? []
        }
        if case .alert(let a) = command.body, let named = a.zones {
            // A forwarded alert names every zone it reaches in the county: this unit checks those it has.
            targets = named.filter { zones[$0] != nil }
            guard !targets.isEmpty else {
                return .refused(FleetRefusal(.unknownZone, "none of the alert's zones (\(named.joined(separator: ", "))) is in this "
                                             + "unit's configuration"), command: command)
            }
        }
        if case .report = command.body, targets.isEmpty {
            // No zone named is no scope to check: a report reaches only what its key may command.
            return .refused(FleetRefusal(.outOfScope, "a report command names no zone (report needs scope)"), command: command)
        }
        for zone in targets {
            guard zones[zone] != nil else {
                return .refused(FleetRefusal(.unknownZone, "zone '\(zone)' is not in this unit's configuration"), command: command)
            }
            guard entry.zones.contains(where: { zones.zone(zone, isWithin: $0) }) else {
                return .refused(FleetRefusal(.outOfScope, "key \(envelope.key) may command \(entry.zones.joined(separator: ", ")), "
                                             + "not '\(zone)'"), command: command)
            }
        }
        if seen(command.id) {
            return .refused(FleetRefusal(.duplicate, "command \(command.id) was received before"), command: command)
        }
        guard now < command.expiresAt else {
            return .refused(FleetRefusal(.expired, "command \(command.id) expired at \(FleetTime.format(command.expiresAt))"),
                            command: command)
        }
        let skew = command.issuedAt > now ? command.issuedAt - now : nil
        return .accepted(VerifiedCommand(command: command, key: envelope.key, scope: entry.zones, clockSkew: skew))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): c.debugDescription
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let c): "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.valueNotFound(_, let c): "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' is null"
        default: "\(error)"
        }
    }
}
