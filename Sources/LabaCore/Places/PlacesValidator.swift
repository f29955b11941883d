// `laba check` on places: broken and self-intersecting rings, areas outside their parent's,
// overlapping siblings, duplicate codes, and the gps and alerts sections.

import Foundation

enum PlacesValidator {
    /// Surface two sibling areas may share, or a child may have outside its parent, before it is
    /// said: hand-drawn shared borders always leave slivers. A fraction of the smaller area.
    static let tolerance = 0.02

    static func validate(_ config: Config) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let tree = ZoneTree(config)
        var valid: [String: ZoneArea] = [:]
        var codes: [String: SourceLocation] = [:]
        for zone in config.zones {
            if let code = zone.place.code {
                if let first = codes[code.value] {
                    out.append(.error("duplicate code \(code.value) (first given at \(first.line):\(first.column))", at: code.location,
                                      code: "duplicate_area_code", ["value": code.value, "line": "\(first.line)", "column": "\(first.column)"]))
                } else {
                    codes[code.value] = code.location
                }
            }
            guard let area = zone.place.area else { continue }
            let problems = ringProblems(area)
            out += problems
            if problems.isEmpty, valid[zone.id.value] == nil { valid[zone.id.value] = area }
        }

        // A child's area within its parent's (the nearest ancestor with one).
        for zone in tree.zones {
            guard let area = valid[zone.id] else { continue }
            guard let ancestor = zone.ancestors.first(where: { valid[$0] != nil }), let outer = valid[ancestor] else { continue }
            let own = Geometry.squareKilometres(area.area)
            let shared = Geometry.intersects(area.area, outer.area) ? Geometry.sharedSquareKilometres(area.area, outer.area) : 0
            let where_ = area.file.map { " (\($0))" } ?? ""
            if shared == 0 {
                out.append(.error("the area of zone '\(zone.id)'\(where_) lies outside the area of '\(ancestor)', which contains it "
                                  + "in the zone tree", at: area.location, code: "area_outside_parent",
                                  ["zone": zone.id, "parent": ancestor]))
            } else if own > 0, (own - shared) / own > tolerance {
                out.append(.warning("\(percent((own - shared) / own)) of the area of zone '\(zone.id)'\(where_) lies outside "
                                    + "the area of '\(ancestor)'", at: area.location, code: "area_partly_outside_parent",
                                    ["zone": zone.id, "parent": ancestor, "percent": percent((own - shared) / own)]))
            }
        }

        // Siblings that overlap beyond the tolerance.
        var byParent: [String: [String]] = [:]
        for zone in tree.zones where valid[zone.id] != nil { byParent[zone.parent ?? "", default: []].append(zone.id) }
        for siblings in byParent.values {
            for (i, a) in siblings.enumerated() {
                for b in siblings[(i + 1)...] {
                    let x = valid[a]!.area, y = valid[b]!.area
                    guard Geometry.intersects(x, y) else { continue }
                    let shared = Geometry.sharedSquareKilometres(x, y)
                    let smaller = min(Geometry.squareKilometres(x), Geometry.squareKilometres(y))
                    guard smaller > 0, shared / smaller > tolerance else { continue }
                    out.append(.warning("the areas of zones '\(a)' and '\(b)' overlap by about \(String(format: "%.2f", shared)) km² "
                                        + "(\(percent(shared / smaller)) of the smaller): a position there is in both",
                                        at: valid[b]!.location, code: "areas_overlap",
                                        ["zone": a, "other": b, "km2": String(format: "%.2f", shared), "percent": percent(shared / smaller)]))
                }
            }
        }

        let following = config.outputs.filter { $0.follow != nil }
        if !following.isEmpty, valid.isEmpty {
            out.append(.warning("output '\(following[0].id.value)' follows gps but no zone has an area: it never moves",
                                at: following[0].follow!.location, code: "follow_without_areas",
                                ["output": following[0].id.value]))
        }
        if let gps = config.gps, following.isEmpty {
            out.append(.warning("gps is set but no output has follow: gps", at: gps.location, code: "gps_without_follow"))
        }

        if let alerts = config.alerts {
            let languageIDs = config.languages.map(\.id)
            var tags: [String: SourceLocation] = [:]
            for (tag, language) in alerts.languages {
                if !languageIDs.contains(language.value) {
                    out.append(.error("unknown language '\(language.value)'\(didYouMean(language.value, languageIDs))",
                                      at: language.location, code: "unknown_language",
                                      suggested(["value": language.value], language.value, languageIDs)))
                }
                if let first = tags[tag.value.lowercased()] {
                    out.append(.error("language tag '\(tag.value)' is mapped twice (first at \(first.line):\(first.column))",
                                      at: tag.location, code: "mapped_twice",
                                      ["value": tag.value, "line": "\(first.line)", "column": "\(first.column)"]))
                }
                tags[tag.value.lowercased()] = tag.location
            }
            var events: [String: SourceLocation] = [:]
            for event in alerts.events {
                if let first = events[event.event.value] {
                    out.append(.error("event '\(event.event.value)' is mapped twice (first at \(first.line):\(first.column))",
                                      at: event.event.location, code: "mapped_twice",
                                      ["value": event.event.value, "line": "\(first.line)", "column": "\(first.column)"]))
                }
                events[event.event.value] = event.event.location
            }
            if let watch = alerts.watch {
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: watch.value, isDirectory: &isDirectory) {
                    out.append(.warning("alerts.watch: the folder \(watch.value) does not exist; alert files cannot be dropped there",
                                        at: watch.location, code: "watch_missing", ["path": watch.value]))
                } else if !isDirectory.boolValue {
                    out.append(.error("alerts.watch: \(watch.value) is not a folder", at: watch.location, code: "watch_not_folder", ["path": watch.value]))
                }
            }
        }
        return out
    }

    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }

    /// What is wrong with an area's rings: too few positions, not closed, crossing itself, no
    /// surface, a hole outside its polygon. Empty for a usable area.
    static func ringProblems(_ area: ZoneArea) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for (p, polygon) in area.area.polygons.enumerated() {
            for (r, ring) in polygon.rings.enumerated() {
                let what = r == 0 ? "ring" : "hole"
                let pts = ring.points
                let start = area.location(polygon: p, ring: r)
                guard pts.count >= 4 else {
                    out.append(.error("a \(what) needs at least 4 positions (3 corners and the first repeated at the end), "
                                      + "found \(pts.count)", at: start, code: "ring_too_few", ["ring": what, "n": "\(pts.count)"]))
                    continue
                }
                guard pts.first == pts.last else {
                    out.append(.error("the \(what) is not closed: its last position [\(lonLat(pts.last!))] differs from its first "
                                      + "[\(lonLat(pts.first!))]; repeat the first position at the end",
                                      at: area.location(polygon: p, ring: r, position: pts.count - 1), code: "ring_not_closed",
                                      ["ring": what, "last": lonLat(pts.last!), "first": lonLat(pts.first!)]))
                    continue
                }
                if let (i, j) = Geometry.selfIntersection(ring) {
                    out.append(.error("the \(what) crosses itself: its edge from position \(i + 1) [\(lonLat(pts[i]))] meets its edge "
                                      + "from position \(j + 1) [\(lonLat(pts[j]))]",
                                      at: area.location(polygon: p, ring: r, position: j), code: "ring_crosses",
                                      ["ring": what, "i": "\(i + 1)", "j": "\(j + 1)", "a": lonLat(pts[i]), "b": lonLat(pts[j])]))
                    continue
                }
                if Geometry.squareKilometres(Area([Polygon(outer: ring)])) <= 0 {
                    out.append(.error("the \(what) has no surface (its positions lie on one line)", at: start, code: "ring_flat", ["ring": what]))
                    continue
                }
                if r > 0, ring.points.contains(where: { Geometry.locate($0, in: polygon.outer) == .outside }) {
                    out.append(.error("the hole is not inside its polygon's outer ring", at: start, code: "hole_outside"))
                }
            }
        }
        return out
    }

    /// `lon, lat` as GeoJSON writes a position.
    static func lonLat(_ p: GeoPoint) -> String {
        "\(ConfigLoader.text(p.lon)), \(ConfigLoader.text(p.lat))"
    }
}

extension PlacesValidator {
    /// A zone with an area (or below one) is reached by any output that follows GPS: it drives there.
    static func reachedByFollowing(_ zone: ZoneConfig, config: Config) -> Bool {
        guard config.outputs.contains(where: { $0.follow != nil }) else { return false }
        let tree = ZoneTree(config)
        let withArea = Set(config.zones.filter { $0.place.area != nil }.map(\.id.value))
        return withArea.contains { tree.zone(zone.id.value, isWithin: $0) || tree.zone($0, isWithin: zone.id.value) }
    }

    /// The messages alert events play, against the recordings.
    static func alertMessages(_ config: Config, library: MessageLibrary) -> [Diagnostic] {
        (config.alerts?.events ?? []).compactMap { event in
            library.has(message: event.message.value) ? nil
                : .error("unknown message '\(event.message.value)': no recordings in \(library.directory)/\(event.message.value)/"
                         + didYouMean(event.message.value, library.messages), at: event.message.location, code: "unknown_message",
                         suggested(["value": event.message.value, "folder": "\(library.directory)/\(event.message.value)/"],
                                   event.message.value, library.messages))
        }
    }
}
