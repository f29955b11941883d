// The county's record as sheets: the record, the report and the schedule log in the clerk's
// words (headers from the catalogue, names as the console shows them, local times as date
// cells, durations in seconds), the same for `laba … --format xlsx` and the console's downloads.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore

/// Names as the console shows them: a zone's `name:`, a message's title, a loudspeaker's `name:`,
/// a language's name; an id it does not know stays the id.
public struct SheetNames: Sendable {
    public var zones: [String: String] = [:]
    public var messages: [String: String] = [:]
    public var outputs: [String: String] = [:]
    public var languages: [String: String] = [:]

    public init() {}

    /// The names the configuration gives (the operators' titles included when `config` has them).
    public init(_ config: Config) {
        let tree = ZoneTree(config)
        for zone in tree.zones { zones[zone.id] = zone.name }
        for output in config.outputs { outputs[output.id.value] = output.name ?? output.id.value }
        for language in config.languages { languages[language.id] = language.name }
        for message in config.messages { messages[message.id.value] = message.title ?? message.id.value }
    }

    public func zone(_ id: String) -> String { zones[id] ?? id }
    public func message(_ id: String) -> String { messages[id] ?? id }
    public func output(_ id: String) -> String { outputs[id] ?? id }
    public func language(_ id: String) -> String { languages[id] ?? id }
}

public enum RecordSheets {
    /// The record: one row per broadcast, newest first as given.
    public static func record(_ list: BroadcastList, names: SheetNames, withUnit: Bool = false,
                              in language: CatalogLanguage) -> Sheet {
        func t(_ key: Catalog.Key) -> String { Catalog.text(key, in: language) }
        var columns: [Sheet.Column] = withUnit ? [.init(t(.columnUnit), width: 14)] : []
        columns += [
            .init(t(.columnPlanned), width: 20), .init(t(.columnStarted), width: 20), .init(t(.columnEnded), width: 20),
            .init(t(.columnDuration), width: 10), .init(t(.columnOutput), width: 16), .init(t(.columnZone), width: 16),
            .init(t(.columnMessage), width: 24), .init(t(.columnLanguages), width: 12), .init(t(.columnPriority), width: 12),
            .init(t(.columnOutcome), width: 12), .init(t(.columnReason), width: 30), .init(t(.columnWho), width: 12),
            .init(t(.columnID), width: 16),
        ]
        let rows: [[SheetCell]] = list.broadcasts.map { b in
            let started = b.startedAt.flatMap(LocalTime.init(rfc3339:))
            let duration = seconds(from: b.startedAt, to: b.endedAt)
            let played = b.languages.played.isEmpty ? b.languages.planned : b.languages.played
            let content = b.source == .known(.live) && b.message == "live" ? t(.liveContent) : names.message(b.message)
            let outcome = b.outcome?.description ?? b.state.description
            var row: [SheetCell] = withUnit ? [text(b.unit)] : []
            row += [
                LocalTime(rfc3339: b.plannedAt).map(SheetCell.date) ?? .text(b.plannedAt),
                started.map(SheetCell.date) ?? .empty,
                b.endedAt.flatMap(LocalTime.init(rfc3339:)).map(SheetCell.date) ?? .empty,
                duration.map(SheetCell.number) ?? .empty,
                .text(names.output(b.output)), .text(names.zone(b.zone)), .text(content),
                .text(played.map { languageName($0, names: names, in: language) }.joined(separator: "、")),
                .text(priorityName(b.priority.description, in: language)),
                .text(Catalog.stateName(outcome, in: language)),
                text(Catalog.reason(code: b.reasonCode, args: b.reasonArgs, words: b.reason, in: language)),
                .text(b.requestedBy?.label ?? t(.webBySchedule)),
                .text(b.id),
            ]
            return row
        }
        return Sheet(name: t(.sheetRecord), columns: columns, rows: rows)
    }

    /// A report grouped by `by` (`zone`, `language`, `message`, `output`, `unit`): counts, airtime
    /// in seconds, and a count per outcome.
    public static func report(_ report: ReportJSON, by: String, names: SheetNames, in language: CatalogLanguage) -> Sheet {
        func t(_ key: Catalog.Key) -> String { Catalog.text(key, in: language) }
        let (sheetKey, columnKey): (Catalog.Key, Catalog.Key) = switch by {
        case "language": (.sheetReportByLanguage, .columnLanguage)
        case "message": (.sheetReportByMessage, .columnMessage)
        case "output": (.sheetReportByOutput, .columnOutput)
        case "unit": (.sheetReportByUnit, .columnUnit)
        default: (.sheetReportByZone, .columnZone)
        }
        let outcomes = BroadcastOutcome.allCases.map(\.rawValue)
        let columns = [Sheet.Column(t(columnKey), width: 20), .init(t(.columnBroadcasts), width: 8), .init(t(.columnAirtime), width: 12)]
            + outcomes.map { Sheet.Column(Catalog.stateName($0, in: language), width: 10) }
        let rows: [[SheetCell]] = report.rows.map { r in
            let name = switch by {
            case "language": languageName(r.key, names: names, in: language)
            case "message": names.message(r.key)
            case "output": names.output(r.key)
            case "unit": r.key
            default: names.zone(r.key)
            }
            return [.text(name), .count(r.broadcasts), .number(r.airtimeSeconds)] + outcomes.map { .count(r.outcomes[$0] ?? 0) }
        }
        return Sheet(name: t(sheetKey), columns: columns, rows: rows)
    }

    /// Coverage (SPEC 16): one row per language or part of each zone, zones with a language
    /// missing first (the daemon's order); the monitors' word beside the state, as `laba coverage`
    /// shows it, when a monitor is in scope.
    public static func coverage(_ c: CoverageJSON, names: SheetNames, in language: CatalogLanguage) -> Sheet {
        func t(_ key: Catalog.Key) -> String { Catalog.text(key, in: language) }
        let columns: [Sheet.Column] = [
            .init(t(.columnZone), width: 18), .init(t(.columnLanguage), width: 14), .init(t(.columnState), width: 22),
            .init(t(.columnUnit), width: 14), .init(t(.columnOutput), width: 16), .init(t(.columnWhen), width: 20),
            .init(t(.columnID), width: 16),
        ]
        var rows: [[SheetCell]] = []
        for z in c.zones {
            for e in z.entries {
                var state = Catalog.coverageState(e.state.description, fraction: e.fraction, in: language)
                if let words = Catalog.coverageHeard(e.heard?.rawValue, state: e.state.description, monitored: c.monitored,
                                                     levelDB: e.heardLevelDB, delayMS: e.heardDelayMS, in: language) {
                    state += " · " + words
                }
                rows.append([
                    .text(z.name.isEmpty ? names.zone(z.zone) : z.name),
                    .text(Catalog.coveragePart(e.label, languageName: { languageName($0, names: names, in: language) }, in: language)),
                    .text(state), text(e.unit), e.output.map { .text(names.output($0)) } ?? .empty,
                    e.at.flatMap(LocalTime.init(rfc3339:)).map(SheetCell.date) ?? .empty, text(e.record),
                ])
            }
        }
        return Sheet(name: t(.coverageTitle), columns: columns, rows: rows)
    }

    /// The schedule log: one row per change of the operators' schedule.
    public static func scheduleLog(_ log: ScheduleLogJSON, names: SheetNames, in language: CatalogLanguage) -> Sheet {
        func t(_ key: Catalog.Key) -> String { Catalog.text(key, in: language) }
        let columns: [Sheet.Column] = [
            .init(t(.columnAt), width: 20), .init(t(.columnVersion), width: 8), .init(t(.columnAction), width: 8),
            .init(t(.columnEntry), width: 14), .init(t(.columnWho), width: 12), .init(t(.columnVia), width: 10),
            .init(t(.columnBefore), width: 40), .init(t(.columnAfter), width: 40),
        ]
        func action(_ a: String) -> String {
            switch a {
            case "add": t(.webActionAdd)
            case "change": t(.webActionChange)
            case "pause": t(.webActionPause)
            case "resume": t(.webActionResume)
            case "remove": t(.webActionRemove)
            default: a
            }
        }
        func via(_ v: String) -> String {
            switch v {
            case "cli": t(.webViaCLI)
            case "console": t(.webViaConsole)
            default: v
            }
        }
        func describe(_ e: OperatorEntry?) -> SheetCell {
            guard let e else { return .empty }
            var parts = [names.zone(e.zone), names.message(e.message), e.at.joined(separator: "; ")]
            if let every = e.every { parts.append(every) }
            if e.paused { parts.append(t(.webEntryPaused)) }
            return .text(parts.joined(separator: " · "))
        }
        let rows: [[SheetCell]] = log.changes.map { c in
            [LocalTime(rfc3339: c.at).map(SheetCell.date) ?? .text(c.at), .count(c.version), .text(action(c.action)),
             .text(c.entry), .text(c.requestedBy?.label ?? ""), .text(via(c.via)), describe(c.before), describe(c.after)]
        }
        return Sheet(name: t(.sheetScheduleLog), columns: columns, rows: rows)
    }

    /// The document's title: "播出记录 · <office>", or the sheet's word alone.
    public static func title(_ key: Catalog.Key, office: String?, in language: CatalogLanguage) -> String {
        let word = Catalog.text(key, in: language)
        guard let office, !office.isEmpty else { return word }
        return "\(office) · \(word)"
    }

    /// Seconds between two RFC 3339 times, to the millisecond; nil when either is missing.
    static func seconds(from start: String?, to end: String?) -> Double? {
        guard let start, let end, let a = instant(start), let b = instant(end) else { return nil }
        return (b.timeIntervalSince(a) * 1000).rounded() / 1000
    }

    private static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    private static func text(_ value: String?) -> SheetCell { value.map(SheetCell.text) ?? .empty }

    static func languageName(_ id: String, names: SheetNames, in language: CatalogLanguage) -> String {
        switch id {
        case "unknown": Catalog.text(.languageUnknown, in: language)
        case "neutral": Catalog.text(.neutral, in: language)
        default: names.language(id)
        }
    }

    static func priorityName(_ wire: String, in language: CatalogLanguage) -> String {
        switch wire {
        case "scheduled": Catalog.text(.priorityScheduled, in: language)
        case "manual": Catalog.text(.priorityManual, in: language)
        case "emergency": Catalog.text(.priorityEmergency, in: language)
        default: wire
        }
    }
}
