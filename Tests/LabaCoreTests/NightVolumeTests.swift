import Foundation
import Testing
@testable import LabaCore

/// Night volume (SPEC 18) on fixed instants: inside and outside a window, across midnight, with
/// quiet hours, with an emergency and a signal; and `volume_schedule` read and inherited.
@Suite struct NightVolumeTests {
    static let yaml = """
        timezone: Asia/Shanghai
        defaults:
          volume_schedule: ["22:00-07:00 -12dB"]
        outputs:
          - {id: square, device: hw, zone: town}
        zones:
          - id: county
          - id: town
            parent: county
          - id: quiet
            parent: county
            quiet_hours: "23:00-06:00"
          - id: market
            parent: county
            volume_schedule: ["12:00-14:00 -6dB", "20:00-23:30 -20dB"]
          - id: loud
            parent: county
            volume_schedule: none
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var zone: String
        var at: String
        var priority: Priority = .manual
        var siren = false
        var scheduled = false
        var expected: NightVolume.Decision
        var testDescription: String { name }
    }

    static let night = VolumeWindow(hours: QuietHours(start: 22 * 60, end: 7 * 60), gainDB: -12)

    static let cases: [Case] = [
        Case(name: "inside, before midnight", zone: "town", at: "2026-12-02 22:00", expected: .play(night)),
        Case(name: "inside, after midnight", zone: "town", at: "2026-12-03 06:59:59", expected: .play(night)),
        Case(name: "outside: the end is out", zone: "town", at: "2026-12-03 07:00", expected: .play(nil)),
        Case(name: "outside, by day", zone: "town", at: "2026-12-03 12:00", expected: .play(nil)),
        Case(name: "a scheduled one inside plays lowered", zone: "town", at: "2026-12-02 23:00", scheduled: true,
             expected: .play(night)),
        Case(name: "quiet hours skip a scheduled one", zone: "quiet", at: "2026-12-02 23:30", scheduled: true,
             expected: .skipped(QuietHours(start: 23 * 60, end: 6 * 60))),
        Case(name: "in the window but before quiet hours it plays lowered", zone: "quiet", at: "2026-12-02 22:30",
             scheduled: true, expected: .play(night)),
        Case(name: "a forced manual one in quiet hours plays lowered", zone: "quiet", at: "2026-12-02 23:30",
             expected: .play(night)),
        Case(name: "an emergency keeps full volume", zone: "town", at: "2026-12-02 23:00", priority: .emergency,
             expected: .play(nil)),
        Case(name: "a signal keeps full volume, even configured lower", zone: "town", at: "2026-12-02 23:00", siren: true,
             expected: .play(nil)),
        Case(name: "a zone's own windows replace the inherited one", zone: "market", at: "2026-12-02 13:00",
             expected: .play(VolumeWindow(hours: QuietHours(start: 12 * 60, end: 14 * 60), gainDB: -6))),
        Case(name: "the first window that holds", zone: "market", at: "2026-12-02 23:00",
             expected: .play(VolumeWindow(hours: QuietHours(start: 20 * 60, end: 23 * 60 + 30), gainDB: -20))),
        Case(name: "none clears the inherited schedule", zone: "loud", at: "2026-12-02 23:00", expected: .play(nil)),
    ]

    @Test(arguments: cases)
    func decides(_ c: Case) throws {
        let result = load(Self.yaml)
        #expect(errorLines(result).isEmpty, "\(errorLines(result))")
        let config = try #require(result.config)
        let zone = try #require(ZoneTree(config)[c.zone])
        var local = ZoneConverter(config.timeZone)
        let civil = local.civil(try TimeParsing.instant(c.at, in: config.timeZone, now: Instant(seconds: 0)))
        #expect(NightVolume.decide(zone: zone, at: civil, priority: c.priority, siren: c.siren, scheduled: c.scheduled) == c.expected)
    }

    @Test func windowsParseAndBadOnesAreNamedAtTheirPlace() {
        #expect(VolumeWindow(parsing: "22:00-07:00 -12dB") == Self.night)
        #expect(VolumeWindow(parsing: "22:00-07:00  -4.5db")?.gainDB == -4.5)
        #expect(Self.night.description == "22:00-07:00 -12dB")
        for bad in ["22:00-07:00", "-12dB", "22:00-07:00 -12", "22:00 -12dB", "25:00-07:00 -12dB", "22:00-07:00 loud dB"] {
            #expect(VolumeWindow(parsing: bad) == nil, "\(bad)")
        }
        let result = load("""
            zones:
              - id: town
                volume_schedule: ["22:00-07:00 -12", "22:00-07:00 -90dB"]
            """)
        #expect(errorLines(result) == [
            "3:23 volume_schedule needs a time range and a gain, such as \"22:00-07:00 -12dB\"; found '22:00-07:00 -12'",
            "3:42 the gain of a volume_schedule window must be between -60dB and 60dB, found -90.0dB",
        ], "\(errorLines(result))")
    }

    @Test func thePlanShowsTheNightVolumeOfEachBroadcast() throws {
        let config = try #require(load(Self.yaml.replacingOccurrences(of: "  - id: county\n", with: """
              - id: county
                schedule:
                  - {message: masks, at: ["21:00", "22:30"]}

            """)).config)
        let planner = Planner(config: config, library: PlannerTests.library())
        let after = try TimeParsing.instant("2026-12-02 20:00", in: config.timeZone, now: Instant(seconds: 0))
        let planned = planner.upcoming(after: after, count: 2)
        #expect(planned.map(\.volume) == [nil, Self.night])
        // A volume_schedule that changes is a change of the plan.
        let louder = Planner(config: try #require(load(Self.yaml.replacingOccurrences(of: "-12dB", with: "-6dB")
            .replacingOccurrences(of: "  - id: county\n", with: """
              - id: county
                schedule:
                  - {message: masks, at: ["21:00", "22:30"]}

            """)).config), library: PlannerTests.library())
        let diff = PlanDiff(old: planner, new: louder, after: after, through: after + .seconds(6 * 3600))
        #expect(diff.changed.map(\.new.volume?.gainDB) == [-6] && diff.added.isEmpty && diff.removed.isEmpty)
    }
}
