// `laba schedule change ID --at 17:45` on an entry at `Mon..Fri 17:30`: a bare time changes the
// time and keeps the days (issue 27), rather than turning a weekday entry into a daily one.

/// Calendar expressions whose time is replaced, their days kept.
public enum KeptDays {
    /// Whether `expression` is a time of day alone (`17:45`, `7:05:30`), with no day or date.
    public static func isBareTime(_ expression: String) -> Bool {
        let parts = expression.trimmingWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        return (2...3).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// The expressions of an entry now at `old` once given the bare times `times`: each day part
    /// of `old` (`Mon..Fri`, `*-*-01`, `Sat *-12-*`) with each new time, in order, without repeats.
    /// Nil when there is nothing to keep: a time given with its days, or an old expression that is
    /// a time alone or has no time of its own (`daily`, `weekly`).
    public static func keepingDays(of old: [String], times: [String]) -> [String]? {
        guard !times.isEmpty, times.allSatisfy(isBareTime) else { return nil }
        var days: [String] = []
        for expression in old {
            let words = expression.trimmingWhitespace().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 2, let last = words.last, last.contains(":") else { return nil }
            let day = words.dropLast().joined(separator: " ")
            if !days.contains(day) { days.append(day) }
        }
        guard !days.isEmpty else { return nil }
        var out: [String] = []
        for day in days {
            for time in times {
                let expression = day + " " + time.trimmingWhitespace()
                if !out.contains(expression) { out.append(expression) }
            }
        }
        return out
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
