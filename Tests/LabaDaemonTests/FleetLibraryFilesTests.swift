// A unit's kept fleet recordings across the upgrade to library topics by key (SPEC 17): those kept
// before (no zones) stay usable, but only inside their key's trusted subtrees.

import Foundation
import LabaAudio
import LabaCore
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
