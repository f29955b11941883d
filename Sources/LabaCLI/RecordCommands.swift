// `laba history` and `laba report`: the record of what was played where.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaSheet

enum RecordFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
    /// A spreadsheet (.xlsx): Chinese headers, names, date cells (`--output FILE`).
    case xlsx
    /// A map of where each broadcast of a following output was heard (`laba history` only).
    case geojson
}

/// Query parameters, percent-encoded.
func query(_ items: [(String, String?)]) -> String {
    let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))
    let parts = items.compactMap { key, value in
        value.map { "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" }
    }
    return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
}

/// `--outcome`: the outcomes a record can have.
enum OutcomeArgument: String, ExpressibleByArgument, CaseIterable {
    case completed, preempted, stopped, failed, skipped, missed, expired
}

/// `--by`: how `laba report` groups the record (`unit`: a commander's units, itself included).
enum ReportKey: String, ExpressibleByArgument, CaseIterable {
    case zone, language, message, output, unit
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "The record of broadcasts: what played where, and how it ended.")

    @Option(help: "Only this zone.") var zone: String?
    @Option(help: "Only this message.") var message: String?
    @Option(help: "Only this output.") var output: String?
    @Option(help: "Only this outcome.") var outcome: OutcomeArgument?
    @Option(help: "Only this fleet unit's records (on a commander).") var unit: String?
    @Flag(help: "This commander's records and its units'.") var fleet = false
    @Option(help: ArgumentHelp("From this time (RFC 3339, YYYY-MM-DD[ HH:MM], today, yesterday…).", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Before this time.", valueName: "time")) var until: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many, newest first (1–10000).", valueName: "n")) var limit = 100
    @Option(help: "table, csv, json, geojson (the broadcasts of following outputs, as points where they started) or xlsx (a spreadsheet).")
    var format = RecordFormat.table
    @OptionGroup var sheet: SpreadsheetOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        try sheet.validate(format: socket.json ? .json : format)
        try validateCount(limit, option: "--limit", in: 1...10_000)
        try validateTime(since, option: "--since")
        try validateTime(until, option: "--until")
    }

    func run() async throws {
        let withUnit = fleet || unit != nil
        // Units' records come in pages, each under what one answer may hold: follow `next`.
        var list = BroadcastList(broadcasts: [])
        var before: String?
        repeat {
            let path = "/broadcasts" + query([("zone", zone), ("message", message), ("output", output), ("outcome", outcome?.rawValue),
                                              ("unit", unit), ("fleet", fleet ? "true" : nil), ("since", since), ("until", until),
                                              ("limit", String(limit - list.broadcasts.count)), ("before", before)])
            let reply = try await ControlClient(socket: socket.path).send(.GET, path)
            guard reply.status == 200, let page = try? reply.decode(BroadcastList.self) else { throw reply.refusal() }
            list.broadcasts += page.broadcasts
            before = page.next
        } while before != nil && list.broadcasts.count < limit
        switch socket.json ? .json : format {
        case .json:
            print(try jsonLine(list))
        case .geojson:
            print(try jsonLine(HistoryMap(list.broadcasts)))
        case .csv:
            FileHandle.standardOutput.write(Data(historyCSV(list, withUnit: withUnit).utf8))
        case .xlsx:
            let names = sheetNames(configPath: config.path)
            let office = officeName(configPath: config.path)
            try sheet.write(Workbook(sheets: [RecordSheets.record(list, names: names, withUnit: withUnit, in: .current)],
                                     title: RecordSheets.title(.sheetRecord, office: office, in: .current)))
        case .table:
            let rows = list.broadcasts.map { b in
                (withUnit ? [b.unit ?? ""] : []) + [socket.time(b.plannedAt), b.output, b.zone, contentShown(b), b.languages.played.joined(separator: ","),
                 socket.state(b.outcome?.description ?? b.state.description),
                 reasonText(b) ?? ""]
            }
            print(rows.isEmpty ? t(.noBroadcasts) :
                  TextTable(header: (withUnit ? [t(.columnUnit)] : []) + [t(.columnPlanned), t(.columnOutput), t(.columnZone),
                                     t(.columnMessage), t(.columnPlayed), t(.columnOutcome), t(.columnReason)], rows: rows).render())
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Counts and airtime per zone, language, message or output, by outcome.")

    @Option(help: "zone, language, message, output or unit (a commander's fleet).") var by = ReportKey.zone
    @Flag(help: "Include the units' records (on a commander).") var fleet = false
    @Option(help: ArgumentHelp("From this time.", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Before this time.", valueName: "time")) var until: String?
    @Option(help: "table, csv, json or xlsx (a spreadsheet, one sheet per grouping).") var format = RecordFormat.table
    @OptionGroup var sheet: SpreadsheetOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        try sheet.validate(format: socket.json ? .json : format)
        try validateTime(since, option: "--since")
        try validateTime(until, option: "--until")
    }

    func fetch(_ by: ReportKey) async throws -> ReportJSON {
        let reply = try await ControlClient(socket: socket.path)
            .send(.GET, "/report" + query([("by", by.rawValue), ("fleet", fleet ? "true" : nil), ("since", since), ("until", until)]))
        guard reply.status == 200, let report = try? reply.decode(ReportJSON.self) else { throw reply.refusal() }
        return report
    }

    func run() async throws {
        if format == .xlsx && !socket.json {
            // One sheet per grouping, the asked one first; by unit only over a fleet.
            let keys = [by] + ([.zone, .message, .language, .output] + (fleet ? [.unit] : [])).filter { $0 != by }
            let names = sheetNames(configPath: config.path)
            var sheets: [Sheet] = []
            for key in keys {
                sheets.append(RecordSheets.report(try await fetch(key), by: key.rawValue, names: names, in: .current))
            }
            try sheet.write(Workbook(sheets: sheets, title: RecordSheets.title(.sheetRecord, office: officeName(configPath: config.path),
                                                                              in: .current)))
            return
        }
        let report = try await fetch(by)
        let outcomes = OutcomeArgument.allCases.map(\.rawValue)
        // CSV keeps the API's field names (for scripts); the table's headers are the operator's.
        let header = [by.rawValue, "broadcasts", "airtime_s"] + outcomes
        let rows = report.rows.map { r in
            [by == .language && format == .table && !socket.json ? languageShown(r.key) : r.key, String(r.broadcasts), String(format: "%.1f", r.airtimeSeconds)] + outcomes.map { String(r.outcomes[$0] ?? 0) }
        }
        switch socket.json ? .json : format {
        case .geojson: throw ValidationError(t(.cliGeojsonHistoryOnly))
        case .xlsx: break
        case .json: print(try jsonLine(report))
        case .csv: FileHandle.standardOutput.write(Data(csv([header] + rows).utf8))
        case .table:
            let keyColumn: Catalog.Key = switch by {
            case .zone: .columnZone
            case .language: .columnLanguage
            case .message: .columnMessage
            case .output: .columnOutput
            case .unit: .columnUnit
            }
            print(rows.isEmpty ? t(.noBroadcasts) :
                  TextTable(header: [t(keyColumn), t(.columnBroadcasts), t(.columnAirtime)]
                                + outcomes.map { CatalogLanguage.current == .en ? $0.uppercased() : Catalog.stateName($0) },
                            rows: rows).render())
        }
    }
}

/// A language row of a report as a clerk reads it: `unknown` (an upload sent without a language)
/// and `neutral` in words; a language's id as configured.
func languageShown(_ key: String) -> String {
    switch key {
    case "unknown": t(.languageUnknown)
    case "neutral": t(.neutral)
    default: key
    }
}

/// What a record played as a clerk reads it: a live talk in words (its message is `live`), else
/// the message's id.
func contentShown(_ b: BroadcastJSON) -> String {
    b.source == .known(.live) && b.message == "live" && CatalogLanguage.current != .en ? t(.liveContent) : b.message
}
