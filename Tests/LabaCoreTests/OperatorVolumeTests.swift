import Foundation
import Testing
@testable import LabaCore

/// A loudspeaker's volume for operators (issue 27): the technician's `volume_range`, the
/// operators' `volumes.json`, and the gain that plays.
@Suite struct OperatorVolumeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var range: String?
        var expected: VolumeRange?
        var error: String?
        var testDescription: String { range ?? "(none)" }
    }

    static let cases: [Case] = [
        Case(range: nil, expected: .standard),
        Case(range: "[-6, 3]", expected: VolumeRange(lower: -6, upper: 3)),
        Case(range: "[-20, -20]", expected: VolumeRange(lower: -20, upper: -20)),
        Case(range: "[0, -12]", error: "volume_range_order"),
        Case(range: "[-12]", error: "volume_range_shape"),
        Case(range: "[-70, 0]", error: "out_of_range"),
        Case(range: "[loud, 0]", error: "not_a_number"),
        Case(range: "-12", error: nil),
    ]

    static func yaml(_ range: String?) -> String {
        """
        timezone: UTC
        outputs:
          - id: square
            device: hw
            zone: town
            volume_db: -3
        \(range.map { "    volume_range: \($0)" } ?? "")
        zones:
          - {id: town, languages: [mandarin]}
        """
    }

    @Test(arguments: cases)
    func theRangeReadsOrIsRefusedAtItsPlace(_ c: Case) throws {
        let loaded = ConfigLoader.parse(yaml: Self.yaml(c.range), file: "laba.yaml", directory: "/")
        if let error = c.error {
            #expect(loaded.diagnostics.contains { $0.code == error && $0.location?.line == 7 }, "\(loaded.diagnostics)")
        } else if let expected = c.expected {
            #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
            #expect(loaded.config?.output("square")?.allowedVolume == expected)
        } else {
            // A scalar where a sequence belongs: refused, whatever its words.
            #expect(loaded.diagnostics.hasErrors)
        }
    }

    func merged(_ volumes: [String: Double], range: String? = nil) throws -> MergedConfig {
        let technician = try #require(ConfigLoader.parse(yaml: Self.yaml(range), file: "laba.yaml", directory: "/").config)
        var operators = OperatorScheduleLoad.none("/state/schedule.yaml")
        operators.volumes = volumes
        return MergedConfig(technician: technician, operators: operators, library: PlannerTests.library())
    }

    @Test func theOperatorsVolumeAddsToTheTechniciansGain() throws {
        let output = try #require(try merged(["square": -6, "gone": -3]).config.output("square"))
        #expect(output.operatorVolumeDB == -6 && output.gainDB == -9)
        #expect(try merged([:]).config.output("square")?.gainDB == -3)
    }

    /// A technician who narrows the range afterwards: the volume holds at its nearest end, with a warning.
    @Test func aVolumeOutsideANarrowedRangeIsHeldAtItsEnd() throws {
        let merged = try merged(["square": -12], range: "[-6, 0]")
        #expect(merged.config.output("square")?.operatorVolumeDB == -6)
        let warning = try #require(merged.diagnostics.first { $0.code == "operator_volume_clamped" })
        #expect(warning.severity == .warning && warning.arguments["kept"] == "-6.0", "\(warning)")
    }

    @Test func theFileKeepsWhatWasSetAndDropsWhatCannotBe() throws {
        let directory = NSTemporaryDirectory() + "laba-volumes-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try OperatorVolumes.set(-6, for: "square", stateDirectory: directory)
        try OperatorVolumes.set(-2.5, for: "van", stateDirectory: directory)
        #expect(OperatorVolumes.load(stateDirectory: directory) == ["square": -6, "van": -2.5])
        try #"{"square": -6, "../x": 1, "loud": 1000}"#.write(toFile: directory + "/volumes.json", atomically: true, encoding: .utf8)
        #expect(OperatorVolumes.load(stateDirectory: directory) == ["square": -6])
    }
}

/// `laba schedule change ID --at 17:45` keeps the entry's days (issue 27).
@Suite struct KeptDaysTests {
    @Test(arguments: [
        (["Mon..Fri 17:30"], ["17:45"], ["Mon..Fri 17:45"]),
        (["Mon..Fri *-*-* 17:30:00"], ["17:45"], ["Mon..Fri *-*-* 17:45"]),
        (["Sat 08:00", "Sun 09:00"], ["10:00"], ["Sat 10:00", "Sun 10:00"]),
        (["Mon 08:00", "Mon 09:00"], ["07:00", "12:00"], ["Mon 07:00", "Mon 12:00"]),
        (["*-*-01 06:00"], ["6:30"], ["*-*-01 6:30"]),
    ])
    func aBareTimeKeepsTheDays(_ old: [String], _ times: [String], _ expected: [String]) {
        #expect(KeptDays.keepingDays(of: old, times: times) == expected)
    }

    @Test(arguments: [
        (["08:00"], ["17:45"]),              // an entry every day: nothing to keep
        (["daily"], ["17:45"]),              // no time of its own
        (["Mon..Fri 17:30"], ["Sat 17:45"]), // days given: taken as written
        (["Mon..Fri 17:30"], ["17:45", "Sun 08:00"]),
    ])
    func otherwiseTheExpressionIsTakenAsWritten(_ old: [String], _ times: [String]) {
        #expect(KeptDays.keepingDays(of: old, times: times) == nil)
    }

    @Test func aBareTime() {
        #expect(["17:45", "7:05", "17:45:30"].allSatisfy(KeptDays.isBareTime))
        #expect(!["Mon 17:45", "17", "1745", "17:45:30:00", "１７:45", "", "daily"].contains(where: KeptDays.isBareTime))
    }
}
