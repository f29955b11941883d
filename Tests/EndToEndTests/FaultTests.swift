import Foundation
import LabaStore
import Testing

/// Faults on the running daemon (issue 7): a device that vanishes and comes back, recordings broken
/// after `laba check`, a full state dir, a thousand triggers at once, a burst of SIGHUPs, and wall-
/// clock jumps. The long versions (100 kill -9 rounds, 200 SIGHUPs) are in `make soak`.
@Suite(.serialized) struct FaultTests {
    func laba(_ fixture: DaemonFixture, _ arguments: [String]) throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment)
    }

    /// An ALSA configuration of its own, so that the device can be taken away under the daemon
    /// (ALSA re-reads its files when they change, at the next open).
    func swappableDevice(_ fixture: DaemonFixture, present: Bool) throws {
        let definition = present ? """
            pcm.laba_square {
                type plug
                slave { pcm { type file slave.pcm "null" file "\(fixture.dir)/laba_square.wav" format "wav" } format S16_LE }
            }
            """ : "pcm.laba_elsewhere { type null }\n"
        try definition.write(toFile: fixture.dir + "/swap.conf", atomically: true, encoding: .utf8)
        fixture.alsaConfig = "/usr/share/alsa/alsa.conf:" + fixture.dir + "/swap.conf"
    }

    @Test func aDeviceThatVanishesAndComesBackPlaysWhatWaited() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try swappableDevice(fixture, present: true)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(try laba(fixture, ["play", "notice", "--zone", "town", "--lang", "naxi", "--wait"]).status == 0)

        // The card is unplugged: the next broadcast waits, the output says why.
        try swappableDevice(fixture, present: false)
        let play = try laba(fixture, ["play", "notice", "--zone", "town", "--lang", "yi"])
        #expect(play.status == 0, "\(play.stderr)")
        #expect(fixture.waitForLog("output unavailable"))
        let status = try laba(fixture, ["status", "--json"])
        #expect(status.stdout.contains("\"state\":\"unavailable\""), "\(status.stdout)")

        // Plugged back: the retry finds it, and what waited plays, once.
        try swappableDevice(fixture, present: true)
        #expect(fixture.waitForLog("output is back"))
        #expect(try fixture.waitForRecords { $0.count == 2 && $0.allSatisfy { $0.outcome == .completed } })
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [500])
        #expect(fixture.terminate() == 0)
    }

    /// The operator fixes `device:` and reloads: an output waiting on a missing PCM opens the new one
    /// at once (no back-off wait), and a working output moves to another PCM from its next broadcast.
    @Test func aReloadWithAnotherDeviceTakesEffectWithoutARestart() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let good = try fixture.writeConfigOnAMissingDevice(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(try laba(fixture, ["play", "notice", "--zone", "town", "--lang", "naxi"]).status == 0)
        #expect(fixture.waitForLog("output unavailable"))
        // The fix: the waiting output tries the new PCM at once, not at its next back-off step.
        try good.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        #expect(try laba(fixture, ["reload"]).status == 0)
        #expect(fixture.waitForLog("output is back", timeout: 3))
        #expect(try fixture.waitForRecords { $0.count == 1 && $0.allSatisfy { $0.outcome == .completed } })
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [300])

        try good.replacingOccurrences(of: "device: laba_square", with: "device: laba_van")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        #expect(try laba(fixture, ["reload"]).status == 0)
        #expect(try laba(fixture, ["play", "notice", "--zone", "town", "--lang", "yi", "--wait"]).status == 0)
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_van.wav") == [500])
        #expect(fixture.terminate() == 0)
    }

    @Test func aRecordingBrokenOrDeletedAfterTheCheckIsSkippedAndNamed() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        // After the daemon checked them: Yi's recording is cut to its header, Mandarin's deleted.
        let yi = fixture.dir + "/audio/notice/yi.wav"
        let header = try Data(contentsOf: URL(fileURLWithPath: yi)).prefix(44)
        try (header + Data(repeating: 0x7F, count: 3)).write(to: URL(fileURLWithPath: yi))
        try FileManager.default.removeItem(atPath: fixture.dir + "/audio/notice/mandarin.wav")
        let play = try laba(fixture, ["play", "notice", "--zone", "town", "--wait"])
        #expect(play.status == 0, "\(play.stdout) \(play.stderr)")
        #expect(fixture.terminate() == 0)
        let record = try #require(try Store(path: fixture.database).broadcasts(limit: .max).first)
        #expect(record.outcome == .completed && record.playedLanguages.first == "naxi")
        #expect(record.reason?.contains("not played") == true && record.reason?.contains("mandarin") == true, "\(record.reason ?? "")")
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav").first == 300)
    }

    /// The state dir cannot grow (a file-size limit, as on a full disk): new broadcasts are refused
    /// with the reason, the daemon stays up, and every broadcast it accepted is in the record.
    @Test func aFullStateDirRefusesNewBroadcastsAndLosesNoAcceptedOne() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.05)
        try fixture.writeConfig(at: "2099-01-01")
        // First start without a limit, so that the database exists and its size is known.
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(fixture.terminate() == 0)
        // The limit is per file: above the largest the state dir holds now (the WAL, usually).
        let state = fixture.dir + "/state"
        let largest = try FileManager.default.contentsOfDirectory(atPath: state).map {
            try FileManager.default.attributesOfItem(atPath: state + "/" + $0)[.size] as? Int ?? 0
        }.max() ?? 0
        fixture.launcher = ["/usr/bin/prlimit", "--fsize=\(largest + 256 * 1024)", "--"]
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        var accepted: [String] = []
        var refusal = ""
        for _ in 0..<400 {
            let play = try laba(fixture, ["play", "notice", "--zone", "town", "--lang", "naxi", "--json"])
            if play.status != 0 {
                refusal = play.stderr
                break
            }
            accepted += play.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
            }
        }
        #expect(refusal.contains("the state dir cannot store it"), "\(refusal)")
        #expect(!accepted.isEmpty)
        #expect(try laba(fixture, ["status"]).status == 0)
        #expect(fixture.terminate() == 0)

        // Space again: every accepted broadcast is in the record (played, or waiting to be).
        fixture.launcher = []
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(try fixture.waitForRecords { records in records.count == accepted.count && records.allSatisfy { $0.state == .done } })
        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        #expect(Set(records.map(\.id)) == Set(accepted))
        #expect(records.allSatisfy { $0.outcome == .completed })
        #expect(try Store(path: fixture.database).integrityCheck() == "ok")
        #expect(fixture.terminate() == 0)
    }

    /// 1,000 triggers at once on an output whose device is missing (nothing drains the queue):
    /// exactly 100 wait, the rest get 503, and nothing accepted is lost.
    @Test func aThousandConcurrentTriggersStayBounded() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.05)
        try fixture.writeConfig(at: "2099-01-01")
        try swappableDevice(fixture, present: false)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let out = try Binaries.run(path: "/usr/bin/python3", [Binaries.repo("Bench/burst.py"), fixture.dir + "/laba.sock", "1000"])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let accepted = result["accepted"] as? [String] ?? []
        #expect(result["statuses"] as? [Int] == [202, 503], "\(out)")
        // 100 waiting, and at most one taken by the player before the device was found missing.
        #expect((100...101).contains(accepted.count), "\(accepted.count)")
        #expect(result["rejected"] as? Int == 1000 - accepted.count)
        #expect(try laba(fixture, ["status"]).status == 0)
        #expect(fixture.terminate() == 0)
        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        #expect(Set(records.map(\.id)) == Set(accepted) && records.count == accepted.count)
    }

    /// 50 SIGHUPs in a row while broadcasts play: every reload is taken, nothing is lost or doubled.
    @Test func aBurstOfHangupsWhileBroadcastsPlay() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.1)
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let pid = try #require(fixture.process?.processIdentifier)
        var ids: [String] = []
        for round in 0..<50 {
            if round % 5 == 0 {
                let play = try laba(fixture, ["play", "notice", "--zone", "town", "--repeat", "2"])
                #expect(play.status == 0, "\(play.stderr)")
                ids += play.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            }
            kill(pid, SIGHUP)
        }
        #expect(try fixture.waitForRecords { records in records.count == ids.count && records.allSatisfy { $0.state == .done } })
        #expect(try laba(fixture, ["status"]).status == 0)
        #expect(fixture.process?.isRunning == true)
        #expect(fixture.terminate() == 0)
        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        #expect(Set(records.map(\.id)) == Set(ids))
        #expect(records.allSatisfy { $0.outcome == .completed }, "\(records.map { "\($0.outcome?.rawValue ?? "-") \($0.reason ?? "")" })")
    }

    /// The wall clock of the running daemon jumps a day forward, then an hour back: one catch-up
    /// plays for the entry that asks for it, the rest are recorded missed (no burst), and nothing
    /// plays twice after the jump back.
    @Test func wallClockJumpsOnTheRunningDaemon() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.05)
        // Every 10 minutes, at minutes 5 minutes away from now, so that none falls in the test.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let minute = (utc.component(.minute, from: Date()) + 5) % 10
        try fixture.writeConfig(at: "*:\(minute)/10", extra: """
              - id: hall
                languages: [mandarin]
                schedule:
                  - {message: alarm, at: "*:\(minute)/10", catch_up: 2h}
            """)
        // A second output in the hall.
        try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "  - {id: square, device: laba_square, zone: town}",
                                  with: "  - {id: square, device: laba_square, zone: town}\n  - {id: hall, device: laba_van, zone: hall}")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let offsetFile = fixture.dir + "/clock-offset"
        try "0\n".write(toFile: offsetFile, atomically: true, encoding: .utf8)
        fixture.extraEnvironment["LABA_TEST_CLOCK_OFFSET_FILE"] = offsetFile
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let pid = try #require(fixture.process?.processIdentifier)

        // A day forward: 144 occurrences of each entry passed in the jump.
        try "86400\n".write(toFile: offsetFile, atomically: true, encoding: .utf8)
        kill(pid, SIGUSR2)
        #expect(fixture.waitForLog("test clock set"))
        // The re-walk's own line, written once it has run.
        #expect(fixture.waitForLog("schedule walked after the clock was set"))
        // About 2 × 144 records (one per occurrence), all done: the catch-up played, the rest missed.
        #expect(try fixture.waitForRecords { records in records.count >= 286 && records.allSatisfy { $0.state == .done } })
        let afterForward = try Store(path: fixture.database).broadcasts(limit: .max)
        // Only the hall's entry catches up, once; the square's missed occurrences play nothing.
        #expect(afterForward.filter { $0.output == "hall" && $0.outcome == .completed }.count == 1, "\(afterForward.count)")
        #expect(afterForward.filter { $0.output == "square" && $0.outcome == .completed }.isEmpty)

        // An hour back: the occurrences of that hour were handled already; none plays again.
        try "82800\n".write(toFile: offsetFile, atomically: true, encoding: .utf8)
        kill(pid, SIGUSR2)
        #expect(fixture.waitForLog("test clock set"))
        // The re-walk's own line, written once it has run.
        #expect(fixture.waitForLog("schedule walked after the clock was set"))
        #expect(try laba(fixture, ["status"]).status == 0)
        #expect(fixture.terminate() == 0)
        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        #expect(records.filter { $0.outcome == .completed }.count == 1, "\(records.map { "\($0.output) \($0.outcome?.rawValue ?? "-")" })")
        let occurrences = Set(records.compactMap { r in r.entry.map { "\($0) \(r.output) \(r.plannedAt)" } })
        #expect(occurrences.count == records.filter { $0.entry != nil }.count)
    }
}
