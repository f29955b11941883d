import Foundation
import Testing
@testable import LabaCore

/// The operators' schedule (`<state>/schedule.yaml`): read with the configuration's rules, merged
/// into the technician's zones; a technician's edit disables an entry, never the configuration.
@Suite struct OperatorScheduleTests {
    static let technician = """
        timezone: UTC
        outputs:
          - {id: square, device: hw, zone: town}
        zones:
          - id: town
            languages: [mandarin]
            schedule:
              - {message: masks, at: "08:00"}
          - id: market
            parent: town
        operators: {schedule: true, zones: [market]}
        """

    func config(_ yaml: String = technician) throws -> Config {
        let loaded = ConfigLoader.parse(yaml: yaml, file: "laba.yaml", directory: "/")
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        return try #require(loaded.config)
    }

    static func schedule(_ entries: [OperatorEntry]) -> OperatorScheduleLoad {
        OperatorScheduleLoad.parse(yaml: OperatorSchedule(version: 3, entries: entries).yaml(), file: "/state/schedule.yaml")
    }

    @Test func theFileReadsBackAsWritten() {
        var entry = OperatorEntry(id: "op-1a2b3c", zone: "market", message: "market", at: ["07:30", "Mon 09:00"], every: "5d",
                                  from: "2026-12-03", until: "2027-01-31", repeat: 2, languages: ["yi"], catchUp: "15min",
                                  maxDelay: "5min", paused: true)
        entry.addedBy = "王 \"clerk\""
        entry.addedAt = "2026-12-02T18:00:00+08:00"
        let load = Self.schedule([entry])
        #expect(load.fileDiagnostics.isEmpty && load.entryDiagnostics.isEmpty, "\(load.fileDiagnostics) \(load.entryDiagnostics)")
        #expect(load.schedule == OperatorSchedule(version: 3, entries: [entry]))
        let typed = load.typed["op-1a2b3c"]
        #expect(typed?.everyDays?.value == 5 && typed?.calendars.count == 2 && typed?.repeats == 2)
    }

    @Test func entriesJoinTheirZonesAndPausedOnesDoNot() throws {
        let load = Self.schedule([OperatorEntry(id: "op-1", zone: "market", message: "market", at: ["07:30"]),
                                  OperatorEntry(id: "op-2", zone: "market", message: "masks", at: ["09:00"], paused: true)])
        let merged = MergedConfig(technician: try config(), operators: load, library: PlannerTests.library())
        #expect(merged.diagnostics.isEmpty, "\(merged.diagnostics)")
        #expect(merged.config.zones.first { $0.id.value == "market" }?.schedule.map(\.id) == ["op-1"])
    }

    /// The zone is gone: a warning at the operators' file that disables the entry; for the entry a
    /// change is about, an error.
    @Test func anEntryWhoseZoneIsGoneIsDisabledWithAWarning() throws {
        let load = Self.schedule([OperatorEntry(id: "op-1", zone: "hills", message: "market", at: ["07:30"]),
                                  OperatorEntry(id: "op-2", zone: "market", message: "gone", at: ["07:30"])])
        let merged = MergedConfig(technician: try config(), operators: load, library: PlannerTests.library())
        #expect(!merged.diagnostics.hasErrors)
        #expect(merged.disabled.keys.sorted() == ["op-1", "op-2"])
        #expect(merged.diagnostics.map(\.description).contains {
            $0.hasPrefix("/state/schedule.yaml:5:5: warning: unknown zone 'hills'") && $0.hasSuffix("operator entry 'op-1' is disabled")
        }, "\(merged.diagnostics)")
        #expect(merged.config.zones.allSatisfy { $0.schedule.allSatisfy { !$0.id.hasPrefix("op-") } })

        let strict = MergedConfig(technician: try config(), operators: load, library: PlannerTests.library(), strict: ["op-1"])
        #expect(strict.diagnostics.errors.map(\.message) == ["unknown zone 'hills'"])
    }

    @Test func aBadExpressionIsAnErrorAtItsLineAndColumn() throws {
        let load = Self.schedule([OperatorEntry(id: "op-1", zone: "market", message: "market", at: ["25:00"])])
        let strict = MergedConfig(technician: try config(), operators: load, library: PlannerTests.library(), strict: ["op-1"])
        #expect(strict.diagnostics.errors.first?.description.hasPrefix(
            "/state/schedule.yaml:8:10: error: invalid calendar expression '25:00'") == true, "\(strict.diagnostics)")
    }

    @Test(arguments: [("market", true), ("town", false)])
    func operatorsScheduleOnlyInTheirSubtrees(_ zone: String, _ permitted: Bool) throws {
        let config = try config()
        #expect(config.operators.permits(zone: zone, in: ZoneTree(config)) == permitted)
    }

    @Test func operatorsZonesMustExist() {
        let loaded = ConfigLoader.parse(yaml: Self.technician.replacingOccurrences(of: "zones: [market]", with: "zones: [markt]"),
                                        file: "laba.yaml", directory: "/")
        #expect(loaded.diagnostics.errors.map(\.description) == ["laba.yaml:11:37: error: unknown zone 'markt'; did you mean 'market'?"])
    }
}
