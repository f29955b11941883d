import Foundation
import Testing
@testable import LabaCore

/// `PlanDiff`: what an edit of the configuration does to the next 24 hours (`laba check --diff`).
@Suite struct PlanDiffTests {
    static let base = """
        timezone: Asia/Shanghai
        defaults:
          languages: [mandarin]
        outputs:
          - {id: square, device: hw, zone: town}
          - {id: van, device: hw2, zone: hill}
        zones:
          - id: town
            languages: [naxi, mandarin]
            quiet_hours: "22:00-07:00"
            schedule:
              - {message: masks, at: ["08:00", "12:00"]}
              - {message: handwash, at: "18:00"}
          - id: hill
            languages: [yi]
            schedule:
              - {message: masks, at: "09:00"}
        """

    func planner(_ yaml: String, zones: [String: String] = [:]) throws -> Planner {
        let loaded = ConfigLoader.parse(yaml: yaml, file: "t.yaml", directory: "/")
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        return Planner(config: try #require(loaded.config), library: nil, outputZones: zones)
    }

    func diff(_ new: String, zones: [String: String] = [:]) throws -> PlanDiff {
        let from = try TimeParsing.instant("2026-11-30 00:00", in: TimeZone(identifier: "Asia/Shanghai")!, now: Instant(seconds: 0))
        return PlanDiff(old: try planner(Self.base, zones: zones), new: try planner(new, zones: zones),
                        after: from, through: from + .seconds(24 * 3600))
    }

    func hm(_ t: Instant) -> String {
        let c = CivilTime(linear: t.microseconds + 8 * 3_600_000_000)
        return String(format: "%02d:%02d", c.hour, c.minute)
    }

    @Test func theSameConfigurationChangesNothing() throws {
        #expect(try diff(Self.base).isEmpty)
    }

    @Test func addedRemovedMovedAndChangedAreToldApart() throws {
        let new = Self.base
            .replacingOccurrences(of: #"at: ["08:00", "12:00"]"#, with: #"at: ["08:30", "12:00", "15:00"]"#)
            .replacingOccurrences(of: "{message: handwash, at: \"18:00\"}", with: "{message: handwash, at: \"18:00\", languages: [naxi]}")
            .replacingOccurrences(of: "{message: masks, at: \"09:00\"}", with: "{message: gathering, at: \"09:00\"}")
        let d = try diff(new)
        #expect(d.added.map { "\(hm($0.time)) \($0.output) \($0.message)" }.sorted() == ["09:00 van gathering", "15:00 square masks"])
        #expect(d.removed.map { "\(hm($0.time)) \($0.output) \($0.message)" } == ["09:00 van masks"])
        #expect(d.moved.map { "\(hm($0.old.time))→\(hm($0.new.time)) \($0.new.output) \($0.new.message)" } == ["08:00→08:30 square masks"])
        #expect(d.changed.map { "\(hm($0.new.time)) \($0.old.languages)→\($0.new.languages)" } == [#"18:00 ["naxi", "mandarin"]→["naxi"]"#])
    }

    /// A broadcast moved into quiet hours will not play: it counts as removed.
    @Test func aBroadcastMovedIntoQuietHoursIsRemoved() throws {
        let d = try diff(Self.base.replacingOccurrences(of: "{message: handwash, at: \"18:00\"}",
                                                        with: "{message: handwash, at: \"23:00\"}"))
        #expect(d.removed.map { "\(hm($0.time)) \($0.message)" } == ["18:00 handwash"])
        #expect(d.added.isEmpty && d.moved.isEmpty)
    }

    /// With a mobile unit moved by the daemon, the plan follows its current zone.
    @Test func theOutputsCurrentZonesAreUsed() throws {
        let new = Self.base.replacingOccurrences(of: "{message: masks, at: \"09:00\"}", with: "{message: masks, at: \"09:15\"}")
        #expect(try diff(new).moved.count == 1)
        // The van now serves the town: the hill's schedule concerns nobody.
        let moved = try diff(new, zones: ["van": "town"])
        #expect(moved.isEmpty)
    }
}
