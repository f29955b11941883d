// A unit's kept fleet recordings across the upgrade to library topics by key (SPEC 17): those kept
// before (no zones) stay usable, but only inside their key's trusted subtrees.

import Foundation
import LabaAudio
import LabaCore
import LabaFleet
@testable import LabaDaemon
import Testing

@Suite struct FleetLibraryFilesTests {
    static let township = "8d2e41b07c9f5a36"
    static let county = "3f9a0c21d4e5b6a7"

    /// A sidecar as the release before keys had topics wrote it: no zones, no title, any version.
    static func legacySidecar(key: String, message: String, language: String, version: Int64) -> String {
        #"{"info":{"message":"\#(message)","language":"\#(language)","format":"wav","sha256":"00","size":1,"#
            + #""version":\#(version),"issuer":"gucheng-office","issued_at":"2026-01-15T08:00:00.000Z"},"key":"\#(key)"}"#
    }

    static func sidecar(key: String, message: String, language: String, zones: [String]) -> String {
        #"{"info":{"message":"\#(message)","language":"\#(language)","format":"wav","sha256":"00","size":1,"#
            + #""version":1768464000000,"issuer":"lijiang-office","issued_at":"2026-01-15T08:00:00.000Z","#
            + #""zones":[\#(zones.map { "\"\($0)\"" }.joined(separator: ","))],"title":"Masks"},"key":"\#(key)"}"#
    }

    func makeLibrary() throws -> String {
        let directory = NSTemporaryDirectory() + "laba-library-\(UUID().uuidString)"
        // Kept before the upgrade: the township's take-over, version Int64.max.
        try EngineFixture.writeTone(directory + "/masks/mandarin.wav", frequency: 500)
        try Self.legacySidecar(key: Self.township, message: "masks", language: "mandarin", version: .max)
            .write(toFile: directory + "/masks/.mandarin.json", atomically: true, encoding: .utf8)
        // Received since, on the county key's topic.
        let county = directory + "/.keys/\(Self.county)"
        try EngineFixture.writeTone(county + "/masks/mandarin.wav", frequency: 700)
        try Self.sidecar(key: Self.county, message: "masks", language: "mandarin", zones: ["lijiang"])
            .write(toFile: county + "/masks/.mandarin.json", atomically: true, encoding: .utf8)
        return directory
    }

    @Test func aRecordingKeptBeforeTheUpgradePlaysOnlyInsideItsKeysTrustAndItsVersionHoldsNothingUp() throws {
        let directory = try makeLibrary()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = FleetLibraryFiles(directory: directory)
        let (recordings, problems) = files.recordings(trust: [Self.county: ["lijiang"], Self.township: ["gucheng"]], probe: SndFileProbe())
        #expect(problems.unreadable.isEmpty)
        let legacy = try #require(recordings.first { $0.key == Self.township })
        #expect(legacy.zones == ["gucheng"] && legacy.trusted == ["gucheng"])
        #expect(recordings.first { $0.key == Self.county }?.zones == ["lijiang"])
        // Only recordings under a key's topics count for versions: Int64.max kept before blocks nothing.
        #expect(files.versions() == ["\(Self.county)/masks/mandarin": 1_768_464_000_000])
        #expect(files.held().map(\.key) == [Self.county])

        // A key no longer trusted: its recordings play nowhere.
        let untrusted = files.recordings(trust: [Self.county: ["lijiang"]], probe: SndFileProbe()).recordings
        #expect(untrusted.map(\.key) == [Self.county])
    }
}

/// SPEC 17: a key revoked in `fleet.trust` has its recordings removed from the unit (at start and
/// at each reload) and they play no more: the next key's recording, or audio_dir's, plays instead.
@Suite struct RevokedRecordingsTests {
    /// county > town; audio_dir's masks/mandarin; the county key's recording for the county (kept
    /// under its topic) and its handwash kept before keys had topics; the town key's for the town.
    struct Unit {
        let root: String
        let county: FleetSigningKey
        let town: FleetSigningKey
        var state: String { root + "/state" }
        var library: String { StateLayout(directory: state).library }

        init() throws {
            root = NSTemporaryDirectory() + "laba-revoked-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root + "/keys", withIntermediateDirectories: true)
            county = try FleetKeyFile.generate(at: root + "/keys/county", comment: nil)
            town = try FleetKeyFile.generate(at: root + "/keys/town", comment: nil)
            try EngineFixture.writeTone(root + "/audio/masks/mandarin.wav", frequency: 440)
            let countyFolder = library + "/.keys/\(county.id)"
            try EngineFixture.writeTone(countyFolder + "/masks/mandarin.wav", frequency: 500)
            try FleetLibraryFilesTests.sidecar(key: county.id, message: "masks", language: "mandarin", zones: ["county"])
                .write(toFile: countyFolder + "/masks/.mandarin.json", atomically: true, encoding: .utf8)
            try EngineFixture.writeTone(library + "/handwash/mandarin.wav", frequency: 600)
            try FleetLibraryFilesTests.legacySidecar(key: county.id, message: "handwash", language: "mandarin", version: 5)
                .write(toFile: library + "/handwash/.mandarin.json", atomically: true, encoding: .utf8)
            let townFolder = library + "/.keys/\(town.id)"
            try EngineFixture.writeTone(townFolder + "/masks/mandarin.wav", frequency: 700)
            try FleetLibraryFilesTests.sidecar(key: town.id, message: "masks", language: "mandarin", zones: ["town"])
                .write(toFile: townFolder + "/masks/.mandarin.json", atomically: true, encoding: .utf8)
        }

        func config(countyRevoked: Bool) throws -> Config {
            let yaml = """
                audio_dir: \(root)/audio
                outputs: [{id: square, device: hw, zone: town}]
                zones: [{id: county, languages: [mandarin]}, {id: town, parent: county, languages: [mandarin]}]
                fleet:
                  name: t
                  broker: mqtt://127.0.0.1:1
                  unit: u1
                  trust:
                    - {key: keys/county.pub, zones: [county], revoked: \(countyRevoked)}
                    - {key: keys/town.pub, zones: [town]}

                """
            let path = root + "/laba.yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let loaded = ConfigLoader.load(path: path)
            return try #require(loaded.config, "\(loaded.diagnostics)")
        }

        func played(_ config: Config, _ message: String, zone: String) -> String? {
            scanLibrary(config, stateDirectory: state).recording(message: message, language: "mandarin", zone: zone,
                                                                 tree: ZoneTree(config))?.path
        }
    }

    @Test func aRevokedKeysRecordingsAreRemovedAndTheNextOnesPlay() throws {
        let unit = try Unit()
        defer { try? FileManager.default.removeItem(atPath: unit.root) }
        let trusted = try unit.config(countyRevoked: false)
        // Trusted: the county's recording wins in the town (its key's trust is nearer the root).
        #expect(unit.played(trusted, "masks", zone: "town")?.hasPrefix(unit.library + "/.keys/\(unit.county.id)/") == true)
        #expect(unit.played(trusted, "handwash", zone: "town") == unit.library + "/handwash/mandarin.wav")

        let revoked = try unit.config(countyRevoked: true)
        // Revoked, even before its files go: they play nowhere.
        #expect(unit.played(revoked, "masks", zone: "town") == unit.library + "/.keys/\(unit.town.id)/masks/mandarin.wav")
        #expect(unit.played(revoked, "masks", zone: "county") == unit.root + "/audio/masks/mandarin.wav")
        #expect(unit.played(revoked, "handwash", zone: "town") == nil)

        let files = FleetLibraryFiles(directory: unit.library)
        let removed = files.removeRecordings(of: [unit.county.id])
        #expect(removed == ["\(unit.county.id)/handwash/mandarin", "\(unit.county.id)/masks/mandarin"])
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: unit.library + "/.keys/\(unit.county.id)"))
        #expect(!fm.fileExists(atPath: unit.library + "/handwash/mandarin.wav"))
        #expect(!fm.fileExists(atPath: unit.library + "/handwash/.mandarin.json"))
        // The town key's recording and audio_dir's stay, and play.
        #expect(fm.fileExists(atPath: unit.library + "/.keys/\(unit.town.id)/masks/mandarin.wav"))
        #expect(files.versions().keys.sorted() == ["\(unit.town.id)/masks/mandarin"])
        #expect(unit.played(revoked, "masks", zone: "town") == unit.library + "/.keys/\(unit.town.id)/masks/mandarin.wav")
        #expect(unit.played(revoked, "masks", zone: "county") == unit.root + "/audio/masks/mandarin.wav")
        // Nothing more to remove at the next start or reload.
        #expect(files.removeRecordings(of: [unit.county.id]).isEmpty)
    }
}
