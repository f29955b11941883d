// The record and the schedule log as spreadsheets (.xlsx), and the record's print view (A4, a day
// or a month, the office's name and page numbers): what a township hands in to the county.

import Foundation
import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore
import LabaSheet
import NIOCore
import NIOPosix

extension Site {
    /// The record as `laba history --format xlsx` writes it, with the record page's filters.
    func recordXlsx(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let records = await door.history(try await recordFilter(Form(request.uri.query ?? ""), config: config, limit: 10_000))
        var wire = WireFormat(config.timeZone)
        let language = visit.texts.language
        let book = Workbook(sheets: [RecordSheets.record(wire.list(records), names: SheetNames(config), in: language)],
                            title: RecordSheets.title(.sheetRecord, office: Self.office(config), in: language))
        return try await Self.spreadsheet(book, filename: "laba-record.xlsx")
    }

    /// The schedule log as `laba schedule log --format xlsx` writes it.
    func scheduleLogXlsx(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let log = try await door.scheduleLog(since: nil, until: nil, limit: 100_000)
        let language = visit.texts.language
        let book = Workbook(sheets: [RecordSheets.scheduleLog(log, names: SheetNames(config), in: language)],
                            title: RecordSheets.title(.sheetScheduleLog, office: Self.office(config), in: language))
        return try await Self.spreadsheet(book, filename: "laba-schedule-log.xlsx")
    }

    static func spreadsheet(_ book: Workbook, filename: String) async throws -> Response {
        let data = try await NIOThreadPool.singleton.runIfActive { try book.data() }
        var headers = HTTPFields()
        headers[.contentType] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The office's name on printed pages: the top zone's name (the township or the county).
    static func office(_ config: Config) -> String? {
        ZoneTree(config).zones.first { $0.parent == nil }?.name
    }

    struct PrintPage {
        struct Row {
            var time: String
            var output: String
            var zone: String
            var title: String
            var languages: String
            var outcome: String
            var outcomeName: String
            var seconds: String
            var by: String
        }

        var heading: String
        var office: String
        var day: String
        var month: String
        var byMonth: Bool
        var rows: [Row]
        var summary: String
        var printed: String
        /// The CSS `content` of the page number box: the catalogue's words around `counter(page)`.
        var pageCounter: String
    }

    /// `GET /record/print?day=YYYY-MM-DD` or `?month=YYYY-MM` (today when neither): the record of
    /// that day or month, oldest first, laid out for A4.
    func recordPrint(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let t = visit.texts
        let q = Form(request.uri.query ?? "")
        let now = await door.now()
        var wire = WireFormat(config.timeZone)
        let today = LocalDate(parsing: String((wire.time(now.microseconds) ?? "").prefix(10))) ?? LocalDate(year: 1970, month: 1, day: 1)
        let byMonth = q["month"].map { !$0.isEmpty } ?? false
        let (start, end, heading): (String, String, String)
        if byMonth, let month = q["month"], let (y, m) = Self.yearMonth(month) {
            let next = m == 12 ? String(format: "%04d-01-01", y + 1) : String(format: "%04d-%02d-01", y, m + 1)
            let words = t.language == .en ? month : "\(y)年\(m)月"
            (start, end, heading) = (String(format: "%04d-%02d-01", y, m), next, t(.webPrintRecordMonth, ["month": words]))
        } else {
            let day = q["day"].flatMap { LocalDate(parsing: $0) } ?? today
            let words = t.language == .en ? day.description : "\(day.year)年\(day.month)月\(day.day)日"
            (start, end, heading) = (day.description, Self.nextDay(day).description, t(.webPrintRecordDay, ["day": words]))
        }
        let since = try TimeParsing.instant(start, in: config.timeZone, now: now).microseconds
        let until = try TimeParsing.instant(end, in: config.timeZone, now: now).microseconds
        let records = await door.history(BroadcastFilter(since: since, until: until, limit: 10_000)).reversed()
        var naming = await self.naming(visit, config)
        var airtime = 0.0
        let rows = records.map { r in
            let json = wire.broadcast(r)
            let seconds = RecordSheetsSeconds.between(r.startedAt, r.endedAt)
            airtime += seconds ?? 0
            let outcome = r.outcome?.rawValue ?? r.state.rawValue
            return PrintPage.Row(
                time: String((json.plannedAt.dropFirst(byMonth ? 5 : 11)).prefix(byMonth ? 11 : 5)).replacingOccurrences(of: "T", with: " "),
                output: naming.output(r.output), zone: naming.zone(r.zone),
                title: r.source == .live && r.message == "live" ? t(.liveContent) : naming.message(r.message),
                languages: (r.playedLanguages.isEmpty ? r.plannedLanguages : r.playedLanguages).map(naming.language).joined(separator: "、"),
                outcome: outcome, outcomeName: t.state(outcome), seconds: seconds.map { String(format: "%.0f", $0) } ?? "",
                by: r.requestedBy?.label ?? t(.webBySchedule))
        }
        let counter = t(.webPrintPage, ["page": "\u{1}", "pages": "\u{2}"])
            .split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
        func css(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "<", with: "\\3c ") + "\""
        }
        var pageCounter = ""
        if counter.count == 2 {
            let rest = counter[1].split(separator: "\u{2}", omittingEmptySubsequences: false).map(String.init)
            pageCounter = css(counter[0]) + " counter(page) " + (rest.count == 2 ? css(rest[0]) + " counter(pages) " + css(rest[1]) : css(counter[1]))
        }
        let page = PrintPage(
            heading: heading, office: Self.office(config) ?? "", day: byMonth ? today.description : (q["day"] ?? today.description),
            month: byMonth ? (q["month"] ?? "") : String(today.description.prefix(7)), byMonth: byMonth, rows: rows,
            summary: t(.webPrintCount, ["n": String(rows.count), "seconds": String(format: "%.0f", airtime)]),
            printed: t(.webPrintPrinted, ["time": naming.time(now.microseconds)]), pageCounter: pageCounter)
        return html("record-print", frame(visit, texts: t, title: heading, page: page))
    }

    static func nextDay(_ d: LocalDate) -> LocalDate {
        if d.day < LocalDate.daysInMonth(year: d.year, month: d.month) { return LocalDate(year: d.year, month: d.month, day: d.day + 1) }
        return d.month == 12 ? LocalDate(year: d.year + 1, month: 1, day: 1) : LocalDate(year: d.year, month: d.month + 1, day: 1)
    }

    static func yearMonth(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m), y >= 1970 else {
            return nil
        }
        return (y, m)
    }
}

/// Seconds between two store times (microseconds).
enum RecordSheetsSeconds {
    static func between(_ start: Int64?, _ end: Int64?) -> Double? {
        guard let start, let end, end >= start else { return nil }
        return Double(end - start) / 1e6
    }
}
