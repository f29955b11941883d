// Plane geometry on WGS84 degrees, for areas the size of a county: point in polygon (borders and
// holes), intersections of polygons and circles, areas in km². Distances use a local
// equirectangular projection, which is within a fraction of a percent over tens of kilometres;
// the antimeridian and the poles are not a concern here.

import Foundation

/// A position in degrees (WGS84).
public struct GeoPoint: Hashable, Sendable, CustomStringConvertible {
    public var lat: Double
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }

    /// `lat,lon` with six decimals (about 10 cm), as CAP writes a point.
    public var description: String { String(format: "%.6f,%.6f", lat, lon) }
}

/// A closed ring of positions: the first position is repeated at the end.
public struct Ring: Hashable, Sendable {
    public var points: [GeoPoint]

    public init(_ points: [GeoPoint]) { self.points = points }

    /// The edges, from each position to the next (the closing edge included when the ring is closed).
    var edges: some Sequence<(GeoPoint, GeoPoint)> {
        zip(points, points.dropFirst())
    }

    public var bounds: Bounds { Bounds(points) }
}

/// A polygon: an outer ring and holes.
public struct Polygon: Hashable, Sendable {
    public var outer: Ring
    public var holes: [Ring]

    public init(outer: Ring, holes: [Ring] = []) {
        self.outer = outer
        self.holes = holes
    }

    public var rings: [Ring] { [outer] + holes }
    public var bounds: Bounds { outer.bounds }
}

/// A zone's area or an alert's polygon: one or more polygons (a GeoJSON MultiPolygon).
public struct Area: Hashable, Sendable {
    public var polygons: [Polygon]

    public init(_ polygons: [Polygon]) { self.polygons = polygons }

    public var bounds: Bounds { polygons.map(\.bounds).reduce(Bounds.empty) { $0.union($1) } }
}

/// A circle of an alert: a centre and a radius in kilometres (CAP `<circle>`).
public struct Circle: Hashable, Sendable {
    public var center: GeoPoint
    public var radiusKm: Double

    public init(center: GeoPoint, radiusKm: Double) {
        self.center = center
        self.radiusKm = radiusKm
    }
}

/// A bounding box in degrees.
public struct Bounds: Hashable, Sendable {
    public var minLat, maxLat, minLon, maxLon: Double

    public static let empty = Bounds(minLat: .infinity, maxLat: -.infinity, minLon: .infinity, maxLon: -.infinity)

    public init(minLat: Double, maxLat: Double, minLon: Double, maxLon: Double) {
        self.minLat = minLat
        self.maxLat = maxLat
        self.minLon = minLon
        self.maxLon = maxLon
    }

    init(_ points: [GeoPoint]) {
        var b = Bounds.empty
        for p in points {
            b.minLat = min(b.minLat, p.lat)
            b.maxLat = max(b.maxLat, p.lat)
            b.minLon = min(b.minLon, p.lon)
            b.maxLon = max(b.maxLon, p.lon)
        }
        self = b
    }

    public var isEmpty: Bool { minLat > maxLat || minLon > maxLon }

    func union(_ o: Bounds) -> Bounds {
        Bounds(minLat: min(minLat, o.minLat), maxLat: max(maxLat, o.maxLat), minLon: min(minLon, o.minLon),
               maxLon: max(maxLon, o.maxLon))
    }

    func intersection(_ o: Bounds) -> Bounds {
        Bounds(minLat: max(minLat, o.minLat), maxLat: min(maxLat, o.maxLat), minLon: max(minLon, o.minLon),
               maxLon: min(maxLon, o.maxLon))
    }

    func contains(_ p: GeoPoint) -> Bool { p.lat >= minLat && p.lat <= maxLat && p.lon >= minLon && p.lon <= maxLon }

    func overlaps(_ o: Bounds) -> Bool { !intersection(o).isEmpty }
}

/// Where a point lies relative to a ring or an area.
public enum Containment: Equatable, Sendable {
    case outside, border, inside
}

/// Geometry on degrees. Positions within `epsilon` degrees (about a millimetre) of a border are on it.
public enum Geometry {
    static let epsilon = 1e-9
    /// Kilometres per degree of latitude; of longitude at the equator.
    static let kmPerDegreeLat = 110.574
    static let kmPerDegreeLon = 111.320

    // MARK: Points

    /// Where `p` lies relative to one closed ring (crossing number, borders first).
    public static func locate(_ p: GeoPoint, in ring: Ring) -> Containment {
        var inside = false
        for (a, b) in ring.edges {
            if onSegment(p, a, b) { return .border }
            // Half-open on latitude, so that a vertex is counted once.
            if (a.lat > p.lat) != (b.lat > p.lat) {
                let x = a.lon + (p.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon)
                if p.lon < x { inside.toggle() }
            }
        }
        return inside ? .inside : .outside
    }

    /// Where `p` lies relative to a polygon: inside its outer ring and outside its holes; a hole's
    /// border is the polygon's border.
    public static func locate(_ p: GeoPoint, in polygon: Polygon) -> Containment {
        guard polygon.bounds.contains(p) else { return .outside }
        let outer = locate(p, in: polygon.outer)
        if outer != .inside { return outer }
        for hole in polygon.holes {
            switch locate(p, in: hole) {
            case .inside: return .outside
            case .border: return .border
            case .outside: continue
            }
        }
        return .inside
    }

    /// Where `p` lies relative to an area: inside any of its polygons wins over a border.
    public static func locate(_ p: GeoPoint, in area: Area) -> Containment {
        var best = Containment.outside
        for polygon in area.polygons {
            switch locate(p, in: polygon) {
            case .inside: return .inside
            case .border: best = .border
            case .outside: continue
            }
        }
        return best
    }

    /// Whether `p` is in the area, its border included.
    public static func contains(_ area: Area, _ p: GeoPoint) -> Bool { locate(p, in: area) != .outside }

    // MARK: Segments

    /// > 0 when c is left of a→b, < 0 right, 0 on the line (within epsilon, scaled).
    static func orientation(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint) -> Double {
        let v = (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon)
        return abs(v) < epsilon * epsilon ? 0 : v
    }

    static func onSegment(_ p: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Bool {
        guard p.lon >= min(a.lon, b.lon) - epsilon, p.lon <= max(a.lon, b.lon) + epsilon,
              p.lat >= min(a.lat, b.lat) - epsilon, p.lat <= max(a.lat, b.lat) + epsilon else { return false }
        // Distance from the line, in degrees.
        let dx = b.lon - a.lon, dy = b.lat - a.lat
        let length = (dx * dx + dy * dy).squareRoot()
        if length < epsilon { return abs(p.lon - a.lon) < epsilon && abs(p.lat - a.lat) < epsilon }
        return abs(dx * (p.lat - a.lat) - dy * (p.lon - a.lon)) / length < epsilon
    }

    /// Whether two segments share any point (touching and overlapping included).
    static func segmentsTouch(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint, _ d: GeoPoint) -> Bool {
        let o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b)
        if o1 * o2 < 0 && o3 * o4 < 0 { return true }
        return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d)
    }

    /// Whether two segments cross at a point inside both (not at an end, not along a shared line).
    static func segmentsCross(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint, _ d: GeoPoint) -> Bool {
        let o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b)
        return o1 * o2 < 0 && o3 * o4 < 0
    }

    // MARK: Rings

    /// The first pair of edges of a ring that cross or touch other than where neighbours meet, as
    /// indices of their first positions in `ring.points`; nil for a simple ring. A position
    /// repeated at once (a zero-length edge) is passed over. Edges are swept by longitude, so a ring
    /// of thousands of positions is checked in about n log n.
    public static func selfIntersection(_ ring: Ring) -> (Int, Int)? {
        var pts: [GeoPoint] = []
        var index: [Int] = []  // position in `ring.points` of each kept position
        for (i, p) in ring.points.enumerated() where pts.last != p {
            pts.append(p)
            index.append(i)
        }
        let n = pts.count - 1  // edges
        guard n >= 3 else { return nil }
        let order = (0..<n).sorted { min(pts[$0].lon, pts[$0 + 1].lon) < min(pts[$1].lon, pts[$1 + 1].lon) }
        var found: (Int, Int)?
        for (k, i) in order.enumerated() {
            let maxLon = max(pts[i].lon, pts[i + 1].lon)
            for j in order[(k + 1)...] {
                if min(pts[j].lon, pts[j + 1].lon) > maxLon + epsilon { break }
                let (lo, hi) = (min(i, j), max(i, j))
                let hit: Bool
                if hi == lo + 1 || (lo == 0 && hi == n - 1) {
                    // Neighbours share one position: wrong only when one folds back along the other.
                    let (a, s, b) = hi == lo + 1 ? (pts[lo], pts[hi], pts[hi + 1]) : (pts[n - 1], pts[0], pts[1])
                    hit = n > 3 && orientation(a, s, b) == 0 && (onSegment(b, a, s) || onSegment(a, s, b))
                } else {
                    hit = segmentsTouch(pts[lo], pts[lo + 1], pts[hi], pts[hi + 1])
                }
                if hit, found.map({ (lo, hi) < $0 }) ?? true { found = (lo, hi) }
            }
        }
        return found.map { (index[$0.0], index[$0.1]) }
    }

    // MARK: Areas and intersections

    /// Whether two areas share some surface. Sharing only a border (neighbouring zones drawn on the
    /// same line) is not an intersection: edges must cross, or a position of one (a vertex, an edge's
    /// midpoint, an interior point) must lie strictly inside the other.
    public static func intersects(_ a: Area, _ b: Area) -> Bool {
        guard a.bounds.overlaps(b.bounds) else { return false }
        for pa in a.polygons {
            for pb in b.polygons where pa.bounds.overlaps(pb.bounds) {
                if intersects(pa, pb) { return true }
            }
        }
        return false
    }

    static func intersects(_ a: Polygon, _ b: Polygon) -> Bool {
        for ra in a.rings {
            for rb in b.rings {
                for (p, q) in ra.edges {
                    for (r, s) in rb.edges where segmentsCross(p, q, r, s) { return true }
                }
            }
        }
        for (x, y) in [(a, b), (b, a)] {
            for ring in x.rings {
                for (p, q) in ring.edges {
                    if locate(p, in: y) == .inside { return true }
                    let mid = GeoPoint(lat: (p.lat + q.lat) / 2, lon: (p.lon + q.lon) / 2)
                    if locate(mid, in: y) == .inside { return true }
                }
            }
            if let inner = interiorPoint(x), locate(inner, in: y) == .inside { return true }
        }
        return false
    }

    /// Whether a circle covers some of an area: its centre is inside, or a border passes closer
    /// than the radius.
    public static func intersects(_ circle: Circle, _ area: Area) -> Bool {
        if locate(circle.center, in: area) != .outside { return true }
        let projection = Projection(origin: circle.center)
        for polygon in area.polygons {
            for ring in polygon.rings {
                for (a, b) in ring.edges where projection.distance(from: .zero, toSegment: projection.xy(a), projection.xy(b)) < circle.radiusKm {
                    return true
                }
            }
        }
        return false
    }

    /// A point strictly inside a polygon (not on a border, not in a hole), or nil for a degenerate one:
    /// the middle of the widest inside stretch of a horizontal line between two latitudes of vertices.
    public static func interiorPoint(_ polygon: Polygon) -> GeoPoint? {
        let lats = Array(Set(polygon.outer.points.map(\.lat))).sorted()
        guard lats.count >= 2 else { return nil }
        // Try lines between neighbouring vertex latitudes, from the middle outwards.
        let middle = lats.count / 2
        var tries: [Int] = []
        for k in 0..<(lats.count - 1) {
            let i = middle - 1 + (k % 2 == 0 ? k / 2 : -(k / 2 + 1))
            if i >= 0 && i < lats.count - 1 { tries.append(i) }
        }
        for i in tries + Array(0..<(lats.count - 1)) {
            let y = (lats[i] + lats[i + 1]) / 2
            var xs: [Double] = []
            for ring in polygon.rings {
                for (a, b) in ring.edges where (a.lat > y) != (b.lat > y) {
                    xs.append(a.lon + (y - a.lat) / (b.lat - a.lat) * (b.lon - a.lon))
                }
            }
            xs.sort()
            var best: (Double, Double)?
            var k = 0
            while k + 1 < xs.count {
                if xs[k + 1] - xs[k] > (best.map { $0.1 - $0.0 } ?? epsilon) { best = (xs[k], xs[k + 1]) }
                k += 2
            }
            if let best { return GeoPoint(lat: y, lon: (best.0 + best.1) / 2) }
        }
        return nil
    }

    /// An area's surface in km² (holes taken out).
    public static func squareKilometres(_ area: Area) -> Double {
        area.polygons.reduce(0) { total, polygon in
            let projection = Projection(origin: GeoPoint(lat: (polygon.bounds.minLat + polygon.bounds.maxLat) / 2,
                                                         lon: (polygon.bounds.minLon + polygon.bounds.maxLon) / 2))
            let outer = abs(projection.signedArea(polygon.outer))
            return total + max(0, outer - polygon.holes.reduce(0) { $0 + abs(projection.signedArea($1)) })
        }
    }

    /// The surface two areas share, in km², estimated on a grid of `samples` × `samples` points over
    /// the box both cover (exact clipping of arbitrary polygons is not needed to judge a sliver).
    public static func sharedSquareKilometres(_ a: Area, _ b: Area, samples: Int = 64) -> Double {
        let box = a.bounds.intersection(b.bounds)
        guard !box.isEmpty, box.maxLat > box.minLat, box.maxLon > box.minLon else { return 0 }
        let dLat = (box.maxLat - box.minLat) / Double(samples), dLon = (box.maxLon - box.minLon) / Double(samples)
        var hits = 0
        for i in 0..<samples {
            for j in 0..<samples {
                let p = GeoPoint(lat: box.minLat + (Double(i) + 0.5) * dLat, lon: box.minLon + (Double(j) + 0.5) * dLon)
                if locate(p, in: a) != .outside && locate(p, in: b) != .outside { hits += 1 }
            }
        }
        let midLat = (box.minLat + box.maxLat) / 2
        let cellKm2 = dLat * kmPerDegreeLat * dLon * kmPerDegreeLon * cos(midLat * .pi / 180)
        return Double(hits) * cellKm2
    }
}

/// Kilometres east and north of an origin (equirectangular).
struct Projection {
    struct XY: Equatable {
        var x: Double
        var y: Double
        static let zero = XY(x: 0, y: 0)
    }

    let origin: GeoPoint
    let cosLat: Double

    init(origin: GeoPoint) {
        self.origin = origin
        cosLat = cos(origin.lat * .pi / 180)
    }

    func xy(_ p: GeoPoint) -> XY {
        XY(x: (p.lon - origin.lon) * Geometry.kmPerDegreeLon * cosLat, y: (p.lat - origin.lat) * Geometry.kmPerDegreeLat)
    }

    func distance(from p: XY, toSegment a: XY, _ b: XY) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let length2 = dx * dx + dy * dy
        var t = length2 == 0 ? 0 : ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2
        t = max(0, min(1, t))
        let cx = a.x + t * dx - p.x, cy = a.y + t * dy - p.y
        return (cx * cx + cy * cy).squareRoot()
    }

    func signedArea(_ ring: Ring) -> Double {
        var sum = 0.0
        for (a, b) in ring.edges {
            let p = xy(a), q = xy(b)
            sum += p.x * q.y - q.x * p.y
        }
        return sum / 2
    }
}
