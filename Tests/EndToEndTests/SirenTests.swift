// Civil-defence signals and night volume end to end (SPEC 18): real `labad` and `laba`, the
// signals captured through ALSA's `file` PCM (over `null`, or a PulseAudio null sink where a stop
// must find the signal still playing), read back by sample position.

import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

extension Binaries {
    /// A capture's first channel as floats, and its rate (sox decodes).
    static func mono(of path: String) throws -> (rate: Int, samples: [Float]) {
        let rate = Int(try run(path: "/usr/bin/soxi", ["-r", path]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let rawPath = path + ".f32"
        defer { try? FileManager.default.removeItem(atPath: rawPath) }
        let sox = try run(executable: "/usr/bin/sox", [path, "-t", "f32", rawPath, "remix", "1"])
        guard sox.status == 0 else { throw CocoaError(.fileReadCorruptFile) }
        let raw = try Data(contentsOf: URL(fileURLWithPath: rawPath))
        let samples = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return (rate, samples)
    }

    /// The sounding parts of a capture, (start, end) in seconds: runs above 0.01 separated by at
    /// least half a second below it.
    static func soundings(of path: String) throws -> [(start: Double, end: Double)] {
        let (rate, samples) = try mono(of: path)
        var out: [(start: Double, end: Double)] = []
        var start: Int?
        var last = -1
        for (i, v) in samples.enumerated() where abs(v) > 0.01 {
            if let s = start, i - last > rate / 2 {
                out.append((Double(s) / Double(rate), Double(last + 1) / Double(rate)))
                start = i
            } else if start == nil {
                start = i
            }
            last = i
        }
        if let s = start { out.append((Double(s) / Double(rate), Double(last + 1) / Double(rate))) }
        return out
    }
}

extension DaemonFixture {
    /// Starts labad on the test clock (offset 0), and once it is ready sets that clock to a UTC time
    /// `YYYY-MM-DD HH:MM:SS` (SIGUSR2): however long the start took under load, the schedule meets
    /// the instant as a clock change, and an entry with `catch_up` plays once.
    func start(thenSetClockTo time: String) async throws {
        let file = dir + "/clock-offset"
        try "0\n".write(toFile: file, atomically: true, encoding: .utf8)
        extraEnvironment["LABA_TEST_CLOCK_OFFSET_FILE"] = file
        try start()
        #expect(await log("ready"))
        let target = try TimeParsing.instant(time, in: TimeZone(identifier: "UTC")!, now: Instant(Date()))
        try "\(Double(target.microseconds - Instant(Date()).microseconds) / 1e6)\n".write(toFile: file, atomically: true, encoding: .utf8)
        kill(pid, SIGUSR2)
        #expect(await log("test clock set"))
    }
}

/// Whether `measured` soundings follow `pattern`'s, every edge within 20 ms.
func follows(_ measured: [(start: Double, end: Double)], _ pattern: SirenPattern) -> Bool {
    let expected = pattern.soundings
    return measured.count == expected.count && zip(measured, expected).allSatisfy {
        abs($0.start - $1.start) <= 0.02 && abs($0.end - $1.end) <= 0.02
    }
}

@Suite struct SirenEndToEndTests {
    static let drillAt = "2099-09-19 11:00:00"

    func config(schedule: String = "", extra: String = "", device: String = "laba_square") -> String {
        """
        timezone: UTC
        audio_dir: audio
        defaults: {gap: 200ms, loudness_lufs: -16}
        outputs:
          - {id: square, device: \(device), zone: town, rate: 16000, channels: 1}
        zones:
          - id: town
            languages: [mandarin]
        \(schedule)
        \(extra)
        """
    }

    /// A drill day: a schedule entry naming a signal sounds it, at the signals' priority, recorded by its name.
    @Test func aScheduledDrillSoundsTheAirRaidSignal() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try config(schedule: "    schedule:\n      - {message: \"siren:air-raid\", at: \"\(Self.drillAt)\", catch_up: 10min}")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try await fixture.start(thenSetClockTo: "2099-09-19 11:00:01")
        #expect(await fixture.waitForStore { try $0.broadcasts(outcome: .completed).count == 1 })
        #expect(fixture.terminate() == 0)
        let record = try #require(try Store(path: fixture.database).broadcasts().first)
        #expect(record.message == "siren:air-raid" && record.source == .schedule && record.priority == .emergency)
        #expect(record.chime == nil && record.neutral && record.frames == 180 * 16000)
        let soundings = try Binaries.soundings(of: fixture.dir + "/laba_square.wav")
        #expect(follows(soundings, SirensConfig().pattern(.airRaid)), "\(soundings)")
    }

    /// `laba siren` on a commander: the fleet's broadcast command names the signal, and the unit sounds it.
    @Test func aFleetCommandNamingASignalSoundsItOnTheUnit() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let office = try await fleet.start("office", zone: "county", commander: true)
        let east = try await fleet.start("east-1", zone: "east") { yaml, _ in
            yaml + "\nsirens:\n  disaster: {steps: [{on: 2s, off: 1s}], count: 3}\n"
        }
        #expect(await office.waitUntilOnline(["east-1"]))
        let siren = try await office.laba(["siren", "disaster", "--zone", "east"])
        #expect(siren.status == 0, "\(siren.stderr)")
        #expect(siren.stdout.contains("fleet command"), "\(siren.stdout)")
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter()).count == 1 })
        let record = try #require(try Store(path: east.database).broadcasts().first)
        #expect(record.message == "siren:disaster" && record.source == .fleet && record.priority == .emergency
                && record.outcome == .completed)
        // The unit's own disaster signal: three times 2 s on, 1 s off.
        var disaster = SirensConfig()
        disaster.disasterSteps = Located([.init(on: 2, off: 1)], at: SourceLocation(file: "", line: 1, column: 1))
        disaster.disasterCount = Located(3, at: SourceLocation(file: "", line: 1, column: 1))
        let soundings = try await blocking { try Binaries.soundings(of: east.dir + "/laba_square.wav") }
        #expect(follows(soundings, disaster.pattern(.disaster)), "\(soundings)")
        #expect(try office.fleetRecords().first?.message == "siren:disaster")
    }

    /// In real time (a PulseAudio null sink): `laba stop` ends a signal, recorded `stopped`, and it
    /// does not come back; configured below emergency, one cut by an emergency is `preempted` and
    /// does not resume either.
    @Test(.enabled(if: PulseServer.available))
    func aStopEndsASignalWithoutResume() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        guard let pulse = try fixture.usePacedPCM() else { return }
        defer { pulse.kill() }
        try config(extra: "sirens: {priority: manual}").write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(await fixture.log("ready"))

        let sound = try await fixture.laba(["siren", "air-raid", "--zone", "town"])
        #expect(sound.status == 0, "\(sound.stderr)")
        #expect(sound.stdout.contains("air-raid warning (siren:air-raid) sounding on square in town"), "\(sound.stdout)")
        #expect(await fixture.waitForStore { try $0.broadcasts(state: .playing).first?.startedAt != nil })
        #expect(try await fixture.laba(["stop", "--zone", "town"]).status == 0)
        #expect(await fixture.waitForStore { try $0.broadcasts(outcome: .stopped).count == 1 })

        // Cut by an emergency: preempted, and never queued again.
        #expect(try await fixture.laba(["siren", "preliminary", "--zone", "town"]).status == 0)
        #expect(await fixture.waitForStore { try $0.broadcasts(state: .playing).first?.message == "siren:preliminary" })
        let alarm = try await fixture.laba(["play", "alarm", "--zone", "town", "--priority", "emergency", "--wait"])
        #expect(alarm.status == 0, "\(alarm.stderr)")
        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        let preliminary = try #require(records.first { $0.message == "siren:preliminary" })
        #expect(preliminary.state == .done && preliminary.outcome == .preempted, "\(preliminary)")
        #expect(preliminary.reason?.contains("does not resume") == true)
        #expect(records.allSatisfy { $0.state == .done }, "\(records.map { ($0.message, $0.state) })")
        let airRaid = try #require(records.first { $0.message == "siren:air-raid" })
        #expect(airRaid.outcome == .stopped && airRaid.priority == .manual && airRaid.frames < 16000 * 30, "stopped long before its 180 s: \(airRaid.frames) frames")
        #expect(fixture.terminate() == 0)
    }

    /// Night volume: a scheduled broadcast at 23:00 plays 12 dB lower (measured), an emergency in
    /// the same window at full volume, and `laba next` says which broadcasts will be lowered.
    @Test func nightVolumeLowersWhatPlaysInItsWindowButNotAnEmergency() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 2)
        let at = "2099-09-19 23:00:00"
        try config(schedule: """
                volume_schedule: ["22:00-07:00 -12dB"]
                schedule:
                  - {message: notice, at: ["\(at)", "2099-09-20 12:00:00"], catch_up: 10min}
            """).write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try await fixture.start(thenSetClockTo: "2099-09-19 23:00:01")
        #expect(await fixture.waitForStore { try $0.broadcasts(outcome: .completed).count == 1 })
        let night = try Binaries.loudness(of: fixture.dir + "/laba_square.wav")

        let next = try await fixture.laba(["next"])
        #expect(next.status == 0 && next.stdout.contains("notice") && !next.stdout.contains("night volume"), "\(next.stdout)")
        let json = try await fixture.laba(["next", "--json"])
        #expect(json.stdout.contains("\"volume\": null"), "\(json.stdout)")

        let alarm = try await fixture.laba(["play", "alarm", "--zone", "town", "--priority", "emergency", "--wait"])
        #expect(alarm.status == 0, "\(alarm.stderr)")
        let emergency = try Binaries.loudness(of: fixture.dir + "/laba_square.wav")
        #expect(abs(night - -28) <= 0.5, "night: \(night) LUFS")
        #expect(abs(emergency - -16) <= 0.5, "emergency: \(emergency) LUFS")
        print("night volume: scheduled at 23:00 \(String(format: "%.2f", night)) LUFS, emergency \(String(format: "%.2f", emergency)) LUFS")

        // From the configuration: an evening entry is marked.
        let evening = try await fixture.laba(["next", "--config", fixture.configPath, "--from", "2099-09-19 22:30"])
        #expect(evening.stdout.contains("night volume -12dB"), "\(evening.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
