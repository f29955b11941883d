// A fleet unit's library under its state dir: `library/<message>/<language>.<ext>`, laid out as
// `audio_dir` is (so that the same scan reads it), and beside each recording a hidden
// `.<language>.json` (which the scan passes over) with its version, digest and signer.

import Foundation
import LabaAudio
import LabaCore
import LabaFleet

struct FleetLibraryFiles {
    let directory: String

    struct Sidecar: Codable {
        var info: LibraryRecordingInfo
        /// KEY_ID of the key that signed it.
        var key: String
    }

    /// `message/language` → the version kept.
    func versions() -> [String: Int64] {
        var out: [String: Int64] = [:]
        let fm = FileManager.default
        for message in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where !message.hasPrefix(".") {
            let folder = (directory as NSString).appendingPathComponent(message)
            for file in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where file.hasPrefix(".") && file.hasSuffix(".json") {
                guard let data = fm.contents(atPath: (folder as NSString).appendingPathComponent(file)),
                      let sidecar = try? FleetJSON.decode(Sidecar.self, from: Array(data)) else { continue }
                out["\(sidecar.info.message)/\(sidecar.info.language)"] = sidecar.info.version
            }
        }
        return out
    }

    /// Writes a checked recording: the audio under a temporary name, checked with libsndfile,
    /// then renamed over the old one (any other ending of the same language is removed), then its
    /// sidecar. A crash leaves the old recording or the new one, never half of one.
    ///
    /// - Throws: a sentence, when libsndfile cannot read the audio or the disk refuses it.
    func install(_ info: LibraryRecordingInfo, audio: [UInt8], key: String) throws {
        let fm = FileManager.default
        let folder = (directory as NSString).appendingPathComponent(info.message)
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw LibraryFileError("cannot create \(folder): \(error.localizedDescription)")
        }
        let final = (folder as NSString).appendingPathComponent("\(info.language).\(info.format)")
        let temporary = (folder as NSString).appendingPathComponent(".\(info.language).\(UInt32.random(in: 0...UInt32.max)).part")
        try write(audio, to: temporary)
        if case .failure(let failure) = SndFileProbe().probe(path: temporary) {
            unlink(temporary)
            throw LibraryFileError("libsndfile cannot read it: \(failure.reason)")
        }
        guard rename(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw LibraryFileError("cannot keep it as \(final): \(reason)")
        }
        for file in (try? fm.contentsOfDirectory(atPath: folder)) ?? []
        where !file.hasPrefix(".") && (file as NSString).deletingPathExtension == info.language && file != (final as NSString).lastPathComponent {
            try? fm.removeItem(atPath: (folder as NSString).appendingPathComponent(file))
        }
        let sidecar = (folder as NSString).appendingPathComponent(".\(info.language).json")
        let sidecarTemporary = sidecar + ".part"
        try write(FleetJSON.encode(Sidecar(info: info, key: key)), to: sidecarTemporary)
        guard rename(sidecarTemporary, sidecar) == 0 else {
            throw LibraryFileError("cannot write \(sidecar): \(String(cString: strerror(errno)))")
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw LibraryFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw LibraryFileError("cannot write \(path): \(reason)")
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw LibraryFileError("cannot write \(path): \(reason)")
        }
    }
}

struct LibraryFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
