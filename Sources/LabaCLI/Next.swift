// `laba next`: upcoming broadcasts, from the daemon when it runs, from the configuration otherwise.

import ArgumentParser
import Foundation
import LabaAudio
import LabaCatalog
import LabaControl
import LabaCore

struct Next: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "List upcoming scheduled broadcasts.",
        discussion: """
            Asks the running daemon (so that zone moves count), or reads the configuration when no daemon \
            answers or when --config names a file.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("labad's control socket (LABA_SOCKET).", valueName: "path"))
    var socket: String?

    @Option(help: "Only outputs serving this zone or a zone below it.")
    var zone: String?

    @Option(help: "Only this output.")
    var output: String?

    @Option(help: ArgumentHelp("Start from this time: RFC 3339, YYYY-MM-DD[ HH:MM[:SS]], @EPOCH, today…; default: now.",
                               valueName: "time"))
    var from: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("How many broadcasts to list (1–100000).", valueName: "n"))
    var count = 10

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        try validateCount(count, option: "--count", in: 1...100_000)
        try validateTime(from, option: "--from")
    }

    func run() async throws {
        var items: [ScheduleItem]?
        if options.config == nil {
            items = try await fromDaemon()
        }
        render(try items ?? fromConfig())
    }

    /// The daemon's schedule, or nil when no daemon answers.
    private func fromDaemon() async throws -> [ScheduleItem]? {
        let path = socket ?? ProcessInfo.processInfo.environment["LABA_SOCKET"] ?? ControlProtocol.defaultSocket
        guard access(path, F_OK) == 0 else { return nil }
        let reply: ControlClient.Reply
        do {
            reply = try await ControlClient(socket: path).attempt(
                .GET, "/schedule" + query([("count", String(count)), ("zone", zone), ("output", output), ("from", from)]))
        } catch let error as ControlClient.Unreachable {
            complain(.listingFromConfig, ["reason": error.reason, "path": options.path])
            return nil
        }
        guard reply.status == 200, let list = try? reply.decode(ScheduleList.self) else {
            let hint = localConfig(options.path).map {
                suggestion(in: reply.errorMessage ?? "", for: zone.map { [$0] } ?? [], known: $0.zones.map(\.id.value))
                    + suggestion(in: reply.errorMessage ?? "", for: output.map { [$0] } ?? [], known: $0.outputs.map(\.id.value))
            }
            throw reply.refusal(hint: hint ?? "")
        }
        return list.schedule
    }

    private func fromConfig() throws -> [ScheduleItem] {
        let loaded = ConfigLoader.load(path: options.path)
        guard let config = loaded.config, loaded.isValid else {
            if loaded.config == nil, loaded.diagnostics.count == 1, loaded.diagnostics[0].location == nil {
                // The file cannot be read: one line says so.
                printError("laba: " + loaded.diagnostics[0].message)
            } else {
                for d in loaded.diagnostics.errors { printError(d.description) }
                complain(.configInvalid, ["path": options.path])
            }
            throw ExitCode.failure
        }
        if let zone, config.zones.first(where: { $0.id.value == zone }) == nil {
            throw ValidationError(t(.unknownZone, ["zone": zone]) + didYouMean(zone, config.zones.map(\.id.value)))
        }
        if let output, config.output(output) == nil {
            throw ValidationError(t(.unknownOutput, ["output": output]) + didYouMean(output, config.outputs.map(\.id.value)))
        }
        let start: Instant
        do {
            let now = Instant(Date())
            start = try from.map { try TimeParsing.instant($0, in: config.timeZone, now: now) } ?? now
        } catch {
            throw ValidationError(englishOr("\(error)", .cliBadTime, ["option": "--from", "value": from ?? ""]))
        }
        let library = recordings(of: config)
        let planner = Planner(config: config, library: library)
        var converter = ZoneConverter(config.timeZone)
        return planner.broadcasts(after: Instant(microseconds: start.microseconds - 1), zone: zone, output: output)
            .prefix(count).map { ScheduleItem($0, converter: &converter) }
    }

    private func render(_ items: [ScheduleItem]) {
        var out = OutputBuffer()
        if json {
            out.append("[")
            for (i, item) in items.enumerated() {
                out.append(i == 0 ? "\n  " : ",\n  ")
                out.append(Self.json(item))
            }
            out.append("\n]\n")
        } else if !items.isEmpty {
            var rows: [[String]] = []
            rows.reserveCapacity(items.count)
            let neutral = t(.neutral)
            for b in items {
                var note = b.skipped.map { t(.skipped, ["reason": $0]) } ?? ""
                if !b.missingLanguages.isEmpty {
                    note += (note.isEmpty ? "" : "; ") + t(.noRecordingIn, ["languages": b.missingLanguages.joined(separator: ", ")])
                }
                var languages = b.languages.joined(separator: ",")
                if b.languages.isEmpty, b.neutral { languages = neutral }
                if b.repeat > 1 { languages += " ×\(b.repeat)" }
                if let volume = b.volume { note += (note.isEmpty ? "" : "; ") + t(.nightVolume, ["gain": volume]) }
                rows.append([b.time, b.output, b.zone, b.message, languages, note])
            }
            TextTable(header: [t(.columnTime), t(.columnOutput), t(.columnZone), t(.columnMessage), t(.columnLanguages),
                               t(.columnNote)], rows: rows).render {
                out.append($0)
                out.append("\n")
            }
        }
        out.flush()
    }

    /// One item as JSON, the keys of `ScheduleItem` (written by hand: 100,000 of them are listed in
    /// well under a second this way).
    static func json(_ b: ScheduleItem) -> String {
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
        return "{\"time\": \(s(b.time)), "
            + "\"output\": \(s(b.output)), \"zone\": \(s(b.zone)), \"entry\": \(s(b.entry)), "
            + "\"message\": \(s(b.message)), \"languages\": \(list(b.languages)), "
            + "\"missing_languages\": \(list(b.missingLanguages)), \"neutral\": \(b.neutral), "
            + "\"repeat\": \(b.repeat), \"skipped\": \(b.skipped.map(s) ?? "null"), \"volume\": \(b.volume.map(s) ?? "null")}"
    }
}
