// systemd's OnCalendar expressions (man systemd.time): the parsed, normalised form and its text.

import Foundation

/// One item of a component's list: a value, a range `start..stop`, and a repetition `/repeat`.
///
/// Values are as systemd keeps them: seconds are in microseconds, years are full years.
public struct CalendarComponent: Hashable, Sendable, Comparable {
    public var start: Int
    /// -1: no range.
    public var stop: Int
    /// 0: no repetition.
    public var repeatStep: Int

    public init(start: Int, stop: Int = -1, repeat repeatStep: Int = 0) {
        self.start = start
        self.stop = stop
        self.repeatStep = repeatStep
    }

    public static func < (a: CalendarComponent, b: CalendarComponent) -> Bool {
        (a.start, a.stop, a.repeatStep) < (b.start, b.stop, b.repeatStep)
    }
}

/// A parsed calendar expression. `nil` components are `*`.
public struct CalendarSpec: Hashable, Sendable, CustomStringConvertible {
    /// Bit 0 is Monday ... bit 6 Sunday; nil: every day.
    public var weekdays: Int?
    public var year: [CalendarComponent]?
    public var month: [CalendarComponent]?
    public var day: [CalendarComponent]?
    public var hour: [CalendarComponent]?
    public var minute: [CalendarComponent]?
    /// Seconds with their fraction, in microseconds.
    public var microsecond: [CalendarComponent]?
    /// `~`: days count back from the end of the month.
    public var endOfMonth = false
    public var utc = false
    /// A trailing IANA zone that overrides the zone the caller evaluates in.
    public var timeZoneName: String?

    static let minYear = 1970
    static let maxYear = 2199
    static let usecPerSecond = 1_000_000
    static let allWeekdays = 0b111_1111

    init() {}

    /// The zone this expression is evaluated in, given the caller's.
    public func effectiveZone(_ zone: TimeZone) -> TimeZone {
        if utc { return TimeZone(identifier: "UTC")! }
        if let timeZoneName, let named = TimeZone(identifier: timeZoneName) { return named }
        return zone
    }

    // MARK: Normal form

    mutating func normalize() {
        if timeZoneName == "UTC" {
            utc = true
            timeZoneName = nil
        }
        if let w = weekdays, w <= 0 || w >= Self.allWeekdays { weekdays = nil }
        if endOfMonth, day == nil { endOfMonth = false }
        if let y = year {
            year = y.map { c in
                var c = c
                for keyPath in [\CalendarComponent.start, \CalendarComponent.stop] {
                    let v = c[keyPath: keyPath]
                    if v >= 0, v < 70 { c[keyPath: keyPath] = v + 2000 } else if v >= 70, v < 100 { c[keyPath: keyPath] = v + 1900 }
                }
                return c
            }
        }
        year = Self.normalizeChain(year)
        month = Self.normalizeChain(month)
        day = Self.normalizeChain(day)
        hour = Self.normalizeChain(hour)
        minute = Self.normalizeChain(minute)
        microsecond = Self.normalizeChain(microsecond)
    }

    static func normalizeChain(_ chain: [CalendarComponent]?) -> [CalendarComponent]? {
        guard var chain else { return nil }
        for i in chain.indices {
            var c = chain[i]
            // The range's length becomes a multiple of the repetition.
            if c.stop > c.start, c.repeatStep > 0 { c.stop -= (c.stop - c.start) % c.repeatStep }
            // A repetition that cannot fire even once, or a range of one value, is a plain value.
            if (c.stop > c.start && c.repeatStep > 0 && c.start + c.repeatStep > c.stop) || c.start == c.stop {
                c.repeatStep = 0
                c.stop = -1
            }
            chain[i] = c
        }
        var unique: [CalendarComponent] = []
        for c in chain.sorted() where unique.last != c { unique.append(c) }
        return unique
    }

    /// Whether every component lies within its field's range, as systemd requires.
    func validate() throws(CalendarError) {
        try Self.validate(year, "year", Self.minYear, Self.maxYear, endOfMonth: false)
        try Self.validate(month, "month", 1, 12, endOfMonth: false)
        try Self.validate(day, "day", 1, 31, endOfMonth: endOfMonth)
        try Self.validate(hour, "hour", 0, 23, endOfMonth: false)
        try Self.validate(minute, "minute", 0, 59, endOfMonth: false)
        try Self.validate(microsecond, "second", 0, 60 * Self.usecPerSecond - 1, endOfMonth: false)
    }

    static func validate(_ chain: [CalendarComponent]?, _ field: String, _ from: Int, _ to: Int,
                         endOfMonth: Bool) throws(CalendarError) {
        let isSecond = field == "second"
        func show(_ v: Int) -> String {
            isSecond ? CalendarSpec.formatValue(v, width: 2, usec: true) : String(v)
        }
        var to = to
        for c in chain ?? [] {
            // Days counted from the end of the month may go back at most to the 28th last. systemd
            // lowers this bound by three again for each further item of the list (its check recurses
            // with the lowered bound); Laba refuses what systemd refuses.
            if endOfMonth { to -= 3 }
            if c.start < from || c.start > to {
                throw CalendarError("\(field) \(show(c.start)) is out of range \(show(from))..\(show(to))")
            }
            if c.repeatStep > to - from {
                throw CalendarError("\(field) repetition /\(show(c.repeatStep)) is too large")
            }
            // At least one repetition must fit; days from the end of the month count backwards.
            if c.stop >= 0 {
                if c.stop < from || c.stop > to {
                    throw CalendarError("\(field) \(show(c.stop)) is out of range \(show(from))..\(show(to))")
                }
                if c.start + c.repeatStep > c.stop {
                    throw CalendarError("\(field) range \(show(c.start))..\(show(c.stop)) is empty")
                }
            } else if c.repeatStep > 0 {
                if endOfMonth ? c.start - c.repeatStep < from : c.start + c.repeatStep > to {
                    throw CalendarError("\(field) repetition /\(show(c.repeatStep)) never fires twice")
                }
            }
        }
    }

    // MARK: Text

    /// The normal form, as `systemd-analyze calendar` prints it.
    public var description: String {
        var out = ""
        if let w = weekdays, w > 0, w <= Self.allWeekdays {
            out += Self.formatWeekdays(w) + " "
        }
        out += Self.formatChain(year, width: 4, usec: false) + "-" + Self.formatChain(month, width: 2, usec: false)
        out += (endOfMonth ? "~" : "-") + Self.formatChain(day, width: 2, usec: false)
        out += " " + Self.formatChain(hour, width: 2, usec: false) + ":" + Self.formatChain(minute, width: 2, usec: false)
        out += ":" + Self.formatChain(microsecond, width: 2, usec: true)
        if utc {
            out += " UTC"
        } else if let timeZoneName {
            out += " " + timeZoneName
        }
        return out
    }

    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    static func formatWeekdays(_ bits: Int) -> String {
        var out = ""
        var runStart = -1
        var needComma = false
        func closeRun(at x: Int) {
            if x > runStart + 1 {
                out += (x > runStart + 2 ? ".." : ",") + weekdayNames[x - 1]
            }
        }
        for x in 0..<7 {
            if bits & (1 << x) != 0 {
                if runStart < 0 {
                    if needComma { out += "," } else { needComma = true }
                    out += weekdayNames[x]
                    runStart = x
                }
            } else if runStart >= 0 {
                closeRun(at: x)
                runStart = -1
            }
        }
        if runStart >= 0 { closeRun(at: 7) }
        return out
    }

    static func formatValue(_ v: Int, width: Int, usec: Bool) -> String {
        let d = usec ? usecPerSecond : 1
        var s = String(v / d)
        if s.count < width { s = String(repeating: "0", count: width - s.count) + s }
        if v % d > 0 {
            let f = String(v % d)
            s += "." + String(repeating: "0", count: 6 - f.count) + f
        }
        return s
    }

    static func formatChain(_ chain: [CalendarComponent]?, width: Int, usec: Bool) -> String {
        guard let chain else { return "*" }
        let d = usec ? usecPerSecond : 1
        // systemd 252 writes a seconds list that holds 0/1 (every whole second) as `*`, whatever else
        // it lists (`00/1,12` and `05,00/1` both; `00..59/1,12` not); only the text, not the instants.
        if usec, chain.contains(where: { $0.start == 0 && $0.repeatStep == usecPerSecond && $0.stop < 0 }) {
            return "*"
        }
        return chain.map { c in
            var s = formatValue(c.start, width: width, usec: usec)
            if c.stop > 0 { s += ".." + formatValue(c.stop, width: width, usec: usec) }
            if c.repeatStep > 0, !(c.stop > 0 && c.repeatStep == d) {
                s += "/" + String(c.repeatStep / d)
                if c.repeatStep % d > 0 {
                    let f = String(c.repeatStep % d)
                    s += "." + String(repeating: "0", count: 6 - f.count) + f
                }
            }
            return s
        }.joined(separator: ",")
    }
}

/// Why an expression was refused, naming the part at fault.
public struct CalendarError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
