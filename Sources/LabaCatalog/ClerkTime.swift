// Times as a clerk reads them (issue 26): `今天 07:30`, `昨天 18:00`, `12月7日 18:00`, in the
// local time the daemon's answer carries. JSON and `--iso` keep RFC 3339 for machines.

import Foundation

public enum ClerkTime {
    /// `text` (RFC 3339 with its offset, as the API answers) as a clerk reads it, relative to
    /// `now` in the same offset: today, yesterday and tomorrow by name, this year without the
    /// year. Text that is not such a time is returned as it is.
    public static func format(_ text: String, now: Date = Date(), in language: CatalogLanguage = .current,
                              seconds: Bool = false) -> String {
        guard let parts = Parts(text) else { return text }
        let time = seconds ? String(format: "%02d:%02d:%02d", parts.hour, parts.minute, parts.second)
                           : String(format: "%02d:%02d", parts.hour, parts.minute)
        // Today's date where that time was written: its offset applied to now.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(secondsFromGMT: 0)!
        let local = utc.dateComponents([.year, .month, .day], from: now.addingTimeInterval(TimeInterval(parts.offset)))
        guard let today = utc.date(from: local),
              let day = utc.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day)) else { return text }
        let days = Int((day.timeIntervalSince(today) / 86_400).rounded())
        let args = ["time": time, "year": String(parts.year), "month": String(parts.month), "day": String(parts.day)]
        switch days {
        case 0: return Catalog.text(.timeToday, args, in: language)
        case -1: return Catalog.text(.timeYesterday, args, in: language)
        case 1: return Catalog.text(.timeTomorrow, args, in: language)
        default:
            return Catalog.text(parts.year == local.year ? .timeThisYear : .timeOtherYear, args, in: language)
        }
    }

    /// The fields of `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)`.
    struct Parts {
        var year, month, day, hour, minute, second: Int
        /// Seconds east of UTC.
        var offset: Int

        init?(_ text: String) {
            let s = Array(text.utf8)
            guard s.count >= 17, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"),
                  s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: " "), s[13] == UInt8(ascii: ":") else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                guard from + count <= s.count else { return nil }
                var n = 0
                for c in s[from..<(from + count)] {
                    guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                    n = n * 10 + Int(c - UInt8(ascii: "0"))
                }
                return n
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60 else { return nil }
            var i = 16
            var second = 0
            if i < s.count, s[i] == UInt8(ascii: ":") {
                guard let n = number(i + 1, 2) else { return nil }
                second = n
                i += 3
                if i < s.count, s[i] == UInt8(ascii: ".") {
                    i += 1
                    while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") { i += 1 }
                }
            }
            var offset = 0
            if i < s.count, s[i] == UInt8(ascii: "Z") {
                i += 1
            } else if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                guard let h = number(i + 1, 2), i + 3 < s.count, s[i + 3] == UInt8(ascii: ":"), let m = number(i + 4, 2) else { return nil }
                offset = (h * 3600 + m * 60) * (s[i] == UInt8(ascii: "-") ? -1 : 1)
                i += 6
            } else {
                return nil
            }
            guard i == s.count else { return nil }
            (self.year, self.month, self.day, self.hour, self.minute, self.second, self.offset) = (year, month, day, hour, minute, second, offset)
        }
    }
}

extension Catalog {
    /// The words for a state or outcome of the API (`idle`, `queued`, `completed`, …) in
    /// `language`; a name this version does not know is shown as it is.
    public static func stateName(_ name: String, in language: CatalogLanguage = .current) -> String {
        let key: Key? = switch name {
        case "idle": .webStateIdle
        case "playing": .webStatePlaying
        case "unavailable": .webStateUnavailable
        case "queued": .webStateQueued
        case "completed": .webOutcomeCompleted
        case "preempted": .webOutcomePreempted
        case "stopped": .webOutcomeStopped
        case "failed": .webOutcomeFailed
        case "skipped": .webOutcomeSkipped
        case "missed": .webOutcomeMissed
        case "expired": .webOutcomeExpired
        default: nil
        }
        return key.map { text($0, in: language) } ?? name
    }

    /// The words for an amplifier's state (`off`, `warming`, `on`, `holding`: SPEC 18) in
    /// `language`; a name this version does not know is shown as it is.
    public static func powerStateName(_ name: String, in language: CatalogLanguage = .current) -> String {
        let key: Key? = switch name {
        case "off": .powerOff
        case "warming": .powerWarming
        case "on": .powerOn
        case "holding": .powerHolding
        default: nil
        }
        return key.map { text($0, in: language) } ?? name
    }
}
