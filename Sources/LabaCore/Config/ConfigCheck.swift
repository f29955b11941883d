// What `laba check` reports beyond the file itself: the recordings each schedule needs, and
// zones no output reaches.

import Foundation

/// The recordings present for the messages a schedule uses, and the gaps per zone.
public struct Coverage: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public var message: String
        /// language → whether a recording exists.
        public var languages: [String: Bool]
        public var neutral: Bool
    }

    public struct Gap: Sendable, Codable, Hashable {
        public var zone: String
        public var message: String
        public var missing: [String]

        public init(zone: String, message: String, missing: [String]) {
            self.zone = zone
            self.message = message
            self.missing = missing
        }
    }

    /// Languages used by any zone or entry, built-in order first.
    public var languages: [String]
    /// Messages used by any schedule entry, in first-use order.
    public var rows: [Row]
    /// Per zone and message, the languages it needs but has no recording for.
    public var gaps: [Gap]
}

public struct ConfigCheck: Sendable {
    public var diagnostics: [Diagnostic]
    public var coverage: Coverage

    public var isValid: Bool { !diagnostics.hasErrors }

    /// Checks `config` against the recordings in `library`, and its schedule from `now` on;
    /// `diagnostics` holds only what the loader did not already report.
    public init(config: Config, library: MessageLibrary, now: Instant) {
        let tree = ZoneTree(config)
        var out: [Diagnostic] = []

        for note in library.noteDetails {
            out.append(.warning(note.text, at: config.audioDirectoryLocation, code: note.code, note.arguments))
        }
        out += library.ignored.map { Self.warning(for: $0, audioDirectory: config.audioDirectoryLocation) }
        let languageIDs = Set(config.languages.map(\.id))
        var usedMessages: [String] = []
        var firstUse: [String: SourceLocation] = [:]
        for zone in config.zones {
            for entry in zone.schedule where !entry.message.value.isEmpty {
                if firstUse[entry.message.value] == nil {
                    firstUse[entry.message.value] = entry.message.location
                    usedMessages.append(entry.message.value)
                }
                if !library.has(message: entry.message.value) {
                    let text = "unknown message '\(entry.message.value)': no recordings in "
                        + "\(library.directory)/\(entry.message.value)/" + didYouMean(entry.message.value, library.messages)
                    // A fleet unit may receive it from a commander (library sync): until then it
                    // is skipped, and named among the recordings missing in the unit's status.
                    let arguments = suggested(["value": entry.message.value, "folder": "\(library.directory)/\(entry.message.value)/"],
                                              entry.message.value, library.messages)
                    out.append(config.fleet == nil ? .error(text, at: entry.message.location, code: "unknown_message", arguments)
                               : .warning(text + " nor in the fleet's library yet", at: entry.message.location,
                                          code: "unknown_message_fleet", arguments))
                }
            }
        }
        for bad in library.unreadable {
            out.append(.warning("recording \(bad.path) cannot be opened: \(bad.reason)",
                                at: firstUse[bad.message] ?? config.audioDirectoryLocation, code: "recording_unreadable",
                                ["path": bad.path, "detail": "\(bad.reason)"]))
        }
        for message in library.messages {
            for language in library.recordings[message, default: [:]].keys.sorted()
            where language != Language.neutral && !languageIDs.contains(language) {
                out.append(.warning("recording \(library.recordings[message]![language]!.path) is for an unknown language '\(language)'"
                                    + didYouMean(language, languageIDs), at: config.audioDirectoryLocation, code: "recording_unknown_language",
                                    suggested(["path": library.recordings[message]![language]!.path, "value": language], language, languageIDs)))
            }
        }

        out += PlacesValidator.alertMessages(config, library: library)

        // Chimes.
        let chimeSettings = [config.defaults.chime] + config.zones.map(\.settings.chime)
        for case let chime? in chimeSettings {
            guard let id = chime.value else { continue }
            if !library.has(message: id) {
                out.append(.error("unknown message '\(id)' for chime: no recordings in \(library.directory)/\(id)/"
                                  + didYouMean(id, library.messages), at: chime.location, code: "unknown_chime",
                                  suggested(["value": id, "folder": "\(library.directory)/\(id)/"], id, library.messages)))
            } else if library.neutral(of: id) == nil {
                out.append(.warning("chime '\(id)' has no neutral recording (\(id)/neutral.<ext>); it is not played",
                                    at: chime.location, code: "chime_no_neutral", ["value": id]))
            }
        }

        // Metadata for messages without recordings.
        for info in config.messages where !library.has(message: info.id.value) {
            out.append(.warning("message '\(info.id.value)' has no recordings in \(library.directory)/\(info.id.value)/",
                                at: info.id.location, code: "message_no_recordings",
                                ["value": info.id.value, "folder": "\(library.directory)/\(info.id.value)/"]))
        }

        // Languages each zone needs for each entry it inherits: one warning per entry and set of
        // missing languages, naming the zones.
        var gaps: [Coverage.Gap] = []
        var groups: [(entry: ScheduleEntry, missing: [String], silent: Bool, zones: [String])] = []
        for zone in tree.zones {
            for entry in zone.entries where library.has(message: entry.message.value) || config.fleet != nil {
                let wanted = entry.languages?.value.map(\.value) ?? zone.languages
                let choice = Rules.languages(wanted: wanted, message: entry.message.value, in: library)
                let missing = choice.missing
                guard !missing.isEmpty else { continue }
                if !gaps.contains(where: { $0.zone == zone.id && $0.message == entry.message.value }) {
                    gaps.append(Coverage.Gap(zone: zone.id, message: entry.message.value, missing: missing))
                }
                let silent = choice.isSilent
                if let i = groups.firstIndex(where: { $0.entry.id == entry.id && $0.missing == missing && $0.silent == silent }) {
                    groups[i].zones.append(zone.id)
                } else {
                    groups.append((entry, missing, silent, [zone.id]))
                }
            }
        }
        for group in groups {
            let zones = (group.zones.count == 1 ? "zone " : "zones ") + group.zones.joined(separator: ", ")
            let text = "message '\(group.entry.message.value)' has no \(group.missing.joined(separator: ", ")) "
                + "recording, needed in \(zones)"
                + (group.silent ? "; nothing plays there" : " (it plays in the other languages)")
            out.append(.warning(text, at: group.entry.message.location, code: group.silent ? "missing_recording_silent" : "missing_recording",
                                ["message": group.entry.message.value, "languages": group.missing.joined(separator: ", "),
                                 "zones": group.zones.joined(separator: ", ")]))
        }

        // Zones no output reaches.
        for zone in config.zones {
            // Reached when an output serves it or a zone above it (its schedule plays there), or a zone
            // below it (a broadcast aimed at it plays there).
            let reached = config.outputs.contains {
                tree.zone(zone.id.value, isWithin: $0.zone.value) || tree.zone($0.zone.value, isWithin: zone.id.value)
            } || PlacesValidator.reachedByFollowing(zone, config: config)
            if !reached, tree[zone.id.value] != nil {
                out.append(.warning("no output serves zone '\(zone.id.value)' or a zone above or below it "
                                    + "(a mobile output can be moved there with laba zone)", at: zone.id.location,
                                    code: "zone_unserved", ["zone": zone.id.value]))
            }
        }

        out += Self.scheduleWarnings(config: config, tree: tree, now: now)

        var languageColumns: [String] = []
        for zone in tree.zones {
            for language in zone.languages + zone.entries.flatMap({ $0.languages?.value.map(\.value) ?? [] })
            where !languageColumns.contains(language) {
                languageColumns.append(language)
            }
        }
        let order = config.languages.map(\.id)
        languageColumns.sort { (order.firstIndex(of: $0) ?? .max) < (order.firstIndex(of: $1) ?? .max) }
        // The civil-defence signals are synthesised: no recording to cover.
        let rows = usedMessages.filter { SirenKind(messageName: $0) == nil }.map { message in
            Coverage.Row(message: message,
                         languages: Dictionary(uniqueKeysWithValues: languageColumns.map {
                             ($0, library.recording(message: message, language: $0) != nil)
                         }),
                         neutral: library.neutral(of: message) != nil)
        }
        self.diagnostics = out
        self.coverage = Coverage(languages: languageColumns, rows: rows, gaps: gaps)
    }

    /// Why a file or folder is passed over, and what to do: a folder at `audio_dir` (where the
    /// listing comes from), a file at the file itself.
    static func warning(for entry: IgnoredEntry, audioDirectory: SourceLocation) -> Diagnostic {
        let atFile = SourceLocation(file: entry.path, line: 1, column: 1)
        switch entry.reason {
        case .folderNotAnID:
            let name = (entry.path as NSString).lastPathComponent
            return .warning("folder \(entry.path)/ is ignored: '\(name)' is not a valid message id (lower-case letters, "
                            + "digits, '_' and '-', starting with a letter or digit); rename it, e.g. to notice, and use "
                            + "that name in the configuration", at: audioDirectory, code: "folder_not_an_id",
                            ["path": entry.path + "/", "value": name])
        case .unsupportedFormat(let ext) where ext == "silk" || ext == "slk":
            // WeChat's voice messages: ffmpeg has no SILK decoder, so no command converts them.
            return .warning("WeChat voice message ignored: .\(ext) (SILK) cannot be played or converted; record the message with the "
                            + "phone's recorder app and send the .m4a file, or upload it through the console", at: atFile,
                            code: "wechat_silk", ["ext": ext])
        case .unsupportedFormat(let ext):
            let flac = ((entry.path as NSString).deletingPathExtension as NSString).appendingPathExtension("flac") ?? entry.path
            return .warning("recording ignored: libsndfile cannot read .\(ext) files (a phone's format); convert it "
                            + "with: ffmpeg -i \(shellQuoted(entry.path)) \(shellQuoted(flac))", at: atFile, code: "unsupported_format",
                            ["ext": ext, "command": "ffmpeg -i \(shellQuoted(entry.path)) \(shellQuoted(flac))"])
        case .empty:
            return .warning("recording ignored: empty file (0 bytes); copy it again or remove it", at: atFile, code: "empty_recording")
        }
    }

    /// `text` as one shell word.
    static func shellQuoted(_ text: String) -> String {
        if !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/._-+,:@%".unicodeScalars.contains($0)) }) {
            return text
        }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Entries that never fire after `now`, and entries whose every occurrence in a zone falls in
    /// that zone's quiet hours (judged on the next 200 occurrences).
    static func scheduleWarnings(config: Config, tree: ZoneTree, now: Instant) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let local = ZoneConverter(config.timeZone)
        // The zones with quiet hours that each entry reaches.
        var quietZones: [String: [ResolvedZone]] = [:]
        for zone in tree.zones where zone.quietHours != nil {
            for entry in zone.entries { quietZones[entry.id, default: []].append(zone) }
        }
        for zone in config.zones {
            for entry in zone.schedule {
                guard !entry.calendars.isEmpty, let at = entry.at.first?.location else { continue }
                var stream = Stream(entry: entry, local: local)
                guard stream.advance(after: now) else {
                    let why = entry.until.map { " (its last day, \($0.value), has passed)" } ?? ""
                    let time = RFC3339.format(now, in: config.timeZone)
                    out.append(.warning("this entry never fires after \(time)\(why)", at: at,
                                        code: entry.until == nil ? "never_fires" : "never_fires_until",
                                        ["time": time, "until": entry.until.map { "\($0.value)" } ?? ""]))
                    continue
                }
                guard let candidates = quietZones[entry.id] else { continue }
                // Local times of the next occurrences.
                var times: [CivilTime] = []
                repeat {
                    times.append(stream.local.civil(stream.next))
                } while times.count < 200 && stream.advance(after: stream.next)

                var silenced: [String] = []
                var window: QuietHours?
                for resolved in candidates {
                    guard let quiet = resolved.quietHours, times.allSatisfy({ Rules.quietHours(of: resolved, at: $0) != nil })
                    else { continue }
                    silenced.append(resolved.id)
                    window = quiet
                }
                if let window, !silenced.isEmpty {
                    let names = silenced.count > 8
                        ? silenced.prefix(8).joined(separator: ", ") + " and \(silenced.count - 8) more"
                        : silenced.joined(separator: ", ")
                    out.append(.warning("this entry always falls in quiet hours (\(window)) in zone"
                                        + (silenced.count == 1 ? " " : "s ") + names + ": it never plays there", at: at,
                                        code: "always_quiet", ["window": "\(window)", "zones": silenced.joined(separator: ", ")]))
                }
            }
        }
        return out
    }
}
