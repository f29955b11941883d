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
    static func start(source: String, input: String = "laba_ear", silentAfter: Int = 3, seconds: Double = 1.0, extra: String = "",
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
                                  with: "  - {id: square, device: laba_square, zone: town, monitor: {input: \(input), silent_after: \(silentAfter)}}")
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
        fixture.report("the monitor judged \(out.count) of \(count) broadcasts")
        return out
    }

    /// `laba status --json`'s monitor of the square.
    static func monitor(_ fixture: DaemonFixture) throws -> [String: Any]? {
        let status = try Binaries.run("laba", ["status", "--json"], environment: fixture.environment)
        let outputs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["outputs"] as? [[String: Any]]
        return outputs?.first?["monitor"] as? [String: Any]
    }

    /// `laba coverage notice --format json`, once the monitor's word is in the record's segments
    /// (it comes after the play's end): town's entries by language.
    static func coverage(_ fixture: DaemonFixture, words: Int = 3) throws -> (monitored: Bool, town: [String: [String: Any]]) {
        var last = ""
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            let run = try Binaries.run("laba", ["coverage", "notice", "--format", "json"], environment: fixture.environment)
            last = run.stdout + run.stderr
            let body = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
            let zones = body["zones"] as? [[String: Any]] ?? []
            let entries = (zones.first { $0["zone"] as? String == "town" }?["entries"] as? [[String: Any]]) ?? []
            let town = Dictionary(entries.map { ($0["label"] as? String ?? "", $0) }) { a, _ in a }
            if town.values.filter({ $0["heard"] is String }).count >= words {
                return (body["monitored"] as? Bool ?? false, town)
            }
            usleep(100_000)
        }
        Issue.record("the monitor's word never reached coverage: \(last)")
        fixture.report("the monitor's word never reached coverage")
        return (false, [:])
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
        // Coverage says each language was heard at the horn, with the level and the delay (SPEC 16);
        // the record's own segments carry the word.
        let coverage = try Self.coverage(fixture)
        #expect(coverage.monitored)
        for language in ["naxi", "yi", "mandarin"] {
            let entry = coverage.town[language] ?? [:]
            #expect(entry["state"] as? String == "played" && entry["heard"] as? String == "yes"
                    && (entry["heard_level_db"] as? Double ?? 0) > 20 && entry["heard_delay_ms"] is Double, "\(language): \(entry)")
        }
        let kept = try Store(path: fixture.database).broadcast(id: record.id)?.segments ?? []
        #expect(kept.map(\.heard) == [.yes, .yes, .yes], "\(kept)")
        let zh = try Binaries.run("laba", ["coverage", "notice"], environment: fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        #expect(zh.stdout.components(separatedBy: "已确认听到（监听）").count == 4 && !zh.stdout.contains("未监听"), "\(zh.stdout)")
        let csv = try Binaries.run("laba", ["coverage", "notice", "--format", "csv"], environment: fixture.environment)
        let lines = csv.stdout.split(whereSeparator: \.isNewline)
        #expect(lines.first?.hasSuffix(",lon,heard,heard_level_db,heard_delay_ms") == true
                && lines.dropFirst().count == 3 && lines.dropFirst().allSatisfy { $0.contains(",played,") && $0.contains(",yes,") },
                "\(csv.stdout)")
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
        // Played, not heard: coverage does not take the record's word for it.
        let coverage = try Self.coverage(fixture)
        for language in ["naxi", "yi", "mandarin"] {
            let entry = coverage.town[language] ?? [:]
            #expect(entry["state"] as? String == "played" && entry["heard"] as? String == "no", "\(language): \(entry)")
        }
        let table = try Binaries.run("laba", ["coverage", "notice"], environment: fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        #expect(table.stdout.contains("监听未听到") && !table.stdout.contains("已确认听到"), "\(table.stdout)")
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

    @Test(.enabled(if: PulseServer.available))
    func anInputThatCannotBeOpenedIsSaidInTheClerksWordsAndTheBroadcastPlays() throws {
        let (fixture, pulse) = try Self.start(source: "null.monitor", input: "laba_nowhere", seconds: 0.3)
        defer { pulse.kill() }
        try Self.play(fixture)
        #expect(try fixture.waitForRecords { $0.first?.outcome == .completed })
        let monitor = try Self.monitor(fixture)
        #expect(monitor?["problem_code"] as? String == "input_unavailable" && (monitor?["problem"] as? String)?.contains("laba_nowhere") == true,
                "\(monitor ?? [:])")
        let zh = try Binaries.run("laba", ["status"], environment: fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        let line = zh.stdout.split(separator: "\n").first { $0.contains("监听麦克风") }.map(String.init) ?? ""
        #expect(line.contains("无法打开"), "\(zh.stdout)")
        // ALSA's English stays out: the line's Latin words are the output's id and the configuration key.
        let latin = line.split { !($0.isASCII && $0.isLetter) && $0 != "." }.filter { $0.contains { $0.isLetter } }
        #expect(Set(latin).isSubset(of: ["square", "monitor.input"]), "\(line)")
        // Nothing was checked, so coverage says nothing about hearing... but the output has a monitor: not monitored.
        let coverage = try Binaries.run("laba", ["coverage", "notice", "--format", "json"], environment: fixture.environment)
        let body = (try JSONSerialization.jsonObject(with: Data(coverage.stdout.utf8)) as? [String: Any]) ?? [:]
        let entries = ((body["zones"] as? [[String: Any]])?.first?["entries"] as? [[String: Any]]) ?? []
        #expect(body["monitored"] as? Bool == true && entries.count == 3 && entries.allSatisfy { $0.keys.contains("heard") && $0["heard"] is NSNull },
                "\(coverage.stdout)")
        let table = try Binaries.run("laba", ["coverage", "notice"], environment: fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        #expect(table.stdout.components(separatedBy: "未监听").count == 4, "\(table.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
