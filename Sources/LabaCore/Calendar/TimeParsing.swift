// The TIME arguments of the CLI: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` in a zone, `@EPOCH`, or
// systemd's words `now`, `today`, `yesterday` and `tomorrow` (midnight, local).

import Foundation

public enum TimeParsing {
    /// Reads `text` as an instant; local forms are read in `zone` with Laba's daylight-saving rules.
    ///
    /// - Throws: `CalendarError` saying which forms are accepted.
    public static func instant(_ text: String, in zone: TimeZone, now: Instant) throws(CalendarError) -> Instant {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let days = ["yesterday": -1, "today": 0, "tomorrow": 1][t] {
            var converter = ZoneConverter(zone)
            var civil = converter.civil(now)
            civil = CivilTime(linear: CivilTime(year: civil.year, month: civil.month, day: civil.day).linear
                              + Int64(days) * 86_400_000_000)
            let (instants, gapEnd) = converter.instants(for: civil)
            return Instant(microseconds: instants.first ?? gapEnd ?? civil.linear)
        }
        if t == "now" { return now }
        if t.hasPrefix("@") {
            // Years 1 to 9999, as everywhere else (and far from Int64's microsecond limit).
            guard let seconds = Double(t.dropFirst()), seconds.isFinite, abs(seconds) < 253_402_300_800 else {
                throw CalendarError("bad time '\(text)': expected @SECONDS since the epoch, before the year 10000")
            }
            return Instant(microseconds: Int64((seconds * 1_000_000).rounded()))
        }
        let bytes = Array(t.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= bytes.count else { return nil }
            var v = 0
            for k in 0..<digits {
                let b = bytes[i + k]
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            i += digits
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < bytes.count, bytes[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        let bad = CalendarError("bad time '\(text)': expected RFC 3339 (2026-11-30T07:30:00+08:00), "
                                + "YYYY-MM-DD[ HH:MM[:SS]], @SECONDS, now, today, yesterday or tomorrow")
        guard let y = number(4), expect("-"), let mo = number(2), expect("-"), let d = number(2),
              (1...12).contains(mo), d >= 1, d <= LocalDate.daysInMonth(year: y, month: mo)
        else { throw bad }
        var civil = CivilTime(year: y, month: mo, day: d)
        if i < bytes.count {
            guard expect("T") || expect(" ") || expect("t") else { throw bad }
            while expect(" ") {}
            guard let h = number(2), expect(":"), let mi = number(2), h < 24, mi < 60 else { throw bad }
            civil.hour = h
            civil.minute = mi
            if expect(":") {
                guard let s = number(2), s < 60 else { throw bad }
                civil.microsecond = s * 1_000_000
                if expect(".") {
                    var scale = 100_000, fraction = 0, any = false
                    while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                        fraction += Int(bytes[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { throw bad }
                    civil.microsecond += fraction
                }
            }
        }
        // An explicit offset makes it RFC 3339.
        if i < bytes.count {
            var offset = 0
            if expect("Z") || expect("z") {
                offset = 0
            } else {
                let sign: Int
                if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { throw bad }
                guard let oh = number(2), expect(":"), let om = number(2) else { throw bad }
                offset = sign * (oh * 60 + om) * 60_000_000
            }
            guard i == bytes.count else { throw bad }
            return Instant(microseconds: civil.linear - Int64(offset))
        }
        var converter = ZoneConverter(zone)
        let (instants, gapEnd) = converter.instants(for: civil)
        return Instant(microseconds: instants.first ?? gapEnd ?? civil.linear)
    }

    /// `--timezone` or the configuration's zone: an IANA name.
    public static func zone(_ name: String) throws(CalendarError) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else {
            throw CalendarError("unknown time zone '\(name)' (use an IANA name such as Asia/Shanghai)")
        }
        return zone
    }
}
