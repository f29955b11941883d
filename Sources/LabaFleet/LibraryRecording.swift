// The fleet's library (SPEC 11, 17): a commander publishes a recording, retained and signed, on
// `library/<key-id>/<message>/<language>`; units check it and keep it under their state dir.
//
// `{"v": 2, "key": KEY_ID, "payload": BASE64, "sig": BASE64, "audio": BASE64}`: the signature is
// over the payload (the recording's description, with the SHA-256 of the audio and the zones it is
// for), so that a unit checks the description's signature and then the audio against its digest.
// Version 1 (before keys had topics) named no zones: this release refuses it, and a unit of that
// release refuses version 2 (it never sees the new topics anyway).

import Crypto
import Foundation
import LabaCore

/// What a library message says of its recording; the signed part.
public struct LibraryRecordingInfo: Codable, Sendable, Equatable {
    public var message: String
    public var language: String
    /// The file ending a unit stores it under (`wav`, `flac`, `ogg`...).
    public var format: String
    /// SHA-256 of the audio bytes, hex.
    public var sha256: String
    public var size: Int
    /// Milliseconds since the epoch when it was published, equal to `issued_at`'s: a unit keeps
    /// the highest it has seen of each key.
    public var version: Int64
    /// The commander's unit id.
    public var issuer: String
    public var issuedAt: FleetTime
    /// The subtrees it is for, each inside the signing key's trusted zones (absent before v2).
    public var zones: [String]?
    /// What a person calls it (absent before v2).
    public var title: String?

    public init(message: String, language: String, format: String, audio: [UInt8], issuer: String, issuedAt: Instant,
                zones: [String], title: String) {
        self.zones = zones
        self.title = title
        self.message = message
        self.language = language
        self.format = format
        self.sha256 = LibraryRecordingInfo.digest(audio)
        self.size = audio.count
        self.version = FleetTime.milliseconds(issuedAt).microseconds / 1000
        self.issuer = issuer
        self.issuedAt = FleetTime(issuedAt)
    }

    /// SHA-256, hex.
    public static func digest(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    enum CodingKeys: String, CodingKey {
        case message, language, format, sha256, size, version, issuer, issuedAt = "issued_at", zones, title
    }
}

/// A library message as published: the signed description and the audio.
public struct SignedRecording: Codable, Sendable, Equatable {
    public var v: Int
    public var key: String
    public var payload: Data
    public var sig: Data
    public var audio: Data

    /// The envelope version of a recording that names its zones and title.
    public static let version = 2

    /// Signs `info` with `key` and carries `audio` beside it.
    public init(signing info: LibraryRecordingInfo, audio: [UInt8], with key: FleetSigningKey) {
        let payload = FleetJSON.encode(info)
        v = Self.version
        self.key = key.id
        self.payload = Data(payload)
        sig = Data(key.signature(for: payload))
        self.audio = Data(audio)
    }

    public init(v: Int, key: String, payload: Data, sig: Data, audio: Data) {
        self.v = v
        self.key = key
        self.payload = payload
        self.sig = sig
        self.audio = audio
    }

    public var bytes: [UInt8] { FleetJSON.encode(self) }
}

/// The verdict on one library message.
public enum RecordingVerdict: Sendable, Equatable {
    case accepted(LibraryRecordingInfo, audio: [UInt8], key: String)
    case refused(FleetRefusal)
}

public enum RecordingVerifier {
    /// Checks a library message received on `library/<topicKey>/<message>/<language>`, in this
    /// order: envelope (`malformed`: version 2, signed by the topic's key), key (`untrusted`),
    /// signature (`bad_signature`), revocation (`revoked`), description (`malformed`: it must name the topic's message
    /// and language, a title, zones, the issuer its trust entry binds (`wrong_issuer`), a recording file ending, and a version equal to `issued_at`
    /// in milliseconds), zones (`unknown_zone`: one this unit's tree lacks; `out_of_scope`: one
    /// outside the key's trusted subtrees), audio (`bad_digest`), version (`duplicate` when it is
    /// not newer than `currentVersion`, the one the unit keeps of this key).
    public static func verify(_ bytes: [UInt8], topicKey: String, message: String, language: String, trust: FleetTrust,
                              tree: ZoneTree, currentVersion: Int64?) -> RecordingVerdict {
        guard let envelope = try? FleetJSON.decode(SignedRecording.self, from: bytes) else {
            return .refused(FleetRefusal(.malformed, "not a signed library recording"))
        }
        guard envelope.v == SignedRecording.version else {
            return .refused(FleetRefusal(.malformed, "library envelope version \(envelope.v) (this unit reads \(SignedRecording.version))"))
        }
        guard envelope.key == topicKey else {
            return .refused(FleetRefusal(.malformed, "signed by key \(envelope.key), published under key \(topicKey)"))
        }
        guard let entry = trust[envelope.key] else {
            return .refused(FleetRefusal(.untrusted, "key \(envelope.key) is not trusted here"))
        }
        guard entry.key.isValidSignature(Array(envelope.sig), for: Array(envelope.payload)) else {
            return .refused(FleetRefusal(.badSignature, "the signature does not match key \(envelope.key)"))
        }
        guard !entry.revoked else {
            return .refused(FleetRefusal(.revoked, "key \(envelope.key) is revoked here"))
        }
        guard let info = try? FleetJSON.decode(LibraryRecordingInfo.self, from: Array(envelope.payload)) else {
            return .refused(FleetRefusal(.malformed, "the description is not a library recording's"))
        }
        if let issuer = entry.issuer, info.issuer != issuer {
            return .refused(FleetRefusal(.wrongIssuer, "key \(envelope.key) signs for '\(issuer)', not '\(info.issuer)'"))
        }
        guard info.message == message, info.language == language else {
            return .refused(FleetRefusal(.malformed, "the recording is \(info.message)/\(info.language), "
                                         + "published on library/\(topicKey)/\(message)/\(language)"))
        }
        guard let title = info.title, !title.isEmpty else {
            return .refused(FleetRefusal(.malformed, "the recording names no title"))
        }
        guard let zones = info.zones, !zones.isEmpty else {
            return .refused(FleetRefusal(.malformed, "the recording names no zones"))
        }
        guard info.version == info.issuedAt.instant.microseconds / 1000 else {
            return .refused(FleetRefusal(.malformed, "version \(info.version) is not its issued_at in milliseconds"))
        }
        for zone in zones {
            guard tree[zone] != nil else {
                return .refused(FleetRefusal(.unknownZone, "zone \(zone) is not in this unit's zone tree"))
            }
            guard entry.zones.contains(where: { tree.zone(zone, isWithin: $0) }) else {
                return .refused(FleetRefusal(.outOfScope, "key \(envelope.key) may publish for "
                                             + "\(entry.zones.joined(separator: ", ")), not for \(zone)"))
            }
        }
        guard MessageLibrary.audioExtensions.contains(info.format) else {
            return .refused(FleetRefusal(.malformed, "'\(info.format)' is not a recording format Laba reads"))
        }
        let audio = Array(envelope.audio)
        guard audio.count == info.size, LibraryRecordingInfo.digest(audio) == info.sha256 else {
            return .refused(FleetRefusal(.badDigest, "the audio does not match its SHA-256 \(info.sha256)"))
        }
        if let currentVersion, info.version <= currentVersion {
            return .refused(FleetRefusal(.duplicate, "version \(info.version) is not newer than the one kept (\(currentVersion))"))
        }
        return .accepted(info, audio: audio, key: envelope.key)
    }
}
