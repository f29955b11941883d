// Schedule + zones + messages → the broadcasts each output will be asked to play, lazily, in
// time order: a heap of one stream per (output, entry), so the next K cost O(K log E).

import Foundation

/// Why a planned broadcast will not play.
public enum SkipReason: Hashable, Sendable, CustomStringConvertible {
    case quietHours(QuietHours)
    case messageNotYetValid(LocalDate)
    case messageExpired(LocalDate)
    case noRecording

    public var description: String {
        switch self {
        case .quietHours(let q): "quiet hours \(q)"
        case .messageNotYetValid(let d): "message valid from \(d)"
        case .messageExpired(let d): "message expired on \(d)"
        case .noRecording: "no recording in any of the zone's languages"
        }
    }

    /// The broadcast outcome this skip is recorded as.
    public var outcome: String {
        switch self {
        case .quietHours, .noRecording: "skipped"
        case .messageNotYetValid, .messageExpired: "expired"
        }
    }
}

/// One occurrence of a schedule entry on one output.
public struct PlannedBroadcast: Hashable, Sendable {
    public var time: Instant
    /// `zone#N` of the declaring zone.
    public var entry: String
    public var output: String
    /// The zone the output serves.
    public var zone: String
    public var message: String
    /// The languages that will play, in order (those with a recording).
    public var languages: [String]
    /// Languages the zone or entry asks for that have no recording.
    public var missingLanguages: [String]
    /// The language-neutral recording plays, because no language version does.
    public var neutral: Bool
    public var chime: String?
    public var repeatCount: Int
    /// Give up if it cannot start by then.
    public var deadline: Instant
    /// Play once after a clock jump or restart if missed by at most this much.
    public var catchUp: TimeSpan
    public var skip: SkipReason?
    /// `scheduled`, or the configured priority of a civil-defence signal (SPEC 18).
    public var priority: Priority = .scheduled
    /// The night volume window that lowers it at its planned time; nil: full volume.
    public var volume: VolumeWindow?
}

/// Plans from a configuration. Pure: the caller passes the instant to start from.
public struct Planner: Sendable {
    public let config: Config
    public let tree: ZoneTree
    public let library: MessageLibrary?
    /// The zone each output serves now (mobile outputs move).
    public var outputZones: [String: String]
    /// Per message: the languages recorded, and whether a neutral recording exists.
    private let recorded: [String: (languages: Set<String>, neutral: Bool)]
    private let messageInfo: [String: MessageInfo]

    /// - Parameters:
    ///   - library: the recordings; nil plans every language as if recorded.
    ///   - outputZones: overrides of the outputs' starting zones.
    public init(config: Config, library: MessageLibrary?, outputZones: [String: String] = [:]) {
        self.config = config
        self.tree = ZoneTree(config)
        self.library = library
        var zones: [String: String] = [:]
        for output in config.outputs { zones[output.id.value] = outputZones[output.id.value] ?? output.zone.value }
        self.outputZones = zones
        var recorded: [String: (languages: Set<String>, neutral: Bool)] = [:]
        for message in library?.messages ?? [] {
            recorded[message] = (library!.languages(of: message), library!.neutral(of: message) != nil)
        }
        self.recorded = recorded
        self.messageInfo = Dictionary(config.messages.map { ($0.id.value, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every planned broadcast strictly after `after`, in time order (ties by output order in the
    /// file, then entry order), optionally only in zone `zone` (or below it) or on output `output`.
    /// The sequence is lazy and may be endless.
    public func broadcasts(after: Instant, zone: String? = nil, output: String? = nil) -> PlanSequence {
        var sequence = PlanSequence(planner: self)
        let local = ZoneConverter(config.timeZone)
        for (outputIndex, out) in config.outputs.enumerated() {
            let id = out.id.value
            guard output == nil || output == id, let current = outputZones[id], let resolved = tree[current] else { continue }
            if let zone, !tree.zone(current, isWithin: zone) { continue }
            for (entryIndex, entry) in resolved.entries.enumerated() {
                var stream = Stream(entry: entry, local: local, output: id, outputIndex: outputIndex,
                                    entryIndex: entryIndex)
                if stream.advance(after: after) { sequence.add(stream) }
            }
        }
        return sequence
    }

    /// The next `count` planned broadcasts strictly after `after`.
    public func upcoming(after: Instant, count: Int, zone: String? = nil, output: String? = nil) -> [PlannedBroadcast] {
        Array(broadcasts(after: after, zone: zone, output: output).prefix(count))
    }

    /// The planned broadcasts in (after, through].
    public func occurrences(after: Instant, through: Instant) -> [PlannedBroadcast] {
        Array(broadcasts(after: after).prefix { $0.time <= through })
    }

    /// A chime plays only when it has a neutral recording (`laba check` warns otherwise).
    private func chimeIsRecorded(_ chime: String) -> Bool { library == nil || recorded[chime]?.neutral == true }

    /// The broadcast one stream's current occurrence stands for.
    func plan(_ stream: Stream) -> PlannedBroadcast {
        let entry = stream.entry
        let zoneID = outputZones[stream.output]!
        let zone = tree[zoneID]!
        let wanted = entry.languages?.value.map(\.value) ?? zone.languages
        let message = entry.message.value
        let siren = SirenKind(messageName: message) != nil
        let choice = siren ? Rules.sirenChoice
            : Rules.languages(wanted: wanted, recorded: library == nil ? nil : recorded[message] ?? ([], false))
        let priority = siren ? config.sirens.priorityValue : .scheduled
        var local = stream.local
        let civil = local.civil(stream.next)
        var skip = Rules.validity(of: messageInfo[message], on: civil.date)
        if skip == nil, choice.isSilent { skip = .noRecording }
        let volume = NightVolume.decide(zone: zone, at: civil, priority: priority, siren: siren, scheduled: true)
        var window: VolumeWindow?
        switch volume {
        case .skipped(let quiet): if skip == nil { skip = .quietHours(quiet) }
        case .play(let w): window = w
        }
        var planned = PlannedBroadcast(time: stream.next, entry: entry.id, output: stream.output, zone: zoneID,
                                       message: message, languages: choice.languages, missingLanguages: choice.missing,
                                       neutral: choice.neutral,
                                       chime: siren ? nil : Rules.chime(zone.chime, recorded: chimeIsRecorded),
                                       repeatCount: entry.repeats, deadline: stream.next + entry.deadlineDelay,
                                       catchUp: entry.catchUpWindow, skip: skip)
        planned.priority = priority
        planned.volume = window
        return planned
    }
}

/// Planned broadcasts in time order, merged from one stream per (output, entry).
public struct PlanSequence: Sequence, IteratorProtocol {
    /// What the heap orders: small, so that sifting moves little.
    struct Key: Comparable {
        var next: Instant
        var outputIndex: Int
        var entryIndex: Int
        var stream: Int

        static func < (a: Key, b: Key) -> Bool {
            (a.next, a.outputIndex, a.entryIndex) < (b.next, b.outputIndex, b.entryIndex)
        }
    }

    let planner: Planner
    var streams: [Stream] = []
    var heap = Heap<Key>()

    init(planner: Planner) { self.planner = planner }

    mutating func add(_ stream: Stream) {
        heap.push(Key(next: stream.next, outputIndex: stream.outputIndex, entryIndex: stream.entryIndex, stream: streams.count))
        streams.append(stream)
    }

    public mutating func next() -> PlannedBroadcast? {
        guard var key = heap.pop() else { return nil }
        let planned = planner.plan(streams[key.stream])
        if streams[key.stream].advance(after: key.next) {
            key.next = streams[key.stream].next
            heap.push(key)
        }
        return planned
    }
}

/// The occurrences of one entry on one output.
struct Stream {
    var output: String
    var outputIndex: Int
    var entryIndex: Int
    var entry: ScheduleEntry
    /// Each calendar of the entry with a converter for its zone.
    var calendars: [(spec: CalendarSpec, converter: ZoneConverter)]
    /// For local dates (`from`, `until`, `every`) in the configuration's zone.
    var local: ZoneConverter
    var next = Instant(microseconds: 0)

    /// - Parameter local: a converter for the configuration's zone, copied (creating one asks the
    ///   zone database, which costs more than the rest of a stream's set-up).
    init(entry: ScheduleEntry, local: ZoneConverter, output: String = "", outputIndex: Int = 0, entryIndex: Int = 0) {
        self.entry = entry
        self.output = output
        self.outputIndex = outputIndex
        self.entryIndex = entryIndex
        self.calendars = entry.calendars.map { spec in
            (spec, spec.utc || spec.timeZoneName != nil ? ZoneConverter(spec.effectiveZone(local.zone)) : local)
        }
        self.local = local
    }

    /// The earliest instant after `base` of any of the entry's calendars.
    mutating func nextOfAny(after base: Instant) -> Instant? {
        var best: Instant?
        for i in calendars.indices {
            if let n = calendars[i].spec.next(after: base, converter: &calendars[i].converter), best.map({ n < $0 }) ?? true {
                best = n
            }
        }
        return best
    }

    /// Moves to the first occurrence strictly after `after`; false when there is none.
    mutating func advance(after: Instant) -> Bool {
        var base = after
        // Each turn either returns or jumps forward by at least a day.
        for _ in 0..<100_000 {
            guard let candidate = nextOfAny(after: base) else { return false }
            let date = local.civil(candidate).date
            if let until = entry.until?.value, date > until { return false }
            if let from = entry.from?.value {
                if date < from {
                    base = startOfDay(from) - TimeSpan(microseconds: 1)
                    continue
                }
                if let every = entry.everyDays?.value {
                    let offset = (date.dayNumber - from.dayNumber) % every
                    if offset != 0 {
                        base = startOfDay(date.adding(days: every - offset)) - TimeSpan(microseconds: 1)
                        continue
                    }
                }
            }
            next = candidate
            return true
        }
        return false
    }

    /// The first instant of a local date.
    mutating func startOfDay(_ date: LocalDate) -> Instant {
        let (instants, gapEnd) = local.instants(for: CivilTime(year: date.year, month: date.month, day: date.day))
        return Instant(microseconds: instants.first ?? gapEnd ?? 0)
    }

}

extension ScheduleEntry {
    /// The entry's next `count` instants strictly after `after`, with its `from`, `until` and
    /// `every` read in `timeZone`, whichever outputs play it (for a preview before it is saved).
    public func instants(after: Instant, count: Int, timeZone: TimeZone) -> [Instant] {
        var stream = Stream(entry: self, local: ZoneConverter(timeZone))
        var out: [Instant] = []
        var base = after
        while out.count < count, stream.advance(after: base) {
            out.append(stream.next)
            base = stream.next
        }
        return out
    }
}

/// A binary min-heap.
struct Heap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    mutating func push(_ item: Element) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count, items[l] < items[smallest] { smallest = l }
            if r < items.count, items[r] < items[smallest] { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
