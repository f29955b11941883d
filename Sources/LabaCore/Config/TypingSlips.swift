// What a Chinese input method types into YAML: full-width punctuation where YAML needs ASCII
// (`key： value`, `[naxi，mandarin]`) and, from other editors, tabs in the indentation. libyaml
// reports most of them late (at the line after the `：`) or as some other problem; these checks
// name each at its own line and column, with the ASCII character to type.
//
// Two passes, so that Chinese text in values (`name: 丽江市，古城`) is never flagged:
// - when libyaml refuses the file, `scan` reads the text the way YAML's syntax does and flags a
//   full-width character only where syntax is expected: after a key at the start of a line or a
//   flow entry, as a flow bracket, comma or quote, or as indentation;
// - when the file parses but a value is refused (an id, a list, a time), `inScalar` looks for the
//   characters in that value and names them instead of the general refusal.

/// A full-width character that stands for YAML syntax.
struct FullWidthSlip {
    var what: String
    /// The character's code, for the catalogue's name of it (`slip` + `Colon`, ...).
    var slip: String
    var ascii: String

    static let characters: [Unicode.Scalar: FullWidthSlip] = [
        "\u{FF1A}": .init(what: "full-width colon '：'", slip: "colon", ascii: ":"),
        "\u{FF0C}": .init(what: "full-width comma '，'", slip: "comma", ascii: ","),
        "\u{3001}": .init(what: "enumeration comma '、'", slip: "enumeration_comma", ascii: ","),
        "\u{FF3B}": .init(what: "full-width bracket '［'", slip: "bracket_open", ascii: "["),
        "\u{FF3D}": .init(what: "full-width bracket '］'", slip: "bracket_close", ascii: "]"),
        "\u{3010}": .init(what: "bracket '【'", slip: "lenticular_open", ascii: "["),
        "\u{3011}": .init(what: "bracket '】'", slip: "lenticular_close", ascii: "]"),
        "\u{FF5B}": .init(what: "full-width brace '｛'", slip: "brace_open", ascii: "{"),
        "\u{FF5D}": .init(what: "full-width brace '｝'", slip: "brace_close", ascii: "}"),
        "\u{FF02}": .init(what: "full-width quotation mark '＂'", slip: "quote", ascii: "\""),
        "\u{201C}": .init(what: "Chinese quotation mark '“'", slip: "quote_open", ascii: "\""),
        "\u{201D}": .init(what: "Chinese quotation mark '”'", slip: "quote_close", ascii: "\""),
        "\u{2018}": .init(what: "Chinese quotation mark '‘'", slip: "single_open", ascii: "'"),
        "\u{2019}": .init(what: "Chinese quotation mark '’'", slip: "single_close", ascii: "'"),
        "\u{FF07}": .init(what: "full-width apostrophe '＇'", slip: "apostrophe", ascii: "'"),
        "\u{FF0D}": .init(what: "full-width hyphen '－'", slip: "hyphen", ascii: "-"),
        "\u{FF03}": .init(what: "full-width number sign '＃'", slip: "number_sign", ascii: "#"),
        "\u{3000}": .init(what: "full-width space (U+3000)", slip: "space", ascii: " "),
    ]

    var message: String {
        ascii == " "
            ? "\(what), typed by a Chinese input method: YAML needs an ASCII space here"
            : "\(what), typed by a Chinese input method: YAML needs the ASCII '\(ascii)' here"
    }

    static let tabMessage = "indent with spaces, not tabs"

    /// The diagnostic of this slip at `location`.
    func error(at location: SourceLocation) -> Diagnostic {
        .error(message, at: location, code: ascii == " " ? "full_width_space" : "full_width", ["slip": slip, "what": what, "ascii": ascii])
    }

    static func tabError(at location: SourceLocation) -> Diagnostic { .error(tabMessage, at: location, code: "tab_indent") }
}

enum TypingSlips {
    /// Slips where YAML syntax is expected, for a file libyaml refused.
    static func scan(_ text: String, file: String) -> [Diagnostic] {
        var scanner = SyntaxScanner(file: file)
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var scalars = Array(line.unicodeScalars)
            if scalars.last == "\r" { scalars.removeLast() }
            scanner.line(scalars, number: lineNumber)
        }
        return scanner.found
    }

    /// Slips inside one value that was refused: each full-width syntax character of `value`,
    /// found in `text` from the value's position on. Empty when `value` has none.
    static func inScalar(_ value: String, at location: SourceLocation, text: [[Unicode.Scalar]]) -> [Diagnostic] {
        let wanted = value.unicodeScalars.filter { FullWidthSlip.characters[$0] != nil }
        guard !wanted.isEmpty, location.line >= 1, location.line <= text.count else { return [] }
        var out: [Diagnostic] = []
        var line = location.line - 1, column = location.column - 1
        for c in wanted {
            // The next occurrence of `c` from (line, column) on, within a few lines (a folded scalar).
            var found = false
            while line < min(text.count, location.line + 20), !found {
                let scalars = text[line]
                while column < scalars.count {
                    if scalars[column] == c {
                        found = true
                        break
                    }
                    column += 1
                }
                if !found {
                    line += 1
                    column = 0
                }
            }
            guard found, let slip = FullWidthSlip.characters[c] else { break }
            out.append(slip.error(at: SourceLocation(file: location.file, line: line + 1, column: column + 1)))
            column += 1
        }
        return out
    }

    static func lines(_ text: String) -> [[Unicode.Scalar]] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            var scalars = Array($0.unicodeScalars)
            if scalars.last == "\r" { scalars.removeLast() }
            return scalars
        }
    }
}

/// Reads YAML line by line as far as its syntax goes (indentation, keys, flow collections, quotes,
/// comments, block scalars), and notes the slips found where syntax is expected.
private struct SyntaxScanner {
    let file: String
    private(set) var found: [Diagnostic] = []

    /// The indentation of the line that opened a block scalar (`|`, `>`), while in one.
    private var blockScalarParent: Int?
    /// Open flow collections, innermost last; `true` for one opened by a full-width bracket.
    private var flow: [Bool] = []
    /// The quote character of a quoted scalar that goes on past the end of a line.
    private var quote: Unicode.Scalar?

    init(file: String) { self.file = file }

    private mutating func note(_ slip: FullWidthSlip, line: Int, column: Int) {
        found.append(slip.error(at: SourceLocation(file: file, line: line, column: column + 1)))
    }

    private mutating func noteTab(line: Int, column: Int) {
        found.append(FullWidthSlip.tabError(at: SourceLocation(file: file, line: line, column: column + 1)))
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }

    private static func isKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-")
    }

    mutating func line(_ s: [Unicode.Scalar], number: Int) {
        // Indentation: spaces, and the slips that stand for them.
        var i = 0
        while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\u{3000}" { i += 1 }
        let indent = i
        let blank = i == s.count || s[i] == "#"
        if let parent = blockScalarParent {
            if blank || indent > parent { return }
            blockScalarParent = nil
        }
        if blank { return }
        if quote == nil, flow.isEmpty {
            for k in 0..<indent {
                if s[k] == "\t" {
                    noteTab(line: number, column: k)
                    break
                }
                if s[k] == "\u{3000}" {
                    note(FullWidthSlip.characters["\u{3000}"]!, line: number, column: k)
                    break
                }
            }
        }
        var expectKey = quote == nil && flow.isEmpty
        var valueStart = !expectKey
        while i < s.count {
            let c = s[i]
            if let q = quote {
                if c == q {
                    if q == "'", i + 1 < s.count, s[i + 1] == "'" {
                        i += 2
                        continue
                    }
                    quote = nil
                } else if c == "\\", q == "\"" {
                    i += 1
                }
                i += 1
                continue
            }
            if c == "#", i == 0 || Self.isSpace(s[i - 1]) { return }
            if Self.isSpace(c) {
                i += 1
                continue
            }
            if expectKey {
                // `- ` entries, ASCII or full-width.
                if c == "-" || c == "\u{FF0D}", i + 1 == s.count || Self.isSpace(s[i + 1]) || s[i + 1] == "\u{3000}" {
                    if c == "\u{FF0D}" { note(FullWidthSlip.characters[c]!, line: number, column: i) }
                    if i + 1 < s.count, s[i + 1] == "\u{3000}" { note(FullWidthSlip.characters["\u{3000}"]!, line: number, column: i + 1) }
                    i += 2
                    continue
                }
                expectKey = false
                if let after = key(s, from: i, line: number) {
                    i = after
                    valueStart = true
                    continue
                }
                valueStart = true
            }
            if valueStart {
                valueStart = false
                switch c {
                case "\"", "'":
                    quote = c
                    i += 1
                    continue
                case "[", "{":
                    flow.append(false)
                    i += 1
                    continue
                case "\u{FF3B}", "\u{3010}", "\u{FF5B}":
                    // `［naxi, mandarin］` is a list typed wrong; `【通知】请戴口罩` is a name.
                    guard Self.looksLikeList(s, from: i + 1) else { return }
                    note(FullWidthSlip.characters[c]!, line: number, column: i)
                    flow.append(true)
                    i += 1
                    continue
                case "\u{FF02}", "\u{FF07}":
                    note(FullWidthSlip.characters[c]!, line: number, column: i)
                case "|", ">":
                    if flow.isEmpty {
                        blockScalarParent = indent
                        return
                    }
                default:
                    break
                }
                if flow.isEmpty { return }  // a plain value in block context: text, never flagged
            }
            // After a quoted value in block context the rest of the line is not ours to judge.
            if flow.isEmpty { return }
            // Inside a flow collection.
            i = flowToken(s, from: i, line: number)
            if flow.isEmpty { return }
        }
    }

    /// Whether the text after a full-width opening bracket, up to its closing one, is ASCII words
    /// and punctuation (a YAML list or mapping typed with the wrong brackets) rather than Chinese text.
    private static func looksLikeList(_ s: [Unicode.Scalar], from start: Int) -> Bool {
        var letters = false
        for c in s[start...] {
            if c == "]" || c == "}" || c == "\u{FF3D}" || c == "\u{3011}" || c == "\u{FF5D}" { break }
            if c.isASCII {
                letters = letters || c.properties.isAlphabetic || ("0"..."9").contains(c)
            } else if FullWidthSlip.characters[c] == nil {
                return false
            }
        }
        return letters
    }

    /// An ASCII key followed by `:` and a space, or by a full-width colon: the index after the
    /// separator, or nil when the text here is not a key.
    private mutating func key(_ s: [Unicode.Scalar], from start: Int, line: Int) -> Int? {
        var j = start
        while j < s.count, Self.isKeyCharacter(s[j]) { j += 1 }
        guard j > start else { return nil }
        var k = j
        while k < s.count, Self.isSpace(s[k]) { k += 1 }
        guard k < s.count else { return nil }
        if s[k] == "\u{FF1A}" {
            note(FullWidthSlip.characters[s[k]]!, line: line, column: k)
            return k + 1
        }
        if s[k] == ":", k == j {
            if k + 1 == s.count || Self.isSpace(s[k + 1]) { return k + 1 }
            if s[k + 1] == "\u{3000}" {
                note(FullWidthSlip.characters["\u{3000}"]!, line: line, column: k + 1)
                return k + 2
            }
        }
        return nil
    }

    /// One token of a flow collection from `i`: brackets, separators, keys, quoted and plain
    /// scalars. Full-width commas, colons and closing brackets count as slips only beside ASCII
    /// words (`[naxi，mandarin]`), never inside Chinese text (`{name: 丽江市，古城}`).
    private mutating func flowToken(_ s: [Unicode.Scalar], from start: Int, line: Int) -> Int {
        var i = start
        let c = s[i]
        switch c {
        case "[", "{":
            flow.append(false)
            return i + 1
        case "]", "}":
            if !flow.isEmpty { flow.removeLast() }
            return i + 1
        case ",":
            return i + 1
        case "\"", "'":
            quote = c
            return i + 1
        case "\u{FF3B}", "\u{3010}", "\u{FF5B}" where Self.looksLikeList(s, from: i + 1):
            note(FullWidthSlip.characters[c]!, line: line, column: i)
            flow.append(true)
            return i + 1
        default:
            break
        }
        if let after = key(s, from: i, line: line) { return after }
        // A plain scalar: up to a separator, a closing bracket or a comment.
        let tokenStart = i
        var ascii = true
        while i < s.count {
            let d = s[i]
            if d == "," || d == "]" || d == "}" || d == "[" || d == "{" { break }
            if d == "#", i > 0, Self.isSpace(s[i - 1]) { break }
            if d == ":", i + 1 == s.count || Self.isSpace(s[i + 1]) { break }
            if let slip = FullWidthSlip.characters[d], d == "\u{FF0C}" || d == "\u{3001}" || d == "\u{FF3D}" || d == "\u{3011}" || d == "\u{FF5D}" {
                let next = s[(i + 1)...].first { !Self.isSpace($0) }
                let word = ascii && i > tokenStart && (next.map { $0.isASCII || FullWidthSlip.characters[$0] != nil } ?? true)
                if word || flow.last == true {
                    note(slip, line: line, column: i)
                    if d == "\u{FF3D}" || d == "\u{3011}" || d == "\u{FF5D}" {
                        if !flow.isEmpty { flow.removeLast() }
                        return i + 1
                    }
                    return i + 1
                }
            }
            if !d.isASCII, !Self.isSpace(d) { ascii = false }
            i += 1
        }
        if i == tokenStart { i += 1 }
        if i < s.count, s[i] == "#" { return s.count }
        return i
    }
}
