// What one segment of a broadcast's program did (SPEC 16): kept in the record, sent in the
// record's JSON, read by coverage.

import Foundation

/// One segment of one pass of a program (a language, the chime, a signal), as it played.
public struct SegmentFact: Codable, Equatable, Sendable {
    /// The segment's program-wide index (passes laid end to end).
    public var index: Int
    /// A language, `neutral`, `chime` or `upload` (the program's labels).
    public var label: String
    /// The repeat pass, 0 first.
    public var pass: Int
    /// The frames it should have played at the output's rate; nil when unknown (a recording
    /// that does not say its length, or one that could not be read).
    public var planned: Int?
    /// The frames it played at the output's rate (0 while it plays).
    public var played: Int
    /// When it started (µs).
    public var startedAt: Int64?
    /// The zone its output was in when it started (a van may move during a program).
    public var zone: String?
    /// Set once it ended (played through, cut or failed).
    public var ended: Bool
    /// The off-air check's word on this pass (SPEC 18): heard, partly, not heard; nil: not
    /// monitored (no monitor on its output, its input could not be opened, or a unit of an older
    /// version that does not say).
    public var heard: Heard?
    /// How far the microphone rose above the room's noise over the segment's sound (dB).
    public var heardLevelDB: Double?
    /// From the program to the microphone (ms).
    public var heardDelayMS: Double?

    public init(index: Int, label: String, pass: Int, planned: Int? = nil, played: Int = 0, startedAt: Int64? = nil,
                zone: String? = nil, ended: Bool = false, heard: Heard? = nil, heardLevelDB: Double? = nil,
                heardDelayMS: Double? = nil) {
        self.index = index
        self.label = label
        self.pass = pass
        self.planned = planned
        self.played = played
        self.startedAt = startedAt
        self.zone = zone
        self.ended = ended
        self.heard = heard
        self.heardLevelDB = heardLevelDB
        self.heardDelayMS = heardDelayMS
    }

    /// Played over planned, at most 1; nil when the planned length is unknown.
    public var fraction: Double? {
        guard let planned, planned > 0 else { return nil }
        return min(1, Double(played) / Double(planned))
    }

    /// The share of its frames a pass must play to count as played (SPEC 16).
    public static let playedThreshold = 0.9

    /// Played through: at least 90 % of its planned frames, or (length unknown) ended with frames.
    public var isPlayed: Bool {
        if let fraction { return fraction >= Self.playedThreshold }
        return ended && played > 0
    }

    /// Takes the monitor's word on this pass.
    public mutating func take(_ word: SegmentHeard) {
        heard = word.heard
        heardLevelDB = word.levelDB.map { ($0 * 10).rounded() / 10 }
        heardDelayMS = word.delayMS.map { $0.rounded() }
    }

    enum CodingKeys: String, CodingKey {
        case index, label, pass, planned = "planned_frames", played = "played_frames", startedAt = "started_at", zone, ended, heard
        case heardLevelDB = "heard_level_db", heardDelayMS = "heard_delay_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        label = try c.decode(String.self, forKey: .label)
        pass = try c.decodeIfPresent(Int.self, forKey: .pass) ?? 0
        planned = try c.decodeIfPresent(Int.self, forKey: .planned)
        played = try c.decodeIfPresent(Int.self, forKey: .played) ?? 0
        startedAt = try c.decodeIfPresent(Int64.self, forKey: .startedAt)
        zone = try c.decodeIfPresent(String.self, forKey: .zone)
        ended = try c.decodeIfPresent(Bool.self, forKey: .ended) ?? false
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
        try c.encodeIfPresent(planned, forKey: .planned)
        try c.encode(played, forKey: .played)
        try c.encodeIfPresent(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(zone, forKey: .zone)
        try c.encode(ended, forKey: .ended)
        try c.encodeIfPresent(heard, forKey: .heard)
        try c.encodeIfPresent(heardLevelDB, forKey: .heardLevelDB)
        try c.encodeIfPresent(heardDelayMS, forKey: .heardDelayMS)
    }
}
