// Reads a composed YAML tree into typed values, collecting every problem with its position
// instead of stopping at the first.

import Yams

/// Walks Yams nodes. Scalars are always read from their source text, so `08:00` stays a time
/// and `no` stays a word unless a boolean is asked for.
struct NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    /// The file's text, to find full-width characters in a refused value.
    private let text: String
    private var lines: [[Unicode.Scalar]]?

    init(file: String, text: String = "") {
        self.file = file
        self.text = text
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(.error(message, at: location))
    }

    /// An error with a code (a catalogue key's tail) and its arguments; `what` (a key path, or a
    /// mapping named in words) is added as an argument, with its section code when it has one.
    mutating func error(_ message: String, at location: SourceLocation, code: String, what: String? = nil,
                        _ arguments: [String: String] = [:]) {
        diagnostics.append(.error(message, at: location, code: code, Self.arguments(arguments, what: what)))
    }

    /// A warning with a code and its arguments, as `error(_:at:code:what:_:)`.
    mutating func warning(_ message: String, at location: SourceLocation, code: String, what: String? = nil,
                          _ arguments: [String: String] = [:]) {
        diagnostics.append(.warning(message, at: location, code: code, Self.arguments(arguments, what: what)))
    }

    /// `arguments` with `what` and, when `what` is a mapping named in words, its section's code.
    static func arguments(_ arguments: [String: String], what: String?) -> [String: String] {
        guard let what else { return arguments }
        var out = arguments
        out["what"] = what
        out["where"] = what
        if let section = sections[what] { out["section"] = section }
        return out
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(.warning(message, at: location))
    }

    mutating func append(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    /// A required key is missing from `fields`; not said when a key of that mapping was already
    /// refused for full-width punctuation (`{id：o}` is the id, typed wrong).
    mutating func missing(_ message: String, in fields: Fields) {
        if !fields.slipped { error(message, at: fields.location) }
    }

    /// A required `key` is missing from `fields`, the mapping `what` (a key path or a mapping
    /// named in words): `missing_key`, with `message` the English words.
    mutating func missing(_ message: String, in fields: Fields, key: String, of what: String) {
        if !fields.slipped { error(message, at: fields.location, code: "missing_key", what: what, ["key": key]) }
    }

    /// Refuses a value: when it holds full-width punctuation typed by a Chinese input method
    /// (`naxi，mandarin`), each such character is named at its own place with the ASCII one to
    /// type, instead of `message`.
    ///
    /// - Returns: whether slips were named instead.
    @discardableResult
    mutating func reject(_ value: Located<String>, _ message: String, code: String? = nil, what: String? = nil,
                         _ arguments: [String: String] = [:]) -> Bool {
        let refusal = Diagnostic(.error, at: value.location, message, code: code,
                                 arguments: code == nil ? arguments : Self.arguments(arguments, what: what))
        if value.value.unicodeScalars.allSatisfy({ $0.isASCII }) {
            append(refusal)
            return false
        }
        if lines == nil { lines = TypingSlips.lines(text) }
        let slips = TypingSlips.inScalar(value.value, at: value.location, text: lines ?? [])
        if slips.isEmpty {
            append(refusal)
            return false
        }
        diagnostics += slips
        return true
    }

    /// A plain `~`, `null` or empty scalar.
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    private func kind(_ node: Node) -> String {
        switch node {
        case .scalar: isNull(node) ? "nothing" : "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The code of a node's kind, for the catalogue's words of it (`kind` + `List`, ...).
    private func kindCode(_ node: Node) -> String {
        switch node {
        case .scalar: isNull(node) ? "nothing" : "single"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    /// The codes of the mappings named in words (`a zone`), for the catalogue's words of them
    /// (`section` + `Zone`); a mapping named by its key (`defaults`, `fleet.tls`) is shown as it is.
    static let sections: [String: String] = [
        "the configuration": "configuration", "a zone": "zone", "an output": "output", "a schedule entry": "entry",
        "a language": "language", "a message": "message", "the operators' schedule": "operators_schedule",
        "an operator's entry": "operators_entry", "an alert event": "alert_event", "a trust entry": "trust_entry",
        "zone id": "zone_id", "zone name": "zone_name", "output id": "output_id", "output zone": "output_zone",
        "output name": "output_name", "language id": "language_id", "language name": "language_name",
        "language code": "language_code", "message id": "message_id", "entry id": "entry_id",
        "an alerts.geocodes entry": "geocodes_entry", "output": "output", "a step of sirens.disaster": "siren_step",
    ]

    /// The keys of a mapping; an unknown key is an error with a suggestion.
    mutating func mapping(_ node: Node, _ what: String, known: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            let message = "\(what) must be a mapping, found \(kind(node))"
            let arguments = ["kind": "mapping", "found": kindCode(node)]
            if case .scalar(let s) = node {
                reject(Located(s.string, at: location(node)), message, code: "must_be_kind", what: what, arguments)
            } else {
                error(message, at: location(node), code: "must_be_kind", what: what, arguments)
            }
            return nil
        }
        var fields = Fields(location: location(node))
        for (key, value) in mapping {
            guard case .scalar(let k) = key else {
                error("keys in \(what) must be plain words", at: location(key), code: "keys_plain", what: what)
                continue
            }
            if known.contains(k.string) {
                fields.values[k.string] = value
                fields.keyLocations[k.string] = location(key)
            } else {
                var arguments = ["key": k.string, "where": what]
                if let section = Self.sections[what] { arguments["section"] = section }
                if let close = closestMatch(to: k.string, in: known) { arguments["suggestion"] = close }
                if reject(Located(k.string, at: location(key)), "unknown key '\(k.string)' in \(what)\(didYouMean(k.string, known))",
                          code: arguments["suggestion"] == nil ? "unknown_key" : "unknown_key_did_you_mean", arguments) {
                    fields.slipped = true
                }
            }
        }
        return fields
    }

    /// The items of a list; nothing (`~`) is an empty list.
    mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
        if isNull(node) { return [] }
        guard case .sequence(let seq) = node else {
            let message = "\(what) must be a list, found \(kind(node))"
            let arguments = ["kind": "list", "found": kindCode(node)]
            switch node {
            case .scalar(let s):
                reject(Located(s.string, at: location(node)), message, code: "must_be_kind", what: what, arguments)
            case .mapping(let m) where m.first?.key.scalar != nil:
                // `－ id: a`: a full-width hyphen makes the entry a key.
                reject(Located(m.first!.key.scalar!.string, at: location(m.first!.key)), message, code: "must_be_kind",
                       what: what, arguments)
            default:
                error(message, at: location(node), code: "must_be_kind", what: what, arguments)
            }
            return nil
        }
        return Array(seq)
    }

    /// The text of a scalar exactly as written.
    mutating func string(_ node: Node, _ what: String) -> Located<String>? {
        guard case .scalar(let s) = node else {
            error("\(what) must be a single value, found \(kind(node))", at: location(node), code: "must_be_kind", what: what,
                  ["kind": "single", "found": kindCode(node)])
            return nil
        }
        if isNull(node) {
            error("\(what) has no value", at: location(node), code: "no_value", what: what)
            return nil
        }
        return Located(s.string, at: location(node))
    }

    /// An id: `[a-z0-9][a-z0-9_-]*`.
    mutating func id(_ node: Node, _ what: String) -> Located<String>? {
        guard let text = string(node, what) else { return nil }
        guard Self.isValidID(text.value) else {
            reject(text, "\(what) '\(text.value)' is not a valid id (lower-case letters, digits, '_' and '-', "
                   + "starting with a letter or digit)", code: "invalid_id", what: what, ["value": text.value])
            return nil
        }
        return text
    }

    static func isValidID(_ text: String) -> Bool { Config.isValidID(text) }

    /// What names a message: an id, or a civil-defence signal (`siren:air-raid`, SPEC 18).
    mutating func messageName(_ node: Node, _ what: String) -> Located<String>? {
        guard let text = string(node, what) else { return nil }
        if SirenKind.isReserved(text.value) {
            guard SirenKind(messageName: text.value) != nil else {
                reject(text, "unknown signal '\(text.value)': the signals are \(SirenKind.messageNames.joined(separator: ", "))"
                       + didYouMean(text.value, SirenKind.messageNames), code: "unknown_signal", what: what,
                       suggested(["value": text.value, "signals": SirenKind.messageNames.joined(separator: ", ")],
                                 text.value, SirenKind.messageNames))
                return nil
            }
            return text
        }
        return id(node, what)
    }

    mutating func number(_ node: Node, _ what: String) -> Located<Double>? {
        guard let text = string(node, what) else { return nil }
        guard let value = Double(text.value.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            reject(text, "\(what) must be a number, found '\(text.value)'", code: "not_a_number", what: what, ["value": text.value])
            return nil
        }
        return Located(value, at: text.location)
    }

    mutating func integer(_ node: Node, _ what: String, in range: ClosedRange<Int>) -> Located<Int>? {
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text.value.trimmingCharacters(in: .whitespaces)) else {
            reject(text, "\(what) must be a whole number, found '\(text.value)'", code: "not_whole_number", what: what,
                   ["value": text.value])
            return nil
        }
        guard range.contains(value) else {
            error("\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)",
                  at: text.location, code: "out_of_range", what: what,
                  ["min": String(range.lowerBound), "max": String(range.upperBound), "value": String(value)])
            return nil
        }
        return Located(value, at: text.location)
    }

    mutating func timeSpan(_ node: Node, _ what: String) -> Located<TimeSpan>? {
        guard let text = string(node, what) else { return nil }
        do {
            return Located(try TimeSpan(parsing: text.value), at: text.location)
        } catch {
            reject(text, "\(what): invalid time span '\(text.value)': \(error)", code: "invalid_span", what: what,
                   ["value": text.value, "detail": "\(error)"])
            return nil
        }
    }

    mutating func date(_ node: Node, _ what: String) -> Located<LocalDate>? {
        guard let text = string(node, what) else { return nil }
        guard let date = LocalDate(parsing: text.value) else {
            reject(text, "\(what) must be a date YYYY-MM-DD, found '\(text.value)'", code: "invalid_date", what: what,
                   ["value": text.value])
            return nil
        }
        return Located(date, at: text.location)
    }

    /// A list of ids; a single id is taken as a list of one.
    mutating func idList(_ node: Node, _ what: String) -> Located<[Located<String>]>? {
        let items: [Node]
        if case .scalar = node, !isNull(node) {
            items = [node]
        } else {
            guard let seq = sequence(node, what) else { return nil }
            items = seq
        }
        return Located(items.compactMap { id($0, what) }, at: location(node))
    }
}

extension Config {
    /// Whether `text` is an id: `[a-z0-9][a-z0-9_-]*` (zones, outputs, messages, languages).
    public static func isValidID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        func ok(_ c: Unicode.Scalar, first: Bool) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || (!first && (c == "_" || c == "-"))
        }
        return ok(first, first: true) && text.unicodeScalars.dropFirst().allSatisfy { ok($0, first: false) }
    }
}

/// The values of one mapping, by key, with the position of each key.
struct Fields {
    var location: SourceLocation
    var values: [String: Node] = [:]
    var keyLocations: [String: SourceLocation] = [:]
    /// A key was refused for full-width punctuation: a required key may be hidden in it.
    var slipped = false

    subscript(key: String) -> Node? { values[key] }
}

/// `arguments` with `suggestion`, the closest of `candidates` to `value`, when one is close.
func suggested(_ arguments: [String: String], _ value: String, _ candidates: some Sequence<String>) -> [String: String] {
    guard let close = closestMatch(to: value, in: candidates) else { return arguments }
    return arguments.merging(["suggestion": close]) { a, _ in a }
}
