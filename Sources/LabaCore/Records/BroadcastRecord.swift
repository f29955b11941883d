// A broadcast's record (SPEC 5, 8) and the files of the state dir: plain values that the store
// keeps, the daemon fills and every door (the API, the console, the fleet) reads.

import Foundation

/// Where Laba keeps its files.
public struct StateLayout: Sendable {
    public static let defaultDirectory = "/var/lib/laba"

    public var directory: String

    public init(directory: String) { self.directory = directory }

    public var database: String { (directory as NSString).appendingPathComponent("laba.sqlite") }
    public var uploads: String { (directory as NSString).appendingPathComponent("uploads") }
    /// A fleet unit's recordings received from its commanders: `library/<message>/<language>.<ext>`.
    public var library: String { (directory as NSString).appendingPathComponent("library") }
}

/// One broadcast: queued, playing or done (SPEC 5). Times are microseconds since the epoch.
public struct BroadcastRecord: Codable, Equatable, Sendable {
    public typealias State = BroadcastState
    public typealias Source = BroadcastSource

    public var id: String
    public var source: Source
    /// The schedule entry's id, for scheduled broadcasts.
    public var entry: String?
    public var message: String
    /// The recording of an uploaded broadcast, under the state dir.
    public var uploadPath: String?
    public var output: String
    public var zone: String
    public var priority: Priority
    public var plannedLanguages: [String]
    public var playedLanguages: [String]
    /// The chime message played first, if any (chosen at admission or planning).
    public var chime: String?
    /// The message's language-neutral recording plays (no language version does).
    public var neutral: Bool
    /// An exercise: recorded as a drill.
    public var drill: Bool
    public var repeatCount: Int
    public var loop: Bool
    public var plannedAt: Int64
    public var deadline: Int64?
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var state: State
    /// Where a resume starts.
    public var segment: Int
    public var outcome: BroadcastOutcome?
    /// In English (the catalogue's words for `reasonCode`), for older readers and the log; a unit
    /// of an older version sends prose only.
    public var reason: String?
    /// The reason's code and arguments (`RecordReason`), rendered by each reader in its language;
    /// nil for a record of an older version or with no reason.
    public var reasonCode: String?
    public var reasonArgs: [String: String]?
    public var requestedBy: RequestedBy?
    public var frames: Int
    public var xruns: Int
    /// The rate the output played at (frames per second), once it played.
    public var rate: Int?
    /// Frames of each label's segments (a language, `neutral`, `chime`), for airtime per language.
    public var segmentFrames: [String: Int]
    /// Each segment of each pass as it played (SPEC 16); nil for a record of an older version
    /// (coverage counts it as played, extent unknown).
    public var segments: [SegmentFact]?
    /// Where a following output was when the broadcast started: the last fix (SPEC 13).
    public var positionLat: Double?
    public var positionLon: Double?
    /// The fix's own time (µs).
    public var positionAt: Int64?
    /// A live broadcast's recording (`upload_path`): its integrated loudness in LUFS, measured
    /// after it ended.
    public var loudness: Double?

    /// What was played, in seconds: frames / rate; nil for a record from before rates were kept.
    public var airtime: Double? { rate.map { $0 > 0 ? Double(frames) / Double($0) : 0 } }

    public init(id: String, source: Source, entry: String? = nil, message: String, uploadPath: String? = nil,
                output: String, zone: String, priority: Priority, plannedLanguages: [String], chime: String? = nil,
                neutral: Bool = false, drill: Bool = false, repeatCount: Int = 1, loop: Bool = false, plannedAt: Int64,
                deadline: Int64?, requestedBy: RequestedBy? = nil) {
        self.id = id
        self.source = source
        self.entry = entry
        self.message = message
        self.uploadPath = uploadPath
        self.output = output
        self.zone = zone
        self.priority = priority
        self.plannedLanguages = plannedLanguages
        self.playedLanguages = []
        self.chime = chime
        self.neutral = neutral
        self.drill = drill
        self.repeatCount = repeatCount
        self.loop = loop
        self.plannedAt = plannedAt
        self.deadline = deadline
        self.state = .queued
        self.segment = 0
        self.frames = 0
        self.xruns = 0
        self.segmentFrames = [:]
        self.segments = []
        self.requestedBy = requestedBy
    }

    /// The record of an admitted broadcast, queued.
    public init(id: String, _ b: AdmittedBroadcast) {
        self.init(id: id, source: b.source, message: b.message, uploadPath: b.recordingPath, output: b.output, zone: b.zone,
                  priority: b.priority, plannedLanguages: b.choice.languages, chime: b.chime, neutral: b.choice.neutral,
                  drill: b.drill, repeatCount: b.repeatCount, loop: b.loop, plannedAt: b.plannedAt.microseconds,
                  deadline: b.deadline?.microseconds, requestedBy: b.requestedBy)
    }

    /// A civil-defence signal (SPEC 18), named by its message.
    public var isSiren: Bool { uploadPath == nil && SirenKind(messageName: message) != nil }

    /// The record of a scheduled occurrence, queued.
    public init(id: String, _ p: PlannedBroadcast) {
        self.init(id: id, source: .schedule, entry: p.entry, message: p.message, output: p.output, zone: p.zone,
                  priority: p.priority, plannedLanguages: p.languages, chime: p.chime, neutral: p.neutral,
                  repeatCount: p.repeatCount, plannedAt: p.time.microseconds, deadline: p.deadline.microseconds)
    }

    enum CodingKeys: String, CodingKey {
        case id, source, entry, message, uploadPath = "upload_path", output, zone, priority
        case plannedLanguages = "planned_languages", playedLanguages = "played_languages", chime, neutral, drill
        case repeatCount = "repeat_count", loop, plannedAt = "planned_at", deadline
        case startedAt = "started_at", endedAt = "ended_at", state, segment, outcome, reason
        case reasonCode = "reason_code", reasonArgs = "reason_args"
        case requestedBy = "requested_by", frames, xruns, rate, segmentFrames = "segment_frames", segments
        case positionLat = "position_lat", positionLon = "position_lon", positionAt = "position_at"
        case loudness
    }
}

/// Which broadcasts to list: every field that is set must match.
public struct BroadcastFilter: Sendable, Equatable {
    public var zone: String?
    public var message: String?
    public var output: String?
    public var outcome: BroadcastOutcome?
    public var state: BroadcastRecord.State?
    /// Planned at or after (µs).
    public var since: Int64?
    /// Planned before (µs).
    public var until: Int64?
    public var limit: Int

    public init(zone: String? = nil, message: String? = nil, output: String? = nil, outcome: BroadcastOutcome? = nil,
                state: BroadcastRecord.State? = nil, since: Int64? = nil, until: Int64? = nil, limit: Int = 100) {
        self.zone = zone
        self.message = message
        self.output = output
        self.outcome = outcome
        self.state = state
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// The same test as the SQL query, for records held in memory.
    public func matches(_ r: BroadcastRecord) -> Bool {
        (zone == nil || r.zone == zone) && (message == nil || r.message == message) && (output == nil || r.output == output)
            && (outcome == nil || r.outcome == outcome) && (state == nil || r.state == state)
            && (since.map { r.plannedAt >= $0 } ?? true) && (until.map { r.plannedAt < $0 } ?? true)
    }
}

