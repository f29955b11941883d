// The desk's map (SPEC 16, issue 28): an SVG drawn here from the zones' areas (their GeoJSON in the
// configuration), each zone coloured by the state of the units and loudspeakers serving it, the
// units' last positions and the vans' tracks of a day. No tiles, nothing from the network: the
// office may be offline.

import Foundation
import LabaCore

enum DeskMap {
    /// What a zone's colour says. By unit state now; coverage (issue 28's other half) adds its own.
    enum Colouring: String, Sendable {
        case units
    }

    /// A zone's state for `.units`: every unit and loudspeaker serving it (or a zone below it)
    /// online, some of them offline, all offline, or none there.
    enum ZoneState: String, Sendable {
        case online, partial, offline, none
    }

    /// A unit (or the office's loudspeaker) on the map.
    struct Place: Sendable {
        var id: String
        var online: Bool
        var zones: [String]
        /// Its last position, when it has one.
        var position: GeoPoint?
    }

    /// A van's positions of the day, in time order.
    struct Track: Sendable {
        var unit: String
        var points: [GeoPoint]
    }

    struct Drawn {
        var svg: String
        /// The zones without an area (not drawn), in tree order.
        var withoutArea: [String]
        var states: [String: ZoneState]
    }

    static func states(tree: ZoneTree, places: [Place]) -> [String: ZoneState] {
        var out: [String: ZoneState] = [:]
        for zone in tree.ids {
            let here = places.filter { $0.zones.contains { tree.zone($0, isWithin: zone) } }
            let online = here.filter(\.online).count
            out[zone] = here.isEmpty ? ZoneState.none : online == here.count ? .online : online == 0 ? .offline : .partial
        }
        return out
    }

    static let fills: [ZoneState: String] = [.online: "#5fae6e", .partial: "#e0a53a", .offline: "#d0564c", .none: "#c3cad2"]

    /// The SVG of `map`'s areas coloured by `states`, the places' positions and the tracks, with
    /// each zone's name as its title (a pointer's tooltip, a screen reader's words).
    static func draw(map: ZoneMap, names: (String) -> String, states: [String: ZoneState], places: [Place], tracks: [Track]) -> Drawn {
        let tree = map.tree
        let withoutArea = tree.ids.filter { map.areas[$0] == nil }
        var minLat = Double.infinity, maxLat = -Double.infinity, minLon = Double.infinity, maxLon = -Double.infinity
        func include(_ p: GeoPoint) {
            minLat = min(minLat, p.lat)
            maxLat = max(maxLat, p.lat)
            minLon = min(minLon, p.lon)
            maxLon = max(maxLon, p.lon)
        }
        for area in map.areas.values { for polygon in area.polygons { polygon.outer.points.forEach(include) } }
        for place in places { place.position.map(include) }
        for track in tracks { track.points.forEach(include) }
        guard minLat <= maxLat, minLon <= maxLon else {
            return Drawn(svg: "", withoutArea: withoutArea, states: states)
        }
        // Equirectangular, a degree of longitude shortened by the cosine of the middle latitude.
        let scaleX = cos((minLat + maxLat) / 2 * .pi / 180)
        let spanX = max((maxLon - minLon) * scaleX, 1e-6), spanY = max(maxLat - minLat, 1e-6)
        let width = 1000.0, margin = 20.0
        let unit = (width - 2 * margin) / spanX
        let height = spanY * unit + 2 * margin
        func x(_ p: GeoPoint) -> Double { margin + (p.lon - minLon) * scaleX * unit }
        func y(_ p: GeoPoint) -> Double { margin + (maxLat - p.lat) * unit }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var svg = ##"<svg id="map-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(f(width)) \##(f(height))" role="img">"##
        // Shallow zones first, so that a township is drawn over its county.
        let drawn = tree.ids.filter { map.areas[$0] != nil }.sorted { tree.depth(of: $0) < tree.depth(of: $1) }
        for zone in drawn {
            guard let area = map.areas[zone] else { continue }
            let state = states[zone] ?? .none
            var d = ""
            for polygon in area.polygons {
                for ring in polygon.rings where !ring.points.isEmpty {
                    d += "M" + ring.points.map { "\(f(x($0))),\(f(y($0)))" }.joined(separator: "L") + "Z"
                }
            }
            svg += ##"<path id="zone-\##(escape(zone))" class="zone" data-state="\##(state.rawValue)" fill="\##(fills[state]!)" "##
                + ##"fill-opacity="0.75" fill-rule="evenodd" stroke="#34495e" stroke-width="2" d="\##(d)"><title>\##(escape(names(zone)))</title></path>"##
        }
        // Names at the middle of each area's box.
        for zone in drawn {
            guard let area = map.areas[zone], let first = area.polygons.first else { continue }
            let points = first.outer.points
            let mid = GeoPoint(lat: (points.map(\.lat).min()! + points.map(\.lat).max()!) / 2,
                               lon: (points.map(\.lon).min()! + points.map(\.lon).max()!) / 2)
            svg += ##"<text x="\##(f(x(mid)))" y="\##(f(y(mid)))" text-anchor="middle" font-size="28" fill="#1b1f23">\##(escape(names(zone)))</text>"##
        }
        for track in tracks where track.points.count > 1 {
            svg += ##"<polyline class="track" data-unit="\##(escape(track.unit))" fill="none" stroke="#0b63c4" stroke-width="4" "##
                + ##"stroke-dasharray="10 6" points="\##(track.points.map { "\(f(x($0))),\(f(y($0)))" }.joined(separator: " "))"/>"##
        }
        for place in places {
            guard let p = place.position else { continue }
            svg += ##"<circle class="unit" data-unit="\##(escape(place.id))" data-state="\##(place.online ? "online" : "offline")" "##
                + ##"cx="\##(f(x(p)))" cy="\##(f(y(p)))" r="10" fill="\##(place.online ? "#1d7a36" : "#b3261e")" stroke="#fff" stroke-width="3">"##
                + ##"<title>\##(escape(place.id))</title></circle>"##
        }
        svg += "</svg>"
        return Drawn(svg: svg, withoutArea: withoutArea, states: states)
    }
}
