// `laba schedule`: the operators' schedule, changed through labad (`/v1/schedule/entries`): each
// change is checked by the daemon, shown as its effect on the next 24 hours, and audited.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaSheet
import NIOHTTP1

struct Schedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "List and change the operators' schedule (beside the technician's configuration).",
        discussion: """
            Entries added here live in labad's state dir (schedule.yaml), not in the configuration file; \
            each change is checked with the whole configuration, shows what it does to the next 24 hours, \
            and is recorded (laba schedule log). The technician's entries change with laba edit.
            """,
        subcommands: [ScheduleListCommand.self, ScheduleAdd.self, ScheduleChange.self, SchedulePause.self, ScheduleResume.self,
                      ScheduleRemove.self, ScheduleLog.self])
}

/// The fields of an entry, for `add` and `change`.
struct EntryOptions: ParsableArguments {
    @Option(name: .customLong("at"), help: ArgumentHelp("A calendar expression (systemd OnCalendar); repeat for several.",
                                                         valueName: "expr"))
    var at: [String] = []
    @Option(help: ArgumentHelp("Every N-th day counted from --from (market days): 5d.", valueName: "Nd")) var every: String?
    @Option(help: ArgumentHelp("The first day (YYYY-MM-DD).", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("The last day (YYYY-MM-DD).", valueName: "date")) var until: String?
    @Option(name: .customLong("repeat"), help: ArgumentHelp("Play it N times in a row (1–100).", valueName: "n"))
    var repeatCount: Int?
    @Option(name: .customLong("lang"), help: ArgumentHelp("Its own languages, comma-separated.", valueName: "a,b")) var lang: String?
    @Option(name: .customLong("catch-up"), help: ArgumentHelp("Play once if missed by at most this much.", valueName: "span"))
    var catchUp: String?
    @Option(name: .customLong("max-delay"), help: ArgumentHelp("Give up if it cannot start this long after its time.",
                                                                valueName: "span"))
    var maxDelay: String?

    func validate() throws {
        try validateCount(repeatCount, option: "--repeat", in: 1...100)
        for (value, option) in [(from, "--from"), (until, "--until")] {
            if let value, LocalDate(parsing: value) == nil {
                throw ValidationError(t(.cliBadDate, ["option": option, "value": value]))
            }
        }
        try validateSpan(every, option: "--every")
        try validateSpan(catchUp, option: "--catch-up")
        try validateSpan(maxDelay, option: "--max-delay")
        _ = try idList(lang, option: "--lang", known: Language.builtIn.map(\.id))
    }

    func request(message: String?, zone: String?, baseVersion: Int?) throws -> ScheduleEntryRequest {
        ScheduleEntryRequest(message: message, zone: zone, at: at.isEmpty ? nil : at, every: every, from: from, until: until,
                             repeat: repeatCount, languages: try idList(lang, option: "--lang", known: []),
                             catchUp: catchUp, maxDelay: maxDelay, baseVersion: baseVersion)
    }
}

struct BaseVersionOption: ParsableArguments {
    @Option(name: .customLong("base-version"),
            help: ArgumentHelp("Refuse the change if the operators' schedule is no longer at this version (see laba schedule list).",
                               valueName: "n"))
    var baseVersion: Int?
}

struct ScheduleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every schedule entry, with its origin (technician or operator), who added it and when.")

    @Option(help: ArgumentHelp("Only the entries that play in this zone.", valueName: "zone")) var zone: String?
    @OptionGroup var socket: SocketOptions

    func run() async throws {
        let reply = try await ControlClient(socket: socket.path).send(.GET, "/schedule/entries" + query([("zone", zone)]))
        guard reply.status == 200, let list = try? reply.decode(ScheduleEntriesJSON.self) else { throw reply.refusal() }
        if socket.json {
            print(try jsonLine(list))
            return
        }
        print(t(.scheduleHeading, ["file": list.file, "version": String(list.version)]))
        if !list.operators.allowed {
            print(t(.scheduleOperatorsForbidden))
        } else if let zones = list.operators.zones {
            print(t(.scheduleOperatorsZones, ["zones": zones.joined(separator: ", ")]))
        }
        print()
        let rows = list.entries.map { e in
            [e.id, t(e.origin == "operator" ? .originOperator : .originTechnician), e.zone, e.message,
             Self.when(e), e.disabled.map { t(.stateDisabled, ["reason": $0]) } ?? t(e.paused ? .statePaused : .stateActive),
             e.origin == "operator" ? [e.addedBy, e.addedAt].compactMap { $0 }.joined(separator: " ") : (e.location ?? "")]
        }
        print(rows.isEmpty ? t(.scheduleNoEntries) :
              TextTable(header: [t(.columnID), t(.columnOrigin), t(.columnZone), t(.columnMessage), t(.columnAt),
                                 t(.columnState), t(.columnAdded)], rows: rows).render())
    }

    /// `Mon..Fri 10:30 every 5d from 2026-12-03 until ... ×2`
    static func when(_ e: ScheduleEntryJSON) -> String {
        var parts = [e.at.joined(separator: "; ")]
        if let v = e.every { parts.append("every \(v)") }
        if let v = e.from { parts.append("from \(v)") }
        if let v = e.until { parts.append("until \(v)") }
        if let v = e.repeat, v > 1 { parts.append("×\(v)") }
        if let v = e.languages { parts.append("[\(v.joined(separator: ","))]") }
        return parts.joined(separator: " ")
    }
}

struct ScheduleAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an entry to the operators' schedule.")

    @Argument(help: ArgumentHelp("The message (a folder of audio_dir).", valueName: "message")) var message: String
    @Option(help: ArgumentHelp("The zone it plays in (and every zone below).", valueName: "zone")) var zone: String
    @OptionGroup var entry: EntryOptions
    @OptionGroup var base: BaseVersionOption
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        // A civil-defence signal (siren:air-raid) is a message too; the daemon checks the name.
        if !SirenKind.isReserved(message) { try validateIDs([message], option: "MESSAGE", known: []) }
        try validateIDs([zone], option: "--zone", known: localConfig()?.zones.map(\.id.value) ?? [])
        if entry.at.isEmpty { throw ValidationError(t(.cliScheduleNeedsAt)) }
        if entry.every != nil, entry.from == nil { throw ValidationError(t(.cliEveryNeedsFrom)) }
    }

    func run() async throws {
        let body = try entry.request(message: message, zone: zone, baseVersion: base.baseVersion)
        try await sendChange(.POST, "/schedule/entries", body: body, done: .scheduleAdded, socket: socket)
    }
}

struct ScheduleChange: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change", abstract: "Change an operators' entry: the options given replace its values ('' clears one).")

    @Argument(help: ArgumentHelp("The entry's id (laba schedule list).", valueName: "id")) var id: String
    @Option(help: ArgumentHelp("Another message.", valueName: "message")) var message: String?
    @Option(help: ArgumentHelp("Another zone.", valueName: "zone")) var zone: String?
    @OptionGroup var entry: EntryOptions
    @OptionGroup var base: BaseVersionOption
    @OptionGroup var socket: SocketOptions

    func run() async throws {
        var body = try entry.request(message: message, zone: zone, baseVersion: base.baseVersion)
        // A bare time (`--at 17:45`) moves the entry within its days: `Mon..Fri 17:30` stays on weekdays.
        if !entry.at.isEmpty, entry.at.allSatisfy(KeptDays.isBareTime),
           let reply = try? await ControlClient(socket: socket.path).send(.GET, "/schedule/entries"), reply.status == 200,
           let list = try? reply.decode(ScheduleEntriesJSON.self),
           let current = list.entries.first(where: { $0.id == id && $0.origin == "operator" }),
           let kept = KeptDays.keepingDays(of: current.at, times: entry.at) {
            body.at = kept
            // What was read is what is changed: a change made meanwhile by someone else is refused.
            body.baseVersion = body.baseVersion ?? list.version
            if !socket.json { print(t(.scheduleKeptDays, ["at": kept.joined(separator: "; ")])) }
        }
        try await sendChange(.PUT, "/schedule/entries/\(pathSegment(id))", id: id, body: body, done: .scheduleChanged, socket: socket)
    }
}

struct SchedulePause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause an operators' entry (it stays listed).")
    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id")) var id: String
    @OptionGroup var base: BaseVersionOption
    @OptionGroup var socket: SocketOptions

    func run() async throws {
        try await sendChange(.POST, "/schedule/entries/\(pathSegment(id))/pause",
                             id: id, body: ScheduleEntryRequest(baseVersion: base.baseVersion), done: .schedulePaused, socket: socket)
    }
}

struct ScheduleResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused operators' entry.")
    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id")) var id: String
    @OptionGroup var base: BaseVersionOption
    @OptionGroup var socket: SocketOptions

    func run() async throws {
        try await sendChange(.POST, "/schedule/entries/\(pathSegment(id))/resume",
                             id: id, body: ScheduleEntryRequest(baseVersion: base.baseVersion), done: .scheduleResumed, socket: socket)
    }
}

struct ScheduleRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an operators' entry.")
    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id")) var id: String
    @OptionGroup var base: BaseVersionOption
    @OptionGroup var socket: SocketOptions

    func run() async throws {
        try await sendChange(.DELETE, "/schedule/entries/\(pathSegment(id))" + query([("base_version", base.baseVersion.map(String.init))]),
                             id: id, body: nil, done: .scheduleRemoved, socket: socket)
    }
}

struct ScheduleLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "The audit log of the operators' schedule: who changed what, when, before and after.")

    @Option(help: ArgumentHelp("From this time.", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Before this time.", valueName: "time")) var until: String?
    @Option(help: "table, csv, json or xlsx (a spreadsheet).") var format = RecordFormat.table
    @OptionGroup var sheet: SpreadsheetOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        try sheet.validate(format: socket.json ? .json : format)
        try validateTime(since, option: "--since")
        try validateTime(until, option: "--until")
    }

    func run() async throws {
        let reply = try await ControlClient(socket: socket.path).send(.GET, "/schedule/log" + query([("since", since), ("until", until)]))
        guard reply.status == 200, let log = try? reply.decode(ScheduleLogJSON.self) else { throw reply.refusal() }
        switch socket.json ? .json : format {
        case .xlsx:
            try sheet.write(Workbook(sheets: [RecordSheets.scheduleLog(log, names: sheetNames(configPath: config.path), in: .current)],
                                     title: RecordSheets.title(.sheetScheduleLog, office: officeName(configPath: config.path), in: .current)))
        case .json, .geojson:
            // A change has no place on a map: GeoJSON is for `laba history`; JSON serves.
            print(try jsonLine(log))
        case .csv:
            FileHandle.standardOutput.write(Data(scheduleLogCSV(log).utf8))
        case .table:
            let rows = log.changes.map { c in
                [c.at, String(c.version), c.requestedBy?.label ?? "", c.action, c.entry, Self.change(c)]
            }
            print(rows.isEmpty ? t(.scheduleNoChanges) :
                  TextTable(header: [t(.columnTime), t(.columnVersion), t(.columnWho), t(.columnAction), t(.columnEntry),
                                     t(.columnChange)], rows: rows).render())
        }
    }

    /// `zone message at ...`, one line.
    static func describe(_ e: OperatorEntry) -> String { e.oneLine }

    /// Before → after.
    static func change(_ c: ScheduleLogItem) -> String {
        switch (c.before, c.after) {
        case (nil, let a?): describe(a)
        case (let b?, nil): describe(b)
        case (let b?, let a?): describe(b) == describe(a) ? describe(a) : "\(describe(b)) → \(describe(a))"
        case (nil, nil): ""
        }
    }
}

/// An id as one path segment (a technician's ids hold `#`).
func pathSegment(_ id: String) -> String {
    id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/#?"))) ?? id
}

/// Sends a change; prints what it did and its effect on the next 24 hours, or why it was refused
/// (the configuration's errors, or the changes made since the base version) and exits 1.
func sendChange(_ method: HTTPMethod, _ path: String, id: String? = nil, body: ScheduleEntryRequest?, done: Catalog.Key,
                socket: SocketOptions) async throws {
    let client = ControlClient(socket: socket.path)
    let reply = try await client.send(method, path, body: body)
    guard reply.status == 200 || reply.status == 201, let result = try? reply.decode(ScheduleChangeJSON.self) else {
        if let refusal = try? reply.decode(ScheduleRefusalJSON.self) {
            if socket.json {
                print(String(decoding: reply.body, as: UTF8.self), terminator: "")
            } else {
                for d in refusal.diagnosticDetails?.map({ $0.line() }) ?? refusal.diagnostics ?? [] { printError(d) }
                let message = refusal.error.refusal.flatMap { Catalog.refusal(code: $0, args: refusal.error.args ?? [:]) }
                    ?? refusal.error.message
                printError("laba: " + (refusal.diagnostics?.isEmpty == false ? t(.scheduleRefused) : message))
                if let changes = refusal.changes, !changes.isEmpty {
                    printError(t(.scheduleChangedSince, ["version": String(changes.first!.version - 1)]))
                    for c in changes {
                        printError("  v\(c.version)  \(c.at)  \(c.requestedBy?.label ?? "")  \(c.action) \(c.entry)  \(ScheduleLog.change(c))")
                    }
                }
            }
            throw reply.status == 400 ? ExitCode(64) : ExitCode.failure
        }
        throw reply.refusal()
    }
    if socket.json {
        print(try jsonLine(result))
        return
    }
    print(t(done, ["entry": result.entry?.id ?? id ?? "", "version": String(result.version)]))
    for warning in result.warningDetails?.map({ $0.line() }) ?? result.warnings { print(warning) }
    printPlanDiff(result.diff)
}

/// Prints a plan diff as `laba check --diff` does: a summary, then one line per broadcast.
func printPlanDiff(_ diff: PlanDiffJSON) {
    func what(_ b: ScheduleItem) -> String {
        "\(b.output)  \(b.zone)  \(b.message)  \(b.languages.isEmpty && b.neutral ? t(.neutral) : b.languages.joined(separator: ","))"
            + nightVolumeNote(b.volume)
    }
    print(t(.planChange, ["from": CatalogLanguage.current == .en ? diff.from : ClerkTime.format(diff.from), "added": String(diff.added.count), "removed": String(diff.removed.count),
                          "moved": String(diff.moved.count), "changed": String(diff.changed.count)]))
    var lines: [(String, String)] = []
    for b in diff.added { lines.append((b.time, "+ \(b.time)  \(what(b))")) }
    for b in diff.removed { lines.append((b.time, "- \(b.time)  \(what(b))")) }
    for m in diff.moved { lines.append((m.new.time, "~ \(m.old.time) → \(m.new.time)  \(what(m.new))")) }
    for m in diff.changed {
        lines.append((m.new.time, "~ \(m.new.time)  \(what(m.old)) → \(m.new.zone)  "
            + (m.new.languages.isEmpty && m.new.neutral ? t(.neutral) : m.new.languages.joined(separator: ","))
            + nightVolumeNote(m.new.volume)))
    }
    for line in lines.sorted(by: { $0.0 < $1.0 }) { print("  " + line.1) }
}

/// "  (night volume -12dB)" after a planned broadcast that a volume schedule lowers, else "".
func nightVolumeNote(_ gain: String?) -> String {
    gain.map { "  (" + t(.nightVolume, ["gain": $0]) + ")" } ?? ""
}
