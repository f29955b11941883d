// The operator's command line (LabaCLI). One type per subcommand; `main` is in Usage.swift, the
// executable's entry (which also runs the daemon when started as `labad`) in Sources/laba/Entry.swift.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore

struct Laba: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laba",
        abstract: "Check, plan and control Laba broadcasts.",
        discussion: "--socket, --config and --json may also come before the command (laba --socket S status).",
        version: LabaVersion.string,
        subcommands: [Check.self, Edit.self, CalendarCommand.self, Next.self, Play.self, Stop.self, Status.self, Queue.self, Zone.self,
                      History.self, Report.self, CoverageCommand.self, DevicesCommand.self,
                      Reload.self, PlayFile.self, Fleet.self, Library.self, Schedule.self, User.self, ConsoleCommand.self, Alerts.self, Live.self,
                      Siren.self, Backup.self, Restore.self])
}

/// `--config`, for the commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String?

    /// The flag, then `LABA_CONFIG`, then the installed file.
    var path: String { config ?? Self.defaultPath }

    static var defaultPath: String { ProcessInfo.processInfo.environment["LABA_CONFIG"] ?? "/etc/laba/laba.yaml" }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A catalogue text in the operator's language.
func t(_ key: Catalog.Key, _ arguments: [String: String] = [:]) -> String {
    Catalog.text(key, arguments)
}

/// `english` (a library's own sentence, which says more) for an English reader; the catalogue's
/// `key` for any other.
func englishOr(_ english: String, _ key: Catalog.Key, _ arguments: [String: String] = [:]) -> String {
    CatalogLanguage.current == .en ? english : t(key, arguments)
}

/// "laba: " and a catalogue text, on standard error.
func complain(_ key: Catalog.Key, _ arguments: [String: String] = [:]) {
    printError("laba: " + t(key, arguments))
}

/// "; did you mean 'x'?" when a candidate is close to `word` (ignoring case), else "".
func didYouMean(_ word: String, _ candidates: some Sequence<String>) -> String {
    closestMatch(to: word, in: candidates).map { t(.didYouMean, ["suggestion": $0]) } ?? ""
}

// MARK: - Checks of argument values (bad usage: exit 64)

/// A count option: at least 1 and at most `range.upperBound`.
func validateCount(_ value: Int?, option: String, in range: ClosedRange<Int>) throws {
    guard let value else { return }
    if value < range.lowerBound {
        throw ValidationError(t(.mustBeAtLeast, ["option": option, "min": String(range.lowerBound), "value": String(value)]))
    }
    if value > range.upperBound {
        throw ValidationError(t(.mustBeBetween, ["option": option, "min": String(range.lowerBound),
                                                 "max": String(range.upperBound), "value": String(value)]))
    }
}

/// A TIME option. Its syntax is checked here; the daemon reads it again in its own time zone.
func validateTime(_ text: String?, option: String) throws {
    guard let text else { return }
    do {
        _ = try TimeParsing.instant(text, in: .current, now: Instant(Date()))
    } catch {
        throw ValidationError(englishOr("\(option): \(error)", .cliBadTime, ["option": option, "value": text]))
    }
}

/// A time span option (`--within 30min`): valid and longer than zero.
func validateSpan(_ text: String?, option: String) throws {
    guard let text else { return }
    let span: TimeSpan
    do {
        span = try TimeSpan(parsing: text)
    } catch {
        throw ValidationError(t(.badSpan, ["option": option, "value": text, "error": "\(error)"]))
    }
    if span.microseconds <= 0 { throw ValidationError(t(.spanNotPositive, ["option": option, "value": text])) }
}

/// Ids given on the command line (zones, languages, outputs): not empty, not twice, and each a
/// valid id. A name that is not one gets a suggestion from `known` (or its lower-case form).
func validateIDs(_ ids: [String], option: String, known: @autoclosure () -> [String]) throws {
    var seen: Set<String> = []
    for id in ids {
        if id.isEmpty { throw ValidationError(t(.emptyValue, ["option": option])) }
        if !seen.insert(id).inserted { throw ValidationError(t(.duplicateValue, ["option": option, "value": id])) }
        if !Config.isValidID(id) {
            var hint = didYouMean(id, known())
            if hint.isEmpty, Config.isValidID(id.lowercased()) { hint = t(.didYouMean, ["suggestion": id.lowercased()]) }
            throw ValidationError(t(.notAnID, ["option": option, "value": id]) + hint)
        }
    }
}

/// A comma-separated list option (`--lang a,b`), its items checked by `validateIDs`.
func idList(_ text: String?, option: String, known: @autoclosure () -> [String]) throws -> [String]? {
    guard let text else { return nil }
    if text.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError(t(.emptyValue, ["option": option])) }
    let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    try validateIDs(items, option: option, known: known())
    return items
}

/// A name that is shown to others (an upload's): no bidirectional controls, which make a name read
/// differently from what it is (`U+202E` turns `gnp.exe` around).
func validateName(_ name: String, option: String) throws {
    let bidi: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
    if let c = name.unicodeScalars.first(where: { bidi.contains($0.value) }) {
        throw ValidationError(t(.bidiControl, ["option": option, "code": String(format: "U+%04X", c.value)]))
    }
}

/// The configuration the CLI can read, for suggestions only (the daemon's may differ); nil when it
/// cannot be read.
func localConfig(_ path: String = ConfigOptions.defaultPath) -> Config? {
    ConfigLoader.load(path: path).config
}
