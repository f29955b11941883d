// `laba next`: upcoming broadcasts from the configuration alone.

import ArgumentParser
import Foundation
import LabaAudio
import LabaCore

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List upcoming scheduled broadcasts from the configuration (no daemon needed).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only outputs serving this zone or a zone below it.")
    var zone: String?

    @Option(help: "Only this output.")
    var output: String?

    @Option(help: ArgumentHelp("Start from this time: RFC 3339, YYYY-MM-DD[ HH:MM[:SS]] or @EPOCH; default: now.",
                               valueName: "time"))
    var from: String?

    @Option(help: "How many broadcasts to list.")
    var count = 10

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
    }

    func run() throws {
        let loaded = ConfigLoader.load(path: options.path)
        guard let config = loaded.config, loaded.isValid else {
            for d in loaded.diagnostics.errors { printError(d.description) }
            printError("laba: \(options.path) is invalid; run laba check")
            throw ExitCode.failure
        }
        if let zone, config.zones.first(where: { $0.id.value == zone }) == nil {
            throw ValidationError("unknown zone '\(zone)'")
        }
        if let output, config.output(output) == nil {
            throw ValidationError("unknown output '\(output)'")
        }
        let start: Instant
        do {
            start = try from.map { try TimeParsing.instant($0, in: config.timeZone) } ?? Instant(Date())
        } catch {
            throw ValidationError("\(error)")
        }
        let library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
        let planner = Planner(config: config, library: library)
        var out = OutputBuffer()
        var converter = ZoneConverter(config.timeZone)
        let sequence = planner.broadcasts(after: Instant(microseconds: start.microseconds - 1), zone: zone, output: output)
        if json {
            out.append("[")
            for (i, b) in sequence.prefix(count).enumerated() {
                out.append(i == 0 ? "\n  " : ",\n  ")
                out.append(Self.json(b, converter: &converter))
            }
            out.append("\n]\n")
        } else {
            var rows: [[String]] = []
            for b in sequence.prefix(count) {
                var note = b.skip.map { "skipped: \($0)" } ?? ""
                if !b.missingLanguages.isEmpty {
                    note += (note.isEmpty ? "" : "; ") + "no recording in " + b.missingLanguages.joined(separator: ", ")
                }
                var languages = b.languages.joined(separator: ",")
                if b.languages.isEmpty, b.neutral { languages = "neutral" }
                if b.repeatCount > 1 { languages += " ×\(b.repeatCount)" }
                rows.append([RFC3339.format(b.time, converter: &converter, fractionDigits: -1), b.output, b.zone, b.message,
                             languages, note])
            }
            if !rows.isEmpty {
                TextTable(header: ["TIME", "OUTPUT", "ZONE", "MESSAGE", "LANGUAGES", "NOTE"], rows: rows).render {
                    out.append($0)
                    out.append("\n")
                }
            }
        }
        out.flush()
    }

    static func json(_ b: PlannedBroadcast, converter: inout ZoneConverter) -> String {
        func s(_ text: String) -> String {
            if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) { return "\"" + text + "\"" }
            var out = "\""
            for c in text.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: c.value < 0x20 ? (out += String(format: "\\u%04x", c.value)) : out.unicodeScalars.append(c)
                }
            }
            return out + "\""
        }
        func list(_ items: [String]) -> String { "[" + items.map(s).joined(separator: ", ") + "]" }
        return "{\"time\": \(s(RFC3339.format(b.time, converter: &converter, fractionDigits: -1))), "
            + "\"output\": \(s(b.output)), \"zone\": \(s(b.zone)), \"entry\": \(s(b.entry)), "
            + "\"message\": \(s(b.message)), \"languages\": \(list(b.languages)), "
            + "\"missing_languages\": \(list(b.missingLanguages)), \"neutral\": \(b.neutral), "
            + "\"repeat\": \(b.repeatCount), \"skipped\": \(b.skip.map { s($0.description) } ?? "null")}"
    }
}
