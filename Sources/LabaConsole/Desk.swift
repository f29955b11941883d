// The county's desk (SPEC 16, issue 28): on a commander the overview lists every unit as its last
// status says, kept current by server-sent events that carry only the units that changed, at most
// one event a second however many change; a unit's page; the record page with the units' records.

import Foundation
import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore
import Mustache
import NIOCore
import Synchronization

/// One unit as the overview and its page show it.
struct UnitRow {
    struct Output {
        var id: String
        var zoneName: String
        var state: String
        var stateName: String
        var playing: String?
        /// The title with its progress (`标题（2/3）`).
        var playingText: String?
        var segment: Int
        var segments: Int
        var hasProgress: Bool
        var queue: Int
        var gps: String?
        var power: String?
    }

    var id: String
    /// `online` or `offline`.
    var state: String
    var stateText: String
    var zones: String
    var playing: [Output]
    var queue: Int
    var lastRecord: String
    var version: String
    var missing: String
    var missingCount: Int
    var clock: String
    var clockSynced: Bool
    var gps: String?
    var outputs: [Output]

    init(_ unit: UnitJSON, naming: Naming, texts t: Texts) {
        id = unit.unit
        state = unit.state == "online" ? "online" : "offline"
        let since = naming.clerk(unit.since)
        stateText = t(state == "online" ? .webUnitOnlineSince : .webUnitOfflineSince, ["time": since])
        zones = unit.zones.map(naming.zone).joined(separator: "、")
        outputs = unit.outputs.map { o in
            let name = o.state == "playing" ? "playing" : o.state == "unavailable" ? "unavailable" : "idle"
            return Output(id: o.id, zoneName: naming.zone(o.zone), state: name, stateName: t.state(name),
                          playing: o.playing.map { naming.message($0) },
                          playingText: o.playing.map { title in
                              guard let segment = o.segment, let segments = o.segments else { return naming.message(title) }
                              return t(.webUnitSegment, ["title": naming.message(title), "segment": String(segment),
                                                         "segments": String(segments)])
                          },
                          segment: o.segment ?? 0, segments: o.segments ?? 0, hasProgress: (o.segments ?? 0) > 0,
                          queue: o.queue,
                          gps: o.gpsFix.map { t($0 ? .webGPSFix : .webGPSNoFix) },
                          power: o.power.map { t(.webPower, ["state": Catalog.powerStateName($0, in: t.language)]) })
        }
        playing = outputs.filter { $0.playing != nil }
        queue = unit.outputs.reduce(0) { $0 + $1.queue }
        if let last = unit.lastRecord {
            let outcome = last.outcome ?? "completed"
            lastRecord = "\(naming.clerk(last.plannedAt)) \(naming.message(last.message)) \(t.state(outcome))"
        } else {
            lastRecord = t(.webNone)
        }
        version = unit.version ?? ""
        missingCount = unit.recordingsMissing.count
        missing = unit.recordingsMissing.isEmpty ? t(.webNone) : unit.recordingsMissing.map { item in
            let parts = item.split(separator: "/", maxSplits: 1).map(String.init)
            return parts.count == 2 ? "\(naming.message(parts[0]))（\(naming.language(parts[1]))）" : item
        }.joined(separator: "、")
        clockSynced = unit.clockSynced ?? true
        clock = unit.clockSynced.map { t($0 ? .webClockSynced : .webClockNotSynced) } ?? ""
        let fixes = outputs.compactMap(\.gps)
        gps = fixes.isEmpty ? nil : fixes.joined(separator: "、")
    }
}

/// The changed units a live view has yet to send, and when it may send them: at most one event
/// a second, so that a fleet whose units all change at once costs one page update, not hundreds.
final class UnitBatch: Sendable {
    struct State {
        var pending: Set<String> = []
        var all = false
        var scheduled = false
        var last: NIODeadline = .distantPast
    }

    static let interval = TimeAmount.seconds(1)
    let state = Mutex(State())

    /// Notes a change; true when the caller must schedule a flush, after the delay returned.
    func note(_ unit: String?, now: NIODeadline) -> TimeAmount? {
        state.withLock { s in
            if let unit { s.pending.insert(unit) } else { s.all = true }
            guard !s.scheduled else { return nil }
            s.scheduled = true
            let due = s.last + Self.interval
            return due > now ? due - now : .zero
        }
    }

    /// What to send now (nil: every unit), or nothing when nothing is pending or a second has not
    /// passed since the last.
    func take(now: NIODeadline) -> Set<String>?? {
        state.withLock { s in
            guard s.all || !s.pending.isEmpty else {
                s.scheduled = false
                return .none
            }
            guard now >= s.last + Self.interval else { return .none }
            let out: Set<String>? = s.all ? nil : s.pending
            s.pending = []
            s.all = false
            s.scheduled = false
            s.last = now
            return .some(out)
        }
    }
}

extension Site {
    /// The units section of a commander's overview; nil elsewhere.
    struct UnitsSection {
        var rows: [UnitRow]
        var summary: String
    }

    func unitsSection(_ visit: Visit) async -> UnitsSection? {
        guard let units = await door.fleetUnits(only: nil) else { return nil }
        let naming = await self.naming(visit)
        let rows = units.sorted { $0.unit < $1.unit }.map { UnitRow($0, naming: naming, texts: visit.texts) }
        return UnitsSection(rows: rows, summary: visit.texts(.webUnitsOnline, ["online": String(rows.filter { $0.state == "online" }.count),
                                                                                "total": String(rows.count)]))
    }

    /// One server-sent event with the rows of `units` (nil: every unit), each line a `data:` line.
    func unitsEvent(_ visit: Visit, _ units: Set<String>?) async -> String? {
        guard let found = await door.fleetUnits(only: units) else { return nil }
        let naming = await self.naming(visit)
        let rows = found.sorted { $0.unit < $1.unit }.map { UnitRow($0, naming: naming, texts: visit.texts) }
        let all = units == nil ? found : (await door.fleetUnits(only: nil) ?? found)
        let summary = visit.texts(.webUnitsOnline, ["online": String(all.filter { $0.state == "online" }.count), "total": String(all.count)])
        struct Event { var t: [String: String]; var rows: [UnitRow]; var summary: String }
        let body = templates.render(Event(t: visit.texts.all, rows: rows, summary: summary), withTemplate: "unitRows") ?? ""
        return "event: units\n" + body.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)" }
            .joined(separator: "\n") + "\n\n"
    }

    // MARK: A unit's page

    struct UnitPage {
        var unit: UnitRow
        var records: [RecordRow]
    }

    func unitPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let id = context.parameters.get("id") ?? ""
        guard let unit = await door.fleetUnits(only: [id])?.first else { throw Failure.notFound }
        var naming = await self.naming(visit)
        let records = await door.unitRecords(unit: id, BroadcastFilter(limit: 20), before: nil)
            .map { RecordRow($0.record, unit: $0.unit, naming: &naming, texts: visit.texts) }
        return html("unit", frame(visit, texts: visit.texts, title: visit.texts(.webUnitTitle, ["unit": id]),
                                  page: UnitPage(unit: UnitRow(unit, naming: naming, texts: visit.texts), records: records)))
    }

    // MARK: The record with the units'

    /// A place in the record's order (planned time, unit, id), newest first; the office's own
    /// records have the unit "".
    struct RecordCursor: Comparable {
        var plannedAt: Int64
        var unit: String
        var id: String

        init(plannedAt: Int64, unit: String, id: String) {
            self.plannedAt = plannedAt
            self.unit = unit
            self.id = id
        }

        init?(_ text: String?) {
            guard let parts = text?.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false), parts.count == 3,
                  let planned = Int64(parts[0]), !parts[2].isEmpty else { return nil }
            self.init(plannedAt: planned, unit: String(parts[1]), id: String(parts[2]))
        }

        var text: String { "\(plannedAt):\(unit):\(id)" }

        static func < (a: Self, b: Self) -> Bool { (a.plannedAt, a.unit, a.id) < (b.plannedAt, b.unit, b.id) }
    }

    static let recordPage = 100

    /// One page of the record: the office's own and, on a commander, its units' (`unit`: "local"
    /// for the office's only, a unit's id for its only), newest first, after `before`.
    func recordPage(_ filter: BroadcastFilter, unit: String?, before: RecordCursor?) async -> (rows: [DeskRecord], next: RecordCursor?) {
        let size = Self.recordPage
        var items: [(RecordCursor, DeskRecord)] = []
        if unit == nil || unit == "local" {
            var own = filter
            own.limit = size + 1
            if let before { own.until = min(own.until ?? .max, before.plannedAt + 1) }
            for r in await door.history(own) {
                let cursor = RecordCursor(plannedAt: r.plannedAt, unit: "", id: r.id)
                if let before, !(cursor < before) { continue }
                items.append((cursor, DeskRecord(unit: nil, record: r)))
            }
        }
        if unit != "local", door.fleetUnitID != nil {
            var theirs = filter
            theirs.limit = size + 1
            let records = await door.unitRecords(unit: unit, theirs, before: before.map { ($0.plannedAt, $0.unit, $0.id) })
            items += records.map { (RecordCursor(plannedAt: $0.record.plannedAt, unit: $0.unit ?? "", id: $0.record.id), $0) }
        }
        items.sort { $0.0 > $1.0 }
        guard items.count > size else { return (items.map(\.1), nil) }
        return (items.prefix(size).map(\.1), items[size - 1].0)
    }
}

extension Site {
    // MARK: The map

    struct MapPage {
        var svg: String
        var hasMap: Bool
        var withoutArea: [String]
        var hasWithoutArea: Bool
        var day: String
        var colouring: String
    }

    /// The zones' areas coloured by the state of what serves them, the units' last positions and
    /// the vans' tracks of `day` (the configuration's today when not given).
    func mapPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let q = Form(request.uri.query ?? "")
        let config = await door.configuration
        let now = await door.now()
        let naming = await self.naming(visit, config)
        let colouring = DeskMap.Colouring(rawValue: q["by"] ?? "units") ?? .units
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = config.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        let day = q["day"].flatMap { $0.count == 10 ? $0 : nil } ?? formatter.string(from: Date(timeIntervalSince1970: Double(now.microseconds) / 1e6))
        let start: Int64
        do { start = try TimeParsing.instant(day, in: config.timeZone, now: now).microseconds } catch {
            throw Failure.badRequest("day: \(error)")
        }
        let end = start + 86_400 * 1_000_000

        var places: [DeskMap.Place] = []
        for o in await door.status().outputs {
            let fix = o.gps?.follower.lastFix?.position
            places.append(DeskMap.Place(id: naming.output(o.id), online: o.available, zones: [o.zone], position: fix))
        }
        let units = await door.fleetUnits(only: nil) ?? []
        // Positions of the day from the records (SPEC 13: a following output records where it started).
        var byUnit: [String: [(Int64, GeoPoint)]] = [:]
        let dayFilter = BroadcastFilter(since: start, until: end, limit: 20_000)
        for r in await door.unitRecords(unit: nil, dayFilter, before: nil) {
            guard let lat = r.record.positionLat, let lon = r.record.positionLon, let unit = r.unit else { continue }
            byUnit[unit, default: []].append((r.record.positionAt ?? r.record.plannedAt, GeoPoint(lat: lat, lon: lon)))
        }
        for r in await door.history(dayFilter) {
            guard let lat = r.positionLat, let lon = r.positionLon else { continue }
            byUnit[naming.output(r.output), default: []].append((r.positionAt ?? r.plannedAt, GeoPoint(lat: lat, lon: lon)))
        }
        let tracks = byUnit.map { DeskMap.Track(unit: $0.key, points: $0.value.sorted { $0.0 < $1.0 }.map(\.1)) }
            .sorted { $0.unit < $1.unit }
        for unit in units {
            let status = unit.outputs.first { $0.lat != nil && $0.lon != nil }.map { GeoPoint(lat: $0.lat!, lon: $0.lon!) }
            places.append(DeskMap.Place(id: unit.unit, online: unit.state == "online", zones: unit.zones,
                                        position: status ?? byUnit[unit.unit]?.max { $0.0 < $1.0 }?.1))
        }
        let map = ZoneMap(config, tree: naming.tree)
        let states = DeskMap.states(tree: naming.tree, places: places)
        _ = colouring
        let drawn = DeskMap.draw(map: map, names: naming.zone, states: states, places: places, tracks: tracks)
        return page("map", visit, title: .webMap,
                    page: MapPage(svg: drawn.svg, hasMap: !drawn.svg.isEmpty, withoutArea: drawn.withoutArea.map(naming.zone),
                                  hasWithoutArea: !drawn.withoutArea.isEmpty, day: day,
                                  colouring: colouring.rawValue))
    }
}

// The overview lists hundreds of units: their rows name their fields for the templates, instead of
// swift-mustache's reflection (a Mirror of every row for every name looked up, most of a page's
// time at county scale). A name not here is looked up further out, as for any missing field.
extension UnitRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "state": state
        case "stateText": stateText
        case "zones": zones
        case "playing": playing
        case "queue": queue
        case "lastRecord": lastRecord
        case "version": version
        case "missing": missing
        case "missingCount": missingCount
        case "clock": clock
        case "clockSynced": clockSynced
        case "gps": gps
        case "outputs": outputs
        default: nil
        }
    }
}

extension UnitRow.Output: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "zoneName": zoneName
        case "state": state
        case "stateName": stateName
        case "playing": playing
        case "playingText": playingText
        case "segment": segment
        case "segments": segments
        case "hasProgress": hasProgress
        case "queue": queue
        case "gps": gps
        case "power": power
        default: nil
        }
    }
}
