import LabaControl
import Testing
@testable import LabaCLI

@Suite struct CSVTests {
    struct Cell: Sendable, CustomTestStringConvertible {
        var text: String
        var written: String
        var testDescription: String { text.debugDescription }
    }

    /// OWASP's CSV injection rule: a text cell starting with = + - @ tab or CR gets a leading
    /// apostrophe; numbers and everything else stay as they are.
    static let cells: [Cell] = [
        .init(text: "=1+2", written: "'=1+2"),
        .init(text: "=HYPERLINK(\"http://x\",\"y\")", written: "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        .init(text: "+SUM(A1)", written: "'+SUM(A1)"),
        .init(text: "-2+3", written: "'-2+3"),
        .init(text: "-cmd|' /C calc'!A0", written: "'-cmd|' /C calc'!A0"),
        .init(text: "@SUM(A1)", written: "'@SUM(A1)"),
        .init(text: "\tHYPERLINK", written: "'\tHYPERLINK"),
        .init(text: "\r=1", written: "\"'\r=1\""),
        .init(text: "-", written: "'-"),
        .init(text: "-.5", written: "'-.5"),
        .init(text: "-3", written: "-3"),
        .init(text: "+1.5", written: "+1.5"),
        .init(text: "2026-11-30T08:00:00.000+08:00", written: "2026-11-30T08:00:00.000+08:00"),
        .init(text: "通知=1", written: "通知=1"),
        .init(text: "a,b", written: "\"a,b\""),
        .init(text: "", written: ""),
    ]

    @Test(arguments: cells)
    func formulaCellsAreDefused(_ cell: Cell) {
        #expect(csv([[cell.text]]) == "\u{FEFF}" + cell.written + "\r\n")
    }

    @Test func tableAndJSONAreNotCSV() {
        // Only csv() defuses; the table shows the name as it is.
        #expect(TextTable(header: ["MESSAGE"], rows: [["=1+2"]]).render() == "MESSAGE\n=1+2")
    }
}

@Suite struct GlobalOptionsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var given: [String]
        var parsed: [String]
        var testDescription: String { given.joined(separator: " ") }
    }

    static let cases: [Case] = [
        .init(given: ["--socket", "S", "status"], parsed: ["status", "--socket", "S"]),
        .init(given: ["--socket=S", "status"], parsed: ["status", "--socket=S"]),
        .init(given: ["--config", "F", "next", "--count", "3"], parsed: ["next", "--config", "F", "--count", "3"]),
        .init(given: ["--config", "F", "--socket", "S", "--json", "next"], parsed: ["next", "--config", "F", "--socket", "S", "--json"]),
        .init(given: ["--config", "F", "status"], parsed: ["status"]),
        .init(given: ["--socket", "S", "check"], parsed: ["check"]),
        .init(given: ["status", "--socket", "S"], parsed: ["status", "--socket", "S"]),
        .init(given: ["--help"], parsed: ["--help"]),
        .init(given: ["--socket", "S"], parsed: ["--socket", "S"]),
        .init(given: ["--socket", "S", "stauts"], parsed: ["stauts", "--socket", "S"]),
    ]

    @Test(arguments: cases)
    func globalOptionsMoveAfterTheCommand(_ c: Case) {
        #expect(GlobalOptions.hoist(c.given, tree: CommandTree.laba) == c.parsed)
    }
}

@Suite struct UsageProblemTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var messages: [String]?
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        .init(arguments: ["play", "masks", "--zoen", "x"], messages: ["unknown option '--zoen'; did you mean '--zone'?"]),
        .init(arguments: ["play", "--Zone", "x", "--prority", "emergency"],
              messages: ["unknown option '--Zone'; did you mean '--zone'?", "unknown option '--prority'; did you mean '--priority'?"]),
        .init(arguments: ["play", "masks", "--zone", "x", "-q"], messages: ["unknown option '-q'"]),
        .init(arguments: ["stauts"], messages: ["unknown command 'stauts'; did you mean 'status'?"]),
        .init(arguments: ["frobnicate"], messages: nil),
        // Values are not options, and `--` ends the options.
        .init(arguments: ["play", "--zone", "--zoen"], messages: nil),
        .init(arguments: ["play", "--file", "x.wav", "--", "--zoen"], messages: nil),
        .init(arguments: ["play", "masks", "--zone", "x", "--repeat", "-3"], messages: nil),
        .init(arguments: ["play-file", "--gain-db", "-3", "a.wav"], messages: nil),
        .init(arguments: ["history", "-h"], messages: nil),
        // A subcommand's subcommand has its own options: a mistake elsewhere does not make them unknown.
        .init(arguments: ["fleet", "keygen", "k", "--issuer", "Not An Id"], messages: nil),
        .init(arguments: ["fleet", "keygen", "k", "--isuer", "x"], messages: ["unknown option '--isuer'; did you mean '--issuer'?"]),
    ]

    @Test(arguments: cases)
    func mistakesAreFound(_ c: Case) throws {
        let tree = try #require(CommandTree.laba)
        let found = UsageProblems.find(in: c.arguments, tree: tree)?.messages
        if c.arguments == ["frobnicate"] {
            #expect(found?.first?.hasPrefix("unknown command 'frobnicate'; the commands are check, edit, calendar") == true, "\(found ?? [])")
        } else {
            #expect(found == c.messages)
        }
    }
}
