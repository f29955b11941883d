// Issue 25: a key revoked in fleet.trust has the recordings a unit holds from it removed, at
// labad's start and at a reload, while another key's recordings stay (real labad, real files; the
// broker need not be reachable for that).

import Foundation
import LabaFleet
import Testing

@Suite struct FleetRevokedTests {
    static func sidecar(key: String, message: String, language: String, zones: [String]) -> String {
        #"{"info":{"message":"\#(message)","language":"\#(language)","format":"wav","sha256":"00","size":1,"#
            + #""version":1768464000000,"issuer":"office","issued_at":"2026-01-15T08:00:00.000Z","#
            + #""zones":[\#(zones.map { "\"\($0)\"" }.joined(separator: ","))],"title":"Notice"},"key":"\#(key)"}"#
    }

    /// A recording of `key` for the town, as a unit keeps it under `library/.keys/<key>/`.
    static func hold(_ fixture: DaemonFixture, key: String) throws -> String {
        let folder = fixture.dir + "/state/library/.keys/\(key)/notice"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.dir + "/audio/notice/naxi.wav", toPath: folder + "/naxi.wav")
        try sidecar(key: key, message: "notice", language: "naxi", zones: ["town"])
            .write(toFile: folder + "/.naxi.json", atomically: true, encoding: .utf8)
        return folder + "/naxi.wav"
    }

    func writeConfig(_ fixture: DaemonFixture, countyRevoked: Bool) throws {
        try fixture.writeConfig(at: "2099-01-01 08:00:00", extra: """
            fleet:
              name: t
              broker: "mqtt://127.0.0.1:1"
              unit: town-1
              trust:
                - {key: keys/county.pub, zones: [town], revoked: \(countyRevoked)}
                - {key: keys/town.pub, zones: [town]}
            """)
    }

    /// Waits until `path` is gone (labad removes it on its own thread).
    func gone(_ path: String) -> Bool {
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            if !FileManager.default.fileExists(atPath: path) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func aRevokedKeysRecordingsAreRemovedAtAReloadAndAtStart() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.05)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/keys", withIntermediateDirectories: true)
        let county = try FleetKeyFile.generate(at: fixture.dir + "/keys/county", comment: nil)
        let town = try FleetKeyFile.generate(at: fixture.dir + "/keys/town", comment: nil)
        let countys = try Self.hold(fixture, key: county.id)
        let towns = try Self.hold(fixture, key: town.id)

        // Trusted: kept.
        try writeConfig(fixture, countyRevoked: false)
        try fixture.start()
        #expect(fixture.waitForLog("fleet unit town-1"))
        #expect(FileManager.default.fileExists(atPath: countys))

        // Revoked, then reloaded: removed, the other key's kept.
        try writeConfig(fixture, countyRevoked: true)
        let reload = try Binaries.run("laba", ["reload"], environment: fixture.environment)
        #expect(reload.status == 0, "\(reload.stdout) \(reload.stderr)")
        #expect(gone(countys), "the revoked key's recording is still there after a reload")
        #expect(fixture.waitForLog("library recording of a revoked key removed"))
        #expect(FileManager.default.fileExists(atPath: towns))
        #expect(fixture.terminate() == 0)

        // Back (a copy restored from a backup), then a start with the key revoked: removed again.
        let again = try Self.hold(fixture, key: county.id)
        try fixture.start()
        #expect(gone(again), "the revoked key's recording is still there after a start")
        #expect(fixture.waitForLog("library recording of a revoked key removed"))
        #expect(FileManager.default.fileExists(atPath: towns))
        #expect(fixture.terminate() == 0)
    }
}
