// What a configuration change does to the plan: the broadcasts of a window that it adds, removes,
// moves to another time, or changes (zone or languages), for `laba check --diff` and `laba edit`.

/// The difference between two plans over one window. Only broadcasts that will play count (one
/// skipped for quiet hours is as good as removed).
public struct PlanDiff: Sendable {
    public struct Move: Sendable, Equatable {
        public var old: PlannedBroadcast
        public var new: PlannedBroadcast
    }

    public var added: [PlannedBroadcast] = []
    public var removed: [PlannedBroadcast] = []
    /// The same message on the same output at another time (the nearest one).
    public var moved: [Move] = []
    /// The same message on the same output at the same time, in another zone, other languages or
    /// at another night volume.
    public var changed: [Move] = []

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && moved.isEmpty && changed.isEmpty }

    /// Compares what `old` and `new` plan in (after, through].
    public init(old: Planner, new: Planner, after: Instant, through: Instant) {
        func playing(_ planner: Planner) -> [PlannedBroadcast] {
            planner.occurrences(after: after, through: through).filter { $0.skip == nil }
        }
        self.init(old: playing(old), new: playing(new))
    }

    /// Compares two lists of broadcasts.
    public init(old: [PlannedBroadcast], new: [PlannedBroadcast]) {
        struct Same: Hashable {
            var time: Instant, output: String, message: String, zone: String, languages: [String], neutral: Bool, repeatCount: Int
            /// Night volume: a changed `volume_schedule` changes how loud a broadcast plays.
            var volume: Double
            init(_ b: PlannedBroadcast) {
                (time, output, message, zone, languages, neutral, repeatCount) =
                    (b.time, b.output, b.message, b.zone, b.languages, b.neutral, b.repeatCount)
                volume = b.volume?.gainDB ?? 0
            }
        }
        // Broadcasts present in both, as a multiset, leave both sides.
        var unmatched: [Same: Int] = [:]
        for b in old { unmatched[Same(b), default: 0] += 1 }
        var newLeft: [PlannedBroadcast] = []
        for b in new {
            if let n = unmatched[Same(b)], n > 0 { unmatched[Same(b)] = n - 1 } else { newLeft.append(b) }
        }
        var oldLeft: [PlannedBroadcast] = []
        for b in old {
            if let n = unmatched[Same(b)], n > 0 {
                oldLeft.append(b)
                unmatched[Same(b)] = n - 1
            }
        }
        // Pair what is left by output and message: same time → changed, nearest other time → moved.
        struct Key: Hashable { var output: String, message: String }
        var pool: [Key: [PlannedBroadcast]] = [:]
        for b in oldLeft { pool[Key(output: b.output, message: b.message), default: []].append(b) }
        var handled = Set<Int>()
        for (index, b) in newLeft.enumerated() {
            let key = Key(output: b.output, message: b.message)
            if let i = pool[key]?.firstIndex(where: { $0.time == b.time }) {
                changed.append(Move(old: pool[key]!.remove(at: i), new: b))
                handled.insert(index)
            }
        }
        for (index, b) in newLeft.enumerated() where !handled.contains(index) {
            let key = Key(output: b.output, message: b.message)
            if let candidates = pool[key], !candidates.isEmpty {
                let distance = { (c: PlannedBroadcast) in abs(c.time.microseconds - b.time.microseconds) }
                let i = candidates.indices.min { distance(candidates[$0]) < distance(candidates[$1]) }!
                moved.append(Move(old: pool[key]!.remove(at: i), new: b))
            } else {
                added.append(b)
            }
        }
        removed = pool.values.flatMap { $0 }.sorted { ($0.time, $0.output) < ($1.time, $1.output) }
        moved.sort { ($0.new.time, $0.new.output) < ($1.new.time, $1.new.output) }
        changed.sort { ($0.new.time, $0.new.output) < ($1.new.time, $1.new.output) }
    }
}
