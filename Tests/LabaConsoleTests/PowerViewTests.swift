// Issue 30: the overview shows an output's amplifier and a switching that fails (SPEC 18).

import Foundation
import LabaCatalog
import LabaCore
import Testing
@testable import LabaConsole

@Suite struct PowerViewTests {
    @Test func theOverviewSaysTheAmplifierAndWhyItCannotBeSwitched() throws {
        let path = NSTemporaryDirectory() + "/laba-power-view-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            outputs:
              - {id: van, name: 宣传车, device: "null", zone: town, power: {on: "relay on", off: "relay off"}}
              - {id: square, device: "null", zone: town}
            zones:
              - {id: town, name: 古城, languages: [naxi]}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try #require(ConfigLoader.load(path: path).config)
        var van = OutputStatus(id: "van", device: "null", zone: "town", available: true, queue: [])
        van.power = PowerStatus(state: "warming", problem: "'relay on' exited with status 4")
        let square = OutputStatus(id: "square", device: "null", zone: "town", available: true, queue: [])
        let now = Instant(seconds: 1_800_000_000)
        let page = OverviewPage(status: EngineStatus(outputs: [van, square], recordsBehind: 0, warnings: []), recent: [],
                                naming: Naming(config, now: now, language: .zhHans), texts: Texts(.zhHans))
        #expect(page.outputs[0].power == "功放：预热中")
        #expect(page.outputs[0].powerProblem == "功放无法开关（'relay on' exited with status 4）；广播照常播出。")
        // An output without power: says nothing of an amplifier.
        #expect(page.outputs[1].power == nil && page.outputs[1].powerProblem == nil)
        // Issue 26: a problem with its code reads from the catalogue, not the switch's English.
        van.power = PowerStatus(state: "warming", problem: "'relay on' exited with status 127: relay: not found",
                                problemCode: "command_not_found", problemArgs: ["command": "relay on", "status": "127"])
        var coded = OverviewPage(status: EngineStatus(outputs: [van], recordsBehind: 0, warnings: []), recent: [],
                                 naming: Naming(config, now: now, language: .zhHans), texts: Texts(.zhHans))
        #expect(coded.outputs[0].powerProblem == "功放无法开关（找不到命令“relay on”）；广播照常播出。")
        van.power = PowerStatus(state: "on", problem: "GPIO line gpiochip0:17 cannot be taken: Device or resource busy",
                                problemCode: "line_busy", problemArgs: ["chip": "gpiochip0", "line": "17"])
        coded = OverviewPage(status: EngineStatus(outputs: [van], recordsBehind: 0, warnings: []), recent: [],
                             naming: Naming(config, now: now, language: .zhHans), texts: Texts(.zhHans))
        #expect(coded.outputs[0].powerProblem == "功放无法开关（GPIO 芯片 gpiochip0 的第 17 号线被其他程序占用）；广播照常播出。")
    }
}

/// Issue 30: the overview says what the monitor last heard at the horn, and a horn taken to be silent.
@Suite struct MonitorViewTests {
    @Test func theOverviewSaysWhatWasHeardAtTheHornAndAHornThatMayBeSilent() throws {
        let path = NSTemporaryDirectory() + "/laba-monitor-view-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            outputs:
              - {id: van, name: 宣传车, device: "null", zone: town, monitor: {input: mic}}
              - {id: square, device: "null", zone: town, monitor: {input: mic2}}
              - {id: gate, device: "null", zone: town}
            zones:
              - {id: town, name: 古城, languages: [naxi]}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try #require(ConfigLoader.load(path: path).config)
        var van = OutputStatus(id: "van", device: "null", zone: "town", available: true, queue: [])
        van.monitor = MonitorStatus(heard: .no, unheard: 3, silent: true)
        var square = OutputStatus(id: "square", device: "null", zone: "town", available: true, queue: [])
        square.monitor = MonitorStatus(heard: .partly, unheard: 0, silent: false)
        let gate = OutputStatus(id: "gate", device: "null", zone: "town", available: true, queue: [])
        let page = OverviewPage(status: EngineStatus(outputs: [van, square, gate], recordsBehind: 0, warnings: []), recent: [],
                                naming: Naming(config, now: Instant(seconds: 1_800_000_000), language: .zhHans), texts: Texts(.zhHans))
        #expect(page.outputs[0].monitor == "喇叭旁监听：上一次广播没有听到。")
        #expect(page.outputs[0].silent == "这个喇叭可能无声：最近 3 次广播在喇叭旁都没有听到。")
        #expect(page.outputs[1].monitor == "喇叭旁监听：上一次广播只听到一部分。" && page.outputs[1].silent == nil)
        #expect(page.outputs[2].monitor == nil && page.outputs[2].silent == nil)
    }
}
