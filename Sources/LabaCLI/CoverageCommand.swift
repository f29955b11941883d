// `laba coverage`: which zones heard a message (or an alert), in which of their languages (SPEC 16).

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaSheet

enum CoverageFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
    /// A spreadsheet (.xlsx): Chinese headers, names, date cells (`--to FILE`).
    case xlsx
}

struct CoverageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage", abstract: "Which zones heard a message (or an alert), in which of their languages.")

    @Argument(help: ArgumentHelp("The message.", valueName: "message")) var message: String?
    @Option(help: ArgumentHelp("An alert's number (laba alerts) instead of a message.", valueName: "id")) var alert: Int64?
    @Option(help: ArgumentHelp("From this time.", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Before this time.", valueName: "time")) var until: String?
    @Option(help: ArgumentHelp("Only this zone and those below it.", valueName: "zone")) var zone: String?
    @Option(help: "table, csv, json or xlsx (a spreadsheet).") var format = CoverageFormat.table
    @OptionGroup var sheet: SpreadsheetOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        guard (message == nil) != (alert == nil) else { throw ValidationError(t(.cliCoverageNeedsSubject)) }
        try sheet.validate(xlsx: !socket.json && format == .xlsx)
        try validateTime(since, option: "--since")
        try validateTime(until, option: "--until")
    }

    func run() async throws {
        let path = "/coverage" + query([("message", message), ("alert", alert.map(String.init)), ("since", since),
                                         ("until", until), ("zone", zone)])
        let reply = try await ControlClient(socket: socket.path).send(.GET, path)
        guard reply.status == 200, let coverage = try? reply.decode(CoverageJSON.self) else { throw reply.refusal() }
        switch socket.json ? .json : format {
        case .json:
            print(try jsonLine(coverage))
        case .csv:
            FileHandle.standardOutput.write(Data(coverageCSV(coverage).utf8))
        case .xlsx:
            let names = sheetNames(configPath: config.path)
            try sheet.write(Workbook(sheets: [RecordSheets.coverage(coverage, names: names, in: .current)],
                                     title: RecordSheets.title(.coverageTitle, office: officeName(configPath: config.path), in: .current)))
        case .table:
            print(Self.table(coverage, time: socket.time))
        }
    }

    /// Zones with a language missing first (the daemon's order), one line per language or part.
    static func table(_ c: CoverageJSON, time: (String) -> String) -> String {
        guard !c.zones.isEmpty else { return t(.coverageNoZones) }
        var rows: [[String]] = []
        for z in c.zones {
            for (i, e) in z.entries.enumerated() {
                var state = Catalog.coverageState(e.state.description, fraction: e.fraction)
                if let words = Catalog.coverageHeard(e.heard?.rawValue, state: e.state.description, monitored: c.monitored,
                                                     levelDB: e.heardLevelDB, delayMS: e.heardDelayMS) {
                    state += " · " + words
                }
                let place = e.output.map { output in (e.unit ?? "") + (e.unit == nil ? "" : "/") + output } ?? ""
                rows.append([i == 0 ? z.zone : "", Catalog.coveragePart(e.label, languageName: languageShown), state, place,
                             e.at.map(time) ?? ""])
            }
        }
        let missing = c.zones.filter { $0.entries.contains { $0.state == .known(.missing) } }.count
        let summary = missing == 0 ? t(.coverageEverywhere) : t(.coverageZonesMissing, ["n": String(missing)])
        return TextTable(header: [t(.columnZone), t(.columnLanguage), t(.columnState), t(.columnWhere), t(.columnWhen)],
                         rows: rows).render() + "\n" + summary
    }
}
