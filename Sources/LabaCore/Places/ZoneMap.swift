// The zones on the map: which zone a position is in, which zones an alert's area reaches, which
// zones an administrative code names.

/// A shape of a CAP `<area>`.
public enum AlertShape: Hashable, Sendable {
    case polygon(Area)
    case circle(Circle)

    func intersects(_ area: Area) -> Bool {
        switch self {
        case .polygon(let p): Geometry.intersects(p, area)
        case .circle(let c): Geometry.intersects(c, area)
        }
    }
}

public struct ZoneMap: Sendable {
    public let tree: ZoneTree
    /// The zones that have an area (a valid one), by id.
    public private(set) var areas: [String: Area] = [:]
    /// zone → its 12-digit code.
    public private(set) var codes: [String: String] = [:]
    private var children: [String: [String]] = [:]
    private var roots: [String] = []

    public init(_ config: Config, tree: ZoneTree? = nil) {
        let tree = tree ?? ZoneTree(config)
        self.tree = tree
        for zone in config.zones {
            let id = zone.id.value
            guard tree[id] != nil, areas[id] == nil, codes[id] == nil else { continue }
            if let area = zone.place.area, PlacesValidator.ringProblems(area).isEmpty { areas[id] = area.area }
            if let code = zone.place.code { codes[id] = code.value }
        }
        for zone in tree.zones {
            if let parent = zone.parent { children[parent, default: []].append(zone.id) } else { roots.append(zone.id) }
        }
    }

    public var hasAreas: Bool { !areas.isEmpty }

    /// Every zone whose area holds `p` (its border included), in file order.
    public func zones(containing p: GeoPoint) -> [String] {
        tree.ids.filter { areas[$0].map { Geometry.contains($0, p) } ?? false }
    }

    /// The deepest zone whose area holds `p`. Between zones of equal depth (a position on a shared
    /// border), `preferring` keeps its zone, else the first in the file wins.
    public func deepestZone(containing p: GeoPoint, preferring: String? = nil) -> String? {
        let found = zones(containing: p)
        guard let depth = found.map({ tree.depth(of: $0) }).max() else { return nil }
        let deepest = found.filter { tree.depth(of: $0) == depth }
        if let preferring, deepest.contains(preferring) { return preferring }
        return deepest.first
    }

    /// The zones an alert's shapes reach: the deepest zones whose area they intersect. A zone whose
    /// children all have areas is reached through them, not as a whole; one whose children do not
    /// all have areas is reached as a whole (its outputs below, with or without areas, hear it).
    /// When shapes touch a zone only in the gaps between its children's hand-drawn areas, the zone
    /// is reached as a whole rather than nobody.
    public func reach(_ shapes: [AlertShape]) -> [String] {
        guard !shapes.isEmpty else { return [] }
        var memo: [String: Bool] = [:]
        func hit(_ zone: String) -> Bool {
            if let known = memo[zone] { return known }
            let result = areas[zone].map { area in shapes.contains { $0.intersects(area) } } ?? false
            memo[zone] = result
            return result
        }
        func reach(_ zone: String) -> [String] {
            let kids = children[zone] ?? []
            let hasArea = areas[zone] != nil
            if hasArea, !hit(zone) { return [] }
            if !kids.isEmpty, kids.allSatisfy({ areas[$0] != nil }) {
                let below = kids.flatMap(reach)
                return below.isEmpty && hasArea ? [zone] : below
            }
            if hasArea { return [zone] }
            return kids.flatMap(reach)
        }
        return roots.flatMap(reach)
    }

    /// The zones a CAP `<geocode>` value names: a 12-digit code the zone with that code, a 6- or
    /// 9-digit code every zone whose code it prefixes (a county's code reaches its townships),
    /// reduced to the top-most of them (a broadcast to a zone reaches every zone below it).
    public func zones(matchingGeocode value: String) -> [String] {
        let digits = value.trimmingCharacters(in: .whitespaces)
        guard [6, 9, 12].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return [] }
        let matched = tree.ids.filter { id in codes[id].map { $0.hasPrefix(digits) } ?? false }
        return matched.filter { id in !matched.contains { $0 != id && tree.zone(id, isWithin: $0) } }
    }

    /// Whether `value` has the form of an administrative code this map matches (6, 9 or 12 digits).
    public static func isAdministrativeCode(_ value: String) -> Bool {
        let digits = value.trimmingCharacters(in: .whitespaces)
        return [6, 9, 12].contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
