// `--format xlsx` of `laba history`, `laba report` and `laba schedule log`: the county's record as a
// spreadsheet, to the file `--to` names, else to standard output when it is redirected (a
// spreadsheet is not text: a terminal would show garbage). Not `--output`: in `laba history` that
// already names a loudspeaker (SPEC's output), and the three commands take the same flag.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaCore
import LabaSheet

/// `--to FILE`, for `--format xlsx` only.
struct SpreadsheetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The spreadsheet file to write (--format xlsx); without it, standard output, which must not be a terminal.",
                               valueName: "file"))
    var to: String?

    /// Refuses `--to` with another format, and xlsx to a terminal (before asking the daemon).
    func validate(format: RecordFormat) throws { try validate(xlsx: format == .xlsx) }

    /// The same for a command whose formats are its own (`laba coverage`).
    func validate(xlsx: Bool) throws {
        if to != nil, !xlsx { throw ValidationError(t(.cliOutputXlsxOnly)) }
        if xlsx, to == nil, isatty(STDOUT_FILENO) == 1 { throw ValidationError(t(.cliXlsxTerminal)) }
    }

    /// Writes `book` where asked; says where on standard error when it is a file.
    func write(_ book: Workbook) throws {
        do {
            if let output = to {
                try book.write(to: output)
                let rows = book.sheets.reduce(0) { $0 + $1.rows.count }
                printError(t(.cliXlsxWritten, ["path": output, "rows": String(rows)]))
            } else {
                FileHandle.standardOutput.write(try book.data())
            }
        } catch let error as SheetError {
            printError("laba: " + t(.cliXlsxFailed, ["path": to ?? "-", "reason": error.description]))
            throw ExitCode.failure
        }
    }
}

/// The names a clerk reads (zones', messages', loudspeakers', languages'), from the configuration
/// file as the daemon reads it; ids when it cannot be read (a spreadsheet still comes out).
func sheetNames(configPath: String) -> SheetNames {
    guard let config = ConfigLoader.load(path: configPath).config else { return SheetNames() }
    return SheetNames(config)
}

/// The name of the office on each printed page: the top zone's name (the township or county).
func officeName(configPath: String) -> String? {
    guard let config = ConfigLoader.load(path: configPath).config else { return nil }
    let tree = ZoneTree(config)
    return tree.zones.first { $0.parent == nil }?.name
}
