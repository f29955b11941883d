// Retention's decisions (issue 31): what goes, given what there is, the limits and `now`. Pure:
// the daemon lists the files and carries out the removals.

/// A file under the state dir that retention may remove.
public struct RetainedFile: Sendable, Equatable {
    public var path: String
    /// Its modification time, on the daemon's clock's scale (µs since the epoch).
    public var modified: Instant
    public var size: Int64

    public init(path: String, modified: Instant, size: Int64) {
        self.path = path
        self.modified = modified
        self.size = size
    }
}

public enum Retention {
    /// Whether retention is due: never run, at least `every` since the last run, or the clock went
    /// back (a board that set its clock from NTP after start).
    public static func isDue(last: Instant?, now: Instant, every: TimeSpan) -> Bool {
        guard let last else { return true }
        return now.microseconds - last.microseconds >= every.microseconds || now < last
    }

    /// The instant before which a kind's things are too old; nil without `max_age`.
    public static func ageCutoff(_ limit: RetentionLimit, now: Instant) -> Instant? {
        limit.maxAge.map { Instant(microseconds: now.microseconds - $0.microseconds) }
    }

    /// The files to remove: every one older than `max_age`, then the oldest while the rest weigh
    /// more than `max_size`. Files in `keep` (a waiting broadcast's recording) always stay and
    /// still count towards the size.
    public static func filesToRemove(_ files: [RetainedFile], limit: RetentionLimit, now: Instant,
                                     keep: Set<String> = []) -> [RetainedFile] {
        let cutoff = ageCutoff(limit, now: now)
        let oldestFirst = files.sorted { ($0.modified, $0.path) < ($1.modified, $1.path) }
        var total = files.reduce(Int64(0)) { $0 + $1.size }
        var removed: [RetainedFile] = []
        for file in oldestFirst where !keep.contains(file.path) {
            let tooOld = cutoff.map { file.modified < $0 } ?? false
            let tooBig = limit.maxSize.map { total > $0.bytes } ?? false
            guard tooOld || tooBig else { continue }
            removed.append(file)
            total -= file.size
        }
        return removed
    }
}
