// The operators' schedule: a YAML file the daemon owns in its state dir (`schedule.yaml`), whose
// entries are schedule entries of the technician's zones and messages, read with the same rules.

import Foundation
import Yams

/// One entry of the operators' schedule, as its file and the control API spell it: values as
/// written, so that the file reads like the technician's.
public struct OperatorEntry: Codable, Sendable, Equatable {
    public var id: String
    public var zone: String
    public var message: String
    /// Calendar expressions (systemd OnCalendar).
    public var at: [String]
    /// `5d`: every N-th day counted from `from`.
    public var every: String?
    public var from: String?
    public var until: String?
    public var `repeat`: Int?
    public var languages: [String]?
    public var catchUp: String?
    public var maxDelay: String?
    public var paused: Bool
    /// Who added it (`user` of the socket, or `user (console)`) and when (RFC 3339).
    public var addedBy: String?
    public var addedAt: String?
    public var changedBy: String?
    public var changedAt: String?

    public init(id: String, zone: String, message: String, at: [String], every: String? = nil, from: String? = nil,
                until: String? = nil, repeat: Int? = nil, languages: [String]? = nil, catchUp: String? = nil,
                maxDelay: String? = nil, paused: Bool = false) {
        self.id = id
        self.zone = zone
        self.message = message
        self.at = at
        self.every = every
        self.from = from
        self.until = until
        self.repeat = `repeat`
        self.languages = languages
        self.catchUp = catchUp
        self.maxDelay = maxDelay
        self.paused = paused
    }

    enum CodingKeys: String, CodingKey {
        case id, zone, message, at, every, from, until, `repeat`, languages, catchUp = "catch_up", maxDelay = "max_delay"
        case paused, addedBy = "added_by", addedAt = "added_at", changedBy = "changed_by", changedAt = "changed_at"
    }

    static let extraKeys = ["zone", "paused", "added_by", "added_at", "changed_by", "changed_at"]
}

/// The operators' schedule file: a version, raised by every change, and the entries.
public struct OperatorSchedule: Sendable, Equatable {
    public var version: Int
    public var entries: [OperatorEntry]

    public static let fileName = "schedule.yaml"
    public static let empty = OperatorSchedule(version: 0, entries: [])

    public init(version: Int, entries: [OperatorEntry]) {
        self.version = version
        self.entries = entries
    }

    public func entry(_ id: String) -> OperatorEntry? { entries.first { $0.id == id } }

    /// The file's text. Every text value is a double-quoted scalar (JSON's escapes are YAML's), so
    /// that `08:00` stays a time and `no` a word whatever was typed.
    public func yaml() -> String {
        func quoted(_ text: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        var out = """
            # The operators' schedule, kept by labad: change it with `laba schedule` (or the console),
            # not by hand. Its entries play beside those of the technician's configuration.
            version: \(version)

            """
        out += entries.isEmpty ? "entries: []\n" : "entries:\n"
        for e in entries {
            var lines = ["id: \(quoted(e.id))", "zone: \(quoted(e.zone))", "message: \(quoted(e.message))",
                         "at: [\(e.at.map(quoted).joined(separator: ", "))]"]
            if let v = e.every { lines.append("every: \(quoted(v))") }
            if let v = e.from { lines.append("from: \(quoted(v))") }
            if let v = e.until { lines.append("until: \(quoted(v))") }
            if let v = e.repeat { lines.append("repeat: \(v)") }
            if let v = e.languages { lines.append("languages: [\(v.map(quoted).joined(separator: ", "))]") }
            if let v = e.catchUp { lines.append("catch_up: \(quoted(v))") }
            if let v = e.maxDelay { lines.append("max_delay: \(quoted(v))") }
            if e.paused { lines.append("paused: true") }
            if let v = e.addedBy { lines.append("added_by: \(quoted(v))") }
            if let v = e.addedAt { lines.append("added_at: \(quoted(v))") }
            if let v = e.changedBy { lines.append("changed_by: \(quoted(v))") }
            if let v = e.changedAt { lines.append("changed_at: \(quoted(v))") }
            out += "  - " + lines.joined(separator: "\n    ") + "\n"
        }
        return out
    }
}

/// The operators' file, read: what it says, each entry typed with its positions, and the problems.
public struct OperatorScheduleLoad: Sendable {
    public var file: String
    /// nil when the file cannot be read as a whole (its YAML is broken).
    public var schedule: OperatorSchedule?
    /// The entries that read as schedule entries, by id.
    public var typed: [String: ScheduleEntry]
    /// Problems of one entry, by id: they disable that entry only.
    public var entryDiagnostics: [String: [Diagnostic]]
    /// Problems of the whole file.
    public var fileDiagnostics: [Diagnostic]
    /// The titles operators gave the recordings they added (issue 26), by message id.
    public var titles: [String: String] = [:]
    /// The volumes operators set (issue 27), dB from each output's `volume_db`, by output id.
    public var volumes: [String: Double] = [:]

    /// No file yet: an empty schedule at version 0.
    public static func none(_ file: String) -> OperatorScheduleLoad {
        OperatorScheduleLoad(file: file, schedule: .empty, typed: [:], entryDiagnostics: [:], fileDiagnostics: [])
    }

    /// Reads `<stateDirectory>/schedule.yaml`; a missing file is an empty schedule.
    public static func load(stateDirectory: String) -> OperatorScheduleLoad {
        let path = (stateDirectory as NSString).appendingPathComponent(OperatorSchedule.fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                return OperatorScheduleLoad(file: path, schedule: nil, typed: [:], entryDiagnostics: [:],
                                            fileDiagnostics: [.error("\(path) cannot be read", at: nil, code: "config_unreadable", ["path": path])])
            }
            var none = OperatorScheduleLoad.none(path)
            none.titles = OperatorTitles.load(stateDirectory: stateDirectory)
            none.volumes = OperatorVolumes.load(stateDirectory: stateDirectory)
            return none
        }
        var load = parse(yaml: String(decoding: data, as: UTF8.self), file: path)
        load.titles = OperatorTitles.load(stateDirectory: stateDirectory)
        load.volumes = OperatorVolumes.load(stateDirectory: stateDirectory)
        return load
    }

    /// Reads the text of an operators' file, as if from `file`.
    public static func parse(yaml: String, file: String) -> OperatorScheduleLoad {
        var result = OperatorScheduleLoad(file: file, schedule: nil, typed: [:], entryDiagnostics: [:], fileDiagnostics: [])
        var reader = NodeReader(file: file, text: yaml)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            result.fileDiagnostics = ConfigLoader.syntaxDiagnostics(error, yaml: yaml, file: file)
            return result
        }
        guard let root, !reader.isNull(root) else {
            result.schedule = .empty
            return result
        }
        guard let top = reader.mapping(root, "the operators' schedule", known: ["version", "entries"]) else {
            result.fileDiagnostics = reader.diagnostics
            return result
        }
        var schedule = OperatorSchedule.empty
        if let n = top["version"], let v = reader.integer(n, "version", in: 0...Int(Int32.max)) { schedule.version = v.value }
        result.fileDiagnostics = reader.diagnostics
        for item in top["entries"].flatMap({ reader.sequence($0, "entries") }) ?? [] {
            var entryReader = NodeReader(file: file, text: yaml)
            let keys = ScheduleEntry.keys + OperatorEntry.extraKeys
            guard let f = entryReader.mapping(item, "an operator's entry", known: keys) else {
                result.fileDiagnostics += entryReader.diagnostics
                continue
            }
            func text(_ key: String) -> String? { f[key].flatMap { entryReader.string($0, key)?.value } }
            guard let idNode = f["id"], let id = entryReader.string(idNode, "entry id")?.value else {
                entryReader.missing("an operator's entry needs an id", in: f, key: "id", of: "an operator's entry")
                result.fileDiagnostics += entryReader.diagnostics
                continue
            }
            let zone = f["zone"].flatMap { entryReader.id($0, "zone") }
            if f["zone"] == nil { entryReader.missing("an operator's entry needs a zone", in: f, key: "zone", of: "an operator's entry") }
            var entry = OperatorEntry(id: id, zone: zone?.value ?? "", message: "", at: [])
            entry.message = f["message"].flatMap { $0.scalar?.string } ?? ""
            if let n = f["at"] {
                if case .sequence(let s) = n { entry.at = s.compactMap { $0.scalar?.string } } else { entry.at = n.scalar.map { [$0.string] } ?? [] }
            }
            entry.every = f["every"]?.scalar?.string
            entry.from = f["from"]?.scalar?.string
            entry.until = f["until"]?.scalar?.string
            entry.repeat = f["repeat"]?.scalar.flatMap { Int($0.string) }
            if let n = f["languages"] {
                if case .sequence(let s) = n { entry.languages = s.compactMap { $0.scalar?.string } } else { entry.languages = n.scalar.map { [$0.string] } }
            }
            entry.catchUp = f["catch_up"]?.scalar?.string
            entry.maxDelay = f["max_delay"]?.scalar?.string
            if let n = f["paused"], let p = entryReader.string(n, "paused") {
                switch p.value {
                case "true", "yes": entry.paused = true
                case "false", "no": entry.paused = false
                default: entryReader.reject(p, "paused must be true or false, found '\(p.value)'", code: "must_be_choice", what: "paused",
                                            ["choices": "true, false", "value": p.value])
                }
            }
            entry.addedBy = text("added_by")
            entry.addedAt = text("added_at")
            entry.changedBy = text("changed_by")
            entry.changedAt = text("changed_at")
            if var typed = ConfigLoader.readEntry(f, zone: entry.zone, &entryReader) {
                typed.id = id
                typed.idLocation = entryReader.location(idNode)
                result.typed[id] = typed
            }
            if schedule.entries.contains(where: { $0.id == id }) {
                entryReader.error("duplicate entry id '\(id)'", at: entryReader.location(idNode), code: "duplicate_entry", ["value": id])
            }
            if let from = result.typed[id]?.from, let until = result.typed[id]?.until, until.value < from.value {
                entryReader.error("until \(until.value) is before from \(from.value)", at: until.location, code: "date_before",
                                  ["key": "until", "value": "\(until.value)", "other_key": "from", "other": "\(from.value)"])
            }
            if !entryReader.diagnostics.isEmpty { result.entryDiagnostics[id, default: []] += entryReader.diagnostics }
            schedule.entries.append(entry)
        }
        result.schedule = schedule
        return result
    }
}

/// The technician's configuration with the operators' entries merged in.
public struct MergedConfig: Sendable {
    public var config: Config
    /// Errors (entries in `strict`) and warnings (entries disabled), each at its own file.
    public var diagnostics: [Diagnostic]
    /// Operators' entries that do not play, with the reason.
    public var disabled: [String: String]
    /// The same reasons as diagnostics, with their codes, for readers that render them.
    public var disabledDiagnostics: [String: Diagnostic]

    /// Merges the operators' entries into `technician`. An entry that is paused does not play; an
    /// entry whose zone, message or languages no longer exist, or that does not read, is disabled
    /// with a warning, so that a technician's edit never makes the whole configuration invalid.
    /// Entries whose ids are in `strict` (the one a change is about) are errors instead.
    public init(technician: Config, operators: OperatorScheduleLoad, library: MessageLibrary, strict: Set<String> = []) {
        var config = technician
        var diagnostics: [Diagnostic] = []
        var disabled: [String: String] = [:]
        var disabledDiagnostics: [String: Diagnostic] = [:]
        let zoneIDs = config.zones.map(\.id.value)
        let languageIDs = config.languages.map(\.id)
        var ids = Set(config.zones.flatMap(\.schedule).map(\.id))
        for entry in operators.schedule?.entries ?? [] {
            var problems = operators.entryDiagnostics[entry.id] ?? []
            let typed = operators.typed[entry.id]
            let at = typed?.location ?? SourceLocation(file: operators.file, line: 1, column: 1)
            if let typed {
                if !entry.zone.isEmpty, !zoneIDs.contains(entry.zone) {
                    problems.append(.error("unknown zone '\(entry.zone)'\(didYouMean(entry.zone, zoneIDs))", at: at, code: "unknown_zone",
                                           suggested(["value": entry.zone], entry.zone, zoneIDs)))
                }
                if !library.has(message: typed.message.value) {
                    problems.append(.error("unknown message '\(typed.message.value)': no recordings in "
                                           + "\(library.directory)/\(typed.message.value)/"
                                           + didYouMean(typed.message.value, library.messages), at: typed.message.location,
                                           code: "unknown_message",
                                           suggested(["value": typed.message.value, "folder": "\(library.directory)/\(typed.message.value)/"],
                                                     typed.message.value, library.messages)))
                }
                for language in typed.languages?.value ?? [] where !languageIDs.contains(language.value) {
                    problems.append(.error("unknown language '\(language.value)'\(didYouMean(language.value, languageIDs))",
                                           at: language.location, code: "unknown_language",
                                           suggested(["value": language.value], language.value, languageIDs)))
                }
                if ids.contains(entry.id) {
                    problems.append(.error("duplicate schedule entry id '\(entry.id)'", at: typed.idLocation, code: "duplicate_entry",
                                           ["value": entry.id]))
                }
            } else if problems.isEmpty {
                problems.append(.error("the entry cannot be read", at: at, code: "entry_unreadable"))
            }
            if strict.contains(entry.id) {
                diagnostics += problems
            } else if let first = problems.first(where: { $0.severity == .error }) {
                disabled[entry.id] = first.message
                disabledDiagnostics[entry.id] = first
                diagnostics += problems.map { d in
                    d.severity == .error ? .warning("\(d.message); operator entry '\(entry.id)' is disabled", at: d.location,
                                                    code: "operator_entry_disabled", Self.wrapped(d, ["entry": entry.id])) : d
                }
                continue
            } else {
                diagnostics += problems
            }
            guard let typed, !entry.paused, problems.errors.isEmpty,
                  let z = config.zones.firstIndex(where: { $0.id.value == entry.zone }) else { continue }
            ids.insert(entry.id)
            config.zones[z].schedule.append(typed)
        }
        // The operators' titles name the messages the technician's file does not title.
        for (id, title) in operators.titles.sorted(by: { $0.key < $1.key }) {
            if let i = config.messages.firstIndex(where: { $0.id.value == id }) {
                if config.messages[i].title == nil { config.messages[i].title = title }
            } else {
                let at = SourceLocation(file: OperatorTitles.fileName, line: 1, column: 1)
                config.messages.append(MessageInfo(id: Located(id, at: at), title: title, validFrom: nil, validUntil: nil, location: at))
            }
        }
        // The operators' volumes, inside each output's range: a range the technician narrowed
        // since holds the volume at its nearest end, and says so.
        for (id, db) in operators.volumes.sorted(by: { $0.key < $1.key }) {
            guard let i = config.outputs.firstIndex(where: { $0.id.value == id }) else { continue }
            let range = config.outputs[i].allowedVolume
            let kept = range.clamped(db)
            if kept != db {
                let at = config.outputs[i].volumeRange?.location ?? config.outputs[i].location
                diagnostics.append(.warning("the operators' volume of '\(id)', \(db) dB, is outside its volume_range "
                                            + "[\(range.lower), \(range.upper)]; \(kept) dB plays", at: at, code: "operator_volume_clamped",
                                            ["output": id, "value": "\(db)", "lower": "\(range.lower)", "upper": "\(range.upper)",
                                             "kept": "\(kept)"]))
            }
            config.outputs[i].operatorVolumeDB = kept
        }
        // A file that does not read at all: its entries cannot play; nothing else changes.
        for d in operators.fileDiagnostics {
            diagnostics.append(d.severity == .error && strict.isEmpty
                               ? .warning("\(d.message); the operators' schedule is not used until it is fixed", at: d.location,
                                          code: "operators_schedule_unused", Self.wrapped(d, [:])) : d)
        }
        self.config = config
        self.diagnostics = diagnostics
        self.disabled = disabled
        self.disabledDiagnostics = disabledDiagnostics
    }

    /// The arguments of a warning that wraps `inner` (with its code and English words), so that a
    /// reader renders the inner problem in its own language.
    static func wrapped(_ inner: Diagnostic, _ arguments: [String: String]) -> [String: String] {
        inner.arguments.merging(arguments) { _, new in new }
            .merging(["inner_code": inner.code ?? "", "inner_message": inner.message]) { _, new in new }
    }
}

/// The volumes operators set from the console (`volumes.json` in the state dir, beside the
/// operators' schedule): dB from each output's `volume_db`, by output id (issue 27).
public enum OperatorVolumes {
    public static let fileName = "volumes.json"

    /// The volumes by output id; none when the file is missing or does not read.
    public static func load(stateDirectory: String) -> [String: Double] {
        let path = (stateDirectory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 * 1024,
              let volumes = try? JSONDecoder().decode([String: Double].self, from: data) else { return [:] }
        return volumes.filter { Config.isValidID($0.key) && $0.value.isFinite && abs($0.value) <= VolumeRange.limit }
    }

    /// Sets `output`'s volume and writes the file anew (a temporary file renamed over it).
    ///
    /// - Throws: what writing the file throws.
    public static func set(_ db: Double, for output: String, stateDirectory: String) throws {
        var volumes = load(stateDirectory: stateDirectory)
        volumes[output] = db
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let path = (stateDirectory as NSString).appendingPathComponent(fileName)
        try encoder.encode(volumes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// The titles operators give the recordings they add (`titles.json` in the state dir, beside the
/// operators' schedule): a clerk types 通知, the message gets a generated id and this title.
public enum OperatorTitles {
    public static let fileName = "titles.json"

    /// The titles by message id; none when the file is missing or does not read.
    public static func load(stateDirectory: String) -> [String: String] {
        let path = (stateDirectory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path),
              let titles = try? JSONDecoder().decode([String: String].self, from: data) else { return [:] }
        return titles.filter { Config.isValidID($0.key) && !$0.value.isEmpty }
    }

    /// Sets `message`'s title and writes the file anew (a temporary file renamed over it).
    ///
    /// - Throws: what writing the file throws.
    public static func set(_ title: String, for message: String, stateDirectory: String) throws {
        var titles = load(stateDirectory: stateDirectory)
        titles[message] = title
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let path = (stateDirectory as NSString).appendingPathComponent(fileName)
        try encoder.encode(titles).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// A title a clerk typed, cleaned: trimmed, without control characters, at most 64 characters; nil when nothing is left.
    public static func clean(_ text: String) -> String? {
        let kept = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return kept.isEmpty ? nil : String(kept.prefix(64))
    }
}
