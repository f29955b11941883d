// Parsing OnCalendar text, following systemd's grammar and its choices at every ambiguity.

import Foundation

extension CalendarSpec {
    /// Parses and normalises an expression.
    ///
    /// - Throws: `CalendarError` naming the part that is not understood or out of range.
    public init(parsing text: String) throws(CalendarError) {
        self.init()
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        if body.lowercased().hasSuffix(" utc") {
            utc = true
            body = body.dropLast(4)
        } else if let space = body.lastIndex(of: " ") {
            let candidate = String(body[body.index(after: space)...])
            if Self.isTimeZoneName(candidate) {
                timeZoneName = candidate
                body = body[..<space]
            }
        }
        body = Substring(body.trimmingCharacters(in: .whitespaces))
        if body.isEmpty { throw CalendarError("empty calendar expression") }

        if let shorthand = Self.shorthand(body.lowercased()) {
            shorthand(&self)
        } else {
            var scanner = Scanner(body)
            try scanner.weekdays(into: &self)
            if try !scanner.date(into: &self) {
                try scanner.time(into: &self)
            }
            if !scanner.atEnd {
                throw CalendarError("unexpected '\(scanner.rest)'")
            }
        }
        normalize()
        try validate()
    }

    /// An IANA zone name as systemd accepts one: a file of the zone database, in its spelling.
    static func isTimeZoneName(_ text: String) -> Bool {
        guard !text.isEmpty, text.first != "/", !text.contains(".."),
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }),
              TimeZone(identifier: text) != nil
        else { return false }
        let directory = ProcessInfo.processInfo.environment["TZDIR"] ?? "/usr/share/zoneinfo"
        return text == "UTC" || FileManager.default.fileExists(atPath: directory + "/" + text)
    }

    static func shorthand(_ text: String) -> ((inout CalendarSpec) -> Void)? {
        let zero = [CalendarComponent(start: 0)]
        let first = [CalendarComponent(start: 1)]
        switch text {
        case "minutely":
            return { $0.microsecond = zero }
        case "hourly":
            return { $0.minute = zero; $0.microsecond = zero }
        case "daily":
            return { $0.hour = zero; $0.minute = zero; $0.microsecond = zero }
        case "monthly":
            return { $0.day = first; $0.hour = zero; $0.minute = zero; $0.microsecond = zero }
        case "annually", "yearly":
            return { $0.month = first; $0.day = first; $0.hour = zero; $0.minute = zero; $0.microsecond = zero }
        case "weekly":
            return { $0.weekdays = 1; $0.hour = zero; $0.minute = zero; $0.microsecond = zero }
        case "quarterly":
            return {
                $0.month = [1, 4, 7, 10].map { CalendarComponent(start: $0) }
                $0.day = first; $0.hour = zero; $0.minute = zero; $0.microsecond = zero
            }
        case "semiannually", "semi-annually", "biannually", "bi-annually":
            return {
                $0.month = [1, 7].map { CalendarComponent(start: $0) }
                $0.day = first; $0.hour = zero; $0.minute = zero; $0.microsecond = zero
            }
        default:
            return nil
        }
    }
}

/// A cursor over the ASCII bytes of an expression.
private struct Scanner {
    let bytes: [UInt8]
    var i = 0

    init(_ text: Substring) { bytes = Array(text.utf8) }

    var atEnd: Bool { i >= bytes.count }
    var current: UInt8 { i < bytes.count ? bytes[i] : 0 }
    func peek(_ k: Int) -> UInt8 { i + k < bytes.count ? bytes[i + k] : 0 }
    var rest: String { String(decoding: bytes[min(i, bytes.count)...], as: UTF8.self) }

    mutating func skipSpaces() { while current == UInt8(ascii: " ") { i += 1 } }

    static let dayNames: [(String, Int)] = [
        ("monday", 0), ("mon", 0), ("tuesday", 1), ("tue", 1), ("wednesday", 2), ("wed", 2), ("thursday", 3),
        ("thu", 3), ("friday", 4), ("fri", 4), ("saturday", 5), ("sat", 5), ("sunday", 6), ("sun", 6),
    ]

    func hasPrefix(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count else { return false }
        for k in 0..<w.count {
            var b = bytes[i + k]
            if b >= 65, b <= 90 { b += 32 }
            if b != w[k] { return false }
        }
        return true
    }

    /// `Mon..Fri`, `Sat,Sun`, `Mon-Wed` (an old spelling of a range); nothing when the text does not
    /// start with a day's name.
    mutating func weekdays(into spec: inout CalendarSpec) throws(CalendarError) {
        var rangeStart = -1
        var first = true
        var bits = 0
        while true {
            guard let (name, nr) = Self.dayNames.first(where: { hasPrefix($0.0) }) else {
                if first { return }
                throw CalendarError("expected a weekday at '\(rest)'")
            }
            let after = peek(name.utf8.count)
            guard [0, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: " ")].contains(after) else {
                throw CalendarError("unexpected '\(rest)' after a weekday")
            }
            bits |= 1 << nr
            if rangeStart >= 0 {
                if rangeStart > nr { throw CalendarError("weekday range runs backwards at '\(rest)'") }
                for j in (rangeStart + 1)..<max(rangeStart + 1, nr) { bits |= 1 << j }
            }
            i += name.utf8.count
            spec.weekdays = bits
            if atEnd { return }
            if current == UInt8(ascii: " ") {
                skipSpaces()
                return
            }
            if current == UInt8(ascii: ".") {
                if rangeStart >= 0 || peek(1) != UInt8(ascii: ".") {
                    throw CalendarError("bad weekday range at '\(rest)'")
                }
                rangeStart = nr
                i += 2
            } else if current == UInt8(ascii: "-") {
                if rangeStart >= 0 { throw CalendarError("bad weekday range at '\(rest)'") }
                rangeStart = nr
                i += 1
            } else if current == UInt8(ascii: ",") {
                rangeStart = -1
                i += 1
            }
            // A trailing comma is allowed; an open range is not.
            if atEnd || current == UInt8(ascii: " ") {
                skipSpaces()
                if rangeStart >= 0 { throw CalendarError("weekday range has no end") }
                return
            }
            first = false
        }
    }

    /// `[YEAR-]MONTH-DAY` or `MONTH~DAY`, or `@SECONDS`. Returns true when the expression also
    /// fixed the time (`@`); leaves the cursor in place when the first part turns out to be a time.
    mutating func date(into spec: inout CalendarSpec) throws(CalendarError) -> Bool {
        if atEnd { return false }
        if current == UInt8(ascii: "@") {
            let span: TimeSpan
            do {
                span = try TimeSpan(parsing: String(decoding: bytes[(i + 1)...], as: UTF8.self))
            } catch {
                throw CalendarError("bad timestamp '\(rest)': \(error)")
            }
            let c = CivilTime(linear: span.microseconds / 1_000_000 * 1_000_000)
            spec.year = [CalendarComponent(start: c.year)]
            spec.month = [CalendarComponent(start: c.month)]
            spec.day = [CalendarComponent(start: c.day)]
            spec.hour = [CalendarComponent(start: c.hour)]
            spec.minute = [CalendarComponent(start: c.minute)]
            spec.microsecond = [CalendarComponent(start: c.microsecond)]
            spec.utc = true
            i = bytes.count
            return true
        }
        let start = i
        let first = try chain(usec: false)
        if atEnd || current == UInt8(ascii: ":") {
            i = start
            return false
        }
        if current == UInt8(ascii: "~") {
            spec.endOfMonth = true
        } else if current != UInt8(ascii: "-") {
            throw CalendarError("unexpected '\(rest)' in the date")
        }
        i += 1
        let second = try chain(usec: false)
        if atEnd || current == UInt8(ascii: " ") {
            skipSpaces()
            spec.month = first
            spec.day = second
            return false
        }
        if spec.endOfMonth { throw CalendarError("'~' must come between the month and the day") }
        if current == UInt8(ascii: "~") {
            spec.endOfMonth = true
        } else if current != UInt8(ascii: "-") {
            throw CalendarError("unexpected '\(rest)' in the date")
        }
        i += 1
        let third = try chain(usec: false)
        if !(atEnd || current == UInt8(ascii: " ")) {
            throw CalendarError("unexpected '\(rest)' after the date")
        }
        skipSpaces()
        spec.year = first
        spec.month = second
        spec.day = third
        return false
    }

    /// `HOUR:MINUTE[:SECOND]`; nothing means 00:00:00.
    mutating func time(into spec: inout CalendarSpec) throws(CalendarError) {
        let zero = [CalendarComponent(start: 0)]
        if atEnd {
            spec.hour = zero
            spec.minute = zero
            spec.microsecond = zero
            return
        }
        let h = try chain(usec: false)
        guard current == UInt8(ascii: ":") else { throw CalendarError("expected ':' after the hour at '\(rest)'") }
        i += 1
        let m = try chain(usec: false)
        if atEnd {
            spec.hour = h
            spec.minute = m
            spec.microsecond = zero
            return
        }
        guard current == UInt8(ascii: ":") else { throw CalendarError("unexpected '\(rest)' in the time") }
        i += 1
        let s = try chain(usec: true)
        guard atEnd else { throw CalendarError("unexpected '\(rest)' after the time") }
        spec.hour = h
        spec.minute = m
        spec.microsecond = s
    }

    /// `*`, or a comma-separated list of `A`, `A..B`, `A/R`, `A..B/R`.
    mutating func chain(usec: Bool) throws(CalendarError) -> [CalendarComponent]? {
        if current == UInt8(ascii: "*") {
            i += 1
            return usec ? [CalendarComponent(start: 0, repeat: CalendarSpec.usecPerSecond)] : nil
        }
        var items: [CalendarComponent] = []
        while true {
            if items.count > 2048 { throw CalendarError("too many values in one list") }
            let start = try decimal(usec: usec)
            var stop = -1, step = 0
            if current == UInt8(ascii: "."), peek(1) == UInt8(ascii: ".") {
                i += 2
                stop = try decimal(usec: usec)
                step = usec ? CalendarSpec.usecPerSecond : 1
            }
            if current == UInt8(ascii: "/") {
                i += 1
                step = try decimal(usec: usec)
                if step == 0 { throw CalendarError("repetition /0 never advances") }
            } else {
                if start > Int(Int32.max) - step { throw CalendarError("value too large") }
                if usec, stop >= 0, start + step > stop {
                    throw CalendarError("seconds range shorter than one second needs a repetition")
                }
            }
            guard [0, UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "~"),
                   UInt8(ascii: ":")].contains(current)
            else { throw CalendarError("unexpected '\(rest)'") }
            items.append(CalendarComponent(start: start, stop: stop, repeat: step))
            if current == UInt8(ascii: ",") {
                i += 1
                continue
            }
            return items
        }
    }

    /// A decimal number; for seconds, with up to six fraction digits (more are rounded).
    mutating func decimal(usec: Bool) throws(CalendarError) -> Int {
        guard current >= 48, current <= 57 else {
            throw CalendarError(atEnd ? "expected a number at the end" : "expected a number at '\(rest)'")
        }
        var value = 0
        while current >= 48, current <= 57 {
            value = value * 10 + Int(current - 48)
            if value > Int(Int32.max) { throw CalendarError("number too large at '\(rest)'") }
            i += 1
        }
        if usec {
            value *= CalendarSpec.usecPerSecond
            if current == UInt8(ascii: "."), peek(1) != UInt8(ascii: ".") {
                i += 1
                var fraction = 0
                var digits = 0
                guard current >= 48, current <= 57 else { throw CalendarError("expected digits after '.'") }
                while digits < 6 {
                    if current >= 48, current <= 57 {
                        fraction = fraction * 10 + Int(current - 48)
                        i += 1
                    } else {
                        fraction *= 10
                    }
                    digits += 1
                }
                if current >= 53, current <= 57 { fraction += 1 }
                while current >= 48, current <= 57 { i += 1 }
                value += fraction
            }
            if value > Int(Int32.max) { throw CalendarError("number too large") }
        }
        return value
    }
}
