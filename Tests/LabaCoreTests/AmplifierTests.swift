// Issue 30: the amplifier's phases (pure) and `power:` in the configuration.

import Foundation
import LabaCore
import Testing

@Suite struct AmplifierTests {
    let t0 = Instant(seconds: 1_000_000)

    @Test func phasesFollowTheRules() {
        var a = Amplifier(warmup: .seconds(2), hold: .seconds(30))
        #expect(a.nextWake == nil)
        // Off: something to play switches on and waits the warm-up.
        let first = a.need(at: t0)
        #expect(first.ready == t0 + .seconds(2) && first.switching == .on)
        // Asked again while warming: the same instant, no second switching.
        let again = a.need(at: t0 + .seconds(1))
        #expect(again.ready == t0 + .seconds(2) && again.switching == nil)
        #expect(a.nextWake == t0 + .seconds(2))
        #expect(a.tick(at: t0 + .seconds(2), busy: true) == nil && a.phase == .on)
        // Idle: the hold starts; something new before its end plays at once, without switching.
        a.idle(at: t0 + .seconds(10))
        #expect(a.phase == .holding(until: t0 + .seconds(40)))
        let during = a.need(at: t0 + .seconds(20))
        #expect(during.ready == t0 + .seconds(20) && during.switching == nil && a.phase == .on)
        a.idle(at: t0 + .seconds(21))
        #expect(a.tick(at: t0 + .seconds(50), busy: false) == nil)
        #expect(a.tick(at: t0 + .seconds(51), busy: false) == .off && a.phase == .off)
    }

    @Test func aScheduledBroadcastIsExpectedAhead() {
        var a = Amplifier(warmup: .seconds(2), hold: .seconds(5))
        let due = t0 + .seconds(10)
        #expect(a.expect(at: due, now: t0) == .on)
        // Warm long before it is due (a shorter warm-up than the longest): held until due + hold.
        #expect(a.tick(at: t0 + .seconds(2), busy: false) == nil)
        #expect(a.phase == .holding(until: due + .seconds(5)))
        // A holding amplifier is kept on until the broadcast it is expected for.
        var b = Amplifier(warmup: .seconds(2), hold: .seconds(1))
        _ = b.need(at: t0)
        _ = b.tick(at: t0 + .seconds(2), busy: true)
        b.idle(at: t0 + .seconds(3))
        #expect(b.expect(at: t0 + .seconds(4), now: t0 + .seconds(3)) == nil)
        #expect(b.phase == .holding(until: t0 + .seconds(5)))
    }

    @Test func gpioNamesChipAndLine() {
        #expect(PowerConfig.parseGPIO("gpiochip0:17")! == ("gpiochip0", 17))
        #expect(PowerConfig.parseGPIO("/dev/gpiochip1:3")! == ("/dev/gpiochip1", 3))
        #expect(PowerConfig.parseGPIO("gpiochip0") == nil)
        #expect(PowerConfig.parseGPIO(":4") == nil)
        #expect(PowerConfig.parseGPIO("gpiochip0:x") == nil)
    }

    static func load(_ power: String) throws -> (config: Config?, diagnostics: [Diagnostic]) {
        let path = NSTemporaryDirectory() + "/laba-power-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            outputs:
              - {id: square, device: "null", zone: town, power: \(power)}
            zones:
              - {id: town, languages: [naxi]}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = ConfigLoader.load(path: path)
        return (loaded.config, loaded.diagnostics)
    }

    @Test func powerIsReadWithItsDefaults() throws {
        let gpio = try Self.load(#"{gpio: "gpiochip0:17", active: low}"#)
        #expect(!gpio.diagnostics.hasErrors, "\(gpio.diagnostics)")
        let power = gpio.config?.outputs.first?.power
        #expect(power?.switching == .gpio(chip: "gpiochip0", line: 17, activeHigh: false))
        #expect(power?.warmup == .seconds(2) && power?.hold == .seconds(30))
        let commands = try Self.load(#"{on: "relay 1 on", off: "relay 1 off", warmup: 500ms, hold: 2min}"#)
        #expect(commands.config?.outputs.first?.power == PowerConfig(switching: .commands(on: "relay 1 on", off: "relay 1 off"),
                                                                      warmup: .milliseconds(500), hold: .seconds(120),
                                                                      location: commands.config!.outputs.first!.power!.location))
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var power: String
        var says: String
        var testDescription: String { power }
    }

    @Test(arguments: [
        Bad(power: #"{gpio: "gpiochip0"}"#, says: "power.gpio must be CHIP:LINE"),
        Bad(power: #"{gpio: "gpiochip0:1", active: middle}"#, says: "power.active must be high or low"),
        Bad(power: #"{on: "relay on"}"#, says: "needs an off command"),
        Bad(power: #"{gpio: "gpiochip0:1", on: "a", off: "b"}"#, says: "either gpio or on and off"),
        Bad(power: #"{warmup: 2s}"#, says: "needs gpio"),
        Bad(power: #"{on: "a", off: "b", warmup: 2min}"#, says: "power.warmup must be between 0s and 60s"),
        Bad(power: #"{on: "a", off: "b", volts: 12}"#, says: "volts"),
    ])
    func badPowerIsRefusedWhereItIs(_ bad: Bad) throws {
        let loaded = try Self.load(bad.power)
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains(bad.says) && $0.location?.line == 2 }, "\(loaded.diagnostics)")
    }
}
