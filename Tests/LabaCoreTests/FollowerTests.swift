import Foundation
import Testing
@testable import LabaCore

/// The zone of a position (deepest wins, borders, no area) and the dwell state machine, on fix times.
@Suite struct FollowerTests {
    /// A county (no area) with two townships side by side, a village inside the east one, and a
    /// zone without an area. West: 100.0–100.1 E; east: 100.1–100.2 E; both 26.8–26.9 N.
    static let yaml = """
        timezone: Asia/Shanghai
        outputs:
          - {id: van, device: hw, zone: west, follow: gps}
        gps: {dwell: 30s}
        zones:
          - id: county
          - id: west
            parent: county
            area: [[100.0, 26.8], [100.1, 26.8], [100.1, 26.9], [100.0, 26.9], [100.0, 26.8]]
          - id: east
            parent: county
            area: [[100.1, 26.8], [100.2, 26.8], [100.2, 26.9], [100.1, 26.9], [100.1, 26.8]]
          - id: village
            parent: east
            area: [[100.15, 26.84], [100.17, 26.84], [100.17, 26.86], [100.15, 26.86], [100.15, 26.84]]
          - id: nowhere
            parent: county
        """

    static func map() throws -> ZoneMap {
        let loaded = load(yaml)
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        return ZoneMap(try #require(loaded.config))
    }

    struct WhereCase: CustomTestStringConvertible, Sendable {
        var name: String
        var lat: Double
        var lon: Double
        var preferring: String?
        var expected: String?
        var testDescription: String { name }
    }

    static let wheres: [WhereCase] = [
        .init(name: "west", lat: 26.85, lon: 100.05, expected: "west"),
        .init(name: "east", lat: 26.85, lon: 100.12, expected: "east"),
        .init(name: "the village inside east is deeper", lat: 26.85, lon: 100.16, expected: "village"),
        .init(name: "on the shared border: the first in the file", lat: 26.85, lon: 100.1, expected: "west"),
        .init(name: "on the shared border: the zone it serves stays", lat: 26.85, lon: 100.1, preferring: "east", expected: "east"),
        .init(name: "outside every area", lat: 27.5, lon: 100.05, expected: nil),
    ]

    @Test(arguments: wheres) func deepestZoneContainingAPosition(_ c: WhereCase) throws {
        #expect(try Self.map().deepestZone(containing: GeoPoint(lat: c.lat, lon: c.lon), preferring: c.preferring) == c.expected)
    }

    /// A fix `seconds` after 08:00:00 UTC on 2026-12-01 at (lat, lon).
    static func fix(_ seconds: Int, _ lat: Double, _ lon: Double) -> GPSFix {
        GPSFix(position: GeoPoint(lat: lat, lon: lon), time: Instant(seconds: 1_796_112_000 + Int64(seconds)))
    }

    enum Step: Sendable {
        case fix(Int, Double, Double)
        case lost
    }

    struct DwellCase: CustomTestStringConvertible, Sendable {
        var name: String
        var steps: [Step]
        /// The step index of each switch and its zone.
        var switches: [(Int, String)]
        var finalZone: String
        var finalStatus: String
        var testDescription: String { name }
    }

    static let west = (26.85, 100.05), east = (26.85, 100.12), out = (27.5, 100.05)

    static let dwells: [DwellCase] = [
        .init(name: "thirty seconds in east switch at the fix that completes them",
              steps: [.fix(0, 26.85, 100.05), .fix(10, 26.85, 100.12), .fix(20, 26.85, 100.13), .fix(39, 26.85, 100.13),
                      .fix(40, 26.85, 100.14), .fix(41, 26.85, 100.14)],
              switches: [(4, "east")], finalZone: "east", finalStatus: "in east"),
        .init(name: "in and out of a border strip twice within the dwell: no switch",
              steps: [.fix(0, 26.85, 100.05), .fix(5, 26.85, 100.11), .fix(15, 26.85, 100.09), .fix(20, 26.85, 100.11),
                      .fix(35, 26.85, 100.09), .fix(45, 26.85, 100.11), .fix(60, 26.85, 100.11)],
              switches: [], finalZone: "west", finalStatus: "in east"),
        .init(name: "the count restarts after leaving: the switch is 30 s after the last entry",
              steps: [.fix(0, 26.85, 100.11), .fix(20, 26.85, 100.09), .fix(25, 26.85, 100.11), .fix(50, 26.85, 100.11),
                      .fix(55, 26.85, 100.11)],
              switches: [(4, "east")], finalZone: "east", finalStatus: "in east"),
        .init(name: "outside every area: the zone stays and the count ends",
              steps: [.fix(0, 26.85, 100.12), .fix(20, 27.5, 100.05), .fix(40, 26.85, 100.12), .fix(60, 27.5, 100.05)],
              switches: [], finalZone: "west", finalStatus: "outside every area"),
        .init(name: "a lost fix ends the count, the zone stays",
              steps: [.fix(0, 26.85, 100.12), .lost, .fix(40, 26.85, 100.12), .fix(60, 26.85, 100.12), .lost],
              switches: [], finalZone: "west", finalStatus: "no fix"),
        .init(name: "dwell counts fix times, not how fast they come: a gap of a minute between two fixes in east",
              steps: [.fix(0, 26.85, 100.12), .fix(60, 26.85, 100.12)],
              switches: [(1, "east")], finalZone: "east", finalStatus: "in east"),
        .init(name: "a fix older than the last starts the count again",
              steps: [.fix(100, 26.85, 100.12), .fix(20, 26.85, 100.12), .fix(45, 26.85, 100.12), .fix(50, 26.85, 100.12)],
              switches: [(3, "east")], finalZone: "east", finalStatus: "in east"),
        .init(name: "into the village, through east: the deepest zone, after its own dwell",
              steps: [.fix(0, 26.85, 100.12), .fix(30, 26.85, 100.14), .fix(40, 26.85, 100.16), .fix(69, 26.85, 100.16),
                      .fix(70, 26.85, 100.16)],
              switches: [(1, "east"), (4, "village")], finalZone: "village", finalStatus: "in village"),
    ]

    @Test(arguments: dwells) func dwellOnFixTimes(_ c: DwellCase) throws {
        let map = try Self.map()
        var follower = Follower(zone: "west", dwell: .seconds(30))
        var switches: [(Int, String)] = []
        for (i, step) in c.steps.enumerated() {
            switch step {
            case .fix(let s, let lat, let lon):
                if case .switchTo(let zone, let fix, _) = follower.handle(Self.fix(s, lat, lon), map: map) {
                    switches.append((i, zone))
                    #expect(fix.time == Self.fix(s, lat, lon).time)
                }
            case .lost:
                follower.lost()
            }
        }
        #expect(switches.map(\.0) == c.switches.map(\.0) && switches.map(\.1) == c.switches.map(\.1), "\(switches)")
        #expect(follower.zone == c.finalZone)
        #expect(follower.statusText == c.finalStatus)
    }

    @Test func anOperatorsMoveRestartsTheCountFromThere() throws {
        let map = try Self.map()
        var follower = Follower(zone: "west", dwell: .seconds(30))
        _ = follower.handle(Self.fix(0, 26.85, 100.12), map: map)
        follower.moved(to: "county")
        #expect(follower.candidate == .init(zone: "east", since: Self.fix(0, 0, 0).time))
        #expect(follower.handle(Self.fix(30, 26.85, 100.12), map: map) != .stay)
    }

    /// Fix times a receiver's clock gets wrong (not yet set after a cold start, a week-number
    /// rollover, a corrupt sentence): each restarts the count, so that no such fix completes a
    /// dwell at once; a dwell of good times after it still switches.
    struct ClockCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// Seconds after the first fix (in east, at 2026-12-01 08:00:00 UTC) of the wrong one, also in east.
        var wrong: Int64
        var testDescription: String { name }
    }

    static let day: Int64 = 24 * 3600
    static let clocks: [ClockCase] = [
        .init(name: "backwards", wrong: -3600),
        .init(name: "more than a day forward", wrong: Self.day + 1),
        .init(name: "year 9999", wrong: 253_402_214_400 - 1_796_112_000),
        .init(name: "from 2100 on", wrong: 4_102_444_800 - 1_796_112_000),
        .init(name: "before the build", wrong: 1_700_000_000 - 1_796_112_000),
        .init(name: "year 1 (a receiver with no date yet)", wrong: -62_135_596_800 - 1_796_112_000),
    ]

    @Test(arguments: clocks) func aFixTimeThatCannotBeRightRestartsTheDwell(_ c: ClockCase) throws {
        let map = try Self.map()
        // Built on 2026-11-01 (UTC).
        var follower = Follower(zone: "west", dwell: .seconds(30), validFrom: Instant(seconds: 1_793_491_200))
        let start = Instant(seconds: 1_796_112_000)
        func fix(_ t: Instant) -> GPSFix { GPSFix(position: GeoPoint(lat: 26.85, lon: 100.12), time: t) }
        #expect(follower.handle(fix(start), map: map) == .stay)
        let wrong = start + TimeSpan.seconds(c.wrong)
        #expect(follower.handle(fix(wrong), map: map) == .stay, "the wrong time completes nothing")
        #expect(follower.zone == "west" && follower.statusText == "in east")
        // The count starts again: from the wrong fix when its time is plausible (the clock goes on
        // from there), else from the next plausible fix.
        let plausible = follower.isPlausible(wrong)
        let from = plausible ? wrong : start + .seconds(1)
        if !plausible { #expect(follower.handle(fix(from), map: map) == .stay) }
        #expect(follower.handle(fix(from + .seconds(29)), map: map) == .stay)
        guard case .switchTo(let zone, _, let since) = follower.handle(fix(from + .seconds(30)), map: map) else {
            Issue.record("a dwell of good times after the wrong one did not switch")
            return
        }
        #expect(zone == "east" && since == from)
    }
}
