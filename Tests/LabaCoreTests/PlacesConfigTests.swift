import Foundation
import Testing
@testable import LabaCore

/// `laba check` on places: planted errors in areas (inline and in GeoJSON files), codes, gps and
/// alerts, each found at its file, line and column.
@Suite struct PlacesConfigTests {
    /// Writes `files` into a fresh folder and loads `yaml` as `laba.yaml` there.
    static func loadWith(_ yaml: String, files: [String: String] = [:]) throws -> (ConfigLoadResult, String) {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("laba-places-XXXXXX").utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try yaml.write(toFile: dir + "/laba.yaml", atomically: true, encoding: .utf8)
        return (ConfigLoader.load(path: dir + "/laba.yaml"), dir)
    }

    static let base = """
        outputs:
          - {id: van, device: hw, zone: county, follow: gps}
        zones:
          - id: county
            code: "530721000000"
            area: areas/county.geojson
          - id: west
            parent: county
            code: "530721101000"
            area: [[100.0, 26.8], [100.1, 26.8], [100.1, 26.9], [100.0, 26.9], [100.0, 26.8]]

        """

    /// The county, pretty-printed as tools write GeoJSON (a Feature in a FeatureCollection).
    static let county = """
        {
          "type": "FeatureCollection",
          "features": [
            {
              "type": "Feature",
              "properties": {"name": "玉龙县", "adcode": 530721},
              "geometry": {
                "type": "Polygon",
                "coordinates": [
                  [[100.0, 26.7], [100.4, 26.7], [100.4, 27.1], [100.0, 27.1], [100.0, 26.7]]
                ]
              }
            }
          ]
        }
        """

    @Test func theExampleShapesAreValid() throws {
        let (loaded, dir) = try Self.loadWith(Self.base, files: ["areas/county.geojson": Self.county])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let config = try #require(loaded.config)
        #expect(config.zones[0].place.area?.area.polygons.count == 1)
        #expect(config.zones[0].place.area?.file == dir + "/areas/county.geojson")
        #expect(config.outputs[0].follow?.value == .gps)
    }

    struct Planted: CustomTestStringConvertible, Sendable {
        var name: String
        /// Appended to `base` (zones go on under `zones:`).
        var yaml: String = ""
        /// A replacement in `base`.
        var edit: (String, String)?
        var county: String = PlacesConfigTests.county
        /// The file, relative to the folder, or "laba.yaml".
        var file: String
        var line: Int
        var column: Int
        var severity: Diagnostic.Severity = .error
        var message: String
        var testDescription: String { name }
    }

    static let planted: [Planted] = [
        .init(name: "a ring not closed, in a GeoJSON file",
              county: county.replacingOccurrences(of: "[100.0, 27.1], [100.0, 26.7]]", with: "[100.0, 27.1]]"),
              file: "areas/county.geojson", line: 10, column: 57,
              message: "the ring is not closed: its last position [100, 27.1] differs from its first [100, 26.7]; repeat the first position at the end"),
        .init(name: "coordinates swapped (lat, lon) in a GeoJSON file",
              county: county.replacingOccurrences(of: "[100.4, 27.1]", with: "[27.1, 100.4]"),
              file: "areas/county.geojson", line: 10, column: 42,
              message: "position [27.1, 100.4] is off the globe: latitude must be within ±90 and longitude within ±180; GeoJSON lists [longitude, latitude]: these look swapped"),
        .init(name: "not a polygon", county: county.replacingOccurrences(of: "\"Polygon\"", with: "\"LineString\""),
              file: "areas/county.geojson", line: 8, column: 17,
              message: "an area must be a GeoJSON Polygon or MultiPolygon (or a Feature of one), found 'LineString'"),
        .init(name: "broken JSON", county: county.replacingOccurrences(of: "\"coordinates\": [", with: "\"coordinates\" [",),
              file: "areas/county.geojson", line: 9, column: 23,
              message: "YAML syntax: while parsing a flow mapping: did not find expected ',' or '}'"),
        .init(name: "a self-intersecting inline ring", yaml: """
                - id: east
                  parent: county
                  area: [[100.2, 26.8], [100.3, 26.9], [100.3, 26.8], [100.2, 26.9], [100.2, 26.8]]
              """, file: "laba.yaml", line: 13, column: 42,
              message: "the ring crosses itself: its edge from position 1 [100.2, 26.8] meets its edge from position 3 [100.3, 26.8]"),
        .init(name: "a ring of three positions", yaml: """
                - id: east
                  parent: county
                  area: [[100.2, 26.8], [100.3, 26.9], [100.2, 26.8]]
              """, file: "laba.yaml", line: 13, column: 12,
              message: "a ring needs at least 4 positions (3 corners and the first repeated at the end), found 3"),
        .init(name: "an area outside its parent's", yaml: """
                - id: east
                  parent: county
                  area: [[101.0, 26.8], [101.1, 26.8], [101.1, 26.9], [101.0, 26.9], [101.0, 26.8]]
              """, file: "laba.yaml", line: 13, column: 11,
              message: "the area of zone 'east' lies outside the area of 'county', which contains it in the zone tree"),
        .init(name: "an area sticking out of its parent's", yaml: """
                - id: east
                  parent: county
                  area: [[100.3, 26.8], [100.5, 26.8], [100.5, 26.9], [100.3, 26.9], [100.3, 26.8]]
              """, file: "laba.yaml", line: 13, column: 11, severity: .warning,
              message: "50% of the area of zone 'east' lies outside the area of 'county'"),
        .init(name: "overlapping siblings", yaml: """
                - id: east
                  parent: county
                  area: [[100.05, 26.8], [100.15, 26.8], [100.15, 26.9], [100.05, 26.9], [100.05, 26.8]]
              """, file: "laba.yaml", line: 13, column: 11, severity: .warning,
              message: "the areas of zones 'west' and 'east' overlap by about 54.91 km² (50% of the smaller): a position there is in both"),
        .init(name: "a duplicate code", yaml: """
                - id: east
                  parent: county
                  code: "530721101000"
              """, file: "laba.yaml", line: 13, column: 11, message: "duplicate code 530721101000 (first given at 9:11)"),
        .init(name: "a code of 6 digits", yaml: """
                - id: east
                  parent: county
                  code: "530721"
              """, file: "laba.yaml", line: 13, column: 11,
              message: "code must be a 12-digit administrative area code such as \"530721101000\", found '530721'"),
        .init(name: "a missing area file", yaml: """
                - id: east
                  parent: county
                  area: areas/east.geojson
              """, file: "laba.yaml", line: 13, column: 11, message: "area: DIR/areas/east.geojson does not exist"),
        .init(name: "follow: something else", edit: ("follow: gps", "follow: radio"), file: "laba.yaml", line: 2, column: 49,
              message: "follow must be gps (the zone follows the unit's position), found 'radio'"),
        .init(name: "gps.gpsd not HOST:PORT", yaml: "gps: {gpsd: \"localhost:gps\"}\n", file: "laba.yaml", line: 11, column: 13,
              message: "gps.gpsd must be HOST:PORT such as \"127.0.0.1:2947\", found 'localhost:gps'"),
        .init(name: "a priority that is not manual or emergency", yaml: """
              alerts:
                events:
                  - {event: 地震, message: quake, priority: scheduled}
                languages: {zh-CN: mandrin}
              """, file: "laba.yaml", line: 13, column: 45, message: "priority must be manual or emergency, found 'scheduled'"),
        .init(name: "an alert language that does not exist", yaml: """
              alerts:
                languages: {zh-CN: mandrin}
              """, file: "laba.yaml", line: 12, column: 22, message: "unknown language 'mandrin'; did you mean 'mandarin'?"),
        .init(name: "repeat_count without repeat_every", yaml: """
              alerts:
                events:
                  - {event: 地震, message: quake, repeat_count: 3}
              """, file: "laba.yaml", line: 13, column: 49, message: "repeat_count 3 needs repeat_every (the time between plays)"),
    ]

    @Test(arguments: planted) func plantedErrorsAreFoundAtTheirPlace(_ c: Planted) throws {
        let base = c.edit.map { Self.base.replacingOccurrences(of: $0.0, with: $0.1) } ?? Self.base
        let (loaded, dir) = try Self.loadWith(base + c.yaml, files: ["areas/county.geojson": c.county])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/" + c.file
        let found = loaded.diagnostics.filter { $0.severity == c.severity }
        let expected = Diagnostic(c.severity, at: SourceLocation(file: file, line: c.line, column: c.column),
                                  c.message.replacingOccurrences(of: "DIR", with: dir))
        // By what a reader sees: a file's problem also carries its catalogue code.
        #expect(found.map(\.description).contains(expected.description), "\(loaded.diagnostics.map(\.description).joined(separator: "\n"))")
    }
}
