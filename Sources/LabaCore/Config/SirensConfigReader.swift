// `sirens:` → `SirensConfig`, every problem at its file:line:column.

import Yams

extension ConfigLoader {
    /// The civil-defence signals' section (SPEC 18):
    /// `sirens: {low: 600, high: 1200, sweep: 4s, steady: 900, disaster: {steps: [{on: 15s, off: 15s}], count: 6}, priority: emergency}`.
    static func readSirens(_ node: Node, _ reader: inout NodeReader) -> SirensConfig {
        var sirens = SirensConfig()
        guard let f = reader.mapping(node, "sirens", known: SirensConfig.keys) else { return sirens }
        func frequency(_ key: String) -> Located<Double>? {
            guard let n = f[key], let text = reader.string(n, "sirens.\(key)") else { return nil }
            var number = text.value.trimmingCharacters(in: .whitespaces)
            if number.lowercased().hasSuffix("hz") { number = String(number.dropLast(2)).trimmingCharacters(in: .whitespaces) }
            guard let hz = Double(number), hz.isFinite else {
                reader.reject(text, "sirens.\(key) must be a frequency in Hz such as 900, found '\(text.value)'", code: "invalid_format",
                              what: "sirens.\(key)", ["format": "frequency", "example": "900", "value": text.value])
                return nil
            }
            guard (50...10_000).contains(hz) else {
                reader.error("sirens.\(key) must be between 50 and 10000 Hz, found \(text.value)", at: text.location, code: "out_of_range",
                             what: "sirens.\(key)", ["min": "50Hz", "max": "10000Hz", "value": text.value])
                return nil
            }
            return Located(hz, at: text.location)
        }
        sirens.low = frequency("low")
        sirens.high = frequency("high")
        sirens.steady = frequency("steady")
        if sirens.lowValue >= sirens.highValue {
            reader.error("sirens.low (\(sirens.lowValue) Hz) must be below sirens.high (\(sirens.highValue) Hz)",
                         at: sirens.high?.location ?? sirens.low?.location ?? f.location, code: "sirens_low_high",
                         ["low": "\(sirens.lowValue)", "high": "\(sirens.highValue)"])
        }
        if let n = f["sweep"], let span = reader.timeSpan(n, "sirens.sweep") {
            if span.value < .milliseconds(100) || span.value > .seconds(60) {
                reader.error("sirens.sweep must be between 100ms and 60s, such as 4s; found '\(span.value)'", at: span.location,
                             code: "out_of_range", what: "sirens.sweep", ["min": "100ms", "max": "60s", "value": "\(span.value)", "example": "4s"])
            } else {
                sirens.sweep = span
            }
        }
        if let n = f["priority"], let p = reader.string(n, "sirens.priority") {
            if let priority = Priority(name: p.value), priority != .scheduled {
                sirens.priority = Located(priority, at: p.location)
            } else {
                reader.reject(p, "sirens.priority must be manual or emergency, found '\(p.value)'", code: "must_be_choice",
                              what: "sirens.priority", ["choices": "manual, emergency", "value": p.value])
            }
        }
        if let n = f["disaster"], let d = reader.mapping(n, "sirens.disaster", known: SirensConfig.disasterKeys) {
            sirens.disasterCount = d["count"].flatMap { reader.integer($0, "sirens.disaster.count", in: 1...100) }
            if let s = d["steps"], let items = reader.sequence(s, "sirens.disaster.steps") {
                var steps: [SirenPattern.Step] = []
                for item in items {
                    guard let step = reader.mapping(item, "a step of sirens.disaster", known: SirensConfig.stepKeys) else { continue }
                    var on: Double?
                    var off = 0.0
                    if let n = step["on"], let span = reader.timeSpan(n, "on") {
                        if span.value < .milliseconds(100) {
                            reader.error("a signal's step sounds at least 100ms, such as 15s; found '\(span.value)'", at: span.location,
                                         code: "at_least", what: "on", ["min": "100ms", "value": "\(span.value)", "example": "15s"])
                        } else {
                            on = span.value.seconds
                        }
                    } else if step["on"] == nil {
                        reader.missing("a step of sirens.disaster needs on (how long it sounds, such as 15s)", in: step, key: "on",
                                       of: "a step of sirens.disaster")
                    }
                    if let n = step["off"], let span = reader.timeSpan(n, "off") { off = span.value.seconds }
                    if let on { steps.append(SirenPattern.Step(on: on, off: off)) }
                }
                if items.isEmpty {
                    reader.error("sirens.disaster.steps needs at least one step, such as {on: 15s, off: 15s}", at: reader.location(s),
                                 code: "empty_list", what: "sirens.disaster.steps", ["example": "{on: 15s, off: 15s}"])
                } else if steps.count == items.count {
                    sirens.disasterSteps = Located(steps, at: reader.location(s))
                }
            }
            let pattern = sirens.pattern(.disaster)
            if pattern.duration > 3600 {
                reader.error("the disaster signal would last \(Int(pattern.duration)) s; at most an hour", at: d.location,
                             code: "siren_too_long", ["seconds": "\(Int(pattern.duration))"])
            }
        }
        return sirens
    }
}
