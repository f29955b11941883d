// Issue 30, the off-air check end to end: a real labad plays on a PulseAudio null sink (paced, as a
// horn) while its `monitor:` input captures (the sink's monitor as the microphone near the horn,
// or a silent source), and the store says per segment whether it was heard.

import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

@Suite(.serialized) struct MonitorTests {
    /// A fixture playing `notice` (naxi, yi, mandarin; `seconds` each) on the paced square, its
    /// monitor on `source` of the same sound server.
    static func start(source: String, silentAfter: Int = 3, seconds: Double = 1.0, extra: String = "",
                      prepare: (String) throws -> Void = { _ in }) throws -> (DaemonFixture, PulseServer) {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: seconds)
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        try prepare("unix:\(fixture.dir)/pulse.sock")
        try """
            pcm.laba_ear { type pulse server "unix:\(fixture.dir)/pulse.sock" device "\(source)" }
            """.write(toFile: fixture.dir + "/ear.conf", atomically: true, encoding: .utf8)
        fixture.alsaConfig += ":" + fixture.dir + "/ear.conf"
        try fixture.writeConfig(at: "2099-01-01", extra: extra)
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "  - {id: square, device: laba_square, zone: town}",
                                  with: "  - {id: square, device: laba_square, zone: town, monitor: {input: laba_ear, silent_after: \(silentAfter)}}")
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        return (fixture, pulse)
    }

    static func pactl(_ server: String, _ arguments: [String]) throws {
        let result = try Binaries.run(executable: "/usr/bin/pactl", ["--server=\(server)"] + arguments)
        #expect(result.status == 0, "pactl \(arguments): \(result.stderr)")
    }

    /// Waits until the monitor has judged `count` broadcasts; their facts by broadcast, in order.
    static func heard(_ fixture: DaemonFixture, broadcasts count: Int) throws -> [(BroadcastRecord, [SegmentHeard])] {
        var out: [(BroadcastRecord, [SegmentHeard])] = []
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            if let store = try? Store(path: fixture.database), let records = try? store.broadcasts(limit: .max) {
                out = records.sorted { $0.plannedAt < $1.plannedAt }.compactMap { r in
                    guard let facts = try? store.heard(broadcast: r.id), !facts.isEmpty else { return nil }
                    return (r, facts)
                }
                if out.count >= count { return out }
            }
            usleep(50_000)
        }
        return out
    }

    /// `laba status --json`'s monitor of the square.
    static func monitor(_ fixture: DaemonFixture) throws -> [String: Any]? {
        let status = try Binaries.run("laba", ["status", "--json"], environment: fixture.environment)
        let outputs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["outputs"] as? [[String: Any]]
        return outputs?.first?["monitor"] as? [String: Any]
    }

    static func play(_ fixture: DaemonFixture) throws {
        let play = try Binaries.run("laba", ["play", "notice", "--zone", "town"], environment: fixture.environment)
        #expect(play.status == 0, "\(play.stderr)")
    }

    @Test(.enabled(if: PulseServer.available))
    func theSinksMonitorHearsEveryLanguageWithItsDelay() throws {
        let (fixture, pulse) = try Self.start(source: "null.monitor")
        defer { pulse.kill() }
        try Self.play(fixture)
        let judged = try Self.heard(fixture, broadcasts: 1)
        let (record, facts) = try #require(judged.first, "the monitor said nothing")
        #expect(record.outcome == .completed)
        print("monitor: \(facts.map { "\($0.label) \($0.heard.rawValue) +\($0.levelDB ?? -1) dB, \($0.delayMS ?? -1) ms" })")
        #expect(facts.map(\.label) == ["naxi", "yi", "mandarin"], "\(facts)")
        #expect(facts.allSatisfy { $0.heard == .yes && ($0.levelDB ?? 0) > 20 }, "\(facts)")
        let delay = try #require(facts.first?.delayMS, "no delay measured")
        #expect(delay >= 0 && delay < 2000, "\(delay) ms")
        // The API gives them with the broadcast.
        let api = try Binaries.run(executable: "/usr/bin/curl", ["-sf", "--unix-socket", fixture.dir + "/laba.sock",
                                                                 "http://laba/v1/broadcasts/\(record.id)"])
        let body = (try JSONSerialization.jsonObject(with: Data(api.stdout.utf8)) as? [String: Any]) ?? [:]
        let segments = body["heard"] as? [[String: Any]] ?? []
        #expect(segments.map { $0["heard"] as? String } == ["yes", "yes", "yes"] && segments.first?["delay_ms"] as? Double == delay,
                "\(api.stdout)")
        let monitor = try Self.monitor(fixture)
        #expect(monitor?["heard"] as? String == "yes" && monitor?["silent"] as? Bool == false, "\(monitor ?? [:])")
        #expect(fixture.terminate() == 0)
    }

    @Test(.enabled(if: PulseServer.available))
    func aSilentSourceHearsNothingAndAfterTwoTheHornIsSilent() throws {
        let port = try ConsoleTests.freePort()
        let (fixture, pulse) = try Self.start(source: "deaf", silentAfter: 2, seconds: 0.4,
                                              extra: "metrics: {listen: \"127.0.0.1:\(port)\"}") { server in
            try Self.pactl(server, ["load-module", "module-null-source", "source_name=deaf"])
        }
        defer { pulse.kill() }
        try Self.play(fixture)
        let first = try Self.heard(fixture, broadcasts: 1)
        #expect(first.first?.1.allSatisfy { $0.heard == .no } == true, "\(first.map(\.1))")
        var monitor = try Self.monitor(fixture)
        #expect(monitor?["heard"] as? String == "no" && monitor?["silent"] as? Bool == false, "not yet silent: \(monitor ?? [:])")
        // The county's Prometheus sees it too (issue 31: horns not heard).
        let once = try MetricsTests.get(port, "/metrics").body
        #expect(MetricsTests.value(once, "laba_horn_silent", ["output=\"square\""]) == 0, "\(once)")
        #expect(MetricsTests.value(once, "laba_horn_unheard", ["output=\"square\""]) == 1, "\(once)")
        try Self.play(fixture)
        let both = try Self.heard(fixture, broadcasts: 2)
        #expect(both.count == 2 && both.allSatisfy { $0.1.allSatisfy { $0.heard == .no } }, "\(both.map(\.1))")
        #expect(fixture.waitForLog("horn silent"))
        monitor = try Self.monitor(fixture)
        #expect(monitor?["silent"] as? Bool == true && monitor?["unheard"] as? Int == 2, "\(monitor ?? [:])")
        let twice = try MetricsTests.get(port, "/metrics").body
        #expect(MetricsTests.value(twice, "laba_horn_silent", ["output=\"square\""]) == 1, "\(twice)")
        #expect(MetricsTests.value(twice, "laba_horn_unheard", ["output=\"square\""]) == 2, "\(twice)")
        if MetricsTests.promtool { #expect(try MetricsTests.promtoolProblems(twice) == nil) }
        let zh = try Binaries.run("laba", ["status"], environment: fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        #expect(zh.stdout.contains("喇叭可能无声"), "\(zh.stdout)")
        #expect(fixture.terminate() == 0)
    }

    @Test(.enabled(if: PulseServer.available))
    func aProgramWhoseSoundStopsHalfWayIsPartlyHeard() throws {
        let (fixture, pulse) = try Self.start(source: "null.monitor", seconds: 2.0)
        defer { pulse.kill() }
        try Self.play(fixture)
        // Once the second language plays, the microphone hears nothing more.
        #expect(try fixture.waitForRecords { $0.first?.segments?.contains { $0.label == "yi" } == true })
        try Self.pactl("unix:\(fixture.dir)/pulse.sock", ["set-source-mute", "null.monitor", "1"])
        let judged = try Self.heard(fixture, broadcasts: 1)
        let facts = try #require(judged.first?.1, "the monitor said nothing")
        print("monitor: \(facts.map { "\($0.label) \($0.heard.rawValue) +\($0.levelDB ?? -1) dB" })")
        // The first language was heard (all of it, unless the sound server still held its end when
        // the microphone went deaf), the last not at all.
        #expect([.yes, .partly].contains(facts.first { $0.label == "naxi" }?.heard), "\(facts)")
        #expect(facts.first { $0.label == "mandarin" }?.heard == .no, "\(facts)")
        #expect(try Self.monitor(fixture)?["heard"] as? String == "partly")
        #expect(fixture.terminate() == 0)
    }
}
