// The schedule form's time presets, in the clerk's terms: every day at, weekdays at, every N days
// from a date (market days), once on a date, several times a day, or an expression as written.
// Each builds the fields `laba schedule add --at EXPR --every Nd --from DATE --until DATE` sends
// (`ScheduleEntryRequest`), and an entry of either layer is described back in words.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore

/// What is missing or wrong in a form, in the catalogue's words.
struct FormProblem: Error {
    var key: Catalog.Key
    init(_ key: Catalog.Key) { self.key = key }
}

struct EntryForm: Sendable {
    enum Preset: String, CaseIterable, Sendable {
        case daily, weekdays, every, once, times, custom

        var key: Catalog.Key {
            switch self {
            case .daily: .webPresetDaily
            case .weekdays: .webPresetWeekdays
            case .every: .webPresetEvery
            case .once: .webPresetOnce
            case .times: .webPresetTimes
            case .custom: .webPresetCustom
            }
        }
    }

    /// What the preset and its fields make: the request's schedule fields.
    struct Built: Equatable {
        var at: [String]
        var every: String?
        var from: String?
        var until: String?

        /// `07:30 · every 5d · from 2026-12-03`: the expressions as the configuration holds them.
        var expression: String {
            var parts = [at.joined(separator: "; ")]
            if let every { parts.append("every \(every)") }
            if let from { parts.append("from \(from)") }
            if let until { parts.append("until \(until)") }
            return parts.joined(separator: " · ")
        }
    }

    var message = ""
    var zone = ""
    var preset = Preset.daily
    var time = ""
    var days = ""
    var from = ""
    var date = ""
    var times = ""
    var expression = ""
    var until = ""
    var repeatCount = ""

    init() {}

    init(_ form: Form) {
        message = form["message"] ?? ""
        zone = form["zone"] ?? ""
        preset = form["preset"].flatMap(Preset.init(rawValue:)) ?? .daily
        time = form["time"] ?? ""
        days = form["days"] ?? ""
        from = form["from"] ?? ""
        date = form["date"] ?? ""
        times = form["times"] ?? ""
        expression = form["expression"] ?? ""
        until = form["until"] ?? ""
        repeatCount = form["repeat"] ?? ""
    }

    /// `7:30` or `07:30` (what a time input sends, seconds allowed) as `07:30`; nil if it is not a time of day.
    static func clock(_ text: String) -> String? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), parts[0].count <= 2,
              parts[1].count == 2, (0...23).contains(h), (0...59).contains(m) else { return nil }
        if parts.count == 3 { guard let s = Int(parts[2]), s == 0, parts[2].count == 2 else { return nil } }
        return String(format: "%02d:%02d", h, m)
    }

    static func day(_ text: String) -> String? {
        let text = text.trimmingCharacters(in: .whitespaces)
        return text.count == 10 && LocalDate(parsing: text) != nil ? text : nil
    }

    /// The schedule fields, or the catalogue's words for what is missing or wrong.
    func build() -> Result<Built, FormProblem> {
        func time() -> Result<String, FormProblem> { Self.clock(self.time).map { .success($0) } ?? .failure(FormProblem(.webBadTime)) }
        var until: String?
        if !self.until.isEmpty, preset != .once {
            guard let u = Self.day(self.until) else { return .failure(FormProblem(.webBadDate)) }
            until = u
        }
        switch preset {
        case .daily:
            return time().map { Built(at: [$0], until: until) }
        case .weekdays:
            return time().map { Built(at: ["Mon..Fri \($0)"], until: until) }
        case .every:
            guard let n = Int(days.trimmingCharacters(in: .whitespaces)), (1...365).contains(n) else { return .failure(FormProblem(.webBadDays)) }
            guard let start = Self.day(from) else { return .failure(FormProblem(.webBadDate)) }
            return time().map { Built(at: [$0], every: n == 1 ? nil : "\(n)d", from: start, until: until) }
        case .once:
            guard let day = Self.day(date) else { return .failure(FormProblem(.webBadDate)) }
            return time().map { Built(at: ["\(day) \($0)"]) }
        case .times:
            let words = times.split { " ,;，、；\n\r\t".contains($0) }.map(String.init)
            guard !words.isEmpty else { return .failure(FormProblem(.webNoTimes)) }
            var clocks: [String] = []
            for word in words {
                guard let c = Self.clock(word) else { return .failure(FormProblem(.webBadTime)) }
                if !clocks.contains(c) { clocks.append(c) }
            }
            return .success(Built(at: clocks.sorted(), until: until))
        case .custom:
            let lines = expression.split { $0 == ";" || $0 == "\n" || $0 == "\r" }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !lines.isEmpty else { return .failure(FormProblem(.webNoExpression)) }
            return .success(Built(at: lines, until: until))
        }
    }

    /// The request `laba schedule add` would send with the same values.
    func request(_ built: Built, baseVersion: Int?) -> Result<ScheduleEntryRequest, FormProblem> {
        guard !message.isEmpty else { return .failure(FormProblem(.webChooseMessage)) }
        guard !zone.isEmpty else { return .failure(FormProblem(.webChooseOneZone)) }
        var repeats: Int?
        if !repeatCount.isEmpty {
            guard let n = Int(repeatCount), (1...100).contains(n) else { return .failure(FormProblem(.webBadRepeat)) }
            repeats = n == 1 ? nil : n
        }
        return .success(ScheduleEntryRequest(message: message, zone: zone, at: built.at, every: built.every, from: built.from,
                                             until: built.until, repeat: repeats, baseVersion: baseVersion))
    }

    /// The same entry as a command line, for a technician reading over the clerk's shoulder.
    func commandLine(_ built: Built) -> String {
        func quoted(_ s: String) -> String { s.contains(where: { " ;*$\"'\\".contains($0) }) ? "\"\(s)\"" : s }
        var parts = ["laba schedule add", message.isEmpty ? "MESSAGE" : quoted(message), "--zone", zone.isEmpty ? "ZONE" : quoted(zone)]
        for at in built.at { parts += ["--at", quoted(at)] }
        if let v = built.every { parts += ["--every", v] }
        if let v = built.from { parts += ["--from", v] }
        if let v = built.until { parts += ["--until", v] }
        if let n = Int(repeatCount), n > 1 { parts += ["--repeat", String(n)] }
        return parts.joined(separator: " ")
    }

    /// The form that would make `entry` (its preset found back), for words and for editing.
    init(entry e: ScheduleEntryJSON) {
        message = e.message
        zone = e.zone
        until = e.until ?? ""
        repeatCount = e.repeat.map(String.init) ?? ""
        let clocks = e.at.compactMap { $0.contains(" ") || $0.count > 5 ? nil : Self.clock($0) }
        if e.at.count == 1, let c = clocks.first, e.every == nil, e.from == nil {
            preset = .daily
            time = c
        } else if e.at.count == 1, e.at[0].hasPrefix("Mon..Fri "), let c = Self.clock(String(e.at[0].dropFirst(9))), e.from == nil {
            preset = .weekdays
            time = c
        } else if e.at.count == 1, let c = clocks.first, let from = e.from, let every = e.every, every.hasSuffix("d"),
                  let n = Int(every.dropLast()) {
            preset = .every
            time = c
            days = String(n)
            self.from = from
        } else if e.at.count == 1, e.every == nil, e.from == nil, e.until == nil, e.at[0].count == 16,
                  let d = Self.day(String(e.at[0].prefix(10))), let c = Self.clock(String(e.at[0].dropFirst(11))) {
            preset = .once
            date = d
            time = c
        } else if e.at.count > 1, clocks.count == e.at.count, e.every == nil, e.from == nil {
            preset = .times
            times = clocks.joined(separator: " ")
        } else {
            preset = .custom
            expression = e.at.joined(separator: "; ")
            if let from = e.from { self.from = from }
            if let every = e.every { days = every }
        }
    }

    /// One calendar expression in words where it is a common one (`Sat,Sun 09:30` → 周六、周日 09:30,
    /// `*-*-* 15:00` → 每天 15:00, `2026-12-24 08:00` → 仅一次); any other is shown as written.
    static func words(expression: String, _ t: Texts) -> String {
        let english = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let names = t(.webWeekdayNames).split(separator: " ").map(String.init)
        func weekday(_ token: Substring) -> String? {
            guard let i = english.firstIndex(where: { token.lowercased().hasPrefix($0.lowercased()) && token.count <= 9 }),
                  names.count == 7 else { return nil }
            return names[i]
        }
        /// `Sat,Sun` or `Mon..Fri` (or a list of both) in words.
        func days(_ text: Substring) -> String? {
            var parts: [String] = []
            for item in text.split(separator: ",") {
                let range = item.components(separatedBy: "..")
                if range.count == 2 {
                    guard let a = weekday(Substring(range[0])), let b = weekday(Substring(range[1])) else { return nil }
                    parts.append(t(.webWordsDayRange, ["from": a, "to": b]))
                } else {
                    guard let a = weekday(item) else { return nil }
                    parts.append(a)
                }
            }
            return parts.isEmpty ? nil : parts.joined(separator: t(.webListSeparator))
        }
        /// `07:30` or `07:30,12:00` (seconds `:00` allowed).
        func times(_ text: Substring) -> String? {
            var out: [String] = []
            for item in text.split(separator: ",") {
                let item = item.hasSuffix(":00") && item.count == 8 ? item.dropLast(3) : item
                guard let c = Self.clock(String(item)) else { return nil }
                out.append(c)
            }
            return out.isEmpty ? nil : out.joined(separator: t(.webListSeparator))
        }
        var tokens = expression.split(separator: " ")
        guard !tokens.isEmpty, let time = tokens.last.flatMap(times) else { return expression }
        tokens.removeLast()
        var weekdays: String?
        if let first = tokens.first, first.first?.isLetter == true {
            guard let d = days(first) else { return expression }
            weekdays = d
            tokens.removeFirst()
        }
        switch tokens.count {
        case 0: break
        case 1 where tokens[0] == "*-*-*": break
        case 1 where weekdays == nil:
            guard let date = Self.day(String(tokens[0])) else { return expression }
            return t(.webWordsOnce, ["date": date, "time": time])
        default: return expression
        }
        return weekdays.map { t(.webWordsDays, ["days": $0, "time": time]) } ?? t(.webWordsDaily, ["time": time])
    }

    /// When it plays, in words: `every 5 days from 2026-12-03 at 07:30`.
    func words(_ t: Texts) -> String {
        var text: String
        switch preset {
        case .daily: text = t(.webWordsDaily, ["time": time])
        case .weekdays: text = t(.webWordsWeekdays, ["time": time])
        case .every: text = t(.webWordsEvery, ["n": days, "from": from, "time": time])
        case .once: text = t(.webWordsOnce, ["date": date, "time": time])
        case .times: text = t(.webWordsTimes, ["times": times.split(separator: " ").joined(separator: "、")])
        case .custom:
            text = expression.split(separator: ";").map { Self.words(expression: $0.trimmingCharacters(in: .whitespaces), t) }
                .joined(separator: t(.webListSeparator))
            if !from.isEmpty { text += " · " + t(.webWordsFrom, ["date": from]) }
            if !days.isEmpty { text += " · " + days }
        }
        if !until.isEmpty, preset != .once { text += t(.webWordsUntil, ["date": until]) }
        if let n = Int(repeatCount), n > 1 { text += t(.webWordsRepeat, ["n": String(n)]) }
        return text
    }
}
