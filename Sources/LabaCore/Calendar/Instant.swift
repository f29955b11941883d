// Instants (microseconds since the epoch, as systemd counts them) and local civil times.

import Foundation

/// A point in time with microsecond precision: microseconds since 1970-01-01 00:00:00 UTC.
public struct Instant: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(seconds: Int64) { self.microseconds = seconds * 1_000_000 }

    public init(_ date: Date) {
        self.microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    /// Whole seconds, rounded down.
    public var seconds: Int64 { microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000 }

    public static func < (a: Instant, b: Instant) -> Bool { a.microseconds < b.microseconds }

    public static func + (a: Instant, b: TimeSpan) -> Instant { Instant(microseconds: a.microseconds + b.microseconds) }
    public static func - (a: Instant, b: TimeSpan) -> Instant { Instant(microseconds: a.microseconds - b.microseconds) }
    public static func - (a: Instant, b: Instant) -> TimeSpan { TimeSpan(microseconds: a.microseconds - b.microseconds) }

    public var description: String { RFC3339.format(self, in: TimeZone(identifier: "UTC")!, fractionDigits: 3) }
}

/// A wall-clock reading without a zone: a date, and a time of day in microseconds.
public struct CivilTime: Hashable, Sendable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    /// Seconds and fraction, in microseconds: 0 ..< 60_000_000.
    public var microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.microsecond = microsecond
    }

    public var date: LocalDate { LocalDate(year: year, month: month, day: day) }

    /// Microseconds since 1970-01-01 00:00 of the same calendar, as if the zone were UTC.
    public var linear: Int64 {
        let days = Int64(LocalDate(year: year, month: month, day: day).dayNumber)
        return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000_000 + Int64(microsecond)
    }

    public init(linear: Int64) {
        let perDay: Int64 = 86_400_000_000
        var days = linear / perDay
        var rest = linear % perDay
        if rest < 0 {
            rest += perDay
            days -= 1
        }
        let date = LocalDate(dayNumber: Int(days))
        let minutes = Int(rest / 60_000_000)
        self.init(year: date.year, month: date.month, day: date.day, hour: minutes / 60, minute: minutes % 60,
                  microsecond: Int(rest % 60_000_000))
    }

    public var second: Int { microsecond / 1_000_000 }

    public static func < (a: CivilTime, b: CivilTime) -> Bool { a.linear < b.linear }
}

/// Converts between instants and a zone's civil times, remembering the last offset period so that
/// runs of nearby conversions (a calendar's successive elapses) avoid asking the zone database.
///
/// Not thread-safe: one per caller.
public struct ZoneConverter {
    public let zone: TimeZone
    private let fixedOffset: Int64?
    /// A period [start, end) of instants with one UTC offset.
    private var period: (start: Int64, end: Int64, offset: Int64)?

    public init(_ zone: TimeZone) {
        self.zone = zone
        // A zone with no transitions at all has one offset forever (compared at 1970 and 2100).
        let later = Date(timeIntervalSince1970: 4_102_444_800)
        if zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) == nil,
           zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == zone.secondsFromGMT(for: later) {
            fixedOffset = Int64(zone.secondsFromGMT(for: later)) * 1_000_000
        } else {
            fixedOffset = nil
        }
    }

    /// The UTC offset in force at `instant`, in microseconds.
    public mutating func offset(at instant: Int64) -> Int64 {
        if let fixedOffset { return fixedOffset }
        if let p = period, instant >= p.start, instant < p.end { return p.offset }
        let date = Date(timeIntervalSince1970: Double(instant) / 1_000_000)
        let offset = Int64(zone.secondsFromGMT(for: date)) * 1_000_000
        let next = zone.nextDaylightSavingTimeTransition(after: date).map { Int64(($0.timeIntervalSince1970 * 1e6).rounded()) }
            ?? Int64.max
        // The period began at the previous transition; we only know it began at or before `instant`.
        period = (instant, next, offset)
        return offset
    }

    public mutating func civil(_ instant: Instant) -> CivilTime {
        CivilTime(linear: instant.microseconds + offset(at: instant.microseconds))
    }

    /// The instants at which the wall clock shows `civil`: none (in a gap), one, or two (when the
    /// clock is turned back), earliest first. `gapEnd` is the instant the gap ends when there is none.
    public mutating func instants(for civil: CivilTime) -> (instants: [Int64], gapEnd: Int64?) {
        let local = civil.linear
        if let fixedOffset { return ([local - fixedOffset], nil) }
        // Offsets in force within a day either side cover every real transition.
        let before = offset(at: local - 86_400_000_000)
        let after = offset(at: local + 86_400_000_000)
        if before == after {
            // No transition near: one reading, the common case.
            let t = local - before
            if offset(at: t) == before { return ([t], nil) }
        }
        var found: [Int64] = []
        for candidateOffset in Set([before, after]).sorted(by: >) {
            let t = local - candidateOffset
            if offset(at: t) == candidateOffset, !found.contains(t) { found.append(t) }
        }
        found.sort()
        if !found.isEmpty { return (found, nil) }
        // In a gap: the clock jumped from `before` to `after` somewhere between these two instants.
        return ([], transition(to: after, after: local - after, atOrBefore: local - before))
    }

    /// The instant (a whole second) at which the offset becomes `target`, bisecting between an
    /// instant that has another offset and one that has `target`.
    mutating func transition(to target: Int64, after low: Int64, atOrBefore high: Int64) -> Int64 {
        var lo = low >= 0 ? low / 1_000_000 : (low - 999_999) / 1_000_000
        var hi = high >= 0 ? (high + 999_999) / 1_000_000 : high / 1_000_000
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offset(at: mid * 1_000_000) == target { hi = mid } else { lo = mid }
        }
        return hi * 1_000_000
    }
}

/// RFC 3339 timestamps with the zone's offset: `2026-11-30T07:30:00+08:00`.
public enum RFC3339 {
    /// `fractionDigits`: 0 for whole seconds, 1...6 for that many digits, -1 for as many as needed.
    public static func format(_ instant: Instant, in zone: TimeZone, fractionDigits: Int = 0) -> String {
        var converter = ZoneConverter(zone)
        return format(instant, converter: &converter, fractionDigits: fractionDigits)
    }

    public static func format(_ instant: Instant, converter: inout ZoneConverter, fractionDigits: Int = 0) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        append(instant, converter: &converter, fractionDigits: fractionDigits, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the timestamp's UTF-8 bytes: the fast path for long listings.
    public static func append(_ instant: Instant, converter: inout ZoneConverter, fractionDigits: Int = 0,
                              to out: inout [UInt8]) {
        let offset = converter.offset(at: instant.microseconds)
        let c = CivilTime(linear: instant.microseconds + offset)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            if v >= divisor * 10 {  // wider than asked: print it all
                for ch in String(v).utf8 { out.append(ch) }
                return
            }
            while divisor > 0 {
                out.append(UInt8(48 + v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        digits(c.year, 4); out.append(0x2D); digits(c.month, 2); out.append(0x2D); digits(c.day, 2)
        out.append(0x54); digits(c.hour, 2); out.append(0x3A); digits(c.minute, 2); out.append(0x3A); digits(c.second, 2)
        let fraction = c.microsecond % 1_000_000
        if fractionDigits > 0 {
            var divisor = 1
            for _ in 0..<(6 - min(6, fractionDigits)) { divisor *= 10 }
            out.append(0x2E)
            digits(fraction / divisor, min(6, fractionDigits))
        } else if fractionDigits < 0, fraction > 0 {
            // As many digits as the value needs.
            var f = fraction, width = 6
            while f % 10 == 0 { f /= 10; width -= 1 }
            out.append(0x2E)
            digits(f, width)
        }
        let minutes = Int(offset / 60_000_000)
        out.append(minutes < 0 ? 0x2D : 0x2B)
        digits(abs(minutes) / 60, 2); out.append(0x3A); digits(abs(minutes) % 60, 2)
    }

}
