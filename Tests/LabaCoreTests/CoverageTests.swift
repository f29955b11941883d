// Coverage (SPEC 16) on fixed records: which zones heard a message, in which of their languages.

import Foundation
import Testing
@testable import LabaCore

@Suite struct CoverageTests {
    /// county > town-a (naxi, mandarin) > village-a1; county > town-b (yi, mandarin); town-c (mandarin)
    /// has no output or unit. Today town-a also has lisu (added after the broadcast).
    static let tree: ZoneTree = {
        let result = ConfigLoader.parse(yaml: """
            zones:
              - {id: county, languages: [mandarin]}
              - {id: town-a, parent: county, languages: [naxi, mandarin, lisu]}
              - {id: village-a1, parent: town-a}
              - {id: town-b, parent: county, languages: [yi, mandarin]}
              - {id: town-c, parent: county}
            """, file: "t.yaml", directory: "/cfg")
        return ZoneTree(result.config!)
    }()

    static let t0: Int64 = 1_800_000_000_000_000
    static let second: Int64 = 1_000_000

    /// A record of `masks` on `output` in `zone` (with the chime when a segment is one), and its segments:
    /// (label, planned, played, zone it started in).
    static func record(_ id: String, unit: String?, output: String, zone: String, languages: [String],
                       segments: [(String, Int?, Int, String?)]?, at: Int64 = t0) -> CoverageRecord {
        var r = BroadcastRecord(id: id, source: .fleet, message: "masks", output: output, zone: zone, priority: .manual,
                                plannedLanguages: languages, chime: segments?.contains { $0.0 == "chime" } == true ? "chime" : nil,
                                plannedAt: at, deadline: nil)
        r.state = .done
        r.outcome = .completed
        r.startedAt = at
        if let segments {
            r.segments = segments.enumerated().map { i, s in
                SegmentFact(index: i, label: s.0, pass: 0, planned: s.1, played: s.2, startedAt: at + Int64(i) * 10 * second,
                            zone: s.3, ended: true)
            }
            r.playedLanguages = r.segments!.filter { $0.isPlayed && languages.contains($0.label) }.map(\.label)
        } else {
            // A unit of an older version: no segments; it said which languages it played.
            r.segments = nil
            r.playedLanguages = languages
        }
        return CoverageRecord(unit: unit, record: r)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var records: [CoverageRecord]
        var aimed: [String]
        var placed: Set<String>
        var within: String? = nil
        /// zone → label → state (and fraction in percent for a partial one), in the expected zone order.
        var expected: [(String, [String: String])]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "every language played in town-a, town-b missing (listed first), village without output left out",
             records: [record("r1", unit: "a-unit", output: "horn", zone: "town-a", languages: ["naxi", "mandarin"],
                              segments: [("chime", 48000, 48000, "town-a"), ("naxi", 480_000, 480_000, "town-a"),
                                         ("mandarin", 480_000, 479_000, "town-a")])],
             aimed: ["town-a", "town-b"], placed: ["town-a", "town-b"],
             expected: [("town-b", ["yi": "missing", "mandarin": "missing"]),
                        ("town-a", ["chime": "played", "naxi": "played", "mandarin": "played", "lisu": "not_planned_then"])]),
        Case(name: "a partial segment: 50 % of naxi in the only pass; another pass at 95 % counts as played",
             records: [record("r1", unit: "a-unit", output: "horn", zone: "town-a", languages: ["naxi", "mandarin"],
                              segments: [("naxi", 480_000, 240_000, nil), ("mandarin", 480_000, 456_000, nil)])],
             aimed: ["town-a"], placed: ["town-a"],
             expected: [("town-a", ["naxi": "partial 50", "mandarin": "played", "lisu": "not_planned_then"])]),
        Case(name: "a van that changed zone mid-program: its later segments count for town-b",
             records: [record("r1", unit: "van", output: "van", zone: "town-a", languages: ["naxi", "mandarin"],
                              segments: [("naxi", 480_000, 480_000, "town-a"), ("mandarin", 480_000, 480_000, "town-b")])],
             aimed: ["county"], placed: ["town-a", "town-b"],
             // The county (aimed, no output of its own) is shown through its townships.
             expected: [("town-a", ["naxi": "played", "mandarin": "missing", "lisu": "not_planned_then"]),
                        ("town-b", ["yi": "missing", "mandarin": "played"])]),
        Case(name: "a language added after the broadcast is not planned then, not missing",
             records: [record("r1", unit: nil, output: "square", zone: "town-a", languages: ["naxi", "mandarin"],
                              segments: [("naxi", 1000, 1000, nil), ("mandarin", 1000, 1000, nil)])],
             aimed: ["town-a"], placed: ["town-a"],
             expected: [("town-a", ["naxi": "played", "mandarin": "played", "lisu": "not_planned_then"])]),
        Case(name: "records arriving late from a unit that was offline count for their planned time",
             records: [record("late", unit: "b-unit", output: "horn", zone: "town-b", languages: ["yi", "mandarin"],
                              segments: [("yi", 1000, 1000, nil), ("mandarin", 1000, 0, nil)], at: t0 + 3600 * second),
                       record("r1", unit: "a-unit", output: "horn", zone: "town-a", languages: ["naxi", "mandarin"],
                              segments: [("naxi", 1000, 1000, nil), ("mandarin", 1000, 1000, nil)])],
             aimed: ["town-a", "town-b"], placed: ["town-a", "town-b"],
             expected: [("town-b", ["yi": "played", "mandarin": "missing"]),
                        ("town-a", ["naxi": "played", "mandarin": "played", "lisu": "not_planned_then"])]),
        Case(name: "a record from an older unit: played, extent unknown",
             records: [record("old", unit: "old-unit", output: "horn", zone: "town-b", languages: ["yi", "mandarin"], segments: nil)],
             aimed: ["town-b"], placed: ["town-b"],
             expected: [("town-b", ["yi": "played_extent_unknown", "mandarin": "played_extent_unknown"])]),
        Case(name: "only the asked zone and those below it",
             records: [record("r1", unit: "a-unit", output: "horn", zone: "village-a1", languages: ["naxi", "mandarin"],
                              segments: [("naxi", 1000, 1000, nil), ("mandarin", 1000, 1000, nil)])],
             aimed: ["county"], placed: ["village-a1", "town-b"], within: "town-a",
             expected: [("village-a1", ["naxi": "played", "mandarin": "played", "lisu": "not_planned_then"])]),
    ]

    @Test(arguments: cases)
    func coverage(_ c: Case) {
        let result = BroadcastCoverage.compute(c.records, query: CoverageQuery(aimed: c.aimed, placed: c.placed, within: c.within),
                                               tree: Self.tree)
        #expect(result.zones.map(\.zone) == c.expected.map(\.0))
        for (zone, expected) in c.expected {
            guard let found = result.zones.first(where: { $0.zone == zone }) else { continue }
            let states = Dictionary(uniqueKeysWithValues: found.entries.map { e in
                (e.label, e.state == .partial ? "partial \(Int(((e.fraction ?? 0) * 100).rounded()))" : e.state.rawValue)
            })
            #expect(states == expected, "\(zone)")
        }
    }

    @Test func anAimedZoneWithNothingBelowItIsListedItself() {
        let result = BroadcastCoverage.compute([], query: CoverageQuery(aimed: ["town-c"], placed: []), tree: Self.tree)
        #expect(result.zones.map(\.zone) == ["town-c"])
        #expect(result.zones.first?.entries.map(\.state) == [.missing])
    }

    @Test func whereAndWhenAreThoseOfThePassThatPlayed() throws {
        let r = Self.record("r1", unit: "a-unit", output: "horn", zone: "town-a", languages: ["naxi", "mandarin"],
                            segments: [("naxi", 1000, 1000, nil), ("mandarin", 1000, 1000, nil)])
        let result = BroadcastCoverage.compute([r], query: CoverageQuery(aimed: ["town-a"], placed: []), tree: Self.tree)
        let mandarin = try #require(result.zones.first?.entries.first { $0.label == "mandarin" })
        #expect(mandarin.evidence == .init(unit: "a-unit", output: "horn", record: "r1", at: Self.t0 + 10 * Self.second, lat: nil, lon: nil))
        // No monitor said: nothing about hearing.
        #expect(mandarin.heard == nil)
    }

    /// The monitors' word per zone and language (SPEC 16, 18): heard when a monitored pass was
    /// heard, else partly, else not heard; nil (not monitored) when no pass was; and hearing is said
    /// at all only when a monitor is in scope or a record says a pass was monitored.
    struct HeardCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// Per record: the words on its passes (naxi, mandarin, naxi again, mandarin again); nil: not monitored.
        var records: [[Heard?]]
        /// Zones with a monitored output.
        var monitoredZones: Set<String>
        var within: String? = nil
        var monitored: Bool
        /// naxi's and mandarin's words in town-a.
        var naxi: Heard?
        var mandarin: Heard?
        var testDescription: String { name }
    }

    static let heardCases: [HeardCase] = [
        HeardCase(name: "heard on one pass", records: [[.yes, .yes]], monitoredZones: ["town-a"], monitored: true,
                  naxi: .yes, mandarin: .yes),
        HeardCase(name: "a later pass heard beats an earlier one not heard", records: [[.no, .no, .yes, .partly]],
                  monitoredZones: ["town-a"], monitored: true, naxi: .yes, mandarin: .partly),
        HeardCase(name: "partly heard", records: [[.partly, .no]], monitoredZones: ["town-a"], monitored: true,
                  naxi: .partly, mandarin: .no),
        HeardCase(name: "a monitored unit and one without a monitor", records: [[nil, nil], [.no, .yes]],
                  monitoredZones: ["town-a"], monitored: true, naxi: .no, mandarin: .yes),
        HeardCase(name: "a monitor in scope whose input could not be opened: not monitored", records: [[nil, nil]],
                  monitoredZones: ["village-a1"], monitored: true, naxi: nil, mandarin: nil),
        HeardCase(name: "no monitor anywhere: nothing said", records: [[nil, nil]], monitoredZones: [], monitored: false,
                  naxi: nil, mandarin: nil),
        HeardCase(name: "a monitor out of scope: nothing said", records: [[nil, nil]], monitoredZones: ["town-b"], within: "town-a",
                  monitored: false, naxi: nil, mandarin: nil),
        HeardCase(name: "a record says a pass was monitored, the monitor since removed", records: [[.yes, nil]],
                  monitoredZones: [], monitored: true, naxi: .yes, mandarin: nil),
    ]

    @Test(arguments: heardCases)
    func heardPerZoneAndLanguage(_ c: HeardCase) throws {
        let records = c.records.enumerated().map { n, words in
            var r = Self.record("r\(n)", unit: "unit-\(n)", output: "horn", zone: "town-a", languages: ["naxi", "mandarin"],
                                segments: words.indices.map { i in (i % 2 == 0 ? "naxi" : "mandarin", 1000, 1000, nil) })
            for (i, word) in words.enumerated() {
                r.record.segments?[i].heard = word
                r.record.segments?[i].heardLevelDB = word.map { _ in Double(20 + i) }
                r.record.segments?[i].heardDelayMS = word.map { _ in Double(100 + i) }
            }
            return r
        }
        let result = BroadcastCoverage.compute(records, query: CoverageQuery(aimed: ["town-a"], placed: ["town-a", "town-b"],
                                                                             within: c.within, monitored: c.monitoredZones),
                                               tree: Self.tree)
        #expect(result.monitored == c.monitored)
        let zone = try #require(result.zones.first { $0.zone == "town-a" })
        #expect(zone.entries.first { $0.label == "naxi" }?.heard == c.naxi)
        #expect(zone.entries.first { $0.label == "mandarin" }?.heard == c.mandarin)
        // A language that did not play has no word; one not planned then neither.
        #expect(zone.entries.filter { $0.state == .missing || $0.state == .notPlannedThen }.allSatisfy { $0.heard == nil })
    }

    @Test func theLevelAndDelayAreThoseOfThePassThatWasHeard() throws {
        var r = Self.record("r1", unit: "a-unit", output: "horn", zone: "town-a", languages: ["naxi", "mandarin"],
                            segments: [("naxi", 1000, 1000, nil), ("mandarin", 1000, 1000, nil), ("naxi", 1000, 1000, nil)])
        r.record.segments?[0].take(SegmentHeard(segment: 0, label: "naxi", heard: .no, levelDB: 1.04, delayMS: nil))
        r.record.segments?[2].take(SegmentHeard(segment: 2, label: "naxi", heard: .yes, levelDB: 23.46, delayMS: 118.6))
        let result = BroadcastCoverage.compute([r], query: CoverageQuery(aimed: ["town-a"], placed: [], monitored: ["town-a"]), tree: Self.tree)
        let naxi = try #require(result.zones.first?.entries.first { $0.label == "naxi" })
        #expect(naxi.heard == .yes && naxi.heardLevelDB == 23.5 && naxi.heardDelayMS == 119)
        // The record's JSON (as kept and as a unit sends it) carries the word; an older reader's
        // record without it reads as not monitored.
        let data = try JSONEncoder().encode(r.record.segments![2])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""heard":"yes""#) && text.contains(#""heard_level_db":23.5"#) && text.contains(#""heard_delay_ms":119"#))
        let old = try JSONDecoder().decode(SegmentFact.self, from: Data(#"{"index":0,"label":"naxi","pass":0,"played_frames":5,"ended":true}"#.utf8))
        #expect(old.heard == nil && old.played == 5)
        let future = try JSONDecoder().decode(SegmentFact.self, from: Data(#"{"index":0,"label":"naxi","pass":0,"played_frames":5,"ended":true,"heard":"maybe"}"#.utf8))
        #expect(future.heard == nil)
    }

    @Test func aSignalCountsForTheZoneNotPerLanguage() {
        var r = BroadcastRecord(id: "s1", source: .manual, message: "siren:air-raid", output: "horn", zone: "town-a",
                                priority: .emergency, plannedLanguages: [], plannedAt: Self.t0, deadline: nil)
        r.segments = [SegmentFact(index: 0, label: "neutral", pass: 0, planned: 1000, played: 1000, ended: true)]
        let result = BroadcastCoverage.compute([CoverageRecord(unit: nil, record: r)],
                                               query: CoverageQuery(aimed: ["town-a", "town-b"], placed: ["town-b"]), tree: Self.tree)
        #expect(result.zones.map(\.zone) == ["town-b", "town-a"])
        #expect(result.zones.map { $0.entries.map(\.label) } == [["siren"], ["siren"]])
        #expect(result.zones.map { $0.entries.map(\.state) } == [[.missing], [.played]])
    }
}
