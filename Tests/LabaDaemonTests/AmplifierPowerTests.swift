// Issue 30, amplifier power (SPEC 18), on the manual clock: on a warm-up before the first frame
// (ahead of a scheduled occurrence; at once, then waited, for an emergency), off after the hold
// with nothing to play, one on/off for broadcasts back to back, a failing switch reported while
// the broadcast plays. The switch is the command form: shell commands writing to a log.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaDaemon
import Testing

@Suite(.serialized) struct AmplifierPowerTests {
    /// A log the on/off commands append to, in a folder of its own.
    final class SwitchLog: @unchecked Sendable {
        let path: String

        init() throws {
            let dir = NSTemporaryDirectory() + "/laba-power-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            path = dir + "/switch.log"
        }

        deinit { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }

        var lines: [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// Waits for the commands, which run off the engine, to have written `count` lines.
        func await(_ count: Int) async throws -> [String] {
            let deadline = Date().addingTimeInterval(60)
            while lines.count < count, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            return lines
        }
    }

    static func config(_ log: String, on: String? = nil, hold: String = "30s") -> String {
        """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - id: square
            device: "null"
            zone: town
            power: {on: "\(on ?? "echo on >> \(log)")", off: "echo off >> \(log)", warmup: 2s, hold: \(hold)}
          - {id: van, device: "null", zone: village}
        zones:
          - id: town
            languages: [naxi]
            schedule:
              - {id: morning, message: notice, at: "08:00"}
          - id: village
            languages: [yi]
        """
    }

    /// Waits for the engine to have taken a switching's outcome (each is an output event): the
    /// clock may move only then, for the warm-up counts from the switch's report.
    func switched(_ f: EngineFixture) async throws {
        _ = try await f.next("a switching reported") { event in
            if case .output("square") = event { return true }
            return false
        }
    }

    func power(_ f: EngineFixture) async -> PowerStatus? {
        await f.engine.status().outputs.first { $0.id == "square" }?.power
    }

    @Test func anEmergencyWaitsTheWarmupNoMoreAndTheAmplifierGoesOffAfterTheHold() async throws {
        let log = try SwitchLog()
        let f = try await EngineFixture(Self.config(log.path), start: "2026-12-02 09:00")
        // At start the amplifier is switched off once, to know its state.
        try await switched(f)
        #expect(log.lines == ["off"])
        #expect(await power(f) == PowerStatus(state: "off"))
        // An output without power: has no amplifier in its status.
        #expect(await f.engine.status().outputs.first { $0.id == "van" }?.power == nil)

        let t0 = try f.at("2026-12-02 09:00")
        let emergency = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"]),
                                                                 priority: .emergency))
        try await switched(f)
        #expect(log.lines == ["off", "on"])
        #expect(await power(f)?.state == "warming")
        // The engine asks to be woken when the amplifier is warm, and nothing has started.
        #expect(f.timer.last == .some(t0 + .seconds(2)))
        #expect(await f.engine.history(BroadcastFilter()).first { $0.id == emergency.records[0].id }?.startedAt == nil)

        f.clock.set(t0 + .seconds(2))
        await f.engine.runSchedule()
        let played = try await f.ended("the emergency") { $0.id == emergency.records[0].id }
        #expect(played.outcome == .completed)
        // Its first frame is exactly one warm-up after the amplifier was switched on.
        #expect(played.startedAt == (t0 + .seconds(2)).microseconds)
        #expect(await power(f)?.state == "holding")
        // Off after the hold with nothing to play, not before.
        f.clock.set(t0 + .seconds(31))
        await f.engine.runSchedule()
        #expect(await power(f)?.state == "holding")
        f.clock.set(t0 + .seconds(32))
        await f.engine.runSchedule()
        #expect(await power(f)?.state == "off")
        #expect(try await log.await(3) == ["off", "on", "off"])
        await f.stop()
    }

    @Test func broadcastsBackToBackSwitchOnceAndTheScheduledOneStartsOnTime() async throws {
        let log = try SwitchLog()
        let f = try await EngineFixture(Self.config(log.path), start: "2026-12-02 07:59:30")
        try await switched(f)
        await f.engine.runSchedule()
        // The wake before 08:00 is the warm-up's start, so that 08:00 starts at 08:00.
        #expect(f.timer.last == .some(try f.at("2026-12-02 07:59:58")))
        try await f.advance(to: "2026-12-02 07:59:58")
        #expect(await power(f)?.state == "warming")
        try await switched(f)
        #expect(log.lines == ["off", "on"])
        try await f.advance(to: "2026-12-02 08:00")
        let morning = try await f.ended("the 08:00 broadcast") { $0.entry == "morning" }
        #expect(morning.startedAt == (try f.at("2026-12-02 08:00")).microseconds)

        // Two manual broadcasts one after the other, within the hold: no switching at all.
        for _ in 0..<2 {
            let manual = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
            let played = try await f.ended("a manual broadcast") { $0.id == manual.records[0].id }
            #expect(played.startedAt == (try f.at("2026-12-02 08:00")).microseconds)
        }
        try await f.advance(to: "2026-12-02 08:00:30")
        #expect(await power(f)?.state == "off")
        #expect(try await log.await(3) == ["off", "on", "off"])
        await f.stop()
    }

    @Test func aStopDuringTheWarmupEndsTheBroadcastWithoutPlayingIt() async throws {
        let log = try SwitchLog()
        let f = try await EngineFixture(Self.config(log.path), start: "2026-12-02 09:00")
        try await switched(f)
        let manual = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        #expect(await power(f)?.state == "warming")
        _ = try await f.engine.stop(.all, clear: true)
        let stopped = try await f.ended("the broadcast stopped while warming") { $0.id == manual.records[0].id }
        #expect(stopped.outcome == .stopped && stopped.startedAt == nil && stopped.frames == 0)
        await f.stop()
    }

    @Test func aSwitchThatFailsIsReportedAndTheBroadcastPlays() async throws {
        let log = try SwitchLog()
        let f = try await EngineFixture(Self.config(log.path, on: "echo relay jammed >&2; exit 3"), start: "2026-12-02 09:00")
        let t0 = try f.at("2026-12-02 09:00")
        try await switched(f)  // the start's off, which works
        #expect(await power(f)?.problem == nil)
        let manual = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        try await switched(f)
        let problem = await power(f)?.problem ?? ""
        #expect(problem.contains("exited with status 3") && problem.contains("relay jammed"), "\(problem)")
        // As a code with arguments too (issue 26), which a clerk reads in Chinese.
        let status = try #require(await power(f))
        #expect(status.problemCode == "command_exited" && status.problemArgs["status"] == "3", "\(status)")
        #expect(status.problemWords(in: .zhHans) == "命令“echo relay jammed >&2; exit 3”执行失败，退出码 3", "\(status)")
        f.clock.set(t0 + .seconds(2))
        await f.engine.runSchedule()
        let played = try await f.ended("the broadcast") { $0.id == manual.records[0].id }
        #expect(played.outcome == .completed && played.frames > 0)
        await f.stop()
    }

    static func gpioConfig(_ gpio: String) -> String {
        """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town, power: {gpio: "\(gpio)", warmup: 1s, hold: 1s}}
        zones:
          - {id: town, languages: [naxi]}
        """
    }

    /// The GPIO form's failure path, which needs no hardware: a chip that does not exist is
    /// reported in the status and the broadcast plays.
    @Test func aGPIOChipThatDoesNotExistIsReportedAndTheBroadcastPlays() async throws {
        let f = try await EngineFixture(Self.gpioConfig("laba-no-such-chip:3"), start: "2026-12-02 09:00")
        let t0 = try f.at("2026-12-02 09:00")
        // Switched off at start: the chip cannot be opened, and the status says so.
        try await switched(f)
        let problem = await power(f)?.problem
        #expect(problem?.contains("GPIO chip laba-no-such-chip cannot be opened") == true, "\(problem ?? "nil")")
        let status = try #require(await power(f))
        #expect(status.problemCode == "chip_missing" && status.problemArgs == ["chip": "laba-no-such-chip"], "\(status)")
        #expect(status.problemWords(in: .zhHans) == "GPIO 芯片 laba-no-such-chip 不存在")
        let manual = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        f.clock.set(t0 + .seconds(1))
        await f.engine.runSchedule()
        let played = try await f.ended("the broadcast") { $0.id == manual.records[0].id }
        #expect(played.outcome == .completed && played.frames > 0)
        await f.stop()
    }

    /// The GPIO form on a simulated chip (the kernel's gpio-sim, through configfs): the line is
    /// driven high for the broadcast and low after the hold. This machine's kernel has no gpio-sim.
    @Test(.enabled(if: GPIOSim.available, "the kernel offers no gpio-sim (configfs /sys/kernel/config/gpio-sim)"))
    func aSimulatedLineFollowsTheAmplifier() async throws {
        let sim = try GPIOSim(lines: 4)
        defer { sim.remove() }
        let f = try await EngineFixture(Self.gpioConfig("\(sim.chip):2"), start: "2026-12-02 09:00")
        let t0 = try f.at("2026-12-02 09:00")
        try await switched(f)
        #expect(try await sim.await(line: 2, value: 0))
        let manual = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        try await switched(f)
        #expect(try await sim.await(line: 2, value: 1))
        f.clock.set(t0 + .seconds(1))
        await f.engine.runSchedule()
        _ = try await f.ended("the broadcast") { $0.id == manual.records[0].id }
        f.clock.set(t0 + .seconds(10))
        await f.engine.runSchedule()
        #expect(try await sim.await(line: 2, value: 0))
        #expect(await power(f)?.problem == nil)
        await f.stop()
    }
}

/// A simulated GPIO chip made through configfs (gpio-sim), as root.
struct GPIOSim {
    static let root = "/sys/kernel/config/gpio-sim"
    static var available: Bool { geteuid() == 0 && FileManager.default.fileExists(atPath: root) }

    let dir: String
    let chip: String
    let device: String

    init(lines: Int) throws {
        dir = Self.root + "/laba-\(getpid())"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/bank0", withIntermediateDirectories: false)
        try "\(lines)".write(toFile: dir + "/bank0/num_lines", atomically: false, encoding: .utf8)
        try "1".write(toFile: dir + "/live", atomically: false, encoding: .utf8)
        chip = try String(contentsOfFile: dir + "/bank0/chip_name", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        device = try String(contentsOfFile: dir + "/dev_name", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits for the line's value as the simulator sees it (`sim_gpioN/value`).
    func await(line: Int, value: Int) async throws -> Bool {
        let path = "/sys/devices/platform/\(device)/\(chip)/sim_gpio\(line)/value"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "\(value)" { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    func remove() {
        try? "0".write(toFile: dir + "/live", atomically: false, encoding: .utf8)
        rmdir(dir + "/bank0")
        rmdir(dir)
    }
}
