import Foundation
import Testing
@testable import LabaCore

/// CAP 1.2 alerts: reading (structure, positions, errors at line:column) and planning (zones,
/// message, priority, languages, deadline, Update and Cancel, drills), as tables of real-shaped alerts.
@Suite struct AlertTests {
    /// Yulong county (100.0–100.4 E, 26.7–27.1 N) and three townships that all have areas: Lashi
    /// (south-west), Huangshan (south-east), Baisha (north-east); the north-west quarter is in no
    /// township. Gucheng beside it to the east; Ninglang has a code and no area.
    static let yaml = """
        timezone: Asia/Shanghai
        outputs:
          - {id: lashi-hall, device: hw0, zone: lashi}
          - {id: huangshan-hall, device: hw1, zone: huangshan}
          - {id: baisha-hall, device: hw2, zone: baisha}
          - {id: gucheng-square, device: hw3, zone: gucheng}
          - {id: ninglang-hall, device: hw4, zone: ninglang}
        zones:
          - id: yulong
            code: "530721000000"
            languages: [naxi, mandarin]
            area: [[100.0, 26.7], [100.4, 26.7], [100.4, 27.1], [100.0, 27.1], [100.0, 26.7]]
          - id: lashi
            parent: yulong
            code: "530721103000"
            area: [[100.0, 26.7], [100.2, 26.7], [100.2, 26.9], [100.0, 26.9], [100.0, 26.7]]
          - id: huangshan
            parent: yulong
            code: "530721102000"
            languages: [mandarin]
            area: [[100.2, 26.7], [100.4, 26.7], [100.4, 26.9], [100.2, 26.9], [100.2, 26.7]]
          - id: baisha
            parent: yulong
            code: "530721101000"
            languages: [yi]
            area: [[100.2, 26.9], [100.4, 26.9], [100.4, 27.1], [100.2, 27.1], [100.2, 26.9]]
          - id: gucheng
            code: "530702000000"
            area: [[100.4, 26.8], [100.6, 26.8], [100.6, 27.0], [100.4, 27.0], [100.4, 26.8]]
          - id: ninglang
            code: "530724000000"
        alerts:
          drills: DRILLS
          events:
            - {event: 地震, message: quake, repeat_every: 30min, repeat_count: 3}
            - {event: FIRE, message: fire, priority: manual}
            - {event: 暴雨, message: rain}
          languages: {zh-CN: mandarin, ii: yi, nxq: naxi}
        """

    static func setting(drills: Bool) throws -> (Config, ZoneMap) {
        let loaded = load(yaml.replacingOccurrences(of: "DRILLS", with: drills ? "true" : "false"))
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        let config = try #require(loaded.config)
        return (config, ZoneMap(config))
    }

    static func library() -> MessageLibrary {
        var library = MessageLibrary(directory: "/audio")
        let format = AudioFormat(format: "FLAC", sampleRate: 16000, channels: 1, frames: 16000)
        for (message, languages) in [("quake", ["naxi", "yi", "mandarin"]), ("fire", ["mandarin"]), ("rain", ["mandarin"])] {
            for language in languages {
                library.add(Recording(message: message, language: language, path: "/audio/\(message)/\(language).flac", audio: format))
            }
        }
        return library
    }

    static let now = "2026-12-02T10:00:00+08:00"

    /// A CAP 1.2 alert in the shape alert platforms send.
    static func cap(id: String = "CN-YN-2026-0001", status: String = "Actual", msgType: String = "Alert",
                    references: String? = nil, infos: [String]) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
          <identifier>\(id)</identifier>
          <sender>yunnan-eew@example.cn</sender>
          <sent>2026-12-02T09:59:50+08:00</sent>
          <status>\(status)</status>
          <msgType>\(msgType)</msgType>
          <scope>Public</scope>\(references.map { "\n  <references>\($0)</references>" } ?? "")
        \(infos.joined(separator: "\n"))
        </alert>
        """
    }

    static func info(event: String = "地震", language: String = "zh-CN", urgency: String = "Immediate", severity: String = "Severe",
                     expires: String? = "2026-12-02T12:00:00+08:00", eventCode: String? = nil, area: String) -> String {
        """
          <info>
            <language>\(language)</language>
            <category>Geo</category>
            <event>\(event)</event>
            <urgency>\(urgency)</urgency>
            <severity>\(severity)</severity>
            <certainty>Observed</certainty>\(eventCode.map { "\n    <eventCode><valueName>GB/T 35965</valueName><value>\($0)</value></eventCode>" } ?? "")\(expires.map { "\n    <expires>\($0)</expires>" } ?? "")
            <headline>地震预警</headline>
            <area>
              <areaDesc>test area</areaDesc>
              \(area)
            </area>
          </info>
        """
    }

    /// CAP order: lat,lon.
    static let southHalf = "<polygon>26.72,100.05 26.72,100.35 26.88,100.35 26.88,100.05 26.72,100.05</polygon>"

    struct PlanCase: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: String
        var drills = false
        var zones: [String] = []
        /// The languages asked for (each zone hears those it speaks, else its own).
        var languages: [String]?
        var priority: Priority?
        var reason: String?
        var cancels: [String] = []
        var drill = false
        var plays = 1
        var testDescription: String { name }
    }

    static let plans: [PlanCase] = [
        .init(name: "a polygon covering two of three townships", xml: cap(infos: [info(area: southHalf)]),
              zones: ["lashi", "huangshan"], languages: ["mandarin"], priority: .emergency,
              plays: 3),
        .init(name: "a circle in Baisha (lat,lon radius km)",
              xml: cap(infos: [info(area: "<circle>27.0,100.3 2</circle>")]),
              zones: ["baisha"], languages: ["mandarin"], priority: .emergency, plays: 3),
        .init(name: "an info per language: each zone hears those it speaks",
              xml: cap(infos: [info(area: southHalf), info(language: "ii", area: "<circle>27.0,100.3 2</circle>"),
                               info(language: "nxq", area: "")]),
              zones: ["lashi", "huangshan", "baisha"],
              languages: ["mandarin", "yi", "naxi"], priority: .emergency, plays: 3),
        .init(name: "a 6-digit geocode reaches the county as a whole",
              xml: cap(infos: [info(area: "<geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>")]),
              zones: ["yulong"], languages: ["mandarin"], priority: .emergency, plays: 3),
        .init(name: "a 9-digit geocode reaches its township",
              xml: cap(infos: [info(area: "<geocode><valueName>GB/T 2260</valueName><value>530721101</value></geocode>")]),
              zones: ["baisha"], languages: ["mandarin"], priority: .emergency, plays: 3),
        .init(name: "a 12-digit geocode reaches a zone without an area",
              xml: cap(infos: [info(area: "<geocode><valueName>GB/T 2260</valueName><value>530724000000</value></geocode>")]),
              zones: ["ninglang"], languages: ["mandarin"], priority: .emergency, plays: 3),
        .init(name: "a polygon only where no township is drawn reaches the county",
              xml: cap(infos: [info(area: "<polygon>26.95,100.02 26.95,100.18 27.05,100.18 27.05,100.02 26.95,100.02</polygon>")]),
              zones: ["yulong"], languages: ["mandarin"], priority: .emergency, plays: 3),
        .init(name: "a polygon over the county and its neighbour",
              xml: cap(infos: [info(area: "<polygon>26.85,100.3 26.85,100.5 26.95,100.5 26.95,100.3 26.85,100.3</polygon>")]),
              zones: ["huangshan", "baisha", "gucheng"], languages: ["mandarin"],
              priority: .emergency, plays: 3),
        .init(name: "an area that reaches no zone",
              xml: cap(infos: [info(area: "<polygon>30.0,110.0 30.0,110.1 30.1,110.1 30.1,110.0 30.0,110.0</polygon>")]),
              priority: .emergency, reason: "its area (test area) reaches no zone"),
        .init(name: "an event with no mapping", xml: cap(infos: [info(event: "台风", area: southHalf)]),
              reason: "no mapping for event '台风' in alerts.events"),
        .init(name: "an event code matches a mapping", xml: cap(infos: [info(event: "Forest fire", eventCode: "FIRE", area: southHalf)]),
              zones: ["lashi", "huangshan"], languages: ["mandarin"], priority: .manual),
        .init(name: "severity Extreme means emergency",
              xml: cap(infos: [info(event: "暴雨", urgency: "Expected", severity: "Extreme", area: southHalf)]),
              zones: ["lashi", "huangshan"], languages: ["mandarin"], priority: .emergency),
        .init(name: "neither Extreme nor Immediate means manual",
              xml: cap(infos: [info(event: "暴雨", urgency: "Expected", severity: "Severe", area: southHalf)]),
              zones: ["lashi", "huangshan"], languages: ["mandarin"], priority: .manual),
        .init(name: "the mapping's priority wins over Immediate",
              xml: cap(infos: [info(event: "FIRE", urgency: "Immediate", severity: "Extreme", area: southHalf)]),
              zones: ["lashi", "huangshan"], languages: ["mandarin"], priority: .manual),
        .init(name: "expired", xml: cap(infos: [info(expires: "2026-12-02T09:30:00+08:00", area: southHalf)]),
              reason: "expired at 2026-12-02T09:30:00+08:00"),
        .init(name: "an Exercise with drills off plays nothing", xml: cap(status: "Exercise", infos: [info(area: southHalf)]),
              reason: "status Exercise: a drill, and alerts.drills is false", drill: true),
        .init(name: "an Exercise with drills on plays as a drill", xml: cap(status: "Exercise", infos: [info(area: southHalf)]),
              drills: true, zones: ["lashi", "huangshan"], languages: ["mandarin"],
              priority: .emergency, drill: true, plays: 3),
        .init(name: "a Test with drills on plays as a drill", xml: cap(status: "Test", infos: [info(area: southHalf)]),
              drills: true, zones: ["lashi", "huangshan"], languages: ["mandarin"],
              priority: .emergency, drill: true, plays: 3),
        .init(name: "an Update cancels what it references and plays",
              xml: cap(id: "CN-YN-2026-0002", msgType: "Update",
                       references: "yunnan-eew@example.cn,CN-YN-2026-0001,2026-12-02T09:59:50+08:00",
                       infos: [info(area: "<circle>27.0,100.3 2</circle>")]),
              zones: ["baisha"], languages: ["mandarin"], priority: .emergency, cancels: ["CN-YN-2026-0001"], plays: 3),
        .init(name: "a Cancel stops what it references and plays nothing",
              xml: cap(id: "CN-YN-2026-0003", msgType: "Cancel",
                       references: "yunnan-eew@example.cn,CN-YN-2026-0001,2026-12-02T09:59:50+08:00", infos: []),
              reason: "a Cancel: it stops CN-YN-2026-0001 and plays nothing", cancels: ["CN-YN-2026-0001"]),
        .init(name: "status System plays nothing", xml: cap(status: "System", infos: [info(area: southHalf)]),
              reason: "status System: a message for alerting systems, not the public"),
    ]

    @Test(arguments: plans) func alertToPlan(_ c: PlanCase) throws {
        let (config, map) = try Self.setting(drills: c.drills)
        let alert = try CAPAlert(xml: Data(c.xml.utf8))
        let now = try TimeParsing.instant(Self.now, in: config.timeZone, now: Instant(seconds: 0))
        let plan = AlertPlanner.plan(alert, config: config, map: map, library: Self.library(), now: now)
        #expect(plan.reason == c.reason)
        #expect(plan.zones == c.zones)
        #expect(plan.cancels == c.cancels)
        #expect(plan.drill == c.drill)
        if c.reason == nil {
            #expect(plan.priority == c.priority)
            #expect(plan.plays == c.plays)
            #expect(plan.requests.count == c.zones.count)
            for request in plan.requests {
                guard case .zones(let zones) = request.target, let zone = zones.first else {
                    Issue.record("a request for \(request.target)")
                    continue
                }
                #expect(request.languages == c.languages && request.languagesPreferred, "\(zone)")
                #expect(request.source == .alert && request.requestedBy == .alert(identifier: alert.identifier))
                #expect(request.drill == c.drill && request.priority == c.priority)
                // The deadline is <expires>: 2 h after now.
                #expect(request.within == .seconds(7200))
            }
        } else {
            #expect(plan.requests.isEmpty)
        }
    }

    struct BroadcastCase: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: String
        /// output → the languages it plays; outputs not listed get nothing.
        var broadcasts: [String: [String]]
        var refused: [String: Refusal.Code] = [:]
        var testDescription: String { name }
    }

    static let broadcasts: [BroadcastCase] = [
        .init(name: "two of three townships, in the language each speaks",
              xml: cap(infos: [info(area: southHalf), info(language: "ii", area: southHalf)]),
              broadcasts: ["lashi-hall": ["mandarin"], "huangshan-hall": ["mandarin"]]),
        .init(name: "a zone that speaks none of the alert's languages hears its own",
              xml: cap(infos: [info(area: "<circle>27.0,100.3 2</circle>")]), broadcasts: ["baisha-hall": ["yi"]]),
        .init(name: "a county by its code: every hall in it",
              xml: cap(infos: [info(area: "<geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>")]),
              broadcasts: ["lashi-hall": ["mandarin"], "huangshan-hall": ["mandarin"], "baisha-hall": ["yi"]]),
        .init(name: "a manual alert in quiet hours is refused there",
              xml: cap(infos: [info(event: "FIRE", area: southHalf)]),
              broadcasts: [:], refused: ["lashi-hall": .quietHours, "huangshan-hall": .quietHours]),
    ]

    /// The plan's requests through Admission, as the daemon admits them: what each output plays.
    @Test(arguments: broadcasts) func alertToBroadcasts(_ c: BroadcastCase) throws {
        var (config, map) = try Self.setting(drills: false)
        let quiet = c.refused.values.contains(.quietHours)
        if quiet {
            let loaded = load(Self.yaml.replacingOccurrences(of: "DRILLS", with: "false")
                .replacingOccurrences(of: "timezone: Asia/Shanghai", with: "timezone: Asia/Shanghai\ndefaults:\n  quiet_hours: \"09:00-11:00\""))
            config = try #require(loaded.config)
            map = ZoneMap(config)
        }
        let now = try TimeParsing.instant(Self.now, in: config.timeZone, now: Instant(seconds: 0))
        let plan = AlertPlanner.plan(try CAPAlert(xml: Data(c.xml.utf8)), config: config, map: map, library: Self.library(), now: now)
        let context = Admission.Context(config: config, tree: map.tree, library: Self.library(),
                                        outputZones: Dictionary(uniqueKeysWithValues: config.outputs.map { ($0.id.value, $0.zone.value) }),
                                        waiting: [:], now: now)
        var played: [String: [String]] = [:]
        var refused: [String: Refusal.Code] = [:]
        for request in plan.requests {
            do {
                let admission = try Admission.admit(request, in: context)
                for b in admission.admitted { played[b.output] = b.choice.languages }
                for r in admission.refused { refused[r.output ?? "?"] = r.code }
            } catch {
                refused[error.output ?? "?"] = error.code
            }
        }
        #expect(played == c.broadcasts)
        #expect(refused == c.refused)
    }

    @Test func repeatsFallEveryRepeatEveryUntilTheAlertExpires() throws {
        let (config, map) = try Self.setting(drills: false)
        let now = try TimeParsing.instant(Self.now, in: config.timeZone, now: Instant(seconds: 0))
        let long = try CAPAlert(xml: Data(Self.cap(infos: [Self.info(area: Self.southHalf)]).utf8))
        let plan = AlertPlanner.plan(long, config: config, map: map, library: Self.library(), now: now)
        #expect(plan.repeats(after: now) == [now + .seconds(1800), now + .seconds(3600)])
        let short = try CAPAlert(xml: Data(Self.cap(infos: [Self.info(expires: "2026-12-02T10:45:00+08:00", area: Self.southHalf)]).utf8))
        #expect(AlertPlanner.plan(short, config: config, map: map, library: Self.library(), now: now).repeats(after: now)
                == [now + .seconds(1800)])
    }

    /// A fleet key trusted for some subtrees: the alert reaches no further, whatever its area.
    @Test(arguments: [
        (["lashi"], ["lashi"], nil as String?),
        (["yulong"], ["lashi", "huangshan"], nil),
        // Nested entries: the outer one counts, and no zone is reached twice.
        (["yulong", "lashi"], ["lashi", "huangshan"], nil),
        (["baisha", "gucheng"], [], "every zone it reaches is outside the zones the commanding key may command (baisha, gucheng)"),
    ]) func aFleetAlertIsCutToTheKeysZones(scope: [String], zones: [String], reason: String?) throws {
        let (config, map) = try Self.setting(drills: false)
        let now = try TimeParsing.instant(Self.now, in: config.timeZone, now: Instant(seconds: 0))
        let alert = try CAPAlert(xml: Data(Self.cap(infos: [Self.info(area: Self.southHalf)]).utf8))
        let plan = AlertPlanner.plan(alert, config: config, map: map, library: Self.library(), now: now)
        #expect(plan.zones == ["lashi", "huangshan"])
        let cut = plan.restricted(to: scope, in: map.tree)
        #expect(cut.zones == zones)
        #expect(cut.requests.map(\.target) == zones.map { .zones([$0]) })
        #expect(cut.reason == reason)
        #expect(cut.notes.contains { $0.hasPrefix("outside the commanding key's zones") } == (zones.count < 2))
        // A whole county's alert under a township's key narrows to the township.
        let county = try CAPAlert(xml: Data(Self.cap(infos: [Self.info(area: "<geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>")]).utf8))
        let wide = AlertPlanner.plan(county, config: config, map: map, library: Self.library(), now: now)
        #expect(wide.zones == ["yulong"])
        #expect(wide.restricted(to: ["lashi"], in: map.tree).zones == ["lashi"])
    }

    struct InvalidCase: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: String
        var error: String
        var testDescription: String { name }
    }

    static let invalid: [InvalidCase] = [
        .init(name: "malformed XML", xml: cap(infos: [info(area: southHalf)]).replacingOccurrences(of: "</scope>", with: "</scop>"),
              error: "8:23 <scope> xml_tag_mismatch"),
        .init(name: "not CAP", xml: "<?xml version=\"1.0\"?>\n<rss><channel/></rss>", error: "2:1 <rss> not_cap root=rss"),
        .init(name: "CAP 1.1", xml: cap(infos: []).replacingOccurrences(of: "cap:1.2", with: "cap:1.1"),
              error: "2:1 <alert> wrong_namespace expected=urn:oasis:names:tc:emergency:cap:1.2 namespace=urn:oasis:names:tc:emergency:cap:1.1"),
        .init(name: "no identifier", xml: cap(infos: []).replacingOccurrences(of: "<identifier>CN-YN-2026-0001</identifier>", with: ""),
              error: "2:1 <alert> missing child=identifier"),
        .init(name: "a status outside CAP's list", xml: cap(status: "Real", infos: []),
              error: "6:3 <status> not_in_list allowed=Actual, Exercise, System, Test, Draft value=Real"),
        .init(name: "a time without its offset", xml: cap(infos: [info(expires: "2026-12-02T12:00:00", area: southHalf)]),
              error: "16:5 <expires> bad_time value=2026-12-02T12:00:00"),
        .init(name: "a polygon in GeoJSON order (lon,lat): the classic swap",
              xml: cap(infos: [info(area: "<polygon>100.05,26.72 100.35,26.72 100.35,26.88 100.05,26.88 100.05,26.72</polygon>")]),
              error: "20:7 <polygon> off_globe_swapped value=100.05,26.72"),
        .init(name: "a polygon not closed",
              xml: cap(infos: [info(area: "<polygon>26.72,100.05 26.72,100.35 26.88,100.35 26.88,100.05</polygon>")]),
              error: "20:7 <polygon> polygon_not_closed"),
        .init(name: "an Update without references", xml: cap(msgType: "Update", infos: []),
              error: "7:3 <msgType> update_needs_references"),
        .init(name: "an info without category",
              xml: cap(infos: [info(area: southHalf).replacingOccurrences(of: "<category>Geo</category>", with: "")]),
              error: "9:3 <info> missing child=category"),
    ]

    @Test(arguments: invalid) func invalidAlertsSayWhereAndWhat(_ c: InvalidCase) {
        #expect(throws: CAPError.self) { try CAPAlert(xml: Data(c.xml.utf8)) }
        do {
            _ = try CAPAlert(xml: Data(c.xml.utf8))
        } catch {
            #expect(error.description == c.error)
        }
    }

    @Test func aPolygonIsReadAsLatLon() throws {
        let alert = try CAPAlert(xml: Data(Self.cap(infos: [Self.info(area: Self.southHalf)]).utf8))
        let ring = try #require(alert.infos.first?.areas.first?.polygons.first)
        #expect(ring.points.first == GeoPoint(lat: 26.72, lon: 100.05))
        #expect(alert.references.isEmpty && alert.infos[0].language == "zh-CN" && alert.infos[0].expires != nil)
    }
}
