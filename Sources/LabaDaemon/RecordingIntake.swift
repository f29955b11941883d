// A recording added to the library from outside (the console's upload or microphone): received,
// trimmed of silence, measured and placed, once, for every door that takes one.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaStore

enum RecordingIntake {
    /// The earlier recordings of one message and language kept under the state dir.
    static let keptEarlier = 5

    /// How long a recording waits for the clerk's confirmation.
    static let stagedLifetime: TimeInterval = 3_600

    /// Converts (a phone's format), trims and measures a received recording into `directory` as
    /// `<token>.wav`, to be heard before it is saved; recordings staged over an hour ago are removed.
    /// Blocking: call it off the event loop.
    static func stage(received: String, into directory: String, maxDuration: TimeSpan) throws -> StagedRecording {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in (try? files.contentsOfDirectory(atPath: directory)) ?? [] {
            let path = (directory as NSString).appendingPathComponent(name)
            if let modified = (try? files.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
               Date().timeIntervalSince(modified) > stagedLifetime {
                unlink(path)
            }
        }
        let converted = try PhoneConverter(maxDuration: maxDuration).intake(received, name: "upload")
        defer { if converted.from != nil { unlink(converted.path) } }
        let token = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max)) }.joined()
        let path = (directory as NSString).appendingPathComponent("\(token).wav")
        do {
            let result = try SilenceTrimmer.trim(input: converted.path, output: path)
            let loudness = try Loudness.measure(path: path)
            return StagedRecording(token: token, seconds: result.format.duration, lufs: loudness.integrated,
                                   convertedFrom: converted.from?.rawValue)
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Trims, measures and moves a received recording into place; the earlier recordings of the
    /// same message and language are kept under the state dir, the last `keptEarlier` of them.
    /// Blocking: call it off the event loop.
    ///
    /// - Parameter now: the daemon's clock, for the kept recording's name.
    static func place(received: String, message: String, language: String, audioDirectory: String, layout: StateLayout,
                      now: Instant, maxDuration: TimeSpan = UploadsConfig.defaultMaxDuration) throws -> SavedRecording {
        let trimmed = received + ".wav"
        defer { unlink(trimmed) }
        // A phone's recording (m4a, aac, amr) becomes FLAC first; WeChat's .silk is refused with what to do.
        let converted = try PhoneConverter(maxDuration: maxDuration).intake(received, name: message)
        defer { if converted.from != nil { unlink(converted.path) } }
        let result = try SilenceTrimmer.trim(input: converted.path, output: trimmed)
        let loudness = try Loudness.measure(path: trimmed)
        let files = FileManager.default
        let folder = (audioDirectory as NSString).appendingPathComponent(message)
        let target = (folder as NSString).appendingPathComponent("\(language).wav")
        func keepEarlier(in folder: String) throws {
            let replaced = (layout.directory as NSString).appendingPathComponent("console/replaced/\(message)")
            for name in (try? files.contentsOfDirectory(atPath: folder)) ?? [] where (name as NSString).deletingPathExtension == language {
                try files.createDirectory(atPath: replaced, withIntermediateDirectories: true)
                try files.moveItem(atPath: (folder as NSString).appendingPathComponent(name),
                                   toPath: (replaced as NSString).appendingPathComponent(
                                       "\(language)-\(now.seconds).\((name as NSString).pathExtension)"))
            }
            // What grows is bounded (SPEC 17): the last few earlier recordings of each language.
            let earlier = ((try? files.contentsOfDirectory(atPath: replaced)) ?? [])
                .filter { $0.hasPrefix("\(language)-") }
                .sorted { (Int($0.dropFirst(language.count + 1).prefix { $0.isNumber }) ?? 0) > (Int($1.dropFirst(language.count + 1).prefix { $0.isNumber }) ?? 0) }
            for name in earlier.dropFirst(keptEarlier) {
                try? files.removeItem(atPath: (replaced as NSString).appendingPathComponent(name))
            }
        }
        do {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard access(folder, W_OK) == 0 else { throw CocoaError(.fileWriteNoPermission) }
            try keepEarlier(in: folder)
            try files.copyItem(atPath: trimmed, toPath: target)
            return SavedRecording(path: target, seconds: result.format.duration, lufs: loudness.integrated, inStateDirectory: false,
                                  reloaded: false)
        } catch {
            // A sandboxed service (ProtectSystem=strict) may not write audio_dir: keep it in the state dir.
            let fallback = (layout.consoleRecordings as NSString).appendingPathComponent(message)
            try files.createDirectory(atPath: fallback, withIntermediateDirectories: true)
            try keepEarlier(in: fallback)
            let path = (fallback as NSString).appendingPathComponent("\(language).wav")
            try files.copyItem(atPath: trimmed, toPath: path)
            return SavedRecording(path: path, seconds: result.format.duration, lufs: loudness.integrated, inStateDirectory: true,
                                  reloaded: false)
        }
    }
}
