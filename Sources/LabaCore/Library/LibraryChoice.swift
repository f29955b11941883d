// Which fleet recording an output plays (SPEC 17): authority follows the grid, so for an output in
// zone Z the recordings whose signed zones and whose key's trust both contain Z compete, and the
// key trusted nearest the root wins (the county's before the township's); then the newer
// `issued_at`. None of them: `audio_dir`'s recording plays.

/// A recording received from the fleet, with what decides whether and where it plays.
public struct FleetRecording: Hashable, Sendable {
    public var recording: Recording
    /// KEY_ID of the key that signed it.
    public var key: String
    /// The subtrees its signed entry names.
    public var zones: [String]
    /// The subtrees this unit trusts its key for now (empty: the key is no longer trusted).
    public var trusted: [String]
    /// `issued_at`, in microseconds since the epoch.
    public var issuedAt: Int64
    /// What the commander's clerks call it (its signed entry's `title`), if it says.
    public var title: String?

    public init(recording: Recording, key: String, zones: [String], trusted: [String], issuedAt: Int64, title: String? = nil) {
        self.recording = recording
        self.key = key
        self.zones = zones
        self.trusted = trusted
        self.issuedAt = issuedAt
        self.title = title
    }
}

public enum LibraryChoice {
    /// The recording an output in `zone` plays among `candidates` (one message and language),
    /// or nil when none is for that zone.
    ///
    /// A candidate competes when one of its signed zones and one of its key's trusted zones
    /// contain `zone`; its rank is the depth of the shallowest trusted zone containing `zone`.
    /// The lowest rank wins, then the later `issuedAt`, then the lower key id (so that the choice
    /// never depends on the order of files).
    public static func choose(_ candidates: [FleetRecording], zone: String, tree: ZoneTree) -> FleetRecording? {
        var best: (rank: Int, candidate: FleetRecording)?
        for candidate in candidates where candidate.zones.contains(where: { tree.zone(zone, isWithin: $0) }) {
            let ranks = candidate.trusted.filter { tree.zone(zone, isWithin: $0) }.map { tree.depth(of: $0) }
            guard let rank = ranks.min() else { continue }
            if let b = best {
                if rank > b.rank { continue }
                if rank == b.rank {
                    if candidate.issuedAt < b.candidate.issuedAt { continue }
                    if candidate.issuedAt == b.candidate.issuedAt, candidate.key >= b.candidate.key { continue }
                }
            }
            best = (rank, candidate)
        }
        return best?.candidate
    }
}
