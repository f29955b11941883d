// The zone tree and inheritance: a zone's own value wins, then the nearest ancestor's, then `defaults`.

/// A zone with every inherited setting and schedule entry filled in.
public struct ResolvedZone: Sendable {
    public var id: String
    public var name: String
    public var parent: String?
    /// Nearest first.
    public var ancestors: [String]
    public var languages: [String]
    public var gap: TimeSpan
    public var chime: String?
    public var loudness: LoudnessTarget
    public var volumeDB: Double
    public var quietHours: QuietHours?
    /// Night volume: windows of the day that lower what plays (empty: none).
    public var volumeSchedule: [VolumeWindow] = []
    /// The entries that apply here: the root's first, this zone's own last.
    public var entries: [ScheduleEntry]
}

public struct ZoneTree: Sendable {
    public static let defaultLanguages = ["mandarin"]
    public static let defaultGap = TimeSpan.seconds(1)
    public static let defaultLoudness = LoudnessTarget.lufs(-16)

    /// Zones in the order the file declares them.
    public private(set) var zones: [ResolvedZone] = []
    private var index: [String: Int] = [:]
    private var children: [String: [String]] = [:]

    /// Resolves inheritance. Unknown parents and cycles, which the validator reports, are cut.
    public init(_ config: Config) {
        var byID: [String: ZoneConfig] = [:]
        for zone in config.zones where byID[zone.id.value] == nil { byID[zone.id.value] = zone }

        for zone in config.zones where index[zone.id.value] == nil {
            var chain: [ZoneConfig] = [zone]  // this zone, then its ancestors
            var seen: Set<String> = [zone.id.value]
            while let parentID = chain.last!.parent?.value, let parent = byID[parentID], !seen.contains(parentID) {
                chain.append(parent)
                seen.insert(parentID)
            }
            // A zone caught in a cycle keeps no parent.
            let cyclic = chain.last!.parent.map { seen.contains($0.value) } ?? false
            if cyclic { chain = [zone] }
            let layers = chain.map(\.settings) + [config.defaults]
            func nearest<T>(_ key: (ZoneSettings) -> Located<T>?) -> T? {
                for layer in layers { if let v = key(layer) { return v.value } }
                return nil
            }
            let resolved = ResolvedZone(
                id: zone.id.value,
                name: zone.name ?? zone.id.value,
                parent: cyclic ? nil : zone.parent.flatMap { byID[$0.value] == nil ? nil : $0.value },
                ancestors: chain.dropFirst().map(\.id.value),
                languages: nearest(\.languages)?.map(\.value) ?? Self.defaultLanguages,
                gap: nearest(\.gap) ?? Self.defaultGap,
                chime: nearest(\.chime) ?? nil,
                loudness: nearest(\.loudness) ?? Self.defaultLoudness,
                volumeDB: nearest(\.volumeDB) ?? 0,
                quietHours: nearest(\.quietHours) ?? nil,
                volumeSchedule: nearest(\.volumeSchedule) ?? [],
                entries: chain.reversed().flatMap(\.schedule))
            index[resolved.id] = zones.count
            zones.append(resolved)
            if let parent = resolved.parent { children[parent, default: []].append(resolved.id) }
        }
    }

    public subscript(id: String) -> ResolvedZone? { index[id].map { zones[$0] } }

    public var ids: [String] { zones.map(\.id) }

    /// Whether `zone` is `ancestor` or lies below it.
    public func zone(_ zone: String, isWithin ancestor: String) -> Bool {
        guard let z = self[zone] else { return false }
        return z.id == ancestor || z.ancestors.contains(ancestor)
    }

    /// `id` and every zone below it, depth first in file order.
    public func subtree(of id: String) -> [String] {
        guard self[id] != nil else { return [] }
        var out = [id]
        for child in children[id] ?? [] { out += subtree(of: child) }
        return out
    }

    /// Depth in the tree: 0 for a root.
    public func depth(of id: String) -> Int { self[id]?.ancestors.count ?? 0 }
}
