// YAML text → `Config`, with every problem at its file:line:column.

import Foundation
import Yams

/// The outcome of reading a configuration file: the config (when the YAML could be read at all)
/// and every error and warning found on the way.
public struct ConfigLoadResult: Sendable {
    public var config: Config?
    public var diagnostics: [Diagnostic]

    public var isValid: Bool { config != nil && !diagnostics.hasErrors }
}

public enum ConfigLoader {
    /// Where installed audio lives when the file names no `audio_dir`.
    public static let defaultAudioDirectory = "/var/lib/laba/audio"

    /// Reads and checks the file at `path`. Never throws: an unreadable file is a diagnostic.
    public static func load(path: String) -> ConfigLoadResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            return ConfigLoadResult(config: nil, diagnostics: [.error("\(path) \(reason)", at: nil, code: FileManager.default.fileExists(atPath: path) ? "config_unreadable" : "config_missing", ["path": path])])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return ConfigLoadResult(config: nil, diagnostics: [
                .error("not valid UTF-8", at: SourceLocation(file: path, line: 1, column: 1), code: "not_utf8"),
            ])
        }
        let directory = (path as NSString).deletingLastPathComponent
        return parse(yaml: text, file: path, directory: directory.isEmpty ? "." : directory)
    }

    /// Decodes `yaml` as if read from `file`; relative paths resolve against `directory`.
    public static func parse(yaml: String, file: String, directory: String) -> ConfigLoadResult {
        var reader = NodeReader(file: file, text: yaml)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return ConfigLoadResult(config: nil, diagnostics: syntaxDiagnostics(error, yaml: yaml, file: file))
        }
        guard let root, !reader.isNull(root) else {
            return ConfigLoadResult(config: nil, diagnostics: [
                .error("the file is empty", at: SourceLocation(file: file, line: 1, column: 1), code: "empty_file"),
            ])
        }
        guard let top = reader.mapping(root, "the configuration", known: Config.keys) else {
            return ConfigLoadResult(config: nil, diagnostics: reader.diagnostics)
        }

        var timeZone = TimeZone.current
        var timeZoneName: Located<String>?
        if let node = top["timezone"], let name = reader.string(node, "timezone") {
            if let zone = TimeZone(identifier: name.value) {
                timeZone = zone
                timeZoneName = name
            } else {
                reader.reject(name, "unknown time zone '\(name.value)' (use an IANA name such as Asia/Shanghai)", code: "unknown_time_zone",
                              ["value": name.value])
            }
        }

        var audioDirectory = defaultAudioDirectory
        var audioDirectoryLocation = top.location
        if let node = top["audio_dir"], let dir = reader.string(node, "audio_dir") {
            audioDirectoryLocation = dir.location
            audioDirectory = dir.value.hasPrefix("/") ? dir.value : (directory as NSString).appendingPathComponent(dir.value)
        }
        audioDirectory = (audioDirectory as NSString).standardizingPath

        var defaults = ZoneSettings()
        if let node = top["defaults"], let fields = reader.mapping(node, "defaults", known: ZoneSettings.keys) {
            defaults = readSettings(fields, into: &reader)
        }

        var languages = Language.builtIn
        if let node = top["languages"], let items = reader.sequence(node, "languages") {
            for item in items {
                if let language = readLanguage(item, &reader, existing: languages) { languages.append(language) }
            }
        }

        var outputs: [OutputConfig] = []
        if let node = top["outputs"], let items = reader.sequence(node, "outputs") {
            outputs = items.compactMap { readOutput($0, &reader) }
        }
        var zones: [ZoneConfig] = []
        if let node = top["zones"], let items = reader.sequence(node, "zones") {
            zones = items.compactMap { readZone($0, &reader) }
        }
        loadAreas(&zones, directory: directory, &reader)
        var messages: [MessageInfo] = []
        if let node = top["messages"], let items = reader.sequence(node, "messages") {
            messages = items.compactMap { readMessageInfo($0, &reader) }
        }
        var control = ControlConfig()
        if let node = top["control"], let fields = reader.mapping(node, "control", known: ControlConfig.keys) {
            if let g = fields["group"], let group = reader.string(g, "control.group") {
                if group.value.isEmpty || group.value.contains(where: { $0 == ":" || $0.isWhitespace }) {
                    reader.reject(group, "control.group '\(group.value)' is not a valid group name", code: "invalid_group", what: "control.group",
                                  ["value": group.value])
                } else {
                    control.group = group
                }
            }
        }

        var uploads = UploadsConfig()
        if let node = top["uploads"], let fields = reader.mapping(node, "uploads", known: UploadsConfig.keys) {
            if let n = fields["max_duration"], let span = reader.timeSpan(n, "uploads.max_duration") {
                if span.value <= .zero {
                    reader.error("uploads.max_duration must be longer than 0, such as 15min", at: span.location, code: "must_be_positive",
                                 what: "uploads.max_duration", ["example": "15min"])
                } else {
                    uploads.maxDuration = span
                }
            }
        }

        var live = LiveConfig()
        if let node = top["live"], let fields = reader.mapping(node, "live", known: LiveConfig.keys) {
            if let n = fields["input"], let input = reader.string(n, "live.input") {
                if input.value.isEmpty { reader.error("live.input must name an ALSA capture PCM, such as plughw:1,0", at: input.location, code: "empty_value",
                                                 what: "live.input", ["example": "plughw:1,0"]) }
                else { live.input = input }
            }
            for (key, example) in [("max", "10min"), ("silence", "30s")] {
                guard let n = fields[key], let span = reader.timeSpan(n, "live.\(key)") else { continue }
                if span.value <= .zero {
                    reader.error("live.\(key) must be longer than 0, such as \(example)", at: span.location, code: "must_be_positive",
                             what: "live.\(key)", ["example": example])
                } else if key == "max" {
                    live.max = span
                } else {
                    live.silence = span
                }
            }
        }

        var config = Config(file: file, timeZoneName: timeZoneName, timeZone: timeZone,
                            audioDirectory: audioDirectory, audioDirectoryLocation: audioDirectoryLocation, defaults: defaults, languages: languages,
                            outputs: outputs, zones: zones, messages: messages, control: control)
        config.uploads = uploads
        config.live = live
        if let node = top["operators"] { config.operators = readOperators(node, &reader) }
        config.fleet = top["fleet"].flatMap { readFleet($0, zones: zones, directory: directory, &reader) }
        config.console = top["console"].flatMap { readConsole($0, directory: directory, &reader) }
        config.gps = top["gps"].flatMap { readGPS($0, &reader) }
        config.alerts = top["alerts"].flatMap { readAlerts($0, directory: directory, &reader) }
        if let node = top["sirens"] { config.sirens = readSirens(node, &reader) }
        config.metrics = top["metrics"].flatMap { readMetrics($0, directory: directory, &reader) }
        if let node = top["retention"] { config.retention = readRetention(node, &reader) }
        var diagnostics = reader.diagnostics
        diagnostics += ConfigValidator.validate(config, rootLocation: top.location)
        diagnostics += PlacesValidator.validate(config)
        return ConfigLoadResult(config: config, diagnostics: diagnostics.sortedByLocation())
    }

    /// libyaml's error, or, when the text has tabs in its indentation or full-width punctuation
    /// where YAML syntax is expected at or before the line libyaml complains about, those instead:
    /// libyaml notices a `：` only at the next line, and a tab as a character "that cannot start
    /// any token".
    static func syntaxDiagnostics(_ error: Error, yaml: String, file: String) -> [Diagnostic] {
        let syntax = syntaxDiagnostic(error, file: file)
        let errorLine = syntax.location?.line ?? Int.max
        let slips = TypingSlips.scan(yaml, file: file).filter { ($0.location?.line ?? 0) <= errorLine }
        return slips.isEmpty ? [syntax] : slips
    }

    static func syntaxDiagnostic(_ error: Error, file: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _),
             YamlError.parser(let context, let problem, let mark, _),
             YamlError.composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text): " } ?? ""
            return .error("YAML syntax: \(prefix)\(problem)", at: at(mark), code: "yaml_syntax", ["detail": "\(prefix)\(problem)"])
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return .error("duplicate key '\(duplicates.joined(separator: "', '"))' in the same mapping",
                          at: at(context.mark), code: "duplicate_key", ["key": duplicates.joined(separator: ", ")])
        case YamlError.reader(let problem, let offset, _, let yaml):
            var location = SourceLocation(file: file, line: 1, column: 1)
            if let offset {
                let prefix = yaml.utf8.prefix(offset)
                let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
                let lastLine = prefix.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).last ?? []
                location = SourceLocation(file: file, line: line, column: (String(decoding: lastLine, as: UTF8.self).unicodeScalars.count) + 1)
            }
            return .error("YAML: \(problem)", at: location, code: "yaml_syntax", ["detail": problem])
        default:
            return .error("YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1), code: "yaml_syntax", ["detail": "\(error)"])
        }
    }

    static func readSettings(_ fields: Fields, into reader: inout NodeReader) -> ZoneSettings {
        var s = ZoneSettings()
        if let n = fields["languages"] { s.languages = reader.idList(n, "languages") }
        if let n = fields["gap"] { s.gap = reader.timeSpan(n, "gap") }
        if let n = fields["chime"] {
            if reader.isNull(n) || n.scalar?.string == "none" {
                s.chime = Located(nil, at: reader.location(n))
            } else if let id = reader.id(n, "chime") {
                s.chime = id.map { Optional($0) }
            }
        }
        if let n = fields["loudness_lufs"] {
            if n.scalar?.string == "off" {
                s.loudness = Located(.off, at: reader.location(n))
            } else if let v = reader.number(n, "loudness_lufs") {
                if v.value > 0 || v.value < -70 {
                    reader.error("loudness_lufs must be between -70 and 0, or off; found \(v.value)", at: v.location, code: "out_of_range_or_off",
                                 what: "loudness_lufs", ["min": "-70", "max": "0", "value": "\(v.value)"])
                } else {
                    s.loudness = v.map { .lufs($0) }
                }
            }
        }
        if let n = fields["volume_db"], let v = reader.number(n, "volume_db") {
            if abs(v.value) > 60 {
                reader.error("volume_db must be between -60 and 60, found \(v.value)", at: v.location, code: "out_of_range", what: "volume_db",
                             ["min": "-60", "max": "60", "value": "\(v.value)"])
            } else {
                s.volumeDB = v
            }
        }
        if let n = fields["quiet_hours"] {
            if reader.isNull(n) || n.scalar?.string == "none" {
                s.quietHours = Located(nil, at: reader.location(n))
            } else if let text = reader.string(n, "quiet_hours") {
                if let q = QuietHours(parsing: text.value) {
                    s.quietHours = Located(q, at: text.location)
                } else {
                    reader.reject(text, "quiet_hours must be a time range HH:MM-HH:MM such as 22:00-07:00, "
                                  + "found '\(text.value)'", code: "invalid_format", what: "quiet_hours",
                                  ["format": "time_range", "example": "22:00-07:00", "value": text.value])
                }
            }
        }
        if let n = fields["volume_schedule"] {
            if n.scalar?.string == "none" {
                s.volumeSchedule = Located([], at: reader.location(n))
            } else if let items = reader.sequence(n, "volume_schedule") {
                var windows: [VolumeWindow] = []
                for item in items {
                    guard let text = reader.string(item, "volume_schedule") else { continue }
                    guard let window = VolumeWindow(parsing: text.value) else {
                        reader.reject(text, "volume_schedule needs a time range and a gain, such as \"22:00-07:00 -12dB\"; "
                                      + "found '\(text.value)'", code: "invalid_format", what: "volume_schedule",
                                      ["format": "time_range_gain", "example": "22:00-07:00 -12dB", "value": text.value])
                        continue
                    }
                    guard abs(window.gainDB) <= 60 else {
                        reader.error("the gain of a volume_schedule window must be between -60dB and 60dB, found \(window.gainDB)dB",
                                     at: text.location, code: "out_of_range", what: "volume_schedule",
                                     ["min": "-60dB", "max": "60dB", "value": "\(window.gainDB)dB"])
                        continue
                    }
                    windows.append(window)
                }
                s.volumeSchedule = Located(windows, at: reader.location(n))
            }
        }
        return s
    }

    static func readLanguage(_ node: Node, _ reader: inout NodeReader, existing: [Language]) -> Language? {
        var id: Located<String>?
        var name: String?
        var code: String?
        if case .scalar = node {
            id = reader.id(node, "language")
        } else if let f = reader.mapping(node, "a language", known: Language.keys) {
            if let n = f["id"] { id = reader.id(n, "language id") } else { reader.missing("a language needs an id", in: f, key: "id", of: "a language") }
            if let n = f["name"] { name = reader.string(n, "language name")?.value }
            if let n = f["code"] { code = reader.string(n, "language code")?.value }
        }
        guard let id else { return nil }
        if existing.contains(where: { $0.id == id.value }) {
            let builtIn = Language.builtIn.contains { $0.id == id.value }
            reader.error("duplicate language '\(id.value)'" + (builtIn ? " (it is built in)" : ""),
                         at: id.location, code: builtIn ? "duplicate_language_built_in" : "duplicate_language", ["value": id.value])
            return nil
        }
        return Language(id: id.value, name: name ?? id.value, code: code)
    }

    static func readOutput(_ node: Node, _ reader: inout NodeReader) -> OutputConfig? {
        guard let f = reader.mapping(node, "an output", known: OutputConfig.keys) else { return nil }
        let id = f["id"].flatMap { reader.id($0, "output id") }
        if f["id"] == nil { reader.missing("an output needs an id", in: f, key: "id", of: "an output") }
        var device: Located<String>?
        if let n = f["device"] {
            if let d = reader.string(n, "device") {
                if d.value.trimmingCharacters(in: .whitespaces).isEmpty {
                    reader.error("device is empty; name an ALSA PCM such as \"plughw:CARD=Device,DEV=0\" "
                                 + "(laba devices lists them)", at: d.location, code: "empty_device")
                } else {
                    device = d
                }
            }
        } else {
            reader.missing("output needs a device (an ALSA PCM name; laba devices lists them)", in: f, key: "device", of: "an output")
        }
        var zone: Located<String>?
        if let n = f["zone"] { zone = reader.id(n, "output zone") } else {
            reader.missing("output needs a zone (the zone it serves at start)", in: f, key: "zone", of: "an output")
        }
        let volume = f["volume_db"].flatMap { reader.number($0, "volume_db") }
        let rate = f["rate"].flatMap { reader.integer($0, "rate", in: 4000...768_000) }
        let channels = f["channels"].flatMap { reader.integer($0, "channels", in: 1...32) }
        let name = f["name"].flatMap { reader.string($0, "output name")?.value }
        let power = f["power"].flatMap { readPower($0, output: id?.value ?? "", &reader) }
        let monitor = f["monitor"].flatMap { readMonitor($0, output: id?.value ?? "", &reader) }
        let volumeRange = f["volume_range"].flatMap { readVolumeRange($0, &reader) }
        guard let id, let device, let zone else { return nil }
        var output = OutputConfig(id: id, name: name, device: device, zone: zone, volumeDB: volume, rate: rate, channels: channels,
                                  location: f.location, follow: readFollow(f, &reader))
        output.power = power
        output.monitor = monitor
        output.volumeRange = volumeRange
        return output
    }

    /// `volume_range: [LOWEST, HIGHEST]`, dB from `volume_db`, each within ±60, lowest first.
    static func readVolumeRange(_ node: Node, _ reader: inout NodeReader) -> Located<VolumeRange>? {
        let at = reader.location(node)
        guard let items = reader.sequence(node, "volume_range") else { return nil }
        guard items.count == 2 else {
            reader.error("volume_range needs two numbers, the lowest and the highest dB from volume_db, e.g. [-12, 0]; found \(items.count)",
                         at: at, code: "volume_range_shape", what: "volume_range", ["count": String(items.count)])
            return nil
        }
        guard let lower = reader.number(items[0], "volume_range"), let upper = reader.number(items[1], "volume_range") else { return nil }
        for end in [lower, upper] where abs(end.value) > VolumeRange.limit {
            reader.error("volume_range must be between -60 and 60, found \(end.value)", at: end.location, code: "out_of_range",
                         what: "volume_range", ["min": "-60", "max": "60", "value": "\(end.value)"])
            return nil
        }
        guard lower.value <= upper.value else {
            reader.error("volume_range's lowest comes first: [\(upper.value), \(lower.value)], not [\(lower.value), \(upper.value)]",
                         at: at, code: "volume_range_order", what: "volume_range",
                         ["lower": "\(lower.value)", "upper": "\(upper.value)"])
            return nil
        }
        return Located(VolumeRange(lower: lower.value, upper: upper.value), at: at)
    }

    static func readZone(_ node: Node, _ reader: inout NodeReader) -> ZoneConfig? {
        guard let f = reader.mapping(node, "a zone", known: ZoneConfig.keys) else { return nil }
        guard let idNode = f["id"] else {
            reader.missing("a zone needs an id", in: f, key: "id", of: "a zone")
            return nil
        }
        guard let id = reader.id(idNode, "zone id") else { return nil }
        let name = f["name"].flatMap { reader.string($0, "zone name")?.value }
        let parent = f["parent"].flatMap { reader.id($0, "parent") }
        let settings = readSettings(f, into: &reader)
        var schedule: [ScheduleEntry] = []
        if let n = f["schedule"], let items = reader.sequence(n, "schedule") {
            for item in items {
                if let entry = readEntry(item, zone: id.value, &reader) { schedule.append(entry) }
            }
        }
        return ZoneConfig(id: id, name: name, parent: parent, settings: settings, schedule: schedule,
                          location: f.location, place: readPlace(f, &reader))
    }

    static func readEntry(_ node: Node, zone: String, _ reader: inout NodeReader) -> ScheduleEntry? {
        guard let f = reader.mapping(node, "a schedule entry", known: ScheduleEntry.keys) else { return nil }
        return readEntry(f, zone: zone, &reader)
    }

    /// An entry from its keys (the operators' file adds keys of its own around the same ones).
    static func readEntry(_ f: Fields, zone: String, _ reader: inout NodeReader) -> ScheduleEntry? {
        let message = f["message"].flatMap { reader.messageName($0, "message") }
        if f["message"] == nil { reader.missing("a schedule entry needs a message", in: f, key: "message", of: "a schedule entry") }
        var at: [Located<String>] = []
        var calendars: [CalendarSpec] = []
        if let n = f["at"] {
            let items: [Node]
            if case .sequence = n { items = reader.sequence(n, "at") ?? [] } else { items = [n] }
            for item in items {
                guard let text = reader.string(item, "at") else { continue }
                at.append(text)
                do {
                    calendars.append(try CalendarSpec(parsing: text.value))
                } catch {
                    reader.reject(text, "invalid calendar expression '\(text.value)': \(error)\(calendarHint(text.value))", code: "invalid_calendar",
                                  ["value": text.value, "detail": "\(error)\(calendarHint(text.value))"])
                }
            }
            if items.isEmpty { reader.error("'at' needs at least one calendar expression", at: reader.location(n), code: "empty_at") }
        } else {
            reader.missing("a schedule entry needs 'at' (a calendar expression)", in: f, key: "at", of: "a schedule entry")
        }
        let explicitID = f["id"].flatMap { reader.id($0, "entry id") }
        let entryID = explicitID?.value ?? ScheduleEntry.derivedID(zone: zone, message: message?.value ?? "", at: at.map(\.value))
        var entry = ScheduleEntry(id: entryID, zone: zone, location: f.location,
                                  message: message ?? Located("", at: f.location), at: at)
        entry.idLocation = explicitID?.location ?? f.location
        entry.calendars = calendars
        entry.repeatCount = f["repeat"].flatMap { reader.integer($0, "repeat", in: 1...100) }
        entry.from = f["from"].flatMap { reader.date($0, "from") }
        entry.until = f["until"].flatMap { reader.date($0, "until") }
        entry.catchUp = f["catch_up"].flatMap { reader.timeSpan($0, "catch_up") }
        entry.maxDelay = f["max_delay"].flatMap { reader.timeSpan($0, "max_delay") }
        entry.languages = f["languages"].flatMap { reader.idList($0, "languages") }
        if let n = f["every"], let span = reader.timeSpan(n, "every") {
            let day = TimeSpan.seconds(86_400).microseconds
            if span.value.microseconds < day || span.value.microseconds % day != 0 {
                reader.error("every must be a whole number of days such as 5d, found '\(span.value)'", at: span.location, code: "whole_days",
                             what: "every", ["value": "\(span.value)", "example": "5d"])
            } else {
                entry.everyDays = span.map { Int($0.microseconds / day) }
                if entry.from == nil {
                    reader.error("every needs 'from', the day the count starts", at: span.location, code: "every_needs_from")
                }
            }
        }
        guard message != nil, !at.isEmpty else { return nil }
        return entry
    }

    /// `operators: {schedule: true, zones: [gucheng]}`.
    static func readOperators(_ node: Node, _ reader: inout NodeReader) -> OperatorsConfig {
        var operators = OperatorsConfig()
        guard let f = reader.mapping(node, "operators", known: OperatorsConfig.keys) else { return operators }
        if let n = f["schedule"], let text = reader.string(n, "operators.schedule") {
            switch text.value {
            case "true", "yes", "on": operators.schedule = Located(true, at: text.location)
            case "false", "no", "off": operators.schedule = Located(false, at: text.location)
            default: reader.reject(text, "operators.schedule must be true or false, found '\(text.value)'", code: "must_be_choice",
                                   what: "operators.schedule", ["choices": "true, false", "value": text.value])
            }
        }
        if let n = f["zones"] { operators.zones = reader.idList(n, "operators.zones") }
        return operators
    }

    /// A hint for a mistake systemd's grammar does not forgive: a list of whole times.
    static func calendarHint(_ text: String) -> String {
        guard text.range(of: #"[0-9]:[0-9]{2},[0-9]"#, options: .regularExpression) != nil else { return "" }
        return "; for several times list the expressions (at: [\"08:00\", \"12:00\"]) or list the hours (08,12:00)"
    }

    static func readMessageInfo(_ node: Node, _ reader: inout NodeReader) -> MessageInfo? {
        guard let f = reader.mapping(node, "a message", known: MessageInfo.keys) else { return nil }
        guard let idNode = f["id"] else {
            reader.missing("a message needs an id", in: f, key: "id", of: "a message")
            return nil
        }
        guard let id = reader.id(idNode, "message id") else { return nil }
        return MessageInfo(id: id, title: f["title"].flatMap { reader.string($0, "title")?.value },
                           validFrom: f["valid_from"].flatMap { reader.date($0, "valid_from") },
                           validUntil: f["valid_until"].flatMap { reader.date($0, "valid_until") },
                           location: f.location)
    }
}
