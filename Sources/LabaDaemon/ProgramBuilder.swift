// A broadcast record → the program its output renders: chime, languages, gains.

import LabaAudio
import LabaCore
import LabaStore

/// What the configuration, the recordings and the loudness cache say a broadcast sounds like.
struct ProgramBuilder: Sendable {
    let config: Config
    let tree: ZoneTree
    let library: MessageLibrary
    let loudness: LoudnessCache

    /// An uploaded recording that cannot be measured: it is never played.
    struct Unplayable: Error, CustomStringConvertible {
        var description: String
    }

    /// The program, and the languages it holds in order.
    ///
    /// Blocking: measures recordings not yet in the loudness cache (call it on the output's thread).
    /// - Throws: `Unplayable` for an upload whose loudness cannot be measured (a file broken past
    ///   its header); a library recording that fails is left out and the rest plays.
    /// - Parameter nightDB: the night volume's change of gain, fixed as the program starts (0 at
    ///   full volume).
    func program(for record: BroadcastRecord, nightDB: Double = 0) throws(Unplayable) -> (Program, languages: [String]) {
        let zone = tree[record.zone]
        let outputVolume = config.output(record.output)?.gainDB ?? 0
        let volume = (zone?.volumeDB ?? 0) + outputVolume + nightDB
        if record.uploadPath == nil, let pattern = config.sirens.pattern(forMessage: record.message) {
            // A civil-defence signal: synthesised, no chime, no loudness normalisation; its own
            // silences keep the rhythm between passes.
            let program = Program(segments: [ProgramSegment(label: Language.neutral, signal: pattern, gainDB: volume)],
                                  gap: .zero, repeatCount: record.repeatCount, loop: record.loop)
            return (program, [])
        }
        let target = zone?.loudness ?? ZoneTree.defaultLoudness
        func segment(_ label: String, _ path: String) -> ProgramSegment {
            let measurement = try? loudness.measurement(path: path).0
            return ProgramSegment(label: label, path: path,
                                  gainDB: Loudness.gain(for: measurement, target: target, volumeDB: volume))
        }
        // The choices were made at admission or planning; here they only become files.
        var segments: [ProgramSegment] = []
        // A fleet recording plays where its key's authority reaches this output's zone (SPEC 17).
        func recording(_ message: String, _ language: String) -> Recording? {
            library.recording(message: message, language: language, zone: record.zone, tree: tree)
        }
        if let chime = record.chime, let recording = recording(chime, Language.neutral) {
            segments.append(segment("chime", recording.path))
        }
        var languages: [String] = []
        if let path = record.uploadPath {
            do { _ = try loudness.measurement(path: path) } catch {
                throw Unplayable(description: "the upload '\(record.message)' cannot be played: "
                                 + "\(error)".replacingOccurrences(of: path, with: "'\(record.message)'"))
            }
            // Labelled with its language when the uploader named one, so that it is recorded as played.
            segments.append(segment(record.plannedLanguages.first ?? "upload", path))
        } else {
            for language in record.plannedLanguages {
                if let recording = recording(record.message, language) {
                    segments.append(segment(language, recording.path))
                    languages.append(language)
                }
            }
            if record.neutral, let neutral = recording(record.message, Language.neutral) {
                segments.append(segment(Language.neutral, neutral.path))
            }
        }
        let program = Program(segments: segments, gap: zone?.gap ?? ZoneTree.defaultGap,
                              repeatCount: record.repeatCount, loop: record.loop)
        return (program, languages)
    }
}
