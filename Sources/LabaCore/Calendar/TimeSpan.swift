// systemd's time span syntax (man systemd.time): "500ms", "1.5s", "15min", "2h 30min", "5d".

/// A length of time, held in microseconds as systemd holds it.
public struct TimeSpan: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func seconds(_ s: Int64) -> TimeSpan { TimeSpan(microseconds: s * 1_000_000) }
    public static func milliseconds(_ ms: Int64) -> TimeSpan { TimeSpan(microseconds: ms * 1_000) }
    public static let zero = TimeSpan(microseconds: 0)

    public var seconds: Double { Double(microseconds) / 1e6 }
    public var milliseconds: Int64 { microseconds / 1000 }
    public var duration: Duration { .microseconds(microseconds) }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.microseconds < b.microseconds }

    /// To the nearest whole second, for messages ("24h", not "23h 59min 59s 998ms").
    public var rounded: TimeSpan { TimeSpan(microseconds: (microseconds + 500_000) / 1_000_000 * 1_000_000) }

    /// A form systemd's parser reads back, largest unit first: "2h 30min", "1s 500ms", "0".
    public var description: String {
        if microseconds == 0 { return "0" }
        var rest = microseconds
        var parts: [String] = []
        for (name, size) in Self.printUnits where rest >= size {
            parts.append("\(rest / size)\(name)")
            rest %= size
        }
        return parts.joined(separator: " ")
    }

    private static let printUnits: [(String, Int64)] = [
        ("y", 31_557_600_000_000), ("month", 2_629_800_000_000), ("w", 604_800_000_000),
        ("d", 86_400_000_000), ("h", 3_600_000_000), ("min", 60_000_000), ("s", 1_000_000),
        ("ms", 1_000), ("us", 1),
    ]

    /// Units in the order systemd's parser tries them: a longer name before its prefix.
    private static let parseUnits: [(String, Int64)] = [
        ("seconds", 1_000_000), ("second", 1_000_000), ("sec", 1_000_000), ("s", 1_000_000),
        ("minutes", 60_000_000), ("minute", 60_000_000), ("min", 60_000_000),
        ("months", 2_629_800_000_000), ("month", 2_629_800_000_000), ("M", 2_629_800_000_000),
        ("msec", 1_000), ("ms", 1_000), ("m", 60_000_000),
        ("hours", 3_600_000_000), ("hour", 3_600_000_000), ("hr", 3_600_000_000), ("h", 3_600_000_000),
        ("days", 86_400_000_000), ("day", 86_400_000_000), ("d", 86_400_000_000),
        ("weeks", 604_800_000_000), ("week", 604_800_000_000), ("w", 604_800_000_000),
        ("years", 31_557_600_000_000), ("year", 31_557_600_000_000), ("y", 31_557_600_000_000),
        ("usec", 1), ("us", 1), ("\u{03BC}s", 1), ("\u{00B5}s", 1),
    ]

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case expectedNumber(String)
        case unknownUnit(String)
        case tooLarge

        public var description: String {
            switch self {
            case .empty: "empty time span"
            case .expectedNumber(let rest): "expected a number at '\(rest)'"
            case .unknownUnit(let unit):
                "unknown time unit '\(unit)' (use us, ms, s, min, h, d, w, M, y)"
            case .tooLarge: "time span too large"
            }
        }
    }

    /// Parses systemd's time span syntax; a number without a unit is seconds.
    ///
    /// - Throws: `ParseError` naming the part that is not understood.
    public init(parsing text: String) throws(ParseError) {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() { while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 } }
        skipSpace()
        if i == scalars.count { throw .empty }
        var total: Int64 = 0
        while true {
            skipSpace()
            if i == scalars.count { break }
            let start = i
            var whole: Int64 = 0
            var sawDigit = false
            while i < scalars.count, let d = Self.digit(scalars[i]) {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { throw .tooLarge }
                whole = s
                i += 1
                sawDigit = true
            }
            var fraction = 0.0
            if i < scalars.count, scalars[i] == "." {
                i += 1
                var scale = 0.1
                while i < scalars.count, let d = Self.digit(scalars[i]) {
                    fraction += Double(d) * scale
                    scale /= 10
                    i += 1
                    sawDigit = true
                }
            }
            if !sawDigit { throw .expectedNumber(String(String.UnicodeScalarView(scalars[start...]))) }
            skipSpace()
            var unitSize: Int64 = 1_000_000
            let unitStart = i
            while i < scalars.count, !scalars[i].properties.isWhitespace,
                  Self.digit(scalars[i]) == nil, scalars[i] != "." {
                i += 1
            }
            let unit = String(String.UnicodeScalarView(scalars[unitStart..<i]))
            if !unit.isEmpty {
                guard let match = Self.parseUnits.first(where: { $0.0 == unit }) else {
                    throw .unknownUnit(unit)
                }
                unitSize = match.1
            }
            let (m, o) = whole.multipliedReportingOverflow(by: unitSize)
            if o { throw .tooLarge }
            let (sum, o2) = total.addingReportingOverflow(m + Int64((fraction * Double(unitSize)).rounded()))
            if o2 { throw .tooLarge }
            total = sum
        }
        self.microseconds = total
    }

    private static func digit(_ c: Unicode.Scalar) -> Int64? {
        c.value >= 48 && c.value <= 57 ? Int64(c.value - 48) : nil
    }
}
