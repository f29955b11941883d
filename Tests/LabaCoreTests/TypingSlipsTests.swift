import Testing
@testable import LabaCore

/// A configuration typed with a Chinese input method, and where its slips are named.
struct SlipCase: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    /// "LINE:COL message" of every error.
    var errors: [String]
    var testDescription: String { name }
}

let colonSlip = "full-width colon '：', typed by a Chinese input method: YAML needs the ASCII ':' here"
let commaSlip = "full-width comma '，', typed by a Chinese input method: YAML needs the ASCII ',' here"
let spaceSlip = "full-width space (U+3000), typed by a Chinese input method: YAML needs an ASCII space here"
let tabSlip = "indent with spaces, not tabs"

@Suite struct TypingSlipsTests {
    static let slips: [SlipCase] = [
        .init(name: "tab in the indentation", yaml: "zones:\n\t- id: a\n", errors: ["2:1 \(tabSlip)"]),
        .init(name: "tab after spaces", yaml: "zones:\n  - id: a\n  \tname: b\n", errors: ["3:3 \(tabSlip)"]),
        .init(name: "full-width colon after a top-level key", yaml: "timezone： Asia/Shanghai\naudio_dir: x\n",
              errors: ["1:9 \(colonSlip)"]),
        .init(name: "full-width colon in a list item, not the line after", yaml: "zones:\n  - id： town\n    name: 古城\n",
              errors: ["2:7 \(colonSlip)"]),
        .init(name: "full-width colon on the last line", yaml: "outputs: []\nzones:\n  - id: town\n    name： 古城\n",
              errors: ["4:9 \(colonSlip)"]),
        .init(name: "full-width colon without a space", yaml: "zones:\n  - id：town\n", errors: ["2:7 \(colonSlip)"]),
        .init(name: "full-width colon before a nested mapping", yaml: "defaults：\n  gap: 1s\n", errors: ["1:9 \(colonSlip)"]),
        .init(name: "full-width comma in a flow list", yaml: "defaults:\n  languages: [naxi，mandarin]\n",
              errors: ["2:19 \(commaSlip)"]),
        .init(name: "full-width brackets", yaml: "defaults:\n  languages: ［naxi, mandarin］\n",
              errors: ["2:14 full-width bracket '［', typed by a Chinese input method: YAML needs the ASCII '[' here",
                       "2:29 full-width bracket '］', typed by a Chinese input method: YAML needs the ASCII ']' here"]),
        .init(name: "full-width braces", yaml: "outputs:\n  - ｛id: o, device: hw, zone: town｝\n",
              errors: ["2:5 full-width brace '｛', typed by a Chinese input method: YAML needs the ASCII '{' here",
                       "2:35 full-width brace '｝', typed by a Chinese input method: YAML needs the ASCII '}' here"]),
        .init(name: "full-width colon in a flow mapping", yaml: "outputs:\n  - {id： o, device: hw, zone: town}\n",
              errors: ["2:8 \(colonSlip)"]),
        .init(name: "full-width quotation marks", yaml: "timezone: ＂Asia/Shanghai＂\n",
              errors: ["1:11 full-width quotation mark '＂', typed by a Chinese input method: YAML needs the ASCII '\"' here",
                       "1:25 full-width quotation mark '＂', typed by a Chinese input method: YAML needs the ASCII '\"' here"]),
        .init(name: "full-width space as indentation", yaml: "zones:\n\u{3000}- id: a\n", errors: ["2:1 \(spaceSlip)"]),
        .init(name: "full-width space after the colon", yaml: "timezone:\u{3000}UTC\n", errors: ["1:10 \(spaceSlip)"]),
        .init(name: "full-width hyphen for a list entry", yaml: "zones:\n  － id: a\n",
              errors: ["2:3 full-width hyphen '－', typed by a Chinese input method: YAML needs the ASCII '-' here"]),
        .init(name: "full-width comma in a calendar expression", yaml: """
              zones:
                - id: t
                  schedule:
                    - {message: m, at: "08:00，12:00"}
              """, errors: ["4:32 \(commaSlip)"]),
    ]

    @Test(arguments: slips)
    func slipsAreNamedAtTheirOwnPlace(_ c: SlipCase) {
        #expect(errorLines(load(c.yaml)) == c.errors)
    }

    /// Chinese text in values is text: it parses, and nothing is flagged.
    static let legitimate: [String] = [
        "outputs: []\nzones:\n  - id: town\n    name: 丽江市，古城\n",
        "outputs: []\nzones:\n  - id: town\n    name: 丽江市：古城\n",
        "outputs: []\nzones:\n  - {id: town, name: 丽江市，古城}\n",
        "outputs: []\nzones:\n  - id: town\n    name: 【通知】请戴口罩\n",
        "outputs: []\nzones:\n  - id: town\n    name: \"丽江：“古城”\"\n",
        "outputs: []\nmessages:\n  - id: masks\n    title: 请戴口罩，勤洗手；“少聚集”\n",
        "outputs: []\nzones:\n  - id: town\n    name: >\n      丽江市，\n      古城区：祥和街道\n",
    ]

    @Test(arguments: legitimate)
    func chineseTextInValuesIsNotFlagged(_ yaml: String) {
        let result = load(yaml)
        #expect(result.config != nil)
        #expect(result.diagnostics.errors.isEmpty, "\(result.diagnostics)")
    }

    /// Whatever the text, the scan ends without trapping (the loader is fuzzed; this is its quick cousin).
    @Test func anyTextIsScannedSafely() {
        let alphabet: [Character] = ["a", "b", "1", " ", " ", "\t", "\n", "-", ":", ",", "[", "]", "{", "}", "\"", "'", "\\", "#",
                                     "|", ">", "：", "，", "［", "］", "｛", "｝", "＂", "\u{3000}", "－", "“", "丽", "江", "【"]
        var rng = SeededRandom(seed: 12)
        for _ in 0..<3000 {
            let text = String((0..<Int.random(in: 0...60, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            _ = TypingSlips.scan(text, file: "t.yaml")
            _ = load(text)
        }
    }

    /// A real syntax error after Chinese text keeps libyaml's own message.
    @Test func syntaxErrorsAfterChineseTextStayLibyamls() {
        let result = load("zones:\n  - id: town\n    name: 丽江市，古城\n   bad: x\n")
        #expect(errorLines(result).count == 1)
        #expect(errorLines(result).first?.hasPrefix("4:") == true)
        #expect(errorLines(result).first?.contains("YAML syntax") == true, "\(errorLines(result))")
    }
}
