// The recordings in `audio_dir`: `<message>/<language>.<ext>` and `<message>/neutral.<ext>`.

import Foundation

/// What a decoder learns from a recording's header.
public struct AudioFormat: Hashable, Sendable {
    public var format: String
    public var sampleRate: Int
    public var channels: Int
    public var frames: Int64

    public init(format: String, sampleRate: Int, channels: Int, frames: Int64) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
    }

    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// One recording that opened.
public struct Recording: Hashable, Sendable {
    public var message: String
    /// A language id, or `Language.neutral`.
    public var language: String
    public var path: String
    public var audio: AudioFormat

    public var isNeutral: Bool { language == Language.neutral }

    public init(message: String, language: String, path: String, audio: AudioFormat) {
        self.message = message
        self.language = language
        self.path = path
        self.audio = audio
    }
}

/// A file that looks like a recording but did not open.
public struct UnreadableRecording: Hashable, Sendable {
    public var message: String
    public var language: String
    public var path: String
    public var reason: String
}

/// Opens a file far enough to read its format; LabaAudio provides the libsndfile one.
/// A file or folder of `audio_dir` that the library passes over, and why; `laba check` names each.
public struct IgnoredEntry: Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// A folder whose name is not a message id (`通知/`): no configuration could name it.
        case folderNotAnID
        /// A format libsndfile cannot read, as phones record (`.m4a`, `.amr`, `.aac`); the file's ending.
        case unsupportedFormat(String)
        /// A recording of 0 bytes (an interrupted copy).
        case empty
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }
}

public protocol RecordingProbe: Sendable {
    /// - Returns: the format, or the decoder's reason for refusing the file.
    func probe(path: String) -> Result<AudioFormat, ProbeFailure>
}

public struct ProbeFailure: Error, Hashable, Sendable {
    /// In English, the decoder's own words.
    public var reason: String
    /// What kind of failure, for readers that render it: `unrecognised_format`, `malformed`,
    /// `unsupported_encoding`, `no_audio`, `empty`; nil when unknown.
    public var problem: String?
    public init(_ reason: String, problem: String? = nil) {
        self.reason = reason
        self.problem = problem
    }
}

public struct MessageLibrary: Sendable {
    public var directory: String
    /// message → language (or "neutral") → recording.
    public private(set) var recordings: [String: [String: Recording]] = [:]
    public private(set) var unreadable: [UnreadableRecording] = []
    /// Messages with a folder, sorted.
    public private(set) var messages: [String] = []
    /// Problems with the folder itself or its naming, as plain sentences.
    public var notes: [String] { noteDetails.map(\.text) }
    /// The same problems with their codes, for a reader's language.
    public private(set) var noteDetails: [LibraryNote] = []
    /// Files and folders passed over, each with its reason.
    public private(set) var ignored: [IgnoredEntry] = []
    /// A fleet unit's recordings from its commanders: message → language → every key's.
    public private(set) var fleet: [String: [String: [FleetRecording]]] = [:]
    /// Message id → the title its newest titled fleet recording carries (issue 26): what a unit
    /// shows for a message its own configuration does not title.
    public private(set) var fleetTitles: [String: String] = [:]
    /// `audio_dir`'s recordings; `recordings` also lists the fleet's, to say what exists.
    private var local: [String: [String: Recording]] = [:]

    /// File endings taken as recordings; anything else in a message folder is passed over.
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au", "snd", "caf", "w64", "rf64",
    ]

    /// Endings of formats that phones and messaging apps record and libsndfile cannot read: such a
    /// file is named by `laba check` with the command that converts it, never silently passed over.
    public static let unsupportedExtensions: Set<String> = [
        "m4a", "aac", "amr", "awb", "3gp", "3ga", "mp4", "m4b", "wma", "webm", "mka", "ape", "ra", "ac3", "silk", "slk",
    ]

    public init(directory: String) { self.directory = directory }

    /// Lists `directory` and probes every recording in it.
    public static func scan(directory: String, probe: some RecordingProbe) -> MessageLibrary {
        var library = MessageLibrary(directory: directory)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            library.noteDetails.append(LibraryNote(text: "audio_dir \(directory) does not exist or is not a folder",
                                                   code: "audio_dir_missing", arguments: ["path": directory]))
            return library
        }
        let folders = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for folder in folders where !folder.hasPrefix(".") {
            let folderPath = (directory as NSString).appendingPathComponent(folder)
            guard fm.fileExists(atPath: folderPath, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            guard Config.isValidID(folder) else {
                library.ignored.append(IgnoredEntry(path: folderPath, reason: .folderNotAnID))
                continue
            }
            let files = ((try? fm.contentsOfDirectory(atPath: folderPath)) ?? []).sorted()
            var found = false
            for file in files where !file.hasPrefix(".") {
                let ext = (file as NSString).pathExtension.lowercased()
                let path = (folderPath as NSString).appendingPathComponent(file)
                if unsupportedExtensions.contains(ext) {
                    found = true
                    library.ignored.append(IgnoredEntry(path: path, reason: .unsupportedFormat(ext)))
                    continue
                }
                guard audioExtensions.contains(ext) else { continue }
                found = true
                if (try? fm.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value == 0 {
                    library.ignored.append(IgnoredEntry(path: path, reason: .empty))
                    continue
                }
                let language = (file as NSString).deletingPathExtension
                switch probe.probe(path: path) {
                case .success(let format):
                    if let existing = library.recordings[folder]?[language] {
                        let used = (existing.path as NSString).lastPathComponent
                        library.noteDetails.append(LibraryNote(text: "\(folder)/\(language) has two recordings; using \(used), not \(file)",
                                                               code: "two_recordings",
                                                               arguments: ["message": folder, "language": language, "used": used, "file": file]))
                        continue
                    }
                    library.add(Recording(message: folder, language: language, path: path, audio: format))
                case .failure(let failure):
                    library.unreadable.append(UnreadableRecording(message: folder, language: language, path: path,
                                                                  reason: failure.reason))
                }
            }
            if found, !library.messages.contains(folder) {
                library.messages.append(folder)
                library.messages.sort()
            }
        }
        return library
    }

    /// Whether a message can play: it has a folder, or it is a civil-defence signal (synthesised,
    /// SPEC 18), which every library has.
    public func has(message: String) -> Bool { messages.contains(message) || SirenKind(messageName: message) != nil }

    public func recording(message: String, language: String) -> Recording? {
        recordings[message]?[language]
    }

    /// The languages a message has recordings for, without "neutral".
    public func languages(of message: String) -> Set<String> {
        Set((recordings[message] ?? [:]).keys).subtracting([Language.neutral])
    }

    public func neutral(of message: String) -> Recording? { recording(message: message, language: Language.neutral) }

    /// The recording an output in `zone` plays: the fleet's that `LibraryChoice` chooses, else
    /// `audio_dir`'s.
    public func recording(message: String, language: String, zone: String, tree: ZoneTree) -> Recording? {
        if let chosen = LibraryChoice.choose(fleet[message]?[language] ?? [], zone: zone, tree: tree) { return chosen.recording }
        return local[message]?[language]
    }

    /// Adds a recording received from the fleet: it plays where `LibraryChoice` chooses it.
    public mutating func add(fleet recording: FleetRecording) {
        let r = recording.recording
        // The newest titled recording of the message names it.
        let titledBefore = fleet[r.message]?.values.joined().filter { $0.title?.isEmpty == false }.map(\.issuedAt).max()
        if let title = recording.title, !title.isEmpty, title != r.message, recording.issuedAt >= titledBefore ?? .min {
            fleetTitles[r.message] = title
        }
        fleet[r.message, default: [:]][r.language, default: []].append(recording)
        if recordings[r.message]?[r.language] == nil { recordings[r.message, default: [:]][r.language] = r }
        if !messages.contains(r.message) {
            messages.append(r.message)
            messages.sort()
        }
    }

    /// Adds every recording of `other` (a fleet unit's library of recordings received from its
    /// commanders), each replacing this library's recording of the same message and language:
    /// a commander's newer recording is the point of publishing it. Its unreadable and ignored
    /// files are reported with this library's.
    public mutating func overlay(_ other: MessageLibrary) {
        for recording in other.recordings.values.flatMap(\.values).sorted(by: { $0.path < $1.path }) { add(recording) }
        unreadable += other.unreadable
        ignored += other.ignored
    }

    /// Reports `other`'s unreadable and ignored files with this library's (a fleet unit's
    /// received recordings, whose good ones enter through `add(fleet:)`).
    public mutating func addProblems(of other: MessageLibrary) {
        unreadable += other.unreadable
        ignored += other.ignored
    }

    /// Adds a recording directly, for callers that build a library without a folder (tests, uploads).
    public mutating func add(_ recording: Recording) {
        recordings[recording.message, default: [:]][recording.language] = recording
        local[recording.message, default: [:]][recording.language] = recording
        if !messages.contains(recording.message) {
            messages.append(recording.message)
            messages.sort()
        }
    }
}

/// A problem with the recordings' folder: its English words, and its code and arguments.
public struct LibraryNote: Sendable, Hashable {
    public var text: String
    public var code: String
    public var arguments: [String: String]
}
