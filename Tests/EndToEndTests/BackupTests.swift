// `laba backup` and `laba restore` with the real binaries (issue 31): a commander's backup taken
// while 100 broadcasts play, restored on a fresh state dir, shows the same record and the same
// units; a restore beside a running labad is refused.

import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

@Suite(.serialized) struct BackupTests {
    /// A commander (its key made by `laba fleet keygen`) whose units live in `hills`; its own output
    /// plays in `town`, so the test's broadcasts stay local.
    func commanderConfig(_ fixture: DaemonFixture, device: String = "laba_square") throws -> String {
        """
        timezone: UTC
        audio_dir: audio
        defaults: {gap: 200ms, loudness_lufs: -16}
        outputs:
          - {id: square, device: \(device), zone: town}
        zones:
          - {id: town, languages: [mandarin]}
          - {id: hills, languages: [yi]}
        fleet:
          name: e2e
          broker: "mqtt://127.0.0.1:1"
          unit: office
          trust:
            - {key: \(fixture.dir)/keys/county.pub, zones: [hills]}
          sign_key: \(fixture.dir)/keys/county.key
          command_zones: [hills]
        """
    }

    /// Two units the commander heard of, with a record each.
    func seedUnits(_ database: String) throws {
        let store = try Store(path: database)
        let at = try TimeParsing.instant("2026-12-01 08:00", in: TimeZone(identifier: "UTC")!, now: Instant(seconds: 0)).microseconds
        for (unit, state) in [("baisha-1", "online"), ("lashi-2", "offline")] {
            let status = #"{"unit": "\#(unit)", "state": "\#(state)", "zones": ["hills"], "version": "0.1.0", "#
                + #""outputs": [{"id": "horn", "zone": "hills", "state": "idle", "queue": 0}]}"#
            try store.saveUnitStatus(unit: unit, status: Data(status.utf8), state: state, at: at)
            let record = #"{"id": "r-\#(unit)", "source": "schedule", "message": "notice", "output": "horn", "zone": "hills", "#
                + #""priority": "scheduled", "languages": {"planned": ["yi"], "played": ["yi"]}, "#
                + #""planned_at": "2026-12-01T08:00:00.000Z", "state": "done", "outcome": "completed", "frames": 4800, "xruns": 0}"#
            try store.saveFleetRecord(FleetRecordRow(unit: unit, id: "r-\(unit)", command: nil, zone: "hills", message: "notice",
                                                     output: "horn", outcome: "completed", plannedAt: at, record: Data(record.utf8),
                                                     receivedAt: at))
        }
    }

    /// `laba history --format json` as records by id.
    static func history(_ fixture: DaemonFixture) throws -> [String: NSDictionary] {
        let out = try Binaries.run("laba", ["history", "--format", "json", "--limit", "1000"], environment: fixture.environment)
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8))
        let list = (json as? [String: Any])?["broadcasts"] as? [[String: Any]] ?? (json as? [[String: Any]]) ?? []
        return Dictionary(list.map { (($0["id"] as? String) ?? "", $0 as NSDictionary) }) { a, _ in a }
    }

    /// `laba fleet`'s units table: the lines from its header on (the first lines are about this
    /// process's own link to the broker: since when, messages waiting).
    static func unitsTable(_ fixture: DaemonFixture) throws -> [String] {
        let out = try Binaries.run("laba", ["fleet"], environment: fixture.environment)
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return Array(lines.drop { !$0.hasPrefix("UNIT") }.prefix { !$0.isEmpty })
    }

    @Test(.enabled(if: PulseServer.available, "needs pulseaudio (make deps) for real-time playback"))
    func aBackupTakenWhile100BroadcastsPlayRestoresTheSameRecordAndFleet() throws {
        let original = try DaemonFixture()
        guard let pulse = try original.usePacedPCM() else { Issue.record("no PulseAudio server"); return }
        defer { pulse.kill() }
        try original.writeTones(seconds: 0.1)
        try FileManager.default.createDirectory(atPath: original.dir + "/keys", withIntermediateDirectories: true)
        #expect(try Binaries.run("laba", ["fleet", "keygen", original.dir + "/keys/county"]).status == 0)
        try commanderConfig(original).write(toFile: original.configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: original.dir + "/state", withIntermediateDirectories: true)
        try seedUnits(original.database)
        try original.start()
        #expect(original.waitForLog("ready"))
        // A line or two per broadcast: the fixture reads the log all the time, so the pipe never fills.

        for _ in 0..<100 {
            let play = try Binaries.run("laba", ["play", "notice", "--zone", "town"], environment: original.environment)
            try #require(play.status == 0, "\(play.stderr)")
        }
        #expect(try original.waitForRecords { $0.filter { $0.state == .done }.count >= 10 })
        let file = original.dir + "/laba.backup"
        let backup = try Binaries.run("laba", ["backup", file, "--state-dir", original.dir + "/state", "--config", original.configPath],
                                      environment: original.environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        var s = stat()
        #expect(stat(file, &s) == 0 && s.st_mode & 0o777 == 0o600)
        let listing = try Binaries.run(executable: "/usr/bin/tar", ["-tf", file]).stdout
        #expect(listing.contains("state/laba.sqlite") && listing.contains("/keys/county.key") && listing.contains("laba.yaml"))
        let playingAtBackup = try Store(path: original.database).broadcasts(limit: .max).filter { $0.state != .done }.count
        #expect(playingAtBackup > 0, "the backup was meant to be taken while broadcasts played")

        // labad still holds that state dir: a restore there is refused, and nothing is touched.
        let refused = try Binaries.run("laba", ["restore", file, "--state-dir", original.dir + "/state"], environment: original.environment)
        #expect(refused.status == 1 && refused.stderr.contains("labad is running on"), "\(refused.stderr)")

        // The rest would take a minute or two in real time on a loaded machine: what waits is
        // cleared (the backup's done records are what the comparison is about).
        let stop = try Binaries.run("laba", ["stop", "--zone", "town", "--clear"], environment: original.environment)
        #expect(stop.status == 0, "\(stop.stderr)")
        let allDone = try original.waitForRecords { $0.count == 100 && $0.allSatisfy { $0.state == .done } }
        let states = try Store(path: original.database).broadcasts(limit: .max).map { "\($0.state.rawValue)/\($0.outcome?.rawValue ?? "-")" }
        #expect(allDone, "\(Dictionary(states.map { ($0, 1) }, uniquingKeysWith: +))")
        let before = try Self.history(original)
        let units = try Self.unitsTable(original)
        #expect(units.contains { $0.contains("baisha-1") } && units.contains { $0.contains("lashi-2") })
        #expect(original.terminate() == 0)

        // A new board: a fresh state dir, the backup restored, labad started on an output whose
        // device is not there, so that what the backup holds stays as it was (nothing plays).
        let board = try DaemonFixture()
        try board.writeTones(seconds: 0.1)
        let restore = try Binaries.run("laba", ["restore", file, "--state-dir", board.dir + "/state"], environment: board.environment)
        #expect(restore.status == 0, "\(restore.stderr)")
        try commanderConfig(original, device: "laba_missing").write(toFile: board.configPath, atomically: true, encoding: .utf8)
        try board.start()
        #expect(board.waitForLog("ready"))
        let after = try Self.history(board)
        // Every broadcast is there; those the backup saw done are identical; and the backup is one
        // instant: whatever ended before the latest it saw ended is done in it too.
        #expect(Set(after.keys) == Set(before.keys) && after.count == 100)
        let done = after.filter { ($0.value["state"] as? String) == "done" }
        #expect(!done.isEmpty && done.count < 100)
        for (id, record) in done { #expect(record == before[id], "\(id)") }
        let latest = done.values.compactMap { $0["ended_at"] as? String }.max() ?? ""
        let endedBefore = before.filter { (($0.value["ended_at"] as? String) ?? "~") < latest }.keys
        #expect(endedBefore.allSatisfy { done[$0] != nil })
        #expect(try Self.unitsTable(board) == units)
        #expect(board.terminate() == 0)
    }
}
