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
    /// A monitor's word on whether it was heard at the horn; nil: no monitor said (not shown).
    public var heard: Bool?

    public init(index: Int, label: String, pass: Int, planned: Int? = nil, played: Int = 0, startedAt: Int64? = nil,
                zone: String? = nil, ended: Bool = false, heard: Bool? = nil) {
        self.index = index
        self.label = label
        self.pass = pass
        self.planned = planned
        self.played = played
        self.startedAt = startedAt
        self.zone = zone
        self.ended = ended
        self.heard = heard
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

    enum CodingKeys: String, CodingKey {
        case index, label, pass, planned = "planned_frames", played = "played_frames", startedAt = "started_at", zone, ended, heard
    }
}
