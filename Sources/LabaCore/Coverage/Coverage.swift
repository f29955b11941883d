// Coverage (SPEC 16): for a message (or an alert) and a period, which zones heard it, in which of
// their languages. A pure function of the records (the commander's own and its units'), the zones
// they were aimed at, and the zone tree; the store finds the records, each door renders the result.

import Foundation

/// One record as coverage reads it: the broadcast, and the unit that played it (nil: the
/// commander's own output).
public struct CoverageRecord: Sendable, Equatable {
    public var unit: String?
    public var record: BroadcastRecord

    public init(unit: String?, record: BroadcastRecord) {
        self.unit = unit
        self.record = record
    }
}

/// What a door asks coverage about: a message or an alert, a period, a zone.
public struct CoverageRequest: Sendable, Equatable {
    public var message: String?
    public var alert: Int64?
    /// Planned at or after (µs).
    public var since: Int64?
    /// Planned before (µs).
    public var until: Int64?
    /// Only this zone and those below it.
    public var zone: String?

    public init(message: String? = nil, alert: Int64? = nil, since: Int64? = nil, until: Int64? = nil, zone: String? = nil) {
        self.message = message
        self.alert = alert
        self.since = since
        self.until = until
        self.zone = zone
    }
}

/// What coverage is computed over.
public struct CoverageQuery: Sendable, Equatable {
    /// The zones the message (or alert) was aimed at in the period.
    public var aimed: [String]
    /// Zones that have an output or a unit (only those below an aimed zone are listed).
    public var placed: Set<String>
    /// Only this zone and those below it; nil: every zone.
    public var within: String?
    /// Zones that have an output with a monitor (SPEC 18), the commander's or a unit's: "heard"
    /// is shown only when one of them is in scope (or a record says a pass was monitored).
    public var monitored: Set<String>

    public init(aimed: [String], placed: Set<String>, within: String? = nil, monitored: Set<String> = []) {
        self.aimed = aimed
        self.placed = placed
        self.within = within
        self.monitored = monitored
    }
}

public struct BroadcastCoverage: Sendable, Equatable {
    /// How a language (or the zone's chime or signal) fared in a zone.
    public enum State: String, Sendable, Equatable, Codable, CaseIterable {
        /// A pass played at least 90 % of the segment's frames.
        case played
        /// Only a unit that does not report segments said so.
        case playedExtentUnknown = "played_extent_unknown"
        /// Some frames, less than 90 % in every pass.
        case partial
        case missing
        /// The zone did not plan this language when the message was broadcast (added later).
        case notPlannedThen = "not_planned_then"

        /// Worst first: the order zones are listed in.
        var rank: Int {
            switch self {
            case .missing: 0
            case .partial: 1
            case .playedExtentUnknown: 2
            case .played: 3
            case .notPlannedThen: 4
            }
        }
    }

    /// Where and when the best pass of a segment played.
    public struct Evidence: Sendable, Equatable {
        /// The unit; nil: the commander's own output.
        public var unit: String?
        public var output: String
        public var record: String
        /// When the segment (or, extent unknown, the broadcast) started (µs).
        public var at: Int64?
        public var lat: Double?
        public var lon: Double?
    }

    /// One language of a zone, or its `chime`, `siren`, `neutral` or `upload` (which count for the zone).
    public struct Entry: Sendable, Equatable {
        public var label: String
        public var state: State
        /// The best pass's share of its frames; nil when unknown or nothing played.
        public var fraction: Double?
        /// The monitors' word on the passes that played (SPEC 18): heard when one monitored pass
        /// was heard, else partly when one was partly heard, else not heard; nil: no pass was
        /// monitored (or nothing played).
        public var heard: Heard?
        /// The level (dB above the room) and delay (ms) of the pass that gave `heard`.
        public var heardLevelDB: Double?
        public var heardDelayMS: Double?
        public var evidence: Evidence?
        /// A language of the zone's (true), or a part that counts for the zone (false).
        public var isLanguage: Bool
    }

    public struct Zone: Sendable, Equatable {
        public var zone: String
        /// Named by a command or a broadcast, not only below one.
        public var aimed: Bool
        public var entries: [Entry]

        /// The worst state of its entries (played for a zone with none).
        public var worst: State { entries.filter { $0.state != .notPlannedThen }.map(\.state).min { $0.rank < $1.rank } ?? .played }
        public var hasMissing: Bool { entries.contains { $0.state == .missing } }
    }

    /// Zones with a language missing first, then partial, then the rest; in tree order within each.
    public var zones: [Zone]
    /// Whether "heard" is shown at all (SPEC 16, 18): an output in scope has a monitor, or a
    /// record in scope says a pass was monitored. False: no word about hearing anywhere.
    public var monitored: Bool

    public init(zones: [Zone], monitored: Bool = false) {
        self.zones = zones
        self.monitored = monitored
    }

    /// The labels that count for the zone, not per language.
    public static let zoneLabels: Set<String> = ["chime", "siren", Language.neutral, "upload"]

    /// Computes coverage from `records` (already limited to the message or alert and the period).
    public static func compute(_ records: [CoverageRecord], query: CoverageQuery, tree: ZoneTree) -> BroadcastCoverage {
        // The zones listed: each aimed zone and those below it with an output or a unit, and any
        // zone a record played in below an aimed one (or every such zone when none is known).
        var order: [String] = []
        var seen: Set<String> = []
        func add(_ zone: String) {
            if let within = query.within, !(zone == within || tree.zone(zone, isWithin: within)) { return }
            if seen.insert(zone).inserted { order.append(zone) }
        }
        for aimed in query.aimed {
            add(aimed)
            for zone in tree.subtree(of: aimed) where zone != aimed && query.placed.contains(zone) { add(zone) }
        }
        func underAimed(_ zone: String) -> Bool {
            query.aimed.isEmpty || query.aimed.contains { zone == $0 || tree.zone(zone, isWithin: $0) }
        }

        // Every pass of every segment, credited to the zone its output was in when it started.
        // A pass names its record by index: a record is copied once, not once per segment.
        struct Pass {
            var fact: SegmentFact?
            var source: Int
            var label: String
        }
        var passes: [String: [String: [Pass]]] = [:]  // zone → label → passes
        var plannedThen: [String: [String]] = [:]     // zone → languages its records planned
        var zoneParts: [String: [String]] = [:]       // zone → chime/siren/neutral/upload planned
        func plan(_ zone: String, _ label: String, language: Bool) {
            if language {
                if !(plannedThen[zone] ?? []).contains(label) { plannedThen[zone, default: []].append(label) }
            } else if !(zoneParts[zone] ?? []).contains(label) {
                zoneParts[zone, default: []].append(label)
            }
        }
        for (source, record) in records.enumerated() {
            let r = record.record
            let siren = r.isSiren
            if underAimed(r.zone) { add(r.zone) }
            if siren {
                plan(r.zone, "siren", language: false)
            } else {
                for language in r.plannedLanguages { plan(r.zone, language, language: true) }
                if r.chime != nil { plan(r.zone, "chime", language: false) }
                if r.neutral { plan(r.zone, Language.neutral, language: false) }
                if r.uploadPath != nil, r.plannedLanguages.isEmpty { plan(r.zone, "upload", language: false) }
            }
            if let facts = r.segments {
                for fact in facts {
                    let zone = fact.zone ?? r.zone
                    if underAimed(zone) { add(zone) }
                    let label = siren ? "siren" : fact.label
                    if zoneLabels.contains(label) { plan(zone, label, language: false) }
                    passes[zone, default: [:]][label, default: []].append(Pass(fact: fact, source: source, label: label))
                }
            } else {
                // A unit of an older version: the languages it said it played, extent unknown.
                var labels = r.playedLanguages
                if siren, r.outcome == .completed || r.frames > 0 { labels = ["siren"] }
                if !labels.isEmpty, let chime = r.chime, !chime.isEmpty, !siren { labels.append("chime") }
                for label in labels {
                    passes[r.zone, default: [:]][label, default: []].append(Pass(fact: nil, source: source, label: label))
                }
            }
        }

        func entry(_ zone: String, _ label: String, isLanguage: Bool) -> Entry {
            let found = passes[zone]?[label] ?? []
            func evidence(_ p: Pass) -> Evidence {
                let source = records[p.source]
                return Evidence(unit: source.unit, output: source.record.output, record: source.record.id,
                                at: p.fact?.startedAt ?? source.record.startedAt,
                                lat: source.record.positionLat, lon: source.record.positionLon)
            }
            // The best word any monitored pass got.
            let word = [Heard.yes, .partly, .no].lazy.compactMap { h in found.first { $0.fact?.heard == h }?.fact }.first
            let heard = word?.heard
            func with(_ e: Entry) -> Entry {
                var e = e
                e.heardLevelDB = word?.heardLevelDB
                e.heardDelayMS = word?.heardDelayMS
                return e
            }
            if let best = found.filter({ $0.fact?.isPlayed == true }).min(by: { ($0.fact?.startedAt ?? 0) < ($1.fact?.startedAt ?? 0) }) {
                return with(Entry(label: label, state: .played, fraction: best.fact?.fraction, heard: heard, evidence: evidence(best),
                                  isLanguage: isLanguage))
            }
            if let old = found.first(where: { $0.fact == nil }) {
                return with(Entry(label: label, state: .playedExtentUnknown, fraction: nil, heard: heard, evidence: evidence(old),
                                  isLanguage: isLanguage))
            }
            let partial = found.filter { ($0.fact?.played ?? 0) > 0 }
            if let best = partial.max(by: { ($0.fact?.fraction ?? 0) < ($1.fact?.fraction ?? 0) }) {
                return with(Entry(label: label, state: .partial, fraction: best.fact?.fraction, heard: heard, evidence: evidence(best),
                                  isLanguage: isLanguage))
            }
            return Entry(label: label, state: .missing, fraction: nil, heard: nil, evidence: nil, isLanguage: isLanguage)
        }

        // An aimed zone with no output, unit or record of its own is shown through the zones
        // below it that are listed (a township through its villages); alone, it is listed itself.
        var played: Set<String> = []
        for source in records {
            played.insert(source.record.zone)
            for fact in source.record.segments ?? [] { played.insert(fact.zone ?? source.record.zone) }
        }
        let listed = order
        order.removeAll { zone in
            !query.placed.contains(zone) && !played.contains(zone)
                && listed.contains { $0 != zone && tree.zone($0, isWithin: zone) }
        }
        // A civil-defence signal has no languages: the zone hears the signal or not.
        let signalOnly = !records.isEmpty && records.allSatisfy { $0.record.isSiren }
        var zones: [Zone] = []
        for zone in order {
            let current = signalOnly ? [] : tree[zone]?.languages ?? []
            // The languages planned then: what the zone's records planned; a zone no record
            // planned for has only its present languages to go by.
            let planned = plannedThen[zone] ?? current
            var entries = planned.map { entry(zone, $0, isLanguage: true) }
            entries += (zoneParts[zone] ?? (signalOnly ? ["siren"] : [])).map { entry(zone, $0, isLanguage: false) }
            for language in current where !planned.contains(language) {
                entries.append(Entry(label: language, state: .notPlannedThen, fraction: nil, heard: nil, evidence: nil,
                                     isLanguage: true))
            }
            zones.append(Zone(zone: zone, aimed: query.aimed.contains(zone), entries: entries))
        }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        zones.sort { a, b in
            a.worst.rank != b.worst.rank ? a.worst.rank < b.worst.rank : position[a.zone]! < position[b.zone]!
        }
        let monitored = zones.contains { $0.entries.contains { $0.heard != nil } }
            || query.monitored.contains { m in order.contains { m == $0 || tree.zone(m, isWithin: $0) } }
        return BroadcastCoverage(zones: zones, monitored: monitored)
    }
}
extension BroadcastCoverage.State: WireName {}
