// The leak test's allow-list (issue 26): what a clerk reading Chinese may still see in Latin
// letters. Shared by the CLI's leak test and the console's, so both allow the same things.
//
// Allowed: the scenario's ids (zones, outputs, messages, recordings: the township's own names for
// things a technician types), a fixed list of codes and units, `error:` and `warning:` at the head
// of a diagnostic, configuration keys, `laba`'s command and option names, and file paths (anything
// with a `/`, or a name with a known extension). Everything else made of Latin letters is a leak.

import Foundation

public struct LatinLeaks: Sendable {
    /// Codes and units a Chinese reader meets as they are: standards, protocols, units, formats.
    public static let codesAndUnits: Set<String> = [
        "dB", "dBFS", "LUFS", "LU", "Hz", "kHz", "ms", "s", "KB", "MB", "GB", "KiB", "MiB", "GiB", "kbit", "kbps",
        "GPS", "CAP", "UTC", "ALSA", "PCM", "MQTT", "HTTP", "HTTPS", "URL", "API", "TLS", "SSH", "IP", "ID",
        "PIN", "CSV", "JSON", "YAML", "WAV", "MP3", "OGG", "Ogg", "FLAC", "Opus", "Icecast", "SQLite",
        "UTF-8", "LANG", "CPU", "USB", "WebSocket", "SSE", "PID", "gpsd", "systemd", "labad", "laba", "Laba", "Ctrl-C",
        "RFC", "min", "h", "d", "root", "xlsx", "A4", "ffmpeg", "AMR", "AAC",
    ]

    /// Extensions that make a word a file's name (`schedule.yaml:25:10`, `tongzhi.wav`).
    public static let fileExtensions: Set<String> = [
        "yaml", "yml", "wav", "mp3", "ogg", "oga", "opus", "flac", "m4a", "aac", "txt", "conf", "db",
        "pem", "key", "json", "csv", "xlsx", "service", "socket", "log", "sqlite", "tar", "gz",
    ]

    /// One word that is not allowed, and the line it stands in.
    public struct Leak: Equatable, Sendable, CustomStringConvertible {
        public var word: String
        public var line: String
        public var description: String { "'\(word)' in: \(line)" }
    }

    /// Everything allowed besides `codesAndUnits`.
    public var allowed: Set<String>

    /// - Parameters:
    ///   - ids: the scenario configuration's ids (zones, outputs, messages, recordings, operators).
    ///   - words: configuration keys, command and option names, and any other word a reader may meet.
    public init(ids: some Sequence<String>, words: some Sequence<String> = [String]()) {
        allowed = Set(ids).union(words)
    }

    /// The words in `text` that are neither allowed nor part of a path, in order.
    public func leaks(in text: String) -> [Leak] {
        text.split(whereSeparator: \.isNewline).flatMap { line in
            Self.words(in: String(line)).filter { !isAllowed($0) }.map { Leak(word: $0, line: String(line)) }
        }
    }

    /// Whether a word may be shown.
    public func isAllowed(_ word: String) -> Bool {
        if Self.codesAndUnits.contains(word) || allowed.contains(word) { return true }
        // A number with its unit (`12dB`, `-23LUFS`, `4.5s`), or a machine id (hex, a UUID).
        let unit = word.drop { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }
        if unit.count < word.count, Self.codesAndUnits.contains(String(unit)) { return true }
        if word.count >= 8, word.contains(where: \.isNumber), word.allSatisfy({ $0.isHexDigit || $0 == "-" }) { return true }
        // An environment variable (`LABA_SOCKET`).
        if word.contains("_"), word.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) { return true }
        // A version (`v1`, `v2.3`).
        if word.first == "v", word.count > 1, word.dropFirst().allSatisfy({ $0.isNumber || $0 == "." }) { return true }
        // An option as typed (`--force`, `-z`) or its name alone.
        let bare = word.drop { $0 == "-" }
        if bare.count < word.count, allowed.contains(String(bare)) { return true }
        // A file's name (`schedule.yaml`, `tongzhi.wav`).
        if let dot = word.lastIndex(of: "."), Self.fileExtensions.contains(word[word.index(after: dot)...].lowercased()) {
            return true
        }
        return false
    }

    /// The Latin words of a line, with paths and diagnostic heads taken out first.
    static func words(in line: String) -> [String] {
        var rest = line
        // Paths and URLs: a run of path characters with at least one slash.
        rest = rest.replacingOccurrences(of: #"[A-Za-z0-9_.~:@%+=-]*(?:/[A-Za-z0-9_.~:@%+=-]*)+"#, with: " ",
                                         options: .regularExpression)
        // `error:` and `warning:` heading a diagnostic.
        rest = rest.replacingOccurrences(of: #"\b(?:error|warning):"#, with: " ", options: .regularExpression)
        var words: [String] = []
        var current = ""
        func flush() {
            var word = Substring(current)
            while let last = word.last, last == "." || last == "-" || last == "_" { word = word.dropLast() }
            if word.contains(where: { $0.isASCII && $0.isLetter }) { words.append(String(word)) }
            current = ""
        }
        for character in rest {
            if character.isASCII, character.isLetter || character.isNumber || "_.-+".contains(character) {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return words
    }
}
