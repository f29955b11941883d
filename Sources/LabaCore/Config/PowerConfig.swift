// `power:` of an output (SPEC 18): the amplifier is switched on before a broadcast and off when the
// output has been idle a while, through a GPIO line (libgpiod) or two commands.

import Yams

/// How an output's amplifier is powered.
public struct PowerConfig: Sendable, Equatable {
    public enum Switch: Sendable, Equatable {
        /// A GPIO line: `gpio: "gpiochip0:17"` (a chip's name, path or number, and the line's offset).
        case gpio(chip: String, line: Int, activeHigh: Bool)
        /// Commands run with /bin/sh: `on: "relay 1 on"`, `off: "relay 1 off"`.
        case commands(on: String, off: String)
    }

    public var switching: Switch
    /// Switched on this long before the first frame (an emergency or a talk waits it, no more).
    public var warmup: TimeSpan = .seconds(2)
    /// Switched off after this long with nothing to play.
    public var hold: TimeSpan = .seconds(30)
    public var location: SourceLocation

    public init(switching: Switch, warmup: TimeSpan = .seconds(2), hold: TimeSpan = .seconds(30), location: SourceLocation) {
        self.switching = switching
        self.warmup = warmup
        self.hold = hold
        self.location = location
    }

    static let keys = ["gpio", "active", "on", "off", "warmup", "hold"]

    /// `CHIP:LINE`: the chip as libgpiod looks it up (name, path or number), the line's offset.
    public static func parseGPIO(_ text: String) -> (chip: String, line: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let chip = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
        guard !chip.isEmpty, let line = Int(text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)),
              (0...1023).contains(line) else { return nil }
        return (chip, line)
    }
}

extension ConfigLoader {
    /// `power: {gpio: "gpiochip0:17", active: high|low, warmup: 2s, hold: 30s}` or
    /// `power: {on: CMD, off: CMD, warmup: 2s, hold: 30s}`.
    static func readPower(_ node: Node, output: String, _ reader: inout NodeReader) -> PowerConfig? {
        guard let f = reader.mapping(node, "power", known: PowerConfig.keys) else { return nil }
        var switching: PowerConfig.Switch?
        if let n = f["gpio"] {
            if f["on"] != nil || f["off"] != nil {
                reader.error("power of output '\(output)' takes either gpio or on and off commands, not both", at: f.location,
                             code: "power_both", ["output": output])
            }
            if let text = reader.string(n, "power.gpio") {
                if let (chip, line) = PowerConfig.parseGPIO(text.value) {
                    var activeHigh = true
                    if let a = f["active"], let active = reader.string(a, "power.active") {
                        switch active.value {
                        case "high": activeHigh = true
                        case "low": activeHigh = false
                        default: reader.reject(active, "power.active must be high or low, found '\(active.value)'", code: "must_be_choice",
                                               what: "power.active", ["choices": "high, low", "value": active.value])
                        }
                    }
                    switching = .gpio(chip: chip, line: line, activeHigh: activeHigh)
                } else {
                    reader.reject(text, "power.gpio must be CHIP:LINE, such as \"gpiochip0:17\", found '\(text.value)'", code: "invalid_format",
                                  what: "power.gpio", ["format": "gpio_line", "example": "gpiochip0:17", "value": text.value])
                }
            }
        } else if f["on"] != nil || f["off"] != nil {
            let on = f["on"].flatMap { reader.string($0, "power.on") }
            let off = f["off"].flatMap { reader.string($0, "power.off") }
            if f["on"] == nil { reader.missing("power of output '\(output)' needs an on command beside off", in: f, key: "on", of: "power") }
            if f["off"] == nil { reader.missing("power of output '\(output)' needs an off command beside on", in: f, key: "off", of: "power") }
            for command in [on, off].compactMap({ $0 }) where command.value.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("power's command is empty; name a command such as \"/usr/local/bin/relay 1 on\"", at: command.location,
                             code: "empty_value", what: "power", ["example": "/usr/local/bin/relay 1 on"])
            }
            if f["active"] != nil { reader.warning("power.active applies to gpio only; it is ignored here", at: f.location, code: "power_active_ignored") }
            if let on, let off { switching = .commands(on: on.value, off: off.value) }
        } else {
            if !f.slipped {
                reader.error("power of output '\(output)' needs gpio: \"CHIP:LINE\" or on: and off: commands", at: f.location,
                             code: "power_needs_switch", ["output": output])
            }
        }
        var power = switching.map { PowerConfig(switching: $0, location: f.location) }
        if let n = f["warmup"], let span = reader.timeSpan(n, "power.warmup") {
            if span.value < .zero || span.value > .seconds(60) {
                reader.error("power.warmup must be between 0s and 60s, such as 2s; found '\(span.value)'", at: span.location,
                             code: "out_of_range", what: "power.warmup", ["min": "0s", "max": "60s", "value": "\(span.value)", "example": "2s"])
            } else {
                power?.warmup = span.value
            }
        }
        if let n = f["hold"], let span = reader.timeSpan(n, "power.hold") {
            if span.value < .zero || span.value > .seconds(24 * 3600) {
                reader.error("power.hold must be between 0s and 24h, such as 30s; found '\(span.value)'", at: span.location,
                             code: "out_of_range", what: "power.hold", ["min": "0s", "max": "24h", "value": "\(span.value)", "example": "2s"])
            } else {
                power?.hold = span.value
            }
        }
        return power
    }
}
