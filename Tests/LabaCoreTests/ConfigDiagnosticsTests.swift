import Testing
@testable import LabaCore

/// Loads YAML text as the file "t.yaml" in "/cfg".
func load(_ yaml: String) -> ConfigLoadResult {
    ConfigLoader.parse(yaml: yaml, file: "t.yaml", directory: "/cfg")
}

/// The errors of a result as "LINE:COL message" strings.
func errorLines(_ result: ConfigLoadResult) -> [String] {
    result.diagnostics.errors.map { "\($0.location!.line):\($0.location!.column) \($0.message)" }
}

struct ExpectedDiagnostic: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var line: Int
    var column: Int
    var severity: Diagnostic.Severity
    var message: String
    var testDescription: String { name }
}

let minimalZones = """
    outputs:
      - {id: out, device: hw, zone: town}
    zones:
      - id: town
    """

@Suite struct ConfigDiagnosticsTests {
    static let cases: [ExpectedDiagnostic] = [
        .init(name: "YAML syntax error", yaml: "zones:\n  - id: a\n   name: b\n", line: 3, column: 4, severity: .error,
              message: "YAML syntax: while parsing a block collection: did not find expected '-' indicator"),
        .init(name: "tab indentation", yaml: "zones:\n\t- id: a\n", line: 2, column: 1, severity: .error,
              message: "indent with spaces, not tabs"),
        .init(name: "duplicate key", yaml: "timezone: UTC\ntimezone: UTC\n", line: 1, column: 1, severity: .error,
              message: "duplicate key 'timezone' in the same mapping"),
        .init(name: "unknown top-level key", yaml: "timezon: UTC\n", line: 1, column: 1, severity: .error,
              message: "unknown key 'timezon' in the configuration; did you mean 'timezone'?"),
        .init(name: "unknown key without suggestion", yaml: minimalZones + "\n    colour: red\n", line: 5, column: 5,
              severity: .error, message: "unknown key 'colour' in a zone"),
        .init(name: "unknown time zone", yaml: "timezone: Asia/Lijiang\n", line: 1, column: 11, severity: .error,
              message: "unknown time zone 'Asia/Lijiang' (use an IANA name such as Asia/Shanghai)"),
        .init(name: "bad time span", yaml: "defaults:\n  gap: 2 parsecs\n", line: 2, column: 8, severity: .error,
              message: "gap: invalid time span '2 parsecs': unknown time unit 'parsecs' (use us, ms, s, min, h, d, w, M, y)"),
        .init(name: "time span without number", yaml: "defaults:\n  gap: ms\n", line: 2, column: 8, severity: .error,
              message: "gap: invalid time span 'ms': expected a number at 'ms'"),
        .init(name: "unknown language", yaml: "defaults:\n  languages: [naxi, naxy]\n", line: 2, column: 21,
              severity: .error, message: "unknown language 'naxy'; did you mean 'naxi'?"),
        .init(name: "invalid id", yaml: "zones:\n  - id: Old_Town\n", line: 2, column: 9, severity: .error,
              message: "zone id 'Old_Town' is not a valid id (lower-case letters, digits, '_' and '-', starting with a letter or digit)"),
        .init(name: "duplicate zone id", yaml: "zones:\n  - id: a\n  - id: a\n", line: 3, column: 9, severity: .error,
              message: "duplicate zone id 'a' (first defined at 2:9)"),
        .init(name: "unknown parent", yaml: "zones:\n  - id: town\n  - id: b\n    parent: twon\n", line: 4, column: 13,
              severity: .error, message: "unknown parent zone 'twon'; did you mean 'town'?"),
        .init(name: "zone cycle", yaml: "zones:\n  - id: a\n    parent: b\n  - id: b\n    parent: a\n", line: 3, column: 13,
              severity: .error, message: "the zone tree has a cycle: a → b → a"),
        .init(name: "self parent", yaml: "zones:\n  - id: a\n    parent: a\n", line: 3, column: 13, severity: .error,
              message: "the zone tree has a cycle: a → a"),
        .init(name: "output in unknown zone", yaml: "outputs:\n  - {id: o, device: hw, zone: nowhere}\nzones:\n  - id: town\n",
              line: 2, column: 31, severity: .error, message: "unknown zone 'nowhere'"),
        .init(name: "empty device", yaml: "outputs:\n  - id: o\n    device: \"\"\n    zone: t\nzones:\n  - id: t\n",
              line: 3, column: 13, severity: .error,
              message: "device is empty; name an ALSA PCM such as \"plughw:CARD=Device,DEV=0\" (laba devices lists them)"),
        .init(name: "until before from", yaml: """
              zones:
                - id: t
                  schedule:
                    - {message: m, at: daily, from: 2020-03-01, until: 2020-02-01}
              """, line: 4, column: 58, severity: .error, message: "until 2020-02-01 is before from 2020-03-01"),
        .init(name: "impossible date", yaml: "zones:\n  - id: t\n    schedule:\n      - {message: m, at: daily, from: 2026-02-30}\n",
              line: 4, column: 39, severity: .error, message: "from must be a date YYYY-MM-DD, found '2026-02-30'"),
        .init(name: "every without from", yaml: "zones:\n  - id: t\n    schedule:\n      - {message: m, at: daily, every: 5d}\n",
              line: 4, column: 40, severity: .error, message: "every needs 'from', the day the count starts"),
        .init(name: "every in hours", yaml: "zones:\n  - id: t\n    schedule:\n      - {message: m, at: daily, every: 36h, from: 2026-01-01}\n",
              line: 4, column: 40, severity: .error, message: "every must be a whole number of days such as 5d, found '1d 12h'"),
        .init(name: "entry without message", yaml: "zones:\n  - id: t\n    schedule:\n      - at: daily\n",
              line: 4, column: 9, severity: .error, message: "a schedule entry needs a message"),
        .init(name: "repeat zero", yaml: "zones:\n  - id: t\n    schedule:\n      - {message: m, at: daily, repeat: 0}\n",
              line: 4, column: 41, severity: .error, message: "repeat must be between 1 and 100, found 0"),
        .init(name: "quiet hours not a range", yaml: "defaults:\n  quiet_hours: 10pm\n", line: 2, column: 16, severity: .error,
              message: "quiet_hours must be a time range HH:MM-HH:MM such as 22:00-07:00, found '10pm'"),
        .init(name: "volume not a number", yaml: "defaults:\n  volume_db: loud\n", line: 2, column: 14, severity: .error,
              message: "volume_db must be a number, found 'loud'"),
        .init(name: "zones not a list", yaml: "zones: town\n", line: 1, column: 8, severity: .error,
              message: "zones must be a list, found a single value"),
        .init(name: "valid_until before valid_from", yaml: "messages:\n  - {id: m, valid_from: 2020-02-01, valid_until: 2020-01-01}\n",
              line: 2, column: 50, severity: .error, message: "valid_until 2020-01-01 is before valid_from 2020-02-01"),
        .init(name: "language added twice", yaml: "languages:\n  - {id: naxi, name: 纳西}\n", line: 2, column: 10, severity: .error,
              message: "duplicate language 'naxi' (it is built in)"),
        .init(name: "no outputs", yaml: "zones:\n  - id: a\n", line: 1, column: 1, severity: .warning,
              message: "no outputs are configured: nothing will play"),
    ]

    @Test(arguments: cases)
    func reportsPosition(_ c: ExpectedDiagnostic) {
        let result = load(c.yaml)
        let matching = result.diagnostics.filter { $0.severity == c.severity && $0.message == c.message }
        #expect(matching.count == 1, "got: \(result.diagnostics.map(\.description))")
        if let d = matching.first {
            #expect(d.location == SourceLocation(file: "t.yaml", line: c.line, column: c.column))
        }
    }

    /// The acceptance case of the foundation issue: four mistakes, exactly four errors.
    @Test func fourMistakesGiveExactlyFourErrors() {
        let yaml = """
            timezone: Asia/Shanghai
            defaults:
              languges: [naxi]
              gap: 2 parsecs
            outputs:
              - id: a
                device: hw
                zone: one
            zones:
              - id: one
                parent: two
                colour: red
              - id: two
                parent: one
            """
        let result = load(yaml)
        #expect(errorLines(result) == [
            "3:3 unknown key 'languges' in defaults; did you mean 'languages'?",
            "4:8 gap: invalid time span '2 parsecs': unknown time unit 'parsecs' (use us, ms, s, min, h, d, w, M, y)",
            "11:13 the zone tree has a cycle: one → two → one",
            "12:5 unknown key 'colour' in a zone",
        ])
    }

    @Test func diagnosticsAreSortedAndPrintLikeACompiler() {
        let result = load("zones:\n  - id: b\n    parent: x\ntimezon: UTC\n")
        #expect(result.diagnostics.map(\.description).prefix(2) == [
            "t.yaml:1:1: warning: no outputs are configured: nothing will play",
            "t.yaml:3:13: error: unknown parent zone 'x'",
        ])
        #expect(result.diagnostics.errors.last?.description == "t.yaml:4:1: error: unknown key 'timezon' in the configuration; did you mean 'timezone'?")
    }

    @Test func emptyFileIsAnError() {
        #expect(errorLines(load("")) == ["1:1 the file is empty"])
        #expect(errorLines(load("# only a comment\n")) == ["1:1 the file is empty"])
    }

    @Test func missingFileIsAnError() {
        let result = ConfigLoader.load(path: "/nonexistent/laba.yaml")
        #expect(result.config == nil)
        #expect(result.diagnostics.map(\.description) == ["error: /nonexistent/laba.yaml does not exist"])
    }
}
