// When an expression next elapses: systemd's search over the fields, run on civil time, then
// mapped to an instant with Laba's daylight-saving rules.

import Foundation

extension CalendarSpec {
    /// The first instant strictly after `instant` that matches, in `zone` (or the expression's own
    /// zone); nil when none is left before the year 2200.
    ///
    /// A local time that the clock skips (spring forward) fires at the first instant after the gap;
    /// a local time the clock shows twice (fall back) fires once, at its first occurrence.
    public func next(after instant: Instant, in zone: TimeZone) -> Instant? {
        var converter = ZoneConverter(effectiveZone(zone))
        return next(after: instant, converter: &converter)
    }

    /// As `next(after:in:)`, reusing a converter for the expression's zone across calls.
    public func next(after instant: Instant, converter: inout ZoneConverter) -> Instant? {
        var start = converter.civil(Instant(microseconds: instant.microseconds + 1))
        while true {
            guard let candidate = nextCivil(from: start) else { return nil }
            let (instants, gapEnd) = converter.instants(for: candidate)
            if let first = instants.first {
                if first > instant.microseconds { return Instant(microseconds: first) }
                if let later = instants.last, later != first {
                    // The wall clock was turned back and `candidate` already fired at its first
                    // occurrence, as did every time up to the end of the repeated stretch: go on
                    // from there. The stretch ends, on the wall clock, at the transition read with
                    // the old offset.
                    let oldOffset = candidate.linear - first, newOffset = candidate.linear - later
                    let transition = converter.transition(to: newOffset, after: first, atOrBefore: later)
                    start = CivilTime(linear: max(transition + oldOffset, candidate.linear + 1))
                } else {
                    start = CivilTime(linear: candidate.linear + 1)
                }
            } else if let gapEnd, gapEnd > instant.microseconds {
                return Instant(microseconds: gapEnd)
            } else {
                start = CivilTime(linear: candidate.linear + 1)
            }
        }
    }

    /// The first civil time at or after `start` that every field matches: systemd's `find_next`,
    /// step for step, as the systemd that `laba calendar` is checked against takes it.
    ///
    /// When a field is pushed past its range (hour 26 on 31 March), systemd carries it as mktime()
    /// does (1 April 02:00), resets only the field below the highest one that changed (the day, to 1),
    /// and searches on from there; so `00/13:45` goes from 13:45 on 31 March to 13:45 on 1 April.
    /// Laba gives the same instants.
    func nextCivil(from start: CivilTime) -> CivilTime? {
        var c = start
        // systemd's safety valve against a search that does not converge.
        for _ in 0..<1000 {
            c = Self.normalized(c)

            var r = Self.match(year, &c.year, endOfMonth: nil)
            if r > 0 { c.month = 1; c.day = 1; c.hour = 0; c.minute = 0; c.microsecond = 0 }
            if r < 0 || Self.withinBounds(&c) <= 0 { return nil }

            r = Self.match(month, &c.month, endOfMonth: nil)
            if r > 0 { c.day = 1; c.hour = 0; c.minute = 0; c.microsecond = 0 }
            if r >= 0 { r = Self.withinBounds(&c) }
            if r < 0 {
                c.year += 1; c.month = 1; c.day = 1; c.hour = 0; c.minute = 0; c.microsecond = 0
                continue
            }
            if r == 0 { continue }

            let monthLength = LocalDate.daysInMonth(year: c.year, month: c.month)
            r = Self.match(day, &c.day, endOfMonth: endOfMonth ? monthLength : nil)
            if r > 0 { c.hour = 0; c.minute = 0; c.microsecond = 0 }
            if r >= 0 { r = Self.withinBounds(&c) }
            if r < 0 {
                c.month += 1; c.day = 1; c.hour = 0; c.minute = 0; c.microsecond = 0
                continue
            }
            if r == 0 { continue }

            if let weekdays, weekdays & (1 << c.date.weekday) == 0 {
                c.day += 1; c.hour = 0; c.minute = 0; c.microsecond = 0
                continue
            }

            r = Self.match(hour, &c.hour, endOfMonth: nil)
            if r > 0 { c.minute = 0; c.microsecond = 0 }
            if r >= 0 { r = Self.withinBounds(&c) }
            if r < 0 {
                c.day += 1; c.hour = 0; c.minute = 0; c.microsecond = 0
                continue
            }
            if r == 0 { continue }

            r = Self.match(minute, &c.minute, endOfMonth: nil)
            if r > 0 { c.microsecond = 0 }
            if r >= 0 { r = Self.withinBounds(&c) }
            if r < 0 {
                c.hour += 1; c.minute = 0; c.microsecond = 0
                continue
            }
            if r == 0 { continue }

            r = Self.match(microsecond, &c.microsecond, endOfMonth: nil)
            if r >= 0 { r = Self.withinBounds(&c) }
            if r < 0 {
                c.minute += 1; c.microsecond = 0
                continue
            }
            if r == 0 { continue }
            return c
        }
        return nil
    }

    /// systemd's `tm_within_bounds`: -1 past the last year, 0 when a field overflowed (and `c` now
    /// holds the carried value, with the field below the highest changed one reset), 1 when every
    /// field is in range.
    static func withinBounds(_ c: inout CivilTime) -> Int {
        if c.year > maxYear { return -1 }
        var t = normalized(c)
        if t == c { return 1 }
        if t.year != c.year {
            t.month = 1
        } else if t.month != c.month {
            t.day = 1
        } else if t.day != c.day {
            t.hour = 0
        } else if t.hour != c.hour {
            t.minute = 0
        } else if t.minute != c.minute {
            t.microsecond %= usecPerSecond
        }
        c = t
        return 0
    }

    /// Carries overflowing fields upward, as mktime() does.
    static func normalized(_ t: CivilTime) -> CivilTime {
        var c = t
        if c.microsecond >= 60 * usecPerSecond { c.minute += c.microsecond / (60 * usecPerSecond); c.microsecond %= 60 * usecPerSecond }
        if c.minute >= 60 { c.hour += c.minute / 60; c.minute %= 60 }
        if c.hour >= 24 { c.day += c.hour / 24; c.hour %= 24 }
        if c.month > 12 { c.year += (c.month - 1) / 12; c.month = (c.month - 1) % 12 + 1 }
        while c.day > LocalDate.daysInMonth(year: c.year, month: c.month) {
            c.day -= LocalDate.daysInMonth(year: c.year, month: c.month)
            c.month += 1
            if c.month > 12 { c.month = 1; c.year += 1 }
        }
        return c
    }

    /// systemd's `find_matching_component`: the earliest value ≥ `value` in the chain.
    /// Returns 1 when `value` changed, 0 when it already matched, -1 when nothing matches.
    /// `endOfMonth` is the month's length when the chain counts days back from its end.
    @inline(__always)
    static func match(_ chain: [CalendarComponent]?, _ value: inout Int, endOfMonth monthLength: Int?) -> Int {
        guard let chain else { return 0 }
        var best = -1
        var found = false
        for c in chain {
            var start = c.start, stop = c.stop
            if let monthLength {
                start = fromEnd(c.start, monthLength)
                stop = fromEnd(c.stop, monthLength)
                if stop > 0 { swap(&start, &stop) }
            }
            if start >= value {
                if !found || start < best {
                    best = start
                    found = true
                }
            } else if c.repeatStep > 0 {
                let k = start + c.repeatStep * ((value - start + c.repeatStep - 1) / c.repeatStep)
                if (!found || k < best), stop < 0 || k <= stop {
                    best = k
                    found = true
                }
            }
        }
        guard found else { return -1 }
        let changed = value != best
        value = best
        return changed ? 1 : 0
    }

    /// The day that is `day` days back from the end (1 = the last day); -1 when there is none.
    @inline(__always)
    static func fromEnd(_ day: Int, _ monthLength: Int) -> Int {
        day >= 1 && day <= monthLength ? monthLength + 1 - day : -1
    }
}
