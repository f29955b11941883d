// `laba check`: validate the configuration and the recordings it needs.

import ArgumentParser
import Foundation
import LabaAudio
import LabaCore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and its recordings.",
        discussion: """
            Prints every error and warning as FILE:LINE:COL: error|warning: MESSAGE, then a table of \
            the recordings each scheduled message has per language. Exits 1 when the configuration is invalid.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func run() throws {
        let report = CheckReport.make(path: options.path)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(report))
            print()
        } else {
            report.printText()
        }
        if !report.valid { throw ExitCode.failure }
    }
}

/// Everything `laba check` says, in a form that prints as text or encodes as JSON.
struct CheckReport: Encodable {
    struct Item: Encodable {
        var severity: String
        var file: String?
        var line: Int?
        var column: Int?
        var message: String
    }

    var config: String
    var valid: Bool
    var errors: Int
    var warnings: Int
    var diagnostics: [Item]
    var coverage: Coverage?

    private var ordered: [Diagnostic] = []

    enum CodingKeys: String, CodingKey { case config, valid, errors, warnings, diagnostics, coverage }

    static func make(path: String) -> CheckReport {
        let loaded = ConfigLoader.load(path: path)
        var diagnostics = loaded.diagnostics
        var coverage: Coverage?
        if let config = loaded.config {
            let library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
            let check = ConfigCheck(config: config, library: library, now: Instant(Date()))
            diagnostics += check.diagnostics
            coverage = check.coverage
        }
        diagnostics = diagnostics.sortedByLocation()
        var report = CheckReport(
            config: path, valid: loaded.config != nil && !diagnostics.hasErrors,
            errors: diagnostics.errors.count, warnings: diagnostics.warnings.count,
            diagnostics: diagnostics.map {
                Item(severity: $0.severity.rawValue, file: $0.location?.file, line: $0.location?.line,
                     column: $0.location?.column, message: $0.message)
            },
            coverage: coverage)
        report.ordered = diagnostics
        return report
    }

    func printText() {
        for d in ordered { print(d.description) }
        if let coverage, !coverage.rows.isEmpty {
            if !ordered.isEmpty { print() }
            print(coverageTable(coverage))
            if !coverage.gaps.isEmpty {
                print()
                print("Zones missing a language:")
                for gap in coverage.gaps {
                    print("  \(gap.zone): \(gap.message) has no \(gap.missing.joined(separator: ", "))")
                }
            }
        }
        print()
        let summary = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        print(valid ? "\(config): valid (\(summary))" : "\(config): invalid (\(summary))")
    }

    func coverageTable(_ coverage: Coverage) -> String {
        let header = ["message"] + coverage.languages + ["neutral"]
        let rows = coverage.rows.map { row in
            [row.message] + coverage.languages.map { row.languages[$0] == true ? "✓" : "·" } + [row.neutral ? "✓" : "·"]
        }
        return TextTable(header: header, rows: rows).render()
    }
}
