// The configuration of places (SPEC 13): a zone's `code` and `area`, an output's `follow: gps`,
// and the `gps:` and `alerts:` sections. Read with positions, as the rest of the file; an area in a
// GeoJSON file is read with Yams too (JSON is YAML), so that its errors name the file's own line
// and column.

import Foundation
import Yams

/// A zone's place on the map.
public struct ZonePlace: Sendable {
    /// A 12-digit administrative area code (GB/T 2260 extended to townships and villages).
    public var code: Located<String>?
    /// The zone's area, once read (from the file or inline).
    public var area: ZoneArea?
    /// `area:` as written: a file name, read after the zone (relative to the configuration's folder).
    var areaFile: Located<String>?

    public init() {}

    static let keys = ["code", "area"]
}

/// An area with the place of each of its positions, for diagnostics.
public struct ZoneArea: Sendable {
    public var area: Area
    /// Where each position is written: [polygon][ring][position].
    public var locations: [[[SourceLocation]]]
    /// The `area:` value in the configuration.
    public var location: SourceLocation
    /// The GeoJSON file, when the area is not inline.
    public var file: String?

    /// Where a ring starts (its first position), or the `area:` value.
    func location(polygon: Int, ring: Int, position: Int = 0) -> SourceLocation {
        let ringLocations = locations[polygon][ring]
        return position < ringLocations.count ? ringLocations[position] : (ringLocations.first ?? location)
    }
}

/// How an output chooses its zone.
public enum FollowMode: String, Sendable, CaseIterable {
    /// Its position from gpsd, through the zones' areas.
    case gps
}

/// `gps:` — where gpsd listens and how long a unit stays in a new zone before it switches.
public struct GPSConfig: Sendable {
    public var gpsd: Located<String>?
    public var dwell: Located<TimeSpan>?
    public var location: SourceLocation

    public static let defaultAddress = "127.0.0.1:2947"
    public static let defaultDwell = TimeSpan.seconds(30)

    public var address: String { gpsd?.value ?? Self.defaultAddress }
    public var dwellSpan: TimeSpan { dwell?.value ?? Self.defaultDwell }

    /// The host and port of `address` (`host:port`, `[v6]:port`; the port defaults to 2947).
    public var hostAndPort: (host: String, port: Int) { Self.split(address) ?? ("127.0.0.1", 2947) }

    public static func split(_ text: String) -> (host: String, port: Int)? {
        var host = text, port = 2947
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else { return nil }
            port = p
        }
        guard !host.isEmpty, (1...65535).contains(port), !host.contains(where: \.isWhitespace) else { return nil }
        return (host, port)
    }

    static let keys = ["gpsd", "dwell"]
}

/// One CAP event the unit plays: `{event, message, priority, repeat_every, repeat_count}`.
public struct AlertEvent: Sendable {
    /// Matched against an `<info>`'s `<event>` and its `<eventCode>` values.
    public var event: Located<String>
    public var message: Located<String>
    /// Nil: emergency when the alert's severity is Extreme or its urgency Immediate, else manual.
    public var priority: Located<Priority>?
    public var repeatEvery: Located<TimeSpan>?
    public var repeatCount: Located<Int>?
    public var location: SourceLocation

    public var plays: Int { repeatCount?.value ?? 1 }

    static let keys = ["event", "message", "priority", "repeat_every", "repeat_count"]
}

/// `alerts:` — CAP 1.2 alerts from a folder, the API and the fleet.
public struct AlertsConfig: Sendable {
    /// The folder watched for CAP files, absolute (resolved against the configuration's folder).
    public var watch: Located<String>?
    public var drills: Located<Bool>?
    public var events: [AlertEvent] = []
    /// CAP language tag (`zh-CN`) → language id.
    public var languages: [(tag: Located<String>, language: Located<String>)] = []
    /// `geocodes:` as written; nil when the key is absent (`acceptedGeocodes` is then the default).
    public var geocodes: [GeocodeKind]?
    public var location: SourceLocation

    public var playsDrills: Bool { drills?.value ?? false }

    /// The kinds of `<geocode>` matched against the zones' codes: `geocodes`, else China's
    /// administrative area codes only.
    public var acceptedGeocodes: [GeocodeKind] { geocodes ?? GeocodeKind.chineseAdministrative }

    static let keys = ["watch", "drills", "events", "languages", "geocodes"]
}

/// `alerts.geocodes`: a `<geocode>` whose `<valueName>` is `valueName` and whose value has one of
/// `digits` digits is an administrative area code, matched against the zones' `code`s (a 6- or
/// 9-digit code reaches every zone whose code it prefixes). Geocodes of any other name are left
/// out: a US SAME code `530111` is not the Chinese county 530111.
public struct GeocodeKind: Equatable, Sendable {
    public var valueName: String
    public var digits: [Int]
    public var location: SourceLocation?

    public init(valueName: String, digits: [Int], location: SourceLocation? = nil) {
        self.valueName = valueName
        self.digits = digits
        self.location = location
    }

    /// The default: China's administrative division codes (GB/T 2260, and the 9- and 12-digit
    /// township and village codes that extend them).
    public static let chineseAdministrative = [GeocodeKind(valueName: "GB/T 2260", digits: [6, 9, 12])]

    /// The lengths a code may have: those of a county (6), a township (9) and a village (12).
    public static let lengths = [6, 9, 12]

    /// Whether a `<geocode>` is of this kind: the same value name (letter case and spaces around
    /// aside) and a value of that many ASCII digits.
    public func accepts(valueName name: String, value: String) -> Bool {
        isNamed(name) && digits.contains(value.count) && value.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Whether a `<valueName>` names this kind (letter case and spaces around aside).
    public func isNamed(_ name: String) -> Bool {
        name.trimmingCharacters(in: .whitespaces).lowercased() == valueName.lowercased()
    }

    static let keys = ["value_name", "digits"]
}

extension ConfigLoader {
    /// `code:` and `area:` of a zone; an area file is read later, by `loadAreas`.
    static func readPlace(_ f: Fields, _ reader: inout NodeReader) -> ZonePlace {
        var place = ZonePlace()
        if let n = f["code"], let code = reader.string(n, "code") {
            if code.value.count == 12, code.value.allSatisfy({ $0.isASCII && $0.isNumber }) {
                place.code = code
            } else {
                reader.reject(code, "code must be a 12-digit administrative area code such as \"530721101000\", "
                              + "found '\(code.value)'", code: "invalid_format", what: "code",
                              ["format": "area_code", "example": "530721101000", "value": code.value])
            }
        }
        if let n = f["area"] {
            if case .sequence = n {
                if let ring = readRing(n, &reader, what: "area") {
                    place.area = ZoneArea(area: Area([Polygon(outer: Ring(ring.points))]), locations: [[ring.locations]],
                                          location: reader.location(n), file: nil)
                }
            } else if let file = reader.string(n, "area") {
                place.areaFile = file
            }
        }
        return place
    }

    /// Reads the GeoJSON files the zones name, relative to `directory`.
    static func loadAreas(_ zones: inout [ZoneConfig], directory: String, _ reader: inout NodeReader) {
        for i in zones.indices {
            guard let file = zones[i].place.areaFile else { continue }
            let path = file.value.hasPrefix("/") ? file.value : (directory as NSString).appendingPathComponent(file.value)
            let text: String
            do {
                text = try ConfigFiles.text(path, limit: 256 << 20)
            } catch {
                reader.append(.file(error, key: "area", path: path, at: file.location))
                continue
            }
            var geo = NodeReader(file: path, text: text)
            if var area = readGeoJSON(text, file: path, &geo) {
                area.location = file.location
                zones[i].place.area = area
            }
            for d in geo.diagnostics { reader.append(d) }
        }
    }

    /// A GeoJSON Polygon or MultiPolygon, bare or in a Feature or a FeatureCollection.
    static func readGeoJSON(_ text: String, file: String, _ reader: inout NodeReader) -> ZoneArea? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            reader.append(syntaxDiagnostic(error, file: file))
            return nil
        }
        guard let root else {
            reader.error("the area file is empty", at: SourceLocation(file: file, line: 1, column: 1), code: "empty_file")
            return nil
        }
        var polygons: [(Polygon, [[SourceLocation]])] = []
        collectGeometry(root, &reader, into: &polygons)
        guard !polygons.isEmpty else { return nil }
        return ZoneArea(area: Area(polygons.map(\.0)), locations: polygons.map(\.1), location: reader.location(root), file: file)
    }

    /// GeoJSON allows members of its own (`properties`, `id`, foreign members): only the ones
    /// that make the geometry are read.
    private static func collectGeometry(_ node: Node, _ reader: inout NodeReader, into polygons: inout [(Polygon, [[SourceLocation]])]) {
        guard case .mapping(let mapping) = node else {
            reader.error("a GeoJSON object must be a mapping ({\"type\": ...})", at: reader.location(node), code: "geojson_not_mapping")
            return
        }
        func member(_ key: String) -> Node? { mapping.first { $0.key.scalar?.string == key }?.value }
        guard let typeNode = member("type"), let type = reader.string(typeNode, "type") else {
            if member("type") == nil {
                reader.error("a GeoJSON object needs a type (Polygon, MultiPolygon, Feature)", at: reader.location(node), code: "missing_key",
                             what: "GeoJSON", ["key": "type"])
            }
            return
        }
        func need(_ key: String, _ what: String) -> Node? {
            guard let n = member(key) else {
                reader.error("a \(type.value) needs \(what)", at: type.location, code: "missing_key", what: type.value, ["key": what])
                return nil
            }
            return n
        }
        switch type.value {
        case "FeatureCollection":
            guard let n = need("features", "features"), let features = reader.sequence(n, "features") else { return }
            for feature in features { collectGeometry(feature, &reader, into: &polygons) }
        case "Feature":
            guard let n = need("geometry", "a geometry") else { return }
            collectGeometry(n, &reader, into: &polygons)
        case "Polygon":
            guard let n = need("coordinates", "coordinates") else { return }
            if let polygon = readPolygon(n, &reader) { polygons.append(polygon) }
        case "MultiPolygon":
            guard let n = need("coordinates", "coordinates") else { return }
            for item in reader.sequence(n, "coordinates") ?? [] {
                if let polygon = readPolygon(item, &reader) { polygons.append(polygon) }
            }
        default:
            reader.reject(type, "an area must be a GeoJSON Polygon or MultiPolygon (or a Feature of one), found '\(type.value)'")
        }
    }

    /// `[[ring], [hole], ...]`.
    private static func readPolygon(_ node: Node, _ reader: inout NodeReader) -> (Polygon, [[SourceLocation]])? {
        guard let rings = reader.sequence(node, "a polygon's rings") else { return nil }
        guard !rings.isEmpty else {
            reader.error("a polygon needs at least its outer ring", at: reader.location(node), code: "polygon_no_ring")
            return nil
        }
        var read: [(points: [GeoPoint], locations: [SourceLocation])] = []
        for ring in rings {
            guard let r = readRing(ring, &reader, what: "ring") else { return nil }
            read.append(r)
        }
        return (Polygon(outer: Ring(read[0].points), holes: read.dropFirst().map { Ring($0.points) }), read.map(\.locations))
    }

    /// `[[lon, lat], ...]`: a broken position is an error at its place, and the ring is dropped.
    static func readRing(_ node: Node, _ reader: inout NodeReader, what: String) -> (points: [GeoPoint], locations: [SourceLocation])? {
        guard let items = reader.sequence(node, what) else { return nil }
        var points: [GeoPoint] = []
        var locations: [SourceLocation] = []
        var broken = false
        for item in items {
            guard case .sequence(let pair) = item, (2...3).contains(pair.count) else {
                reader.error("a position must be [longitude, latitude] (GeoJSON order), found \(describe(item))",
                             at: reader.location(item), code: "invalid_position", ["value": describe(item)])
                broken = true
                continue
            }
            guard let lon = reader.number(pair[0], "longitude"), let lat = reader.number(pair[1], "latitude") else {
                broken = true
                continue
            }
            if abs(lat.value) > 90 || abs(lon.value) > 180 {
                let swapped = abs(lon.value) <= 90 && abs(lat.value) <= 180
                reader.error("position [\(text(lon.value)), \(text(lat.value))] is off the globe: latitude must be within ±90 "
                             + "and longitude within ±180"
                             + (swapped ? "; GeoJSON lists [longitude, latitude]: these look swapped" : ""),
                             at: reader.location(item), code: swapped ? "position_swapped" : "position_off_globe",
                             ["value": "[\(text(lon.value)), \(text(lat.value))]"])
                broken = true
                continue
            }
            points.append(GeoPoint(lat: lat.value, lon: lon.value))
            locations.append(reader.location(item))
        }
        if items.isEmpty {
            reader.error("\(what) has no positions", at: reader.location(node), code: "no_positions", what: what)
            return nil
        }
        return broken ? nil : (points, locations)
    }

    private static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .sequence(let s): "a list of \(s.count)"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }

    static func text(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }

    /// `follow:` of an output.
    static func readFollow(_ f: Fields, _ reader: inout NodeReader) -> Located<FollowMode>? {
        guard let n = f["follow"], let text = reader.string(n, "follow") else { return nil }
        guard let mode = FollowMode(rawValue: text.value) else {
            reader.reject(text, "follow must be gps (the zone follows the unit's position), found '\(text.value)'", code: "must_be_choice",
                          what: "follow", ["choices": "gps", "value": text.value])
            return nil
        }
        return Located(mode, at: text.location)
    }

    static func readGPS(_ node: Node, _ reader: inout NodeReader) -> GPSConfig? {
        guard let f = reader.mapping(node, "gps", known: GPSConfig.keys) else { return nil }
        var gps = GPSConfig(location: f.location)
        if let n = f["gpsd"], let address = reader.string(n, "gps.gpsd") {
            if GPSConfig.split(address.value) == nil {
                reader.reject(address, "gps.gpsd must be HOST:PORT such as \"127.0.0.1:2947\", found '\(address.value)'", code: "invalid_format",
                              what: "gps.gpsd", ["format": "host_port", "example": "127.0.0.1:2947", "value": address.value])
            } else {
                gps.gpsd = address
            }
        }
        if let n = f["dwell"], let dwell = reader.timeSpan(n, "gps.dwell") {
            if dwell.value < .zero {
                reader.error("gps.dwell must not be negative", at: dwell.location, code: "negative", what: "gps.dwell")
            } else {
                gps.dwell = dwell
            }
        }
        return gps
    }

    static func readAlerts(_ node: Node, directory: String, _ reader: inout NodeReader) -> AlertsConfig? {
        guard let f = reader.mapping(node, "alerts", known: AlertsConfig.keys) else { return nil }
        var alerts = AlertsConfig(location: f.location)
        if let n = f["watch"], let dir = reader.string(n, "alerts.watch") {
            let path = dir.value.hasPrefix("/") ? dir.value : (directory as NSString).appendingPathComponent(dir.value)
            alerts.watch = Located((path as NSString).standardizingPath, at: dir.location)
        }
        if let n = f["drills"], let text = reader.string(n, "alerts.drills") {
            switch text.value {
            case "true": alerts.drills = Located(true, at: text.location)
            case "false": alerts.drills = Located(false, at: text.location)
            default: reader.reject(text, "alerts.drills must be true or false, found '\(text.value)'", code: "must_be_choice",
                                   what: "alerts.drills", ["choices": "true, false", "value": text.value])
            }
        }
        if let n = f["events"], let items = reader.sequence(n, "alerts.events") {
            for item in items {
                guard let e = reader.mapping(item, "an alert event", known: AlertEvent.keys) else { continue }
                guard let eventNode = e["event"], let event = reader.string(eventNode, "event") else {
                    if e["event"] == nil { reader.missing("an alert event needs event (the CAP <event> or <eventCode>)", in: e, key: "event", of: "an alert event") }
                    continue
                }
                guard let messageNode = e["message"], let message = reader.messageName(messageNode, "message") else {
                    if e["message"] == nil { reader.missing("an alert event needs a message", in: e, key: "message", of: "an alert event") }
                    continue
                }
                var mapped = AlertEvent(event: event, message: message, location: e.location)
                if let n = e["priority"], let p = reader.string(n, "priority") {
                    if let priority = Priority(name: p.value), priority != .scheduled {
                        mapped.priority = Located(priority, at: p.location)
                    } else {
                        reader.reject(p, "priority must be manual or emergency, found '\(p.value)'", code: "must_be_choice", what: "priority",
                                      ["choices": "manual, emergency", "value": p.value])
                    }
                }
                if let n = e["repeat_every"], let span = reader.timeSpan(n, "repeat_every") {
                    if span.value <= .zero {
                        reader.error("repeat_every must be longer than 0, such as 30min", at: span.location, code: "must_be_positive",
                                     what: "repeat_every", ["example": "30min"])
                    } else {
                        mapped.repeatEvery = span
                    }
                }
                mapped.repeatCount = e["repeat_count"].flatMap { reader.integer($0, "repeat_count", in: 1...100) }
                if let count = mapped.repeatCount, count.value > 1, mapped.repeatEvery == nil {
                    reader.error("repeat_count \(count.value) needs repeat_every (the time between plays)", at: count.location,
                                 code: "repeat_count_needs_every")
                }
                alerts.events.append(mapped)
            }
        }
        if let n = f["geocodes"] { alerts.geocodes = readGeocodes(n, &reader) }
        if let n = f["languages"] {
            if case .mapping(let mapping) = n {
                for (key, value) in mapping {
                    guard let tag = reader.string(key, "a language tag"), let language = reader.id(value, "language") else { continue }
                    alerts.languages.append((tag, language))
                }
            } else {
                reader.error("alerts.languages must be a mapping of CAP language tags to languages, such as "
                             + "{zh-CN: mandarin, ii: yi}", at: reader.location(n), code: "alerts_languages_mapping")
            }
        }
        return alerts
    }

    /// `alerts.geocodes: [{value_name: GB/T 2260, digits: [6, 9, 12]}]`; `digits` may be one number.
    static func readGeocodes(_ node: Node, _ reader: inout NodeReader) -> [GeocodeKind]? {
        guard let items = reader.sequence(node, "alerts.geocodes") else { return nil }
        var kinds: [GeocodeKind] = []
        for item in items {
            guard let f = reader.mapping(item, "an alerts.geocodes entry", known: GeocodeKind.keys) else { continue }
            guard let nameNode = f["value_name"], let name = reader.string(nameNode, "value_name") else {
                if f["value_name"] == nil {
                    reader.missing("an alerts.geocodes entry needs value_name (the <valueName> of the geocodes to match, "
                                   + "such as \"GB/T 2260\")", in: f, key: "value_name", of: "an alerts.geocodes entry")
                }
                continue
            }
            let valueName = name.value.trimmingCharacters(in: .whitespaces)
            guard !valueName.isEmpty else {
                reader.error("value_name must not be empty", at: name.location, code: "empty_value", what: "value_name")
                continue
            }
            if let earlier = kinds.first(where: { $0.valueName.lowercased() == valueName.lowercased() }) {
                reader.error("value_name '\(valueName)' is listed twice in alerts.geocodes (first at line \(earlier.location?.line ?? 0))",
                             at: name.location, code: "listed_twice", what: "value_name",
                             ["value": valueName, "line": "\(earlier.location?.line ?? 0)"])
                continue
            }
            guard let digitsNode = f["digits"] else {
                reader.missing("an alerts.geocodes entry needs digits: the lengths of its codes, of 6, 9 and 12", in: f, key: "digits",
                               of: "an alerts.geocodes entry")
                continue
            }
            var digits: [Int] = []
            var bad = false
            let digitNodes: [Node] = if case .sequence(let list) = digitsNode { Array(list) } else { [digitsNode] }
            for d in digitNodes {
                guard let text = reader.string(d, "digits") else {
                    bad = true
                    continue
                }
                guard let n = Int(text.value.trimmingCharacters(in: .whitespaces)), GeocodeKind.lengths.contains(n) else {
                    reader.reject(text, "digits must be 6 (a county), 9 (a township) or 12 (a village), or a list of them, "
                                  + "found '\(text.value)'", code: "invalid_digits", ["value": text.value])
                    bad = true
                    continue
                }
                if !digits.contains(n) { digits.append(n) }
            }
            if digits.isEmpty, !bad { reader.error("digits must list at least one of 6, 9 and 12", at: reader.location(digitsNode), code: "empty_list",
                                                   what: "digits") }
            guard !bad, !digits.isEmpty else { continue }
            kinds.append(GeocodeKind(valueName: valueName, digits: digits.sorted(), location: name.location))
        }
        return kinds
    }
}
