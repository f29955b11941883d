// Whether a unit obeys a command: key, signature, issuer, scope, replay, life and clock, as one
// pure function (SPEC 11, 17).

import LabaCore

/// The keys a unit obeys, each for its zones' subtrees (`fleet.trust`).
public struct FleetTrust: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: FleetPublicKey
        /// The roots of the subtrees the key may command.
        public var zones: [String]
        /// The only `issuer` its commands may name; nil: unchecked.
        public var issuer: String?
        /// A key rotated out: its commands are refused.
        public var revoked: Bool

        public init(key: FleetPublicKey, zones: [String], issuer: String? = nil, revoked: Bool = false) {
            self.key = key
            self.zones = zones
            self.issuer = issuer
            self.revoked = revoked
        }
    }

    /// By KEY_ID.
    public private(set) var entries: [String: Entry] = [:]

    /// The same key listed twice is trusted for both lists of zones; revoked once, it is revoked.
    public init(entries list: [Entry]) {
        for new in list {
            var entry = entries[new.key.id] ?? Entry(key: new.key, zones: [], issuer: new.issuer)
            for zone in new.zones where !entry.zones.contains(zone) { entry.zones.append(zone) }
            entry.issuer = entry.issuer ?? new.issuer
            entry.revoked = entry.revoked || new.revoked
            entries[new.key.id] = entry
        }
    }

    public init(_ keys: [(key: FleetPublicKey, zones: [String])]) {
        self.init(entries: keys.map { Entry(key: $0.key, zones: $0.zones) })
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
    /// The key is trusted no more (`revoked: true`).
    case revoked
    /// `issuer` is not the one the key's trust entry names.
    case wrongIssuer = "wrong_issuer"
    /// `expires_at − issued_at` above `fleet.max_command_life`.
    case tooLong = "too_long"
    /// Issued more than `fleet.max_skew` ahead of a synced unit's clock.
    case issuedAhead = "issued_ahead"
    /// Issued more than one command life before the latest command obeyed from its key.
    case stale
}

/// The limits on a command's times, and what a unit needs to tell whether its clock is set.
public struct CommandClock: Sendable, Equatable {
    /// `fleet.max_command_life`: the longest `expires_at − issued_at`.
    public var maxLife: TimeSpan
    /// `fleet.max_skew`: how far ahead of a synced clock a command may be issued.
    public var maxSkew: TimeSpan
    /// A clock earlier than this (the build's date) has never been set: a board without a battery
    /// clock before NTP.
    public var buildDate: Instant

    public static let defaultMaxLife = TimeSpan.seconds(86_400)
    public static let defaultMaxSkew = TimeSpan.seconds(300)

    public init(maxLife: TimeSpan = CommandClock.defaultMaxLife, maxSkew: TimeSpan = CommandClock.defaultMaxSkew,
                buildDate: Instant) {
        self.maxLife = maxLife
        self.maxSkew = maxSkew
        self.buildDate = buildDate
    }

    /// Whether a clock reading `now` has been set.
    public func isSynced(_ now: Instant) -> Bool { now >= buildDate }

    /// The seen ids a unit may forget once its mark for their key is `mark`: those issued more than
    /// one life before it, which the mark refuses anyway.
    public func forgetBefore(mark: Instant) -> Instant { mark - maxLife }
}

/// What a unit knows of itself that a command's checks need.
public struct CommandContext: Sendable {
    /// This unit's id.
    public var unit: String
    /// Each output's current zone: where a move takes it from.
    public var outputZones: [String: String]
    public var clock: CommandClock
    /// The latest `issued_at` obeyed from a key (by KEY_ID), kept across restarts.
    public var mark: @Sendable (String) -> Instant?
    /// Whether a (KEY_ID, command id) was obeyed before.
    public var seen: @Sendable (String, String) -> Bool

    public init(unit: String, outputZones: [String: String], clock: CommandClock,
                mark: @escaping @Sendable (String) -> Instant?, seen: @escaping @Sendable (String, String) -> Bool) {
        self.unit = unit
        self.outputZones = outputZones
        self.clock = clock
        self.mark = mark
        self.seen = seen
    }
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
    /// Whether the unit's clock was set: only then does the command advance its key's mark.
    public var synced: Bool = true
}

/// The verdict on one delivered message.
public enum CommandVerdict: Sendable, Equatable {
    case accepted(VerifiedCommand)
    /// `command`: what the payload says, when it could be read (for the ack; not to be trusted).
    case refused(FleetRefusal, command: FleetCommand?)
}

public enum CommandVerifier {
    /// Checks a delivered envelope, in this order: envelope, key (`untrusted`), signature
    /// (`bad_signature`), revocation (`revoked`), payload (`malformed`), issuer (`wrong_issuer`),
    /// zones (`unknown_zone`, `out_of_scope`; a move's origin too), replay (`duplicate`), life
    /// (`too_long`), clock (`issued_ahead`, `stale`: on a synced unit only), expiry (`expired`).
    ///
    /// - Parameters:
    ///   - message: the bytes received on a command topic.
    ///   - trust: the keys this unit obeys.
    ///   - zones: this unit's zone tree.
    ///   - now: this unit's clock.
    ///   - context: the unit's outputs, limits, marks and replay table.
    public static func verify(_ message: [UInt8], trust: FleetTrust, zones: ZoneTree, now: Instant,
                              context: CommandContext) -> CommandVerdict {
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
        guard !entry.revoked else {
            return .refused(FleetRefusal(.revoked, "key \(envelope.key) is revoked here"), command: claimed)
        }
        let command: FleetCommand
        do {
            command = try FleetJSON.decode(FleetCommand.self, from: Array(envelope.payload))
        } catch {
            return .refused(FleetRefusal(.malformed, "the payload is not a command: \(describe(error))"), command: nil)
        }
        guard envelope.v == SignedEnvelope.version(of: command) else {
            return .refused(FleetRefusal(.malformed, envelopeMismatch(command, version: envelope.v)), command: command)
        }
        if let issuer = entry.issuer, command.issuer != issuer {
            return .refused(FleetRefusal(.wrongIssuer, "key \(envelope.key) signs for '\(issuer)', not '\(command.issuer)'"),
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
        if case .move(let m) = command.body {
            // The key must hold the outputs where they are, not only where they go.
            guard let unit = m.unit, unit == context.unit else {
                return .refused(FleetRefusal(.malformed, m.unit.map { "the move is for unit '\($0)', not '\(context.unit)'" }
                                             ?? "a move names its unit"), command: command)
            }
            let moved = m.output.map { [$0] } ?? context.outputZones.keys.sorted()
            for output in moved {
                guard let from = context.outputZones[output] else {
                    return .refused(FleetRefusal(.malformed, "unit '\(unit)' has no output '\(output)'"), command: command)
                }
                if !targets.contains(from) { targets.insert(from, at: 0) }
            }
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
        if context.seen(envelope.key, command.id) {
            return .refused(FleetRefusal(.duplicate, "command \(command.id) was received before"), command: command)
        }
        let clock = context.clock
        if let refusal = lifeAndClock(command, key: envelope.key, now: now, clock: clock, mark: context.mark(envelope.key)) {
            return .refused(refusal, command: command)
        }
        let skew = command.issuedAt > now ? command.issuedAt - now : nil
        return .accepted(VerifiedCommand(command: command, key: envelope.key, scope: entry.zones, clockSkew: skew,
                                         synced: clock.isSynced(now)))
    }

    /// The checks on a command's times: its life, then (on a synced unit) how far ahead it was
    /// issued and how far behind its key's mark, then its expiry.
    ///
    /// - Parameter mark: the latest `issued_at` obeyed from the command's key, if any.
    public static func lifeAndClock(_ command: FleetCommand, key: String, now: Instant, clock: CommandClock,
                                    mark: Instant?) -> FleetRefusal? {
        let life = command.expiresAt - command.issuedAt
        guard life <= clock.maxLife else {
            return FleetRefusal(.tooLong, "command \(command.id) lives \(life.microseconds / 1_000_000) s, longer than "
                                + "fleet.max_command_life (\(clock.maxLife.microseconds / 1_000_000) s)")
        }
        if clock.isSynced(now) {
            guard command.issuedAt - now <= clock.maxSkew else {
                return FleetRefusal(.issuedAhead, "command \(command.id) was issued at \(FleetTime.format(command.issuedAt)), "
                                    + "more than fleet.max_skew (\(clock.maxSkew.microseconds / 1_000_000) s) ahead of this unit's clock")
            }
            if let mark, command.issuedAt < mark - clock.maxLife {
                return FleetRefusal(.stale, "command \(command.id) was issued at \(FleetTime.format(command.issuedAt)), more than "
                                    + "one command life before the latest command obeyed from key \(key) (\(FleetTime.format(mark)))")
            }
        }
        guard now < command.expiresAt else {
            return FleetRefusal(.expired, "command \(command.id) expired at \(FleetTime.format(command.expiresAt))")
        }
        return nil
    }

    /// Why a command cannot be obeyed in the envelope version it came in.
    static func envelopeMismatch(_ command: FleetCommand, version: Int) -> String {
        let kind = command.body.kind
        let needed = SignedEnvelope.version(of: command)
        guard needed == 2 else { return "a \(kind) command travels in envelope version \(needed), not \(version)" }
        let why = switch command.body {
        case .move: "which names the unit and is checked against its current zone"
        case .alert: "which a unit of the last release refuses, as it cannot check its zones"
        case .report: "which a unit of the last release refuses, as it cannot check its scope"
        default: "the version of the commands a unit of the last release cannot check"
        }
        return "a \(kind) needs envelope version 2, \(why); this one is version \(version) "
            + "(version 1 is obeyed for broadcast, stop and live only)"
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
