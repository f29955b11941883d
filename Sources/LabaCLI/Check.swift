// `laba check`: validate the configuration and the recordings it needs.

import ArgumentParser
import Foundation
import LabaAudio
import LabaCatalog
import LabaControl
import LabaCore
import LabaFleet

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and its recordings.",
        discussion: """
            Prints every error and warning as FILE:LINE:COL: error|warning: MESSAGE, then a table of \
            the recordings each scheduled message has per language. Exits 1 when the configuration is invalid.
            With --diff OLD, also lists the broadcasts of the next 24 hours that the change from OLD adds, \
            removes, moves to another time or changes (zone, languages).
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Compare the next 24 hours of the plan with this (older) configuration.",
                               valueName: "old"))
    var diff: String?

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("labad's state dir, whose operators' schedule (schedule.yaml) is checked with the configuration "
                               + "(LABA_STATE_DIR; /var/lib/laba for the installed configuration).", valueName: "dir"))
    var stateDir: String?

    @Option(name: .customLong("daemon-user"),
            help: ArgumentHelp("The user labad runs as (laba.service's User=): run as root, laba check says which files it "
                               + "cannot read (default: \(DaemonUser.shippedName), for a configuration under /etc).", valueName: "name"))
    var daemonUser: String?

    /// The flag, then LABA_STATE_DIR, then the installed state dir when the installed file is checked.
    var stateDirectory: String? {
        if let stateDir { return stateDir }
        if let dir = ProcessInfo.processInfo.environment["LABA_STATE_DIR"] { return dir }
        return options.config == nil && ProcessInfo.processInfo.environment["LABA_CONFIG"] == nil ? "/var/lib/laba" : nil
    }

    func run() throws {
        var report = CheckReport.make(path: options.path, stateDirectory: stateDirectory, daemonUser: daemonUser)
        var change: PlanChange?
        if let diff, report.valid, let new = report.loaded.config, let library = report.library {
            let old = ConfigLoader.load(path: diff)
            guard let oldConfig = old.config, old.isValid else {
                for d in old.diagnostics.errors { printError(d.line()) }
                complain(.diffInvalid, ["path": diff])
                throw ExitCode.failure
            }
            var oldMerged = oldConfig
            if let stateDirectory {
                // The operators' entries are in both, so that the diff shows the technician's change.
                let oldLibrary = MessageLibrary.scan(directory: oldConfig.audioDirectory, probe: SndFileProbe())
                oldMerged = MergedConfig(technician: oldConfig, operators: OperatorScheduleLoad.load(stateDirectory: stateDirectory),
                                         library: oldLibrary).config
            }
            change = PlanChange(old: oldMerged, new: new, newLibrary: library)
            report.diff = change.map(PlanChange.JSON.init)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(report))
            print()
        } else {
            report.printText()
            if let change {
                print()
                change.printText()
            }
        }
        if !report.valid { throw ExitCode.failure }
    }
}

/// The recordings a daemon on `config` plays: those of `audio_dir` and, for a fleet unit, those
/// its commanders published, kept under its state dir (`stateDirectory`, else `LABA_STATE_DIR`,
/// else /var/lib/laba).
func recordings(of config: Config, stateDirectory: String? = nil) -> MessageLibrary {
    var library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
    if config.fleet != nil {
        let state = stateDirectory ?? ProcessInfo.processInfo.environment["LABA_STATE_DIR"] ?? "/var/lib/laba"
        let fleet = (state as NSString).appendingPathComponent("library")
        if FileManager.default.fileExists(atPath: fleet) { library.overlay(MessageLibrary.scan(directory: fleet, probe: SndFileProbe())) }
        // Each key's recordings (`library/.keys/<key-id>/`): which zones each plays in is labad's
        // choice (LibraryChoice); here it is enough that the recording exists.
        let keys = (fleet as NSString).appendingPathComponent(".keys")
        for key in ((try? FileManager.default.contentsOfDirectory(atPath: keys)) ?? []).sorted() where !key.hasPrefix(".") {
            library.overlay(MessageLibrary.scan(directory: (keys as NSString).appendingPathComponent(key), probe: SndFileProbe()))
        }
    }
    return library
}

/// Everything `laba check` says, in a form that prints as text or encodes as JSON.
struct CheckReport: Encodable {
    struct Item: Encodable {
        var severity: String
        var file: String?
        var line: Int?
        var column: Int?
        /// In the reader's language (`LANG`).
        var message: String
        /// What the problem is (`unknown_zone`, `file_missing`, ...), with the values its words
        /// name, for a program that renders it itself (issue 26); nil for one without a code.
        var code: String?
        var args: [String: String]?
    }

    var config: String
    var valid: Bool
    var errors: Int
    var warnings: Int
    var diagnostics: [Item]
    var coverage: Coverage?
    var diff: PlanChange.JSON?

    /// Every diagnostic, by position.
    private(set) var ordered: [Diagnostic] = []
    /// What was checked, and the recordings found for it.
    private(set) var loaded: ConfigLoadResult!
    private(set) var library: MessageLibrary?

    enum CodingKeys: String, CodingKey { case config, valid, errors, warnings, diagnostics, coverage, diff }

    static func make(path: String, stateDirectory: String? = nil, daemonUser: String? = nil) -> CheckReport {
        make(ConfigLoader.load(path: path), path: path, stateDirectory: stateDirectory, daemonUser: daemonUser,
             installedPath: path)
    }

    /// - Parameters:
    ///   - stateDirectory: where the operators' schedule is, merged in when given.
    ///   - daemonUser: the user labad runs as, when not the shipped one.
    ///   - installedPath: where the file is (or goes): one under /etc is the service's, whose
    ///     user's access root checks even without `daemonUser`.
    static func make(_ loaded: ConfigLoadResult, path: String, stateDirectory: String? = nil, daemonUser: String? = nil,
                     installedPath: String? = nil) -> CheckReport {
        var loaded = loaded
        var diagnostics = loaded.diagnostics
        var coverage: Coverage?
        var library: MessageLibrary?
        if var config = loaded.config {
            let installed = installedPath.map { Self.absolute($0).hasPrefix("/etc/") } ?? false
            diagnostics += fileDiagnostics(config, daemonUser: daemonUser, installed: installed)
            let scanned = recordings(of: config, stateDirectory: stateDirectory)
            library = scanned
            if let stateDirectory {
                let merged = MergedConfig(technician: config, operators: OperatorScheduleLoad.load(stateDirectory: stateDirectory),
                                          library: scanned)
                diagnostics += merged.diagnostics
                config = merged.config
                loaded.config = config
            }
            let check = ConfigCheck(config: config, library: scanned, now: Instant(Date()))
            diagnostics += check.diagnostics
            coverage = check.coverage
        }
        diagnostics = diagnostics.sortedByLocation()
        var report = CheckReport(
            config: path, valid: loaded.config != nil && !diagnostics.hasErrors,
            errors: diagnostics.errors.count, warnings: diagnostics.warnings.count,
            diagnostics: diagnostics.map {
                Item(severity: $0.severity.rawValue, file: $0.location?.file, line: $0.location?.line,
                     column: $0.location?.column, message: $0.text(), code: $0.code,
                     args: $0.arguments.isEmpty ? nil : $0.arguments)
            },
            coverage: coverage)
        report.ordered = diagnostics
        report.loaded = loaded
        report.library = library
        return report
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// The files labad reads at start, read as it reads them (`configFileProblems`); run as root,
    /// also whether `daemonUser` may read each (by default the shipped service's user, for an
    /// `installed` configuration: a test's or a draft's in a temp folder is not the service's).
    static func fileDiagnostics(_ config: Config, daemonUser: String?, installed: Bool) -> [Diagnostic] {
        var out = configFileProblems(config)
        let me = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? String(geteuid())
        let name = daemonUser ?? DaemonUser.shippedName
        if geteuid() != 0 {
            // Another user's file may well be labad's own: only root can tell.
            guard me != name else { return out }
            return out.map { d in
                guard d.code == FileProblem.Kind.denied.rawValue else { return d }
                var arguments = d.arguments
                arguments["user"] = me
                return Diagnostic(.warning, at: d.location, Catalog.text(.diagnosticFileDeniedHere, arguments, in: .en),
                                  code: "file_denied_here", arguments: arguments)
            }
        }
        guard daemonUser != nil || installed else { return out }
        // The service's own sandbox: an installed configuration runs under laba.service.
        if installed {
            let reported = Set(out.compactMap(\.location))
            out += ConfigFiles.problems(hiddenByServiceIn: config).filter { !reported.contains($0.location!) }
        }
        guard let user = DaemonUser.lookup(name) else {
            // No such user: say so, since the check was asked for (or the file is the service's).
            out.append(.init(.warning, at: nil, Catalog.text(.diagnosticDaemonUserUnknown, ["user": name], in: .en),
                             code: "daemon_user_unknown", arguments: ["user": name]))
            return out
        }
        // A file already reported is not reported again.
        let reported = Set(out.compactMap(\.location))
        return out + ConfigFiles.problems(readableBy: user, config).filter { !reported.contains($0.location!) }
    }

    func printText() {
        for d in ordered { print(d.line()) }
        if let coverage, !coverage.rows.isEmpty {
            if !ordered.isEmpty { print() }
            print(coverageTable(coverage))
            if !coverage.gaps.isEmpty {
                print()
                print(t(.zonesMissingALanguage))
                for gap in coverage.gaps {
                    print("  " + t(.zoneGap, ["zone": gap.zone, "message": gap.message,
                                              "languages": gap.missing.joined(separator: ", ")]))
                }
            }
        }
        print()
        let summary = Self.summary(errors: errors, warnings: warnings)
        print(t(valid ? .checkValid : .checkInvalid, ["config": config, "summary": summary]))
    }

    /// "2 errors, 1 warning"
    static func summary(errors: Int, warnings: Int) -> String {
        t(.errorsAndWarnings, ["errors": Catalog.plural(errors, one: .errorsOne, other: .errorsOther),
                               "warnings": Catalog.plural(warnings, one: .warningsOne, other: .warningsOther)])
    }

    func coverageTable(_ coverage: Coverage) -> String {
        let header = [t(.coverageMessage)] + coverage.languages + [t(.neutral)]
        let rows = coverage.rows.map { row in
            [row.message] + coverage.languages.map { row.languages[$0] == true ? "✓" : "·" } + [row.neutral ? "✓" : "·"]
        }
        return TextTable(header: header, rows: rows).render()
    }
}

/// What a new configuration changes in the next 24 hours of the plan (`laba check --diff`, `laba edit`).
struct PlanChange {
    let diff: PlanDiff
    let from: Instant
    let timeZone: TimeZone

    static let window = TimeSpan.seconds(24 * 3600)

    /// - Parameters:
    ///   - newLibrary: the recordings `laba check` found for `new` (scanned again for `old` only
    ///     when it names another audio directory).
    ///   - outputZones: the outputs' current zones (from the daemon), if known.
    init(old: Config, new: Config, newLibrary: MessageLibrary, outputZones: [String: String] = [:],
         from: Instant = Instant(Date())) {
        let oldLibrary = old.audioDirectory == new.audioDirectory
            ? newLibrary : MessageLibrary.scan(directory: old.audioDirectory, probe: SndFileProbe())
        diff = PlanDiff(old: Planner(config: old, library: oldLibrary, outputZones: outputZones),
                        new: Planner(config: new, library: newLibrary, outputZones: outputZones),
                        after: from, through: from + Self.window)
        self.from = Instant(microseconds: from.microseconds - from.microseconds % 1_000_000)
        timeZone = new.timeZone
    }

    func printText() {
        var converter = ZoneConverter(timeZone)
        func time(_ t: Instant) -> String { RFC3339.format(t, converter: &converter, fractionDigits: -1) }
        func what(_ b: PlannedBroadcast) -> String {
            "\(b.output)  \(b.zone)  \(b.message)  \(b.languages.isEmpty && b.neutral ? t(.neutral) : b.languages.joined(separator: ","))"
                + nightVolumeNote(b.volume.map { VolumeWindow.gainText($0.gainDB) })
        }
        print(t(.planChange, ["from": time(from), "added": String(diff.added.count), "removed": String(diff.removed.count),
                              "moved": String(diff.moved.count), "changed": String(diff.changed.count)]))
        var lines: [(Instant, String)] = []
        for b in diff.added { lines.append((b.time, "+ \(time(b.time))  \(what(b))")) }
        for b in diff.removed { lines.append((b.time, "- \(time(b.time))  \(what(b))")) }
        for m in diff.moved {
            lines.append((m.new.time, "~ \(time(m.old.time)) → \(time(m.new.time))  \(what(m.new))"))
        }
        for m in diff.changed {
            lines.append((m.new.time, "~ \(time(m.new.time))  \(what(m.old)) → \(m.new.zone)  "
                + (m.new.languages.isEmpty && m.new.neutral ? t(.neutral) : m.new.languages.joined(separator: ","))
                + nightVolumeNote(m.new.volume.map { VolumeWindow.gainText($0.gainDB) })))
        }
        for line in lines.sorted(by: { $0.0 < $1.0 }) { print("  " + line.1) }
    }

    /// The diff in `laba check --json`.
    struct JSON: Encodable {
        struct Move: Encodable {
            var old: ScheduleItem
            var new: ScheduleItem
        }

        var from: String
        var added: [ScheduleItem]
        var removed: [ScheduleItem]
        var moved: [Move]
        var changed: [Move]

        init(_ change: PlanChange) {
            var converter = ZoneConverter(change.timeZone)
            func item(_ b: PlannedBroadcast) -> ScheduleItem { ScheduleItem(b, converter: &converter) }
            func move(_ m: PlanDiff.Move) -> Move { Move(old: item(m.old), new: item(m.new)) }
            from = RFC3339.format(change.from, converter: &converter, fractionDigits: -1)
            added = change.diff.added.map(item)
            removed = change.diff.removed.map(item)
            moved = change.diff.moved.map(move)
            changed = change.diff.changed.map(move)
        }
    }
}
