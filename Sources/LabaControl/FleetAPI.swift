// The fleet in the control API (SPEC 11): `GET /v1/fleet`, `GET /v1/fleet/units/{id}`,
// `POST /v1/library`, and the fleet part of `GET /v1/status`.

import Foundation
import LabaCore

/// A command this unit refused (or that a unit refused, on a commander).
public struct FleetRefusalJSON: Codable, Sendable, Equatable {
    /// The command's id, when it could be read.
    public var command: String?
    /// Who refused it (on a commander: a unit); nil on the unit itself.
    public var unit: String?
    /// `bad_signature`, `untrusted`, `out_of_scope`, `expired`, `duplicate`, `quiet_hours`...
    public var code: String
    /// In English.
    public var message: String
    /// A front door refusal's arguments, for a reader that renders `code` (absent for the fleet's
    /// own codes, and from units of an older version, whose `message` is shown as it is).
    public var args: [String: String]?
    /// RFC 3339.
    public var at: String

    public init(command: String?, unit: String? = nil, code: String, message: String, at: String) {
        self.command = command
        self.unit = unit
        self.code = code
        self.message = message
        self.at = at
    }
}

/// This daemon in its fleet.
public struct FleetStateJSON: Codable, Sendable, Equatable {
    /// `fleet.name`.
    public var fleet: String
    /// This daemon's unit id.
    public var unit: String
    /// `unit` or `commander`.
    public var role: String
    /// `mqtt://host:port` or `mqtts://host:port`.
    public var broker: String
    public var connected: Bool
    /// RFC 3339: connected since, or not connected since (the daemon's start when it never was).
    public var since: String
    /// Why the last connection attempt failed or the connection was lost, while not connected.
    public var reason: String?
    /// A commander's subtrees.
    public var commandZones: [String]?
    /// Messages waiting for the broker's acknowledgement (acks, records, library recordings).
    public var outbox: Int
    /// A commander's commands not yet answered by every unit known in their zones nor expired.
    public var pendingCommands: Int?
    /// `message/language` of each recording the schedule needs and this unit lacks.
    public var recordingsMissing: [String]
    /// The latest commands this unit refused, newest first.
    public var refusals: [FleetRefusalJSON]
    /// Whether this unit's clock is set (not earlier than its build date): only then does it refuse
    /// commands issued ahead of it or long before the last it obeyed (SPEC 17). Nil from older daemons.
    public var clockSynced: Bool?

    enum CodingKeys: String, CodingKey {
        case fleet, unit, role, broker, connected, since, reason, commandZones = "command_zones", outbox
        case pendingCommands = "pending_commands", recordingsMissing = "recordings_missing", refusals
        case clockSynced = "clock_synced"
    }

    public init(fleet: String, unit: String, role: String, broker: String, connected: Bool, since: String, reason: String?,
                commandZones: [String]?, outbox: Int, pendingCommands: Int?, recordingsMissing: [String],
                refusals: [FleetRefusalJSON], clockSynced: Bool? = nil) {
        self.fleet = fleet
        self.unit = unit
        self.role = role
        self.broker = broker
        self.connected = connected
        self.since = since
        self.reason = reason
        self.commandZones = commandZones
        self.outbox = outbox
        self.pendingCommands = pendingCommands
        self.recordingsMissing = recordingsMissing
        self.refusals = refusals
        self.clockSynced = clockSynced
    }
}

/// One unit as a commander knows it, from its last status and its records.
public struct UnitJSON: Codable, Sendable, Equatable {
    public struct Output: Codable, Sendable, Equatable {
        public var id: String
        public var zone: String
        public var state: String
        public var playing: String?
        public var queue: Int
        /// The amplifier of an output with `power:` (`off`, `warming`, `on`, `holding`), and a
        /// switching that fails (SPEC 18); absent from older units.
        public var power: String?
        public var powerProblem: String?
        /// The same as a code with arguments (issue 26); absent from older units.
        public var powerProblemCode: String?
        public var powerProblemArgs: [String: String]?
        /// Of the broadcast playing: the segment under way (1-based) of how many (newer units).
        public var segment: Int?
        public var segments: Int?
        /// An output that follows GPS: whether it has a fix, and its last position.
        public var gpsFix: Bool?
        public var lat: Double?
        public var lon: Double?

        /// The off-air check (SPEC 18): the last broadcast's word, broadcasts in a row not heard,
        /// whether the horn is taken to be silent; absent from older units.
        public var heard: String?
        public var unheard: Int?
        public var silent: Bool?

        enum CodingKeys: String, CodingKey {
            case id, zone, state, playing, queue, power, powerProblem = "power_problem", powerProblemCode = "power_problem_code", powerProblemArgs = "power_problem_args", segment, segments, gpsFix = "gps_fix", lat, lon, heard, unheard, silent
        }

        public init(id: String, zone: String, state: String, playing: String?, queue: Int) {
            self.id = id
            self.zone = zone
            self.state = state
            self.playing = playing
            self.queue = queue
        }
    }

    /// The newest record received from the unit.
    public struct LastRecord: Codable, Sendable, Equatable {
        public var id: String
        public var message: String
        public var zone: String
        public var outcome: String?
        public var plannedAt: String

        enum CodingKeys: String, CodingKey { case id, message, zone, outcome, plannedAt = "planned_at" }

        public init(id: String, message: String, zone: String, outcome: String?, plannedAt: String) {
            self.id = id
            self.message = message
            self.zone = zone
            self.outcome = outcome
            self.plannedAt = plannedAt
        }
    }

    /// A fleet recording the unit keeps.
    public typealias LibraryHeld = HeldRecording

    /// A library recording the unit refused, the last of each key, message and language.
    public struct LibraryRefusal: Codable, Sendable, Equatable {
        public var key: String
        public var message: String
        public var language: String
        public var version: Int64?
        public var code: String
        public var reason: String
        /// RFC 3339, by the unit's clock.
        public var at: String

        public init(key: String, message: String, language: String, version: Int64?, code: String, reason: String, at: String) {
            self.key = key
            self.message = message
            self.language = language
            self.version = version
            self.code = code
            self.reason = reason
            self.at = at
        }
    }

    public var unit: String
    /// `online` or `offline`.
    public var state: String
    /// RFC 3339: when the commander saw it go online or offline.
    public var since: String
    /// The zones its outputs serve (from its last status).
    public var zones: [String]
    public var outputs: [Output]
    public var version: String?
    public var configDigest: String?
    public var recordingsMissing: [String]
    public var lastRecord: LastRecord?
    /// Its latest records, newest first (`GET /v1/fleet/units/{id}` only).
    public var records: [BroadcastJSON]?
    /// The fleet recordings it keeps (absent from units before keys had library topics).
    public var library: [LibraryHeld]?
    public var libraryRefusals: [LibraryRefusal]?
    /// Whether its clock was set at its last status; nil from units of the last release.
    public var clockSynced: Bool?

    enum CodingKeys: String, CodingKey {
        case unit, state, since, zones, outputs, version, configDigest = "config_digest"
        case recordingsMissing = "recordings_missing", lastRecord = "last_record", records
        case library, libraryRefusals = "library_refusals", clockSynced = "clock_synced"
    }

    public init(unit: String, state: String, since: String, zones: [String], outputs: [Output], version: String?,
                configDigest: String?, recordingsMissing: [String], lastRecord: LastRecord?, records: [BroadcastJSON]? = nil,
                library: [LibraryHeld]? = nil, libraryRefusals: [LibraryRefusal]? = nil) {
        self.library = library
        self.libraryRefusals = libraryRefusals
        self.unit = unit
        self.state = state
        self.since = since
        self.zones = zones
        self.outputs = outputs
        self.version = version
        self.configDigest = configDigest
        self.recordingsMissing = recordingsMissing
        self.lastRecord = lastRecord
        self.records = records
    }
}

/// A command in a commander's outbox.
public struct CommandJSON: Codable, Sendable, Equatable {
    public struct Answer: Codable, Sendable, Equatable {
        public var unit: String
        /// `accepted` or `refused`.
        public var result: String
        public var code: String?
        public var message: String?
        public var broadcasts: [String]
        /// A front door refusal's arguments, for the catalogue; absent from older units.
        public var args: [String: String]?

        public init(unit: String, result: String, code: String?, message: String?, broadcasts: [String], args: [String: String]? = nil) {
            self.unit = unit
            self.result = result
            self.code = code
            self.message = message
            self.broadcasts = broadcasts
            self.args = args
        }
    }

    public var id: String
    public var zones: [String]
    public var createdAt: String
    public var expiresAt: String
    public var answers: [Answer]
    /// Units known in its zones that have not answered yet.
    public var waitingFor: [String]

    enum CodingKeys: String, CodingKey {
        case id, zones, createdAt = "created_at", expiresAt = "expires_at", answers, waitingFor = "waiting_for"
    }

    public init(id: String, zones: [String], createdAt: String, expiresAt: String, answers: [Answer], waitingFor: [String]) {
        self.id = id
        self.zones = zones
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.answers = answers
        self.waitingFor = waitingFor
    }
}

/// `GET /v1/fleet`.
public struct FleetOverviewJSON: Codable, Sendable, Equatable {
    public var fleet: FleetStateJSON
    /// The units a commander knows (empty on a unit that commands nothing).
    public var units: [UnitJSON]
    /// A commander's commands still in its outbox.
    public var commands: [CommandJSON]

    public init(fleet: FleetStateJSON, units: [UnitJSON], commands: [CommandJSON]) {
        self.fleet = fleet
        self.units = units
        self.commands = commands
    }
}

/// The answer of `POST /v1/library?message=&language=`: the recording as published.
public struct LibraryPublishJSON: Codable, Sendable, Equatable {
    public var message: String
    public var language: String
    public var format: String
    public var sha256: String
    public var size: Int
    public var version: Int64
    public var topic: String
    /// KEY_ID of the commander's key, which units name in their refusals.
    public var key: String?
    /// The subtrees it is for.
    public var zones: [String]?

    enum CodingKeys: String, CodingKey { case message, language, format, sha256, size, version, topic, key, zones }

    public init(message: String, language: String, format: String, sha256: String, size: Int, version: Int64, topic: String,
                key: String? = nil, zones: [String]? = nil) {
        self.key = key
        self.zones = zones
        self.message = message
        self.language = language
        self.format = format
        self.sha256 = sha256
        self.size = size
        self.version = version
        self.topic = topic
    }
}

/// What the units say of one published recording, from `GET /v1/fleet`: `laba library publish`
/// waits until nobody is left in `waiting`.
public struct LibraryPublishAnswers: Sendable, Equatable {
    /// Units that keep this version (or a newer one of the same key).
    public var kept: [String] = []
    /// Units that refused this version, with their refusal.
    public var refused: [(unit: String, refusal: UnitJSON.LibraryRefusal)] = []
    /// Online units that have not answered yet.
    public var waiting: [String] = []
    /// Units whose status lists no library: a release before keys had library topics, which never
    /// sees this recording.
    public var older: [String] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.kept == b.kept && a.waiting == b.waiting && a.older == b.older
            && a.refused.map(\.unit) == b.refused.map(\.unit) && a.refused.map(\.refusal) == b.refused.map(\.refusal)
    }

    public init(_ published: LibraryPublishJSON, units: [UnitJSON], commander: String) {
        for u in units.sorted(by: { $0.unit < $1.unit }) where u.unit != commander {
            let mine = { (key: String, message: String, language: String) in
                key == published.key && message == published.message && language == published.language
            }
            if let refusal = u.libraryRefusals?.first(where: { mine($0.key, $0.message, $0.language) && $0.version == published.version }) {
                refused.append((u.unit, refusal))
            } else if u.library?.contains(where: { mine($0.key, $0.message, $0.language) && $0.version >= published.version }) == true {
                kept.append(u.unit)
            } else if u.library == nil {
                if u.state == "online" { older.append(u.unit) }
            } else if u.state == "online" {
                waiting.append(u.unit)
            }
        }
    }
}

/// A record of the county's desk: this daemon's own (`unit` nil) or one a unit reported.
public struct DeskRecord: Sendable {
    public var unit: String?
    public var record: BroadcastRecord

    public init(unit: String?, record: BroadcastRecord) {
        self.unit = unit
        self.record = record
    }
}

/// How far one recording this commander published has spread through its units (SPEC 16): who
/// holds its version, who refused it and why, who should hold it and does not yet.
public struct LibrarySpread: Sendable {
    public struct Refused: Sendable {
        public var unit: String
        /// A `FleetRefusalCode`.
        public var code: String
        public var reason: String

        public init(unit: String, code: String, reason: String) {
            self.unit = unit
            self.code = code
            self.reason = reason
        }
    }

    public var message: String
    public var language: String
    public var version: Int64
    public var holders: [String]
    public var refused: [Refused]
    public var missing: [String]

    public init(message: String, language: String, version: Int64, holders: [String], refused: [Refused], missing: [String]) {
        self.message = message
        self.language = language
        self.version = version
        self.holders = holders
        self.refused = refused
        self.missing = missing
    }
}

/// An alert as the county's desk shows it (issue 28): its record, the areas its document names,
/// what it played here and, on a commander, its units' answers and records.
public struct DeskAlert: Sendable {
    public var alert: AlertJSON
    /// The `<areaDesc>` of each of its areas.
    public var areas: [String]
    public var localRecords: [BroadcastRecord] = []
    public var answers: [CommandJSON.Answer] = []
    public var unitRecords: [DeskRecord] = []

    public init(alert: AlertJSON, areas: [String]) {
        self.alert = alert
        self.areas = areas
    }
}

/// An alert sent from the console: its record, and on a commander the command that forwarded it.
public struct AlertSent: Sendable {
    public var alert: AlertJSON
    public var command: String?

    public init(alert: AlertJSON, command: String?) {
        self.alert = alert
        self.command = command
    }
}
