// A fleet unit's library under its state dir: each key's recordings in
// `library/.keys/<key-id>/<message>/<language>.<ext>`, laid out as `audio_dir` is (so that the
// same scan reads it), and beside each recording a hidden `.<language>.json` (which the scan passes
// over) with its version, digest, zones and signer.
//
// Recordings kept before keys had topics stay in `library/<message>/<language>.<ext>`: they named
// no zones, so each plays only inside its key's trusted subtrees, as if it named them; a recording
// of the same key, message and language received since replaces it.

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

    /// Where each key's recordings are.
    var keysDirectory: String { (directory as NSString).appendingPathComponent(".keys") }

    func folder(of key: String) -> String { (keysDirectory as NSString).appendingPathComponent(key) }

    /// The sidecars under `folder` (laid out as `audio_dir`): `message/language` → sidecar.
    private func sidecars(in folder: String) -> [String: Sidecar] {
        var out: [String: Sidecar] = [:]
        let fm = FileManager.default
        for message in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where !message.hasPrefix(".") {
            let sub = (folder as NSString).appendingPathComponent(message)
            for file in (try? fm.contentsOfDirectory(atPath: sub)) ?? [] where file.hasPrefix(".") && file.hasSuffix(".json") {
                guard let data = fm.contents(atPath: (sub as NSString).appendingPathComponent(file)),
                      let sidecar = try? FleetJSON.decode(Sidecar.self, from: Array(data)) else { continue }
                out["\(sidecar.info.message)/\(sidecar.info.language)"] = sidecar
            }
        }
        return out
    }

    private func keys() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: keysDirectory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every recording kept under a key's topics, with its version.
    func held() -> [UnitStatus.LibraryHeld] {
        keys().flatMap { key in
            sidecars(in: folder(of: key)).values.map {
                UnitStatus.LibraryHeld(key: key, message: $0.info.message, language: $0.info.language, version: $0.info.version)
            }
        }.sorted { ($0.key, $0.message, $0.language) < ($1.key, $1.message, $1.language) }
    }

    /// `key/message/language` → the version kept. Recordings kept before keys had topics do not
    /// count: a version there (any number a key chose) must not hold up a recording checked now.
    func versions() -> [String: Int64] {
        Dictionary(held().map { ("\($0.key)/\($0.message)/\($0.language)", $0.version) }, uniquingKeysWith: max)
    }

    /// The recordings kept, readable, with what `LibraryChoice` needs; those of keys no longer
    /// trusted are left out. `library` carries the unreadable files.
    ///
    /// - Parameter trust: KEY_ID → the subtrees this unit trusts it for.
    func recordings(trust: [String: [String]], probe: some RecordingProbe) -> (recordings: [FleetRecording], library: MessageLibrary) {
        var out: [FleetRecording] = []
        var problems = MessageLibrary(directory: directory)
        func collect(_ folder: String, signedZones: (Sidecar) -> [String]?) {
            let scanned = MessageLibrary.scan(directory: folder, probe: probe)
            problems.addProblems(of: scanned)
            let notes = sidecars(in: folder)
            for recording in scanned.recordings.values.flatMap(\.values) {
                guard let sidecar = notes["\(recording.message)/\(recording.language)"],
                      let trusted = trust[sidecar.key], let zones = signedZones(sidecar) else { continue }
                out.append(FleetRecording(recording: recording, key: sidecar.key, zones: zones, trusted: trusted,
                                          issuedAt: sidecar.info.issuedAt.instant.microseconds, title: sidecar.info.title))
            }
        }
        if FileManager.default.fileExists(atPath: directory) {
            collect(directory) { trust[$0.key] }
        }
        for key in keys() {
            collect(folder(of: key)) { $0.key == key ? $0.info.zones : nil }
        }
        return (out.sorted { $0.recording.path < $1.recording.path }, problems)
    }

    /// Removes every recording the keys `revoked` signed: their folders under `.keys/` and those
    /// kept before keys had topics. A revoked key's recordings play nowhere (its trust is gone
    /// from the scan); removing them keeps them from coming back with a trust entry restored by
    /// mistake and frees the disk. Unreadable files are left for the next start.
    ///
    /// - Returns: `key/message/language` of each recording removed.
    @discardableResult
    func removeRecordings(of revoked: Set<String>) -> [String] {
        guard !revoked.isEmpty else { return [] }
        let fm = FileManager.default
        var removed: [String] = []
        for key in keys() where revoked.contains(key) {
            removed += sidecars(in: folder(of: key)).values.map { "\(key)/\($0.info.message)/\($0.info.language)" }
            try? fm.removeItem(atPath: folder(of: key))
        }
        for message in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where !message.hasPrefix(".") {
            let sub = (directory as NSString).appendingPathComponent(message)
            for file in (try? fm.contentsOfDirectory(atPath: sub)) ?? [] where file.hasPrefix(".") && file.hasSuffix(".json") {
                let sidecarPath = (sub as NSString).appendingPathComponent(file)
                guard let data = fm.contents(atPath: sidecarPath), let sidecar = try? FleetJSON.decode(Sidecar.self, from: Array(data)),
                      revoked.contains(sidecar.key) else { continue }
                let language = sidecar.info.language
                for audio in (try? fm.contentsOfDirectory(atPath: sub)) ?? []
                where !audio.hasPrefix(".") && (audio as NSString).deletingPathExtension == language {
                    try? fm.removeItem(atPath: (sub as NSString).appendingPathComponent(audio))
                }
                try? fm.removeItem(atPath: sidecarPath)
                removed.append("\(sidecar.key)/\(sidecar.info.message)/\(language)")
            }
            if ((try? fm.contentsOfDirectory(atPath: sub)) ?? ["?"]).isEmpty { try? fm.removeItem(atPath: sub) }
        }
        return removed.sorted()
    }

    /// Writes a checked recording: the audio under a temporary name, checked with libsndfile,
    /// then renamed over the old one (any other ending of the same language is removed), then its
    /// sidecar. A crash leaves the old recording or the new one, never half of one.
    ///
    /// - Throws: a sentence, when libsndfile cannot read the audio or the disk refuses it.
    func install(_ info: LibraryRecordingInfo, audio: [UInt8], key: String) throws {
        let fm = FileManager.default
        let folder = ((folder(of: key)) as NSString).appendingPathComponent(info.message)
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
        removeLegacy(message: info.message, language: info.language, key: key)
    }

    /// Removes the recording of `key` kept before keys had topics, once the key sent a new one.
    private func removeLegacy(message: String, language: String, key: String) {
        let fm = FileManager.default
        let folder = (directory as NSString).appendingPathComponent(message)
        let sidecar = (folder as NSString).appendingPathComponent(".\(language).json")
        guard let data = fm.contents(atPath: sidecar), let old = try? FleetJSON.decode(Sidecar.self, from: Array(data)),
              old.key == key else { return }
        for file in (try? fm.contentsOfDirectory(atPath: folder)) ?? []
        where !file.hasPrefix(".") && (file as NSString).deletingPathExtension == language {
            try? fm.removeItem(atPath: (folder as NSString).appendingPathComponent(file))
        }
        try? fm.removeItem(atPath: sidecar)
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
