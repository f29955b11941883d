// Issue 30, amplifier power end to end: the real labad switches an output's amplifier with its
// `power: {on, off}` commands, which write the time they ran. The switch is on at least a warm-up
// before the first frame, off at least a hold after the last broadcast, once for broadcasts back
// to back; a failing command is in `laba status` while the broadcast plays.

import Foundation
import LabaCore
import LabaStore
import Testing

@Suite(.serialized) struct AmplifierPowerEndToEndTests {
    static func writeConfig(_ fixture: DaemonFixture, on: String? = nil, hold: String = "5s") throws {
        let log = fixture.dir + "/switch.log"
        try """
            timezone: UTC
            audio_dir: audio
            defaults: {gap: 200ms}
            outputs:
              - id: square
                device: laba_square
                zone: town
                power:
                  on: '\(on ?? "echo on $(date +%s.%N) >> \(log)")'
                  off: 'echo off $(date +%s.%N) >> \(log)'
                  warmup: 1s
                  hold: \(hold)
            zones:
              - {id: town, languages: [naxi, yi, mandarin]}

            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
    }

    /// The switch log's lines as (what, when in seconds since 1970), waiting for `count` of them.
    static func switches(_ fixture: DaemonFixture, count: Int) -> [(String, Double)] {
        let deadline = Date().addingTimeInterval(Binaries.patience)
        var lines: [(String, Double)] = []
        repeat {
            let text = (try? String(contentsOfFile: fixture.dir + "/switch.log", encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ")
                guard parts.count == 2, let time = Double(parts[1]) else { return nil }
                return (String(parts[0]), time)
            }
            if lines.count >= count { break }
            usleep(20_000)
        } while Date() < deadline
        return lines
    }

    @Test func theAmplifierIsOnAWarmupBeforeTheFirstFrameAndOffAHoldAfterTheLast() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try Self.writeConfig(fixture)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        // At start, one off (a known state).
        #expect(Self.switches(fixture, count: 1).map(\.0) == ["off"])
        for _ in 0..<2 {
            let play = try Binaries.run("laba", ["play", "notice", "--zone", "town"], environment: fixture.environment)
            #expect(play.status == 0, "\(play.stderr)")
        }
        #expect(try fixture.waitForRecords { $0.count == 2 && $0.allSatisfy { $0.outcome == .completed } })
        let switched = Self.switches(fixture, count: 3)
        // Back to back: one on, one off.
        #expect(switched.map(\.0) == ["off", "on", "off"], "\(switched)")
        let records = try #require(try? fixture.recordsSorted())
        guard switched.count == 3, records.count == 2, let firstFrame = records[0].startedAt, let end = records[1].endedAt else {
            Issue.record("switches \(switched), records \(records)")
            return
        }
        let warmed = Double(firstFrame) / 1e6 - switched[1].1
        let held = switched[2].1 - Double(end) / 1e6
        print("amplifier: on \(String(format: "%.3f", warmed)) s before the first frame (warm-up 1 s), "
              + "off \(String(format: "%.3f", held)) s after the end (hold 5 s)")
        #expect(warmed >= 1.0, "on only \(warmed) s before the first frame")
        #expect(held >= 5.0, "off \(held) s after the end")
        #expect(fixture.terminate() == 0)
    }

    @Test func aFailingSwitchIsInTheStatusWhileTheBroadcastPlays() throws {
        let fixture = try DaemonFixture()
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        defer { pulse.kill() }
        try fixture.writeTones(seconds: 1)
        try Self.writeConfig(fixture, on: "echo relay jammed >&2; exit 4")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let play = try Binaries.run("laba", ["play", "notice", "--zone", "town"], environment: fixture.environment)
        #expect(play.status == 0, "\(play.stderr)")
        // While it plays, laba status says the amplifier cannot be switched, and why.
        var seen = ""
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            let status = try Binaries.run("laba", ["status", "--json"], environment: fixture.environment)
            let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            let square = (json?["outputs"] as? [[String: Any]])?.first
            let power = square?["power"] as? [String: Any]
            if square?["state"] as? String == "playing", let problem = power?["problem"] as? String {
                seen = problem
                break
            }
            usleep(50_000)
        }
        #expect(seen.contains("exited with status 4") && seen.contains("relay jammed"), "\(seen)")
        let text = try Binaries.run("laba", ["status"], environment: fixture.environment)
        #expect(text.stdout.contains("amplifier of square cannot be switched"), "\(text.stdout)")
        #expect(text.stdout.contains("the command 'echo relay jammed >&2; exit 4' failed with exit status 4"), "\(text.stdout)")
        // Issue 26: a clerk reads it in Chinese, from its code, without the switch's English.
        var zh = fixture.environment
        zh["LANG"] = "zh_CN.UTF-8"
        let chinese = try Binaries.run("laba", ["status"], environment: zh).stdout
        #expect(chinese.contains("square 的功放无法开关（命令“echo relay jammed >&2; exit 4”执行失败，退出码 4）"), "\(chinese)")
        #expect(!chinese.contains("exited with status"), "\(chinese)")
        #expect(try fixture.waitForRecords { $0.count == 1 && $0[0].outcome == .completed && $0[0].frames > 0 })
        #expect(fixture.terminate() == 0)
    }
}

extension DaemonFixture {
    /// The records, oldest planned first.
    func recordsSorted() throws -> [BroadcastRecord] {
        try Store(path: database).broadcasts(limit: .max).sorted { $0.plannedAt < $1.plannedAt }
    }
}
