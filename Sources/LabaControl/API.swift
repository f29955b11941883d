// The control API's requests, responses and error codes (SPEC 8), shared by labad and laba.

import Foundation
import LabaCore

/// A value of a closed set that a newer daemon may extend: known, or kept as the text it came as.
public enum Open<Known: WireName>: Hashable, Sendable, Codable, CustomStringConvertible {
    case known(Known)
    case unknown(String)

    public init(_ value: Known) { self = .known(value) }

    public var known: Known? {
        if case .known(let value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case .known(let value): value.wireName
        case .unknown(let text): text
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = Known(wireName: text).map(Open.known) ?? .unknown(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func == (a: Open, b: Known) -> Bool { a.known == b }
}

/// `POST /v1/broadcasts`.
public struct BroadcastRequest: Codable, Sendable, Equatable {
    public var message: String
    public var zones: [String]?
    /// Every zone: the daemon resolves it.
    public var all: Bool?
    public var languages: [String]?
    /// `manual` (the default) or `emergency`.
    public var priority: Priority?
    public var `repeat`: Int?
    public var loop: Bool?
    /// Play even in quiet hours (manual broadcasts).
    public var force: Bool?
    /// Give up if it cannot start within this time span (systemd syntax); default 1h for manual.
    public var within: TimeSpan?

    public init(message: String, zones: [String]? = nil, all: Bool? = nil, languages: [String]? = nil,
                priority: Priority? = nil, repeat: Int? = nil, loop: Bool? = nil, force: Bool? = nil, within: TimeSpan? = nil) {
        self.message = message
        self.zones = zones
        self.all = all
        self.languages = languages
        self.priority = priority
        self.repeat = `repeat`
        self.loop = loop
        self.force = force
        self.within = within
    }
}

/// `POST /v1/stop`.
public struct StopRequest: Codable, Sendable, Equatable {
    public var zones: [String]?
    public var all: Bool?
    public var clear: Bool?

    public init(zones: [String]? = nil, all: Bool? = nil, clear: Bool? = nil) {
        self.zones = zones
        self.all = all
        self.clear = clear
    }
}

/// One broadcast, as `GET /v1/broadcasts` and `laba history --format json` show it.
public struct BroadcastJSON: Codable, Sendable, Equatable {
    public struct Languages: Codable, Sendable, Equatable {
        public var planned: [String]
        public var played: [String]

        public init(planned: [String], played: [String]) {
            self.planned = planned
            self.played = played
        }
    }

    public var id: String
    public var source: Open<BroadcastSource>
    public var drill: Bool
    public var entry: String?
    public var message: String
    public var output: String
    public var zone: String
    public var priority: Open<Priority>
    public var languages: Languages
    public var plannedAt: String
    public var startedAt: String?
    public var endedAt: String?
    public var state: Open<BroadcastState>
    public var outcome: Open<BroadcastOutcome>?
    /// In English; a reader with `reasonCode` renders that instead (issue 26).
    public var reason: String?
    /// The reason's code and arguments; absent from a daemon or unit of an older version.
    public var reasonCode: String?
    public var reasonArgs: [String: String]?
    public var requestedBy: RequestedBy?
    public var frames: Int
    public var xruns: Int
    /// The fleet unit that played it, in a commander's record of its units (absent for its own).
    public var unit: String?
    /// The fleet command that made it, in a unit's report.
    public var command: String?
    /// Where a following output was when it started (SPEC 13); null otherwise.
    public var position: PositionJSON?
    /// A live broadcast's recording (`<state>/live/<id>.flac`) and its loudness in LUFS (SPEC 14);
    /// absent for other broadcasts.
    public var recording: String?
    public var loudness: Double?
    /// The off-air check's word on each segment (SPEC 18), in `GET /v1/broadcasts/{id}` of an
    /// output with `monitor:`; absent otherwise.
    public var heard: [SegmentHeard]?
    /// Each segment of each pass as it played (SPEC 16); absent from an older daemon or unit.
    public var segments: [SegmentJSON]?

    enum CodingKeys: String, CodingKey {
        case segments
        case id, source, drill, entry, message, output, zone, priority, languages
        case plannedAt = "planned_at", startedAt = "started_at", endedAt = "ended_at"
        case state, outcome, reason, requestedBy = "requested_by", frames, xruns, unit, command, position
        case recording, loudness, reasonCode = "reason_code", reasonArgs = "reason_args", heard
    }

    public init(id: String, source: BroadcastSource, drill: Bool = false, entry: String?, message: String, output: String,
                zone: String, priority: Priority, languages: Languages, plannedAt: String, startedAt: String?,
                endedAt: String?, state: BroadcastState, outcome: BroadcastOutcome?, reason: String?,
                requestedBy: RequestedBy?, frames: Int, xruns: Int, position: PositionJSON? = nil) {
        self.id = id
        self.source = .known(source)
        self.drill = drill
        self.entry = entry
        self.message = message
        self.output = output
        self.zone = zone
        self.priority = .known(priority)
        self.languages = languages
        self.plannedAt = plannedAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.state = .known(state)
        self.outcome = outcome.map(Open.known)
        self.reason = reason
        self.requestedBy = requestedBy
        self.frames = frames
        self.xruns = xruns
        self.position = position
    }

    /// Lenient where a newer daemon may say more: a requester of an unknown kind is left out, a
    /// missing `drill` is false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        source = try c.decode(Open<BroadcastSource>.self, forKey: .source)
        drill = try c.decodeIfPresent(Bool.self, forKey: .drill) ?? false
        entry = try c.decodeIfPresent(String.self, forKey: .entry)
        message = try c.decode(String.self, forKey: .message)
        output = try c.decode(String.self, forKey: .output)
        zone = try c.decode(String.self, forKey: .zone)
        priority = try c.decode(Open<Priority>.self, forKey: .priority)
        languages = try c.decode(Languages.self, forKey: .languages)
        plannedAt = try c.decode(String.self, forKey: .plannedAt)
        startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt)
        endedAt = try c.decodeIfPresent(String.self, forKey: .endedAt)
        state = try c.decode(Open<BroadcastState>.self, forKey: .state)
        outcome = try c.decodeIfPresent(Open<BroadcastOutcome>.self, forKey: .outcome)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        reasonCode = try? c.decodeIfPresent(String.self, forKey: .reasonCode)
        reasonArgs = try? c.decodeIfPresent([String: String].self, forKey: .reasonArgs)
        requestedBy = try? c.decodeIfPresent(RequestedBy.self, forKey: .requestedBy)
        frames = try c.decodeIfPresent(Int.self, forKey: .frames) ?? 0
        xruns = try c.decodeIfPresent(Int.self, forKey: .xruns) ?? 0
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        position = try? c.decodeIfPresent(PositionJSON.self, forKey: .position)
        recording = try c.decodeIfPresent(String.self, forKey: .recording)
        loudness = try c.decodeIfPresent(Double.self, forKey: .loudness)
        heard = try? c.decodeIfPresent([SegmentHeard].self, forKey: .heard)
        segments = try? c.decodeIfPresent([SegmentJSON].self, forKey: .segments)
    }

    /// Always written, as `null` when absent: clients read one shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(source, forKey: .source)
        try c.encode(drill, forKey: .drill)
        try c.encode(entry, forKey: .entry)
        try c.encode(message, forKey: .message)
        try c.encode(output, forKey: .output)
        try c.encode(zone, forKey: .zone)
        try c.encode(priority, forKey: .priority)
        try c.encode(languages, forKey: .languages)
        try c.encode(plannedAt, forKey: .plannedAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(endedAt, forKey: .endedAt)
        try c.encode(state, forKey: .state)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(reasonCode, forKey: .reasonCode)
        try c.encodeIfPresent(reasonArgs, forKey: .reasonArgs)
        try c.encode(requestedBy, forKey: .requestedBy)
        try c.encode(frames, forKey: .frames)
        try c.encode(xruns, forKey: .xruns)
        // Only in the fleet's records: a local broadcast keeps its shape.
        try c.encodeIfPresent(unit, forKey: .unit)
        try c.encodeIfPresent(command, forKey: .command)
        try c.encode(position, forKey: .position)
        try c.encodeIfPresent(recording, forKey: .recording)
        try c.encodeIfPresent(loudness, forKey: .loudness)
        try c.encodeIfPresent(heard, forKey: .heard)
        try c.encodeIfPresent(segments, forKey: .segments)
    }
}

/// One segment of one pass in a record's JSON (SPEC 16): frames at the output's rate.
public struct SegmentJSON: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    public var pass: Int
    public var plannedFrames: Int?
    public var playedFrames: Int
    public var startedAt: String?
    public var zone: String?
    public var ended: Bool
    /// The off-air check's word on this pass (SPEC 18): `yes`, `partly`, `no`; absent when not
    /// monitored (or a unit of an older version).
    public var heard: Heard?
    /// dB above the room's noise; ms from the program to the microphone.
    public var heardLevelDB: Double?
    public var heardDelayMS: Double?

    public init(index: Int, label: String, pass: Int, plannedFrames: Int?, playedFrames: Int, startedAt: String?,
                zone: String?, ended: Bool, heard: Heard?, heardLevelDB: Double? = nil, heardDelayMS: Double? = nil) {
        self.index = index
        self.label = label
        self.pass = pass
        self.plannedFrames = plannedFrames
        self.playedFrames = playedFrames
        self.startedAt = startedAt
        self.zone = zone
        self.ended = ended
        self.heard = heard
        self.heardLevelDB = heardLevelDB
        self.heardDelayMS = heardDelayMS
    }

    enum CodingKeys: String, CodingKey {
        case index, label, pass, plannedFrames = "planned_frames", playedFrames = "played_frames"
        case startedAt = "started_at", zone, ended, heard
        case heardLevelDB = "heard_level_db", heardDelayMS = "heard_delay_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        label = try c.decode(String.self, forKey: .label)
        pass = try c.decodeIfPresent(Int.self, forKey: .pass) ?? 0
        plannedFrames = try c.decodeIfPresent(Int.self, forKey: .plannedFrames)
        playedFrames = try c.decodeIfPresent(Int.self, forKey: .playedFrames) ?? 0
        startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt)
        zone = try c.decodeIfPresent(String.self, forKey: .zone)
        ended = try c.decodeIfPresent(Bool.self, forKey: .ended) ?? true
        // A word this version does not know reads as not monitored.
        heard = (try? c.decodeIfPresent(String.self, forKey: .heard)).flatMap { $0.flatMap(Heard.init(rawValue:)) }
        heardLevelDB = try? c.decodeIfPresent(Double.self, forKey: .heardLevelDB)
        heardDelayMS = try? c.decodeIfPresent(Double.self, forKey: .heardDelayMS)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(label, forKey: .label)
        try c.encode(pass, forKey: .pass)
        try c.encode(plannedFrames, forKey: .plannedFrames)
        try c.encode(playedFrames, forKey: .playedFrames)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(zone, forKey: .zone)
        try c.encode(ended, forKey: .ended)
        try c.encodeIfPresent(heard, forKey: .heard)
        try c.encodeIfPresent(heardLevelDB, forKey: .heardLevelDB)
        try c.encodeIfPresent(heardDelayMS, forKey: .heardDelayMS)
    }
}

/// One output that refused a request for several (SPEC 8).
public struct RefusedJSON: Codable, Sendable, Equatable {
    public var output: String?
    public var code: String
    /// The values the refusal's text names (`zone`, `window`…): readers render the code with them.
    public var args: [String: String]?
    /// In English, for readers that do not know the code.
    public var message: String

    public init(output: String?, code: String, args: [String: String]? = nil, message: String) {
        self.output = output
        self.code = code
        self.args = args
        self.message = message
    }
}

/// `GET /v1/broadcasts`; the answer of `POST /v1/broadcasts` (with what each other output refused,
/// and on a commander the id of the command it published to the fleet).
public struct BroadcastList: Codable, Sendable, Equatable {
    public var broadcasts: [BroadcastJSON]
    public var refused: [RefusedJSON]?
    /// The fleet command published for the request's zones inside `command_zones`.
    public var command: String?
    /// The zones that command is for.
    public var commandZones: [String]?
    /// Units' records come in pages: more follow; ask again with `before` set to this.
    public var next: String?

    public init(broadcasts: [BroadcastJSON], refused: [RefusedJSON]? = nil, command: String? = nil, commandZones: [String]? = nil) {
        self.broadcasts = broadcasts
        self.refused = refused
        self.command = command
        self.commandZones = commandZones
    }

    enum CodingKeys: String, CodingKey {
        case broadcasts, refused, command, commandZones = "command_zones", next
    }
}

/// The answer of `POST /v1/stop`: the outputs reached, and on a commander the command published.
public struct StopJSON: Codable, Sendable, Equatable {
    public var outputs: [String]
    public var command: String?
    /// The zones that command is for.
    public var commandZones: [String]?

    public init(outputs: [String], command: String? = nil, commandZones: [String]? = nil) {
        self.outputs = outputs
        self.command = command
        self.commandZones = commandZones
    }

    enum CodingKeys: String, CodingKey {
        case outputs, command, commandZones = "command_zones"
    }
}

/// A loudspeaker's operators' volume in `GET /v1/status`, and `PUT /v1/outputs/{id}/volume`'s body
/// (`volume_db` alone): dB from the technician's `volume_db`, within `[lower_db, upper_db]`.
public struct VolumeJSON: Codable, Sendable, Equatable {
    public var volumeDB: Double
    public var lowerDB: Double?
    public var upperDB: Double?
    /// In an answer to a change: whether the daemon took it at once (its configuration reloaded).
    public var applied: Bool?

    public init(volumeDB: Double, lowerDB: Double? = nil, upperDB: Double? = nil, applied: Bool? = nil) {
        self.volumeDB = volumeDB
        self.lowerDB = lowerDB
        self.upperDB = upperDB
        self.applied = applied
    }

    enum CodingKeys: String, CodingKey {
        case volumeDB = "volume_db", lowerDB = "lower_db", upperDB = "upper_db", applied
    }
}

/// An output's amplifier in `GET /v1/status` (SPEC 18).
public struct PowerJSON: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable, WireName { case off, warming, on, holding }

    public var state: Open<State>
    /// The last switching that failed, until one succeeds, in the switch's words (a technician's).
    public var problem: String?
    /// The same as a code (`PowerProblem`'s) and its arguments, which the catalogue renders;
    /// absent from an older daemon.
    public var problemCode: String?
    public var problemArgs: [String: String]?

    public init(state: Open<State>, problem: String?, problemCode: String? = nil, problemArgs: [String: String]? = nil) {
        self.state = state
        self.problem = problem
        self.problemCode = problemCode
        self.problemArgs = problemArgs
    }

    enum CodingKeys: String, CodingKey {
        case state, problem, problemCode = "problem_code", problemArgs = "problem_args"
    }
}

/// An output's off-air check in `GET /v1/status` (SPEC 18).
public struct MonitorJSON: Codable, Sendable, Equatable {
    /// The last broadcast judged: `yes`, `partly` or `no`; absent before the first.
    public var heard: String?
    /// Broadcasts in a row not heard.
    public var unheard: Int
    /// `unheard` reached `monitor.silent_after`.
    public var silent: Bool
    /// Why the microphone cannot be captured: `input_unavailable`, `capture_failed` (the
    /// catalogue renders it); absent from an older daemon.
    public var problemCode: String?
    /// The same in the sound system's words (English), for a technician.
    public var problem: String?

    public init(heard: String?, unheard: Int, silent: Bool, problemCode: String? = nil, problem: String?) {
        self.heard = heard
        self.unheard = unheard
        self.silent = silent
        self.problemCode = problemCode
        self.problem = problem
    }

    enum CodingKeys: String, CodingKey {
        case heard, unheard, silent, problemCode = "problem_code", problem
    }
}

/// `GET /v1/status`.
public struct StatusJSON: Codable, Sendable, Equatable {
    public enum OutputState: String, Codable, Sendable, CaseIterable, WireName { case idle, playing, unavailable }

    public struct Output: Codable, Sendable, Equatable {
        public var id: String
        public var zone: String
        public var state: Open<OutputState>
        public var playing: BroadcastJSON?
        public var queue: [String]
        public var next: String?
        /// For an output that follows GPS: "no fix", "outside every area" or the zone it is in (SPEC 13).
        public var gps: GPSStatusJSON?
        /// For an output with `power:`: its amplifier (SPEC 18).
        public var power: PowerJSON?
        /// For an output with `monitor:`: the off-air check (SPEC 18); absent from older daemons.
        public var monitor: MonitorJSON?
        /// The operators' volume and its range (issue 27); an older daemon sends none.
        public var volume: VolumeJSON?

        public init(id: String, zone: String, state: OutputState, playing: BroadcastJSON?, queue: [String], next: String?) {
            self.id = id
            self.zone = zone
            self.state = .known(state)
            self.playing = playing
            self.queue = queue
            self.next = next
        }
    }

    public var version: String
    public var api: Int
    public var config: String
    public var loadedAt: String
    public var outputs: [Output]
    /// Records kept in memory because the state dir does not take them (a full disk); 0 normally.
    public var recordsBehind: Int?
    /// The configuration's warnings, as `laba check` prints them.
    public var warnings: [String]?
    /// The same with their codes, for a reader that renders them; absent from an older daemon.
    public var warningDetails: [DiagnosticJSON]?
    /// This daemon in its fleet (with a `fleet:` section): broker connection, role, refusals.
    public var fleet: FleetStateJSON?

    enum CodingKeys: String, CodingKey {
        case version, api, config, loadedAt = "loaded_at", outputs, recordsBehind = "records_behind", warnings, fleet
        case warningDetails = "warning_details"
    }

    public init(version: String, api: Int, config: String, loadedAt: String, outputs: [Output], recordsBehind: Int,
                warnings: [String], fleet: FleetStateJSON? = nil) {
        self.version = version
        self.api = api
        self.config = config
        self.loadedAt = loadedAt
        self.outputs = outputs
        self.recordsBehind = recordsBehind
        self.warnings = warnings
        self.fleet = fleet
    }
}

/// `{"error": {"code": ..., "message": ...}}`.
public struct ErrorJSON: Codable, Sendable, Equatable, Error {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        /// For a refusal of the front door: its own code (finer than `code`) and arguments, which
        /// readers render in their language.
        public var refusal: String?
        public var args: [String: String]?

        public init(code: String, message: String, refusal: String? = nil, args: [String: String]? = nil) {
            self.code = code
            self.message = message
            self.refusal = refusal
            self.args = args
        }
    }

    public var error: Body

    public init(_ code: APIErrorCode, _ message: String, refusal: String? = nil, args: [String: String]? = nil) {
        error = Body(code: code.rawValue, message: message, refusal: refusal, args: args)
    }
}

/// Named error codes, each with its HTTP status.
public enum APIErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case notFound = "not_found"
    case quietHours = "quiet_hours"
    case expired = "expired"
    case tooLarge = "too_large"
    case invalidConfig = "invalid_config"
    /// An uploaded body that libsndfile cannot read as audio.
    case notAudio = "not_audio"
    /// An uploaded recording longer than `uploads.max_duration`.
    case tooLong = "too_long"
    /// The state dir cannot take what the request needs to store.
    case storageFull = "storage_full"
    case queueFull = "queue_full"
    /// The broadcast to stop had already ended.
    case alreadyEnded = "already_ended"
    /// A schedule change based on an older version of the operators' schedule.
    case conflict = "conflict"
    /// Operators may not change this (a technician's entry, a zone outside `operators.zones`).
    case forbidden = "forbidden"
    /// A fleet request (`laba library publish`) to a daemon that is not a commander.
    case notCommander = "not_commander"
    /// A body that is not a valid CAP 1.2 alert (it is recorded all the same).
    case invalidAlert = "invalid_alert"
    /// A commander's live talk whose stream server (`fleet.stream`) cannot take it.
    case streamUnavailable = "stream_unavailable"
    case internalError = "internal"

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .notFound: 404
        case .quietHours, .expired, .alreadyEnded, .conflict, .notCommander: 409
        case .forbidden: 403
        case .tooLarge: 413
        case .invalidConfig, .notAudio, .tooLong, .invalidAlert: 422
        case .storageFull: 503
        case .queueFull: 503
        case .internalError: 500
        case .streamUnavailable: 502
        }
    }
}

/// `POST /v1/reload` with errors: the new file's diagnostics.
public struct ReloadJSON: Codable, Sendable, Equatable {
    public var reloaded: Bool
    public var diagnostics: [String]
    /// The changed settings that take effect only at labad's next start (`fleet.broker`, ...);
    /// the rest of the new file is in force.
    public var restartNeeded: [String]

    enum CodingKeys: String, CodingKey {
        case reloaded, diagnostics
        case restartNeeded = "restart_needed"
    }

    public init(reloaded: Bool, diagnostics: [String], restartNeeded: [String] = []) {
        self.reloaded = reloaded
        self.diagnostics = diagnostics
        self.restartNeeded = restartNeeded
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reloaded = try c.decode(Bool.self, forKey: .reloaded)
        diagnostics = try c.decode([String].self, forKey: .diagnostics)
        // An older labad does not say.
        restartNeeded = try c.decodeIfPresent([String].self, forKey: .restartNeeded) ?? []
    }
}

/// `GET /v1/outputs`, and the answer to `PUT /v1/outputs/{id}/zone`.
public struct OutputJSON: Codable, Sendable, Equatable {
    public var id: String
    public var device: String
    public var zone: String
    public var available: Bool

    public init(id: String, device: String, zone: String, available: Bool) {
        self.id = id
        self.device = device
        self.zone = zone
        self.available = available
    }
}

public struct OutputList: Codable, Sendable, Equatable {
    public var outputs: [OutputJSON]
    public init(outputs: [OutputJSON]) { self.outputs = outputs }
}

/// `PUT /v1/outputs/{id}/zone`.
public struct ZoneMove: Codable, Sendable, Equatable {
    public var zone: String
    /// `PUT /v1/fleet/units/{id}/zone`: one output of the unit; nil: all of them.
    public var output: String?
    public init(zone: String, output: String? = nil) {
        self.zone = zone
        self.output = output
    }
}

/// The answer of `PUT /v1/fleet/units/{id}/zone`: the move command published.
public struct UnitMoveJSON: Codable, Sendable, Equatable {
    public var command: String
    public var unit: String
    public var zone: String
    public init(command: String, unit: String, zone: String) {
        self.command = command
        self.unit = unit
        self.zone = zone
    }
}

/// What `GET /v1/report` groups by.
public enum ReportKey: String, Codable, Sendable, CaseIterable, WireName {
    /// `unit`: a commander's own broadcasts and its units', by fleet unit.
    case zone, language, message, output, unit
}

/// `GET /v1/report`.
public struct ReportJSON: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var key: String
        public var broadcasts: Int
        public var airtimeSeconds: Double
        /// outcome → count
        public var outcomes: [String: Int]

        enum CodingKeys: String, CodingKey { case key, broadcasts, airtimeSeconds = "airtime_seconds", outcomes }

        public init(key: String, broadcasts: Int, airtimeSeconds: Double, outcomes: [String: Int]) {
            self.key = key
            self.broadcasts = broadcasts
            self.airtimeSeconds = airtimeSeconds
            self.outcomes = outcomes
        }
    }

    public var by: Open<ReportKey>
    public var rows: [Row]

    public init(by: ReportKey, rows: [Row]) {
        self.by = .known(by)
        self.rows = rows
    }

    public init(by: Open<ReportKey>, rows: [Row]) {
        self.by = by
        self.rows = rows
    }
}

/// One upcoming scheduled broadcast: `GET /v1/schedule` and `laba next --json`.
public struct ScheduleItem: Codable, Sendable, Equatable {
    /// RFC 3339 in the configuration's time zone.
    public var time: String
    public var output: String
    public var zone: String
    public var entry: String
    public var message: String
    /// The languages that will play, in order.
    public var languages: [String]
    /// Languages asked for that have no recording.
    public var missingLanguages: [String]
    public var neutral: Bool
    public var `repeat`: Int
    /// Why it will not play (quiet hours, expired), or nil.
    public var skipped: String?
    /// The night volume that lowers it (`"-12dB"`, SPEC 18), or nil at full volume.
    public var volume: String?

    enum CodingKeys: String, CodingKey {
        case time, output, zone, entry, message, languages, missingLanguages = "missing_languages", neutral, `repeat`, skipped, volume
    }

    public init(time: String, output: String, zone: String, entry: String, message: String, languages: [String],
                missingLanguages: [String], neutral: Bool, repeat: Int, skipped: String?) {
        self.time = time
        self.output = output
        self.zone = zone
        self.entry = entry
        self.message = message
        self.languages = languages
        self.missingLanguages = missingLanguages
        self.neutral = neutral
        self.repeat = `repeat`
        self.skipped = skipped
    }
}

public struct ScheduleList: Codable, Sendable, Equatable {
    public var schedule: [ScheduleItem]
    public init(schedule: [ScheduleItem]) { self.schedule = schedule }
}

extension ScheduleItem {
    /// A planned broadcast, its time written in the converter's zone.
    public init(_ b: PlannedBroadcast, converter: inout ZoneConverter) {
        self.init(time: RFC3339.format(b.time, converter: &converter, fractionDigits: -1), output: b.output, zone: b.zone,
                  entry: b.entry, message: b.message, languages: b.languages, missingLanguages: b.missingLanguages,
                  neutral: b.neutral, repeat: b.repeatCount, skipped: b.skip?.description)
        if b.skip == nil, let window = b.volume { volume = VolumeWindow.gainText(window.gainDB) }
    }
}
