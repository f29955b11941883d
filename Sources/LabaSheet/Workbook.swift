// A spreadsheet (.xlsx) written with libxlsxwriter: the only file that touches CXlsxWriter. The
// record, the report, the schedule log and the coverage are sheets of plain values built elsewhere.

import CXlsxWriter
import Foundation

/// One cell's value. Texts are written as texts (never formulas), so a name beginning with `=`
/// stays a name.
public enum SheetCell: Hashable, Sendable {
    case text(String)
    case number(Double)
    /// A whole number (a count), shown without decimals.
    case count(Int)
    /// A local time, shown and sorted as a date by the spreadsheet.
    case date(LocalTime)
    case empty
}

/// A wall-clock time as the place's clocks show it (no zone): what a date cell holds.
public struct LocalTime: Hashable, Sendable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int
    public var second: Double

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// The local part of an RFC 3339 time as the API writes it in the configuration's zone
    /// (`2026-12-07T14:57:32.017+08:00` → 2026-12-07 14:57:32.017); nil when it is not one.
    public init?(rfc3339 text: String) {
        let scalars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count else { return nil }
            var n = 0
            for c in scalars[range] {
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard scalars.count >= 19, scalars[4] == UInt8(ascii: "-"), scalars[7] == UInt8(ascii: "-"),
              scalars[10] == UInt8(ascii: "T") || scalars[10] == UInt8(ascii: " "),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var fraction = 0.0
        if scalars.count > 20, scalars[19] == UInt8(ascii: ".") {
            var scale = 0.1
            for c in scalars[20...] {
                guard c >= 48, c <= 57 else { break }
                fraction += Double(c - 48) * scale
                scale /= 10
            }
        }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: Double(min(second, 59)) + fraction)
    }
}

/// One sheet: a header row, then rows of cells.
public struct Sheet: Sendable {
    public struct Column: Sendable {
        public var title: String
        /// In characters; a Chinese character counts about two.
        public var width: Double
        public init(_ title: String, width: Double = 12) {
            self.title = title
            self.width = width
        }
    }

    /// Shown on the sheet's tab: at most 31 characters, without `[]:*?/\` (replaced).
    public var name: String
    public var columns: [Column]
    public var rows: [[SheetCell]]

    public init(name: String, columns: [Column], rows: [[SheetCell]] = []) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}

/// Why a workbook could not be written: libxlsxwriter's words and the step.
public struct SheetError: Error, CustomStringConvertible, Sendable {
    public var step: String
    public var reason: String
    public var description: String { "\(step): \(reason)" }
}

/// A workbook of sheets, written as `.xlsx` bytes.
public struct Workbook: Sendable {
    public var sheets: [Sheet]
    /// The document's title (File → Properties) and each printed page's header, e.g. the office's name.
    public var title: String?

    public init(sheets: [Sheet], title: String? = nil) {
        self.sheets = sheets
        self.title = title
    }

    /// The longest text a cell holds (Excel's limit); longer texts are cut.
    static let maxText = 32_767

    /// The workbook as `.xlsx` bytes. libxlsxwriter writes only to a file: a private temporary
    /// one, removed before returning. Blocking (file I/O): call it off an event loop.
    /// - Throws: `SheetError` naming the step that failed.
    public func data() throws -> Data {
        let directory = FileManager.default.temporaryDirectory.path
        let path = (directory as NSString).appendingPathComponent("laba-sheet-\(UInt64.random(in: 0...UInt64.max)).xlsx")
        defer { unlink(path) }
        try write(to: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SheetError(step: "reading \(path)", reason: String(cString: strerror(errno)))
        }
        return data
    }

    /// Writes the workbook to `path` (replacing it). Blocking.
    /// - Throws: `SheetError` naming the step that failed.
    public func write(to path: String) throws {
        guard let book = path.withCString({ workbook_new($0) }) else {
            throw SheetError(step: "creating \(path)", reason: String(cString: strerror(errno)))
        }
        var closed = false
        defer { if !closed { workbook_close(book) } }

        // Strings handed to libxlsxwriter must live until workbook_close (it keeps some pointers).
        var kept: [UnsafeMutablePointer<CChar>] = []
        defer { kept.forEach { free($0) } }
        func c(_ text: String) -> UnsafeMutablePointer<CChar> {
            let p = strdup(text)!
            kept.append(p)
            return p
        }

        if let title {
            var properties = lxw_doc_properties()
            properties.title = c(title)
            workbook_set_properties(book, &properties)
        }
        let header = workbook_add_format(book)
        format_set_bold(header)
        format_set_text_wrap(header)
        let date = workbook_add_format(book)
        format_set_num_format(date, c("yyyy-mm-dd hh:mm:ss"))
        let decimal = workbook_add_format(book)
        format_set_num_format(decimal, c("0.0"))
        let whole = workbook_add_format(book)
        format_set_num_format(whole, c("0"))

        var used: Set<String> = []
        for sheet in sheets {
            let name = Self.sheetName(sheet.name, used: &used)
            guard let ws = workbook_add_worksheet(book, c(name)) else {
                throw SheetError(step: "adding sheet \(name)", reason: "libxlsxwriter refused it")
            }
            // A4, landscape, one page wide; the header row on every page; the title and page numbers.
            worksheet_set_paper(ws, 9)
            worksheet_set_landscape(ws)
            worksheet_fit_to_pages(ws, 1, 0)
            worksheet_repeat_rows(ws, 0, 0)
            if let title {
                worksheet_set_header(ws, c("&C" + title.replacingOccurrences(of: "&", with: "&&")))
            }
            worksheet_set_footer(ws, c("&C&P / &N"))
            worksheet_freeze_panes(ws, 1, 0)
            for (i, column) in sheet.columns.enumerated() {
                worksheet_set_column(ws, lxw_col_t(i), lxw_col_t(i), column.width, nil)
                try check(worksheet_write_string(ws, 0, lxw_col_t(i), c(String(column.title.prefix(Self.maxText))), header),
                          "writing the header of \(name)")
            }
            for (r, row) in sheet.rows.enumerated() {
                let rowIndex = lxw_row_t(r + 1)
                for (i, cell) in row.enumerated() {
                    let col = lxw_col_t(i)
                    let step = "writing row \(r + 2) of \(name)"
                    switch cell {
                    case .text(let text):
                        try check(worksheet_write_string(ws, rowIndex, col, c(String(text.prefix(Self.maxText))), nil), step)
                    case .number(let value):
                        try check(worksheet_write_number(ws, rowIndex, col, value.isFinite ? value : 0, decimal), step)
                    case .count(let value):
                        try check(worksheet_write_number(ws, rowIndex, col, Double(value), whole), step)
                    case .date(let t):
                        var when = lxw_datetime(year: Int32(t.year), month: Int32(t.month), day: Int32(t.day),
                                                hour: Int32(t.hour), min: Int32(t.minute), sec: t.second)
                        try check(worksheet_write_datetime(ws, rowIndex, col, &when, date), step)
                    case .empty:
                        break
                    }
                }
            }
            if !sheet.columns.isEmpty {
                worksheet_autofilter(ws, 0, 0, lxw_row_t(sheet.rows.count), lxw_col_t(sheet.columns.count - 1))
            }
        }
        closed = true
        let error = workbook_close(book)
        guard error == LXW_NO_ERROR else {
            throw SheetError(step: "writing \(path)", reason: String(cString: lxw_strerror(error)))
        }
    }

    private func check(_ error: lxw_error, _ step: String) throws {
        guard error == LXW_NO_ERROR else { throw SheetError(step: step, reason: String(cString: lxw_strerror(error))) }
    }

    /// A tab's name as Excel takes it: at most 31 characters, none of `[]:*?/\`, not starting or
    /// ending with `'`, distinct from the others (a number added).
    static func sheetName(_ wanted: String, used: inout Set<String>) -> String {
        var base = String(wanted.map { "[]:*?/\\".contains($0) ? "_" : $0 })
            .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        if base.isEmpty { base = "Sheet" }
        base = String(base.prefix(31))
        var name = base
        var n = 2
        while used.contains(name.lowercased()) {
            let suffix = " (\(n))"
            name = String(base.prefix(31 - suffix.count)) + suffix
            n += 1
        }
        used.insert(name.lowercased())
        return name
    }
}
