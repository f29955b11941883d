// What units publish: their retained status, their answers to commands, their finished broadcasts.
// Readers ignore fields they do not know (one version's commander reads the next version's units).

import LabaCore

/// `unit/<unit>/status`, retained; the will publishes `UnitStatus.offline(unit:)`.
public struct UnitStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case online, offline }

    public struct Output: Codable, Sendable, Equatable {
        public var id: String
        public var zone: String
        /// `idle`, `playing`, `unavailable`.
        public var state: String
        /// The message playing, if any.
        public var playing: String?
        /// Broadcasts waiting.
        public var queue: Int
        /// The amplifier of an output with `power:` (`off`, `warming`, `on`, `holding`), and a
        /// switching that fails (SPEC 18); absent from older units.
        public var power: String?
        public var powerProblem: String?
        /// The same as a code with arguments (issue 26); absent from older units.
        public var powerProblemCode: String?
        public var powerProblemArgs: [String: String]?
        /// Of the broadcast playing: the segment under way (1-based) and how many its program has;
        /// absent from older units.
        public var segment: Int?
        public var segments: Int?
        /// An output that follows GPS: whether it has a fix now, and its last position (absent
        /// otherwise, and from older units).
        public var gpsFix: Bool?
        public var lat: Double?
        public var lon: Double?

        /// The off-air check of an output with `monitor:` (SPEC 18): the last broadcast's word
        /// (`yes`, `partly`, `no`), broadcasts in a row not heard, and whether the horn is taken to
        /// be silent; absent from older units.
        public var heard: String?
        public var unheard: Int?
        public var silent: Bool?

        enum CodingKeys: String, CodingKey {
            case id, zone, state, playing, queue, power, powerProblem = "power_problem", powerProblemCode = "power_problem_code", powerProblemArgs = "power_problem_args", segment, segments, gpsFix = "gps_fix", lat, lon, heard, unheard, silent
        }

        public init(id: String, zone: String, state: String, playing: String? = nil, queue: Int = 0) {
            self.id = id
            self.zone = zone
            self.state = state
            self.playing = playing
            self.queue = queue
        }
    }

    /// A fleet recording the unit keeps: whose, and which version.
    public typealias LibraryHeld = HeldRecording

    /// The last library recording a unit refused on one key's topic, and why (SPEC 17: refusals
    /// reach the publisher, who reads them in the unit's status).
    public struct LibraryRefusal: Codable, Sendable, Equatable {
        public var key: String
        public var message: String
        public var language: String
        /// The version refused, when the description could be read.
        public var version: Int64?
        /// A `FleetRefusalCode`.
        public var code: String
        public var reason: String
        public var at: FleetTime

        public init(key: String, message: String, language: String, version: Int64?, code: String, reason: String, at: Instant) {
            self.key = key
            self.message = message
            self.language = language
            self.version = version
            self.code = code
            self.reason = reason
            self.at = FleetTime(at)
        }
    }

    public var unit: String
    public var state: State
    /// When this state began (nil in the will, which the broker publishes at a time it chooses).
    public var since: FleetTime?
    public var outputs: [Output]?
    public var version: String?
    /// SHA-256 of the configuration file, hex.
    public var configDigest: String?
    /// `message/language` of each recording the schedule needs and the unit lacks.
    public var recordingsMissing: [String]?
    public var lastRecordAt: FleetTime?
    /// The fleet recordings kept.
    public var library: [LibraryHeld]?
    /// The library recordings refused, the last of each key, message and language.
    public var libraryRefusals: [LibraryRefusal]?
    /// Whether the unit's clock is set (not earlier than its build), as of this status: only a set
    /// clock refuses commands issued ahead of it or long before the last one obeyed (SPEC 17).
    public var clockSynced: Bool?

    public init(unit: String, state: State, since: Instant? = nil, outputs: [Output]? = nil, version: String? = nil,
                configDigest: String? = nil, recordingsMissing: [String]? = nil, lastRecordAt: Instant? = nil,
                library: [LibraryHeld]? = nil, libraryRefusals: [LibraryRefusal]? = nil, clockSynced: Bool? = nil) {
        self.library = library
        self.libraryRefusals = libraryRefusals
        self.unit = unit
        self.state = state
        self.since = since.map(FleetTime.init)
        self.outputs = outputs
        self.version = version
        self.configDigest = configDigest
        self.recordingsMissing = recordingsMissing
        self.lastRecordAt = lastRecordAt.map(FleetTime.init)
        self.clockSynced = clockSynced
    }

    /// The will: set at connect, published by the broker when the unit is gone.
    public static func offline(unit: String) -> UnitStatus { UnitStatus(unit: unit, state: .offline) }

    /// The zones the unit's outputs serve now.
    public var zones: [String] { outputs?.map(\.zone) ?? [] }

    enum CodingKeys: String, CodingKey {
        case unit, state, since, outputs, version, configDigest = "config_digest"
        case recordingsMissing = "recordings_missing", lastRecordAt = "last_record_at"
        case library, libraryRefusals = "library_refusals", clockSynced = "clock_synced"
    }
}

/// `unit/<unit>/ack`: a unit's answer to one command.
public struct CommandAck: Codable, Sendable, Equatable {
    public enum Result: String, Codable, Sendable { case accepted, refused }

    /// The command's id; nil when the message could not be read at all.
    public var command: String?
    public var unit: String
    public var result: Result
    /// The broadcasts it made (accepted).
    public var broadcasts: [String]?
    /// A `FleetRefusalCode`, or an admission refusal such as `unknown_message` or `quiet_hours`.
    public var code: String?
    /// In English, for a commander of an older version; a newer one renders `code` with `args`.
    public var message: String?
    /// A front door refusal's arguments (`{"zone": "liming", "window": "12:00-23:30"}`), so that
    /// the commander renders the refusal in its reader's language; absent for the fleet's own
    /// codes and from older units (issue 26). Readers of an older version ignore it.
    public var args: [String: String]?
    /// When the unit decided, by its clock.
    public var at: FleetTime
    /// Seconds by which the command's `issued_at` was ahead of the unit's clock.
    public var clockSkew: Double?

    public init(command: String?, unit: String, result: Result, broadcasts: [String]? = nil, code: String? = nil,
                message: String? = nil, at: Instant, clockSkew: TimeSpan? = nil) {
        self.command = command
        self.unit = unit
        self.result = result
        self.broadcasts = broadcasts
        self.code = code
        self.message = message
        self.at = FleetTime(at)
        self.clockSkew = clockSkew.map { Double($0.microseconds) / 1_000_000 }
    }

    /// The ack of a verification refusal.
    public static func refused(_ refusal: FleetRefusal, command: FleetCommand?, unit: String, at: Instant) -> CommandAck {
        CommandAck(command: command?.id, unit: unit, result: .refused, code: refusal.code.rawValue,
                   message: refusal.message, at: at)
    }

    enum CodingKeys: String, CodingKey {
        case command, unit, result, broadcasts, code, message, args, at, clockSkew = "clock_skew"
    }
}

/// `unit/<unit>/record`: a finished broadcast in the JSON of SPEC 8, plus `unit` and `command`.
public struct FleetRecord<Broadcast: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var broadcast: Broadcast
    public var unit: String
    /// The command that made it, if one did.
    public var command: String?

    public init(broadcast: Broadcast, unit: String, command: String?) {
        self.broadcast = broadcast
        self.unit = unit
        self.command = command
    }

    enum CodingKeys: String, CodingKey { case unit, command }

    public init(from decoder: any Decoder) throws {
        broadcast = try Broadcast(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        unit = try c.decode(String.self, forKey: .unit)
        command = try c.decodeIfPresent(String.self, forKey: .command)
    }

    /// The broadcast's own fields and these two, in one object.
    public func encode(to encoder: any Encoder) throws {
        try broadcast.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(unit, forKey: .unit)
        try c.encodeIfPresent(command, forKey: .command)
    }
}
