// A position in a source file and the errors and warnings that point at one.

/// A position in a file, as editors and compilers count it: lines and columns from 1.
///
/// Columns count Unicode scalars, as libyaml does, so a Chinese zone name moves the column by one
/// per character.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// A value together with the place in the configuration it was read from.
public struct Located<Value> {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public func map<T>(_ transform: (Value) throws -> T) rethrows -> Located<T> {
        Located<T>(try transform(value), at: location)
    }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}

/// One error or warning about a configuration or its recordings.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    /// Where the offending value is; nil only for problems with no place in a file (an unreadable file).
    public var location: SourceLocation?
    /// In English, for logs and the API.
    public var message: String
    /// For the readers that render it from the catalogue in their own language (a file's problem:
    /// `file_missing`, ...), with its arguments; nil: `message` is all there is.
    public var code: String?
    public var arguments: [String: String]

    public init(_ severity: Severity, at location: SourceLocation?, _ message: String, code: String? = nil,
                arguments: [String: String] = [:]) {
        self.severity = severity
        self.location = location
        self.message = message
        self.code = code
        self.arguments = arguments
    }

    public static func error(_ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.error, at: location, message)
    }

    public static func warning(_ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.warning, at: location, message)
    }

    /// An error with a code (a catalogue key's tail, `full_width`) and its arguments.
    public static func error(_ message: String, at location: SourceLocation?, code: String,
                             _ arguments: [String: String] = [:]) -> Diagnostic {
        Diagnostic(.error, at: location, message, code: code, arguments: arguments)
    }

    /// A warning with a code and its arguments.
    public static func warning(_ message: String, at location: SourceLocation?, code: String,
                               _ arguments: [String: String] = [:]) -> Diagnostic {
        Diagnostic(.warning, at: location, message, code: code, arguments: arguments)
    }

    /// `FILE:LINE:COL: error: MESSAGE`, the form compilers use and editors jump to.
    public var description: String {
        if let location {
            return "\(location): \(severity.rawValue): \(message)"
        }
        return "\(severity.rawValue): \(message)"
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    public var errors: [Diagnostic] { filter { $0.severity == .error } }

    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }

    /// Sorted by position; diagnostics without a position come last, in their original order.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (la?, lb?): return la == lb ? a.offset < b.offset : la < lb
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return a.offset < b.offset
            }
        }.map(\.element)
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely misspelling.
public func closestMatch(to word: String, in candidates: some Sequence<String>) -> String? {
    let limit = max(1, min(3, word.count / 3))
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(word, candidate)
        // A one-letter word is "close" to every other one-letter word: require something in common.
        if distance <= limit, distance < word.count, distance < (best?.1 ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.0
}

/// " (did you mean 'x'?)" or "".
func didYouMean(_ word: String, _ candidates: some Sequence<String>) -> String {
    closestMatch(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// Levenshtein distance, with a transposition of neighbours counted as one edit.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased().unicodeScalars), b = Array(b.lowercased().unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = Swift.min(current[j], previous2[j - 2] + 1)
            }
        }
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
}
