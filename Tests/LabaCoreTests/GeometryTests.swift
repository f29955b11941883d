import Foundation
import Testing
@testable import LabaCore

/// Point in polygon (borders, holes, vertices), rings that cross themselves, intersections of
/// polygons and circles with areas: tables on boxes in degrees (lat, lon).
@Suite struct GeometryTests {
    /// A box from (lat0, lon0) to (lat1, lon1), counter-clockwise, closed.
    static func box(_ lat0: Double, _ lon0: Double, _ lat1: Double, _ lon1: Double) -> Ring {
        Ring([GeoPoint(lat: lat0, lon: lon0), GeoPoint(lat: lat0, lon: lon1), GeoPoint(lat: lat1, lon: lon1),
              GeoPoint(lat: lat1, lon: lon0), GeoPoint(lat: lat0, lon: lon0)])
    }

    static func area(_ ring: Ring, holes: [Ring] = []) -> Area { Area([Polygon(outer: ring, holes: holes)]) }

    /// A 1°×1° box with a hole in its middle (26.4–26.6 N, 100.4–100.6 E).
    static let donut = area(box(26, 100, 27, 101), holes: [box(26.4, 100.4, 26.6, 100.6)])
    /// A ring of another shape: a concave "L".
    static let ell = area(Ring([GeoPoint(lat: 0, lon: 0), GeoPoint(lat: 0, lon: 2), GeoPoint(lat: 1, lon: 2),
                                GeoPoint(lat: 1, lon: 1), GeoPoint(lat: 2, lon: 1), GeoPoint(lat: 2, lon: 0),
                                GeoPoint(lat: 0, lon: 0)]))

    struct PointCase: CustomTestStringConvertible, Sendable {
        var name: String
        var area: Area
        var lat: Double
        var lon: Double
        var expected: Containment
        var testDescription: String { name }
    }

    static let points: [PointCase] = [
        .init(name: "inside", area: donut, lat: 26.2, lon: 100.2, expected: .inside),
        .init(name: "outside, east", area: donut, lat: 26.5, lon: 101.5, expected: .outside),
        .init(name: "outside, level with a vertex", area: donut, lat: 26, lon: 99.5, expected: .outside),
        .init(name: "on the outer border", area: donut, lat: 26.5, lon: 101, expected: .border),
        .init(name: "on a corner", area: donut, lat: 27, lon: 100, expected: .border),
        .init(name: "in the hole", area: donut, lat: 26.5, lon: 100.5, expected: .outside),
        .init(name: "on the hole's border", area: donut, lat: 26.4, lon: 100.5, expected: .border),
        .init(name: "between hole and border", area: donut, lat: 26.5, lon: 100.8, expected: .inside),
        .init(name: "in the L's foot", area: ell, lat: 0.5, lon: 1.5, expected: .inside),
        .init(name: "in the L's missing corner", area: ell, lat: 1.5, lon: 1.5, expected: .outside),
        .init(name: "on the L's inner corner", area: ell, lat: 1, lon: 1, expected: .border),
        .init(name: "level with the L's inner corner, inside", area: ell, lat: 1, lon: 0.5, expected: .inside),
    ]

    @Test(arguments: points) func pointInPolygon(_ c: PointCase) {
        #expect(Geometry.locate(GeoPoint(lat: c.lat, lon: c.lon), in: c.area) == c.expected)
    }

    struct RingCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// lon, lat pairs, as GeoJSON writes them.
        var lonLat: [(Double, Double)]
        var crossing: (Int, Int)?
        var testDescription: String { name }
    }

    static let rings: [RingCase] = [
        .init(name: "a box", lonLat: [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], crossing: nil),
        .init(name: "a bow tie", lonLat: [(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)], crossing: (0, 2)),
        .init(name: "a ring touching itself at a vertex", lonLat: [(0, 0), (2, 0), (1, 1), (2, 2), (0, 2), (1, 1), (0, 0)],
              crossing: (1, 4)),
        .init(name: "a spike folding back", lonLat: [(0, 0), (2, 0), (3, 0), (2, 0.0), (2, 1), (0, 1), (0, 0)], crossing: (0, 2)),
        .init(name: "a repeated position is passed over", lonLat: [(0, 0), (1, 0), (1, 0), (1, 1), (0, 1), (0, 0)], crossing: nil),
        .init(name: "the concave L", lonLat: [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2), (0, 0)], crossing: nil),
    ]

    @Test(arguments: rings) func selfIntersection(_ c: RingCase) {
        let found = Geometry.selfIntersection(Ring(c.lonLat.map { GeoPoint(lat: $0.1, lon: $0.0) }))
        #expect(found?.0 == c.crossing?.0 && found?.1 == c.crossing?.1, "\(String(describing: found))")
    }

    struct ShapeCase: CustomTestStringConvertible, Sendable {
        var name: String
        var shape: AlertShape
        var area: Area
        var expected: Bool
        var testDescription: String { name }
    }

    static let unit = area(box(26, 100, 27, 101))

    static let shapes: [ShapeCase] = [
        .init(name: "a polygon overlapping a corner", shape: .polygon(area(box(26.8, 100.8, 27.2, 101.2))), area: unit, expected: true),
        .init(name: "a polygon inside", shape: .polygon(area(box(26.4, 100.4, 26.6, 100.6))), area: unit, expected: true),
        .init(name: "a polygon around", shape: .polygon(area(box(25, 99, 28, 102))), area: unit, expected: true),
        .init(name: "the same polygon", shape: .polygon(unit), area: unit, expected: true),
        .init(name: "a neighbour sharing a border", shape: .polygon(area(box(27, 100, 28, 101))), area: unit, expected: false),
        .init(name: "a neighbour sharing a corner", shape: .polygon(area(box(27, 101, 28, 102))), area: unit, expected: false),
        .init(name: "a polygon far away", shape: .polygon(area(box(30, 110, 31, 111))), area: unit, expected: false),
        .init(name: "a polygon in the hole", shape: .polygon(area(box(26.45, 100.45, 26.55, 100.55))), area: donut, expected: false),
        .init(name: "a diamond inscribed", shape: .polygon(Area([Polygon(outer: Ring([
            GeoPoint(lat: 26, lon: 100.5), GeoPoint(lat: 26.5, lon: 101), GeoPoint(lat: 27, lon: 100.5),
            GeoPoint(lat: 26.5, lon: 100), GeoPoint(lat: 26, lon: 100.5)]))])), area: unit, expected: true),
        .init(name: "a circle inside", shape: .circle(Circle(center: GeoPoint(lat: 26.5, lon: 100.5), radiusKm: 1)), area: unit, expected: true),
        // 0.05° of longitude at 26.5° N is about 5 km.
        .init(name: "a circle 5 km east reaching over the border",
              shape: .circle(Circle(center: GeoPoint(lat: 26.5, lon: 101.05), radiusKm: 5.5)), area: unit, expected: true),
        .init(name: "a circle 5 km east falling short",
              shape: .circle(Circle(center: GeoPoint(lat: 26.5, lon: 101.05), radiusKm: 4.5)), area: unit, expected: false),
        .init(name: "a circle around the whole", shape: .circle(Circle(center: GeoPoint(lat: 26.5, lon: 100.5), radiusKm: 500)),
              area: unit, expected: true),
        .init(name: "a circle in the hole", shape: .circle(Circle(center: GeoPoint(lat: 26.5, lon: 100.5), radiusKm: 2)),
              area: donut, expected: false),
    ]

    @Test(arguments: shapes) func shapeIntersectsArea(_ c: ShapeCase) {
        #expect(c.shape.intersects(c.area) == c.expected)
    }

    @Test func surfacesInSquareKilometres() {
        // 0.1° × 0.1° at 26.85° N: 11.06 km × 9.93 km.
        let small = Self.area(Self.box(26.8, 100.2, 26.9, 100.3))
        #expect(abs(Geometry.squareKilometres(small) - 109.8) < 0.5)
        // Half of it overlaps a neighbour shifted by 0.05°.
        let shifted = Self.area(Self.box(26.8, 100.25, 26.9, 100.35))
        #expect(abs(Geometry.sharedSquareKilometres(small, shifted) - 54.9) < 1)
        #expect(Geometry.sharedSquareKilometres(small, Self.area(Self.box(26.9, 100.2, 27.0, 100.3))) == 0)
        #expect(Geometry.squareKilometres(Self.donut) < Geometry.squareKilometres(Self.unit))
    }
}
