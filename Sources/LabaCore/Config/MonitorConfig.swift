// `monitor:` of an output (SPEC 18, issue 30): a microphone near the horn, captured during each
// broadcast and compared with what was played, so that a horn with a cut cable or a dead
// amplifier is found out instead of recorded `completed`.

import Yams

/// The off-air check of one output.
public struct MonitorConfig: Sendable, Equatable {
    /// The capture PCM (an ALSA name, as `live.input`).
    public var input: String
    /// This many broadcasts in a row not heard mark the horn silent.
    public var silentAfter: Int = 3
    public var location: SourceLocation

    public init(input: String, silentAfter: Int = 3, location: SourceLocation) {
        self.input = input
        self.silentAfter = silentAfter
        self.location = location
    }

    static let keys = ["input", "silent_after"]
}

extension ConfigLoader {
    /// `monitor: {input: PCM, silent_after: 3}`.
    static func readMonitor(_ node: Node, output: String, _ reader: inout NodeReader) -> MonitorConfig? {
        guard let f = reader.mapping(node, "monitor", known: MonitorConfig.keys) else { return nil }
        var input: String?
        if let n = f["input"], let text = reader.string(n, "monitor.input") {
            if text.value.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("monitor.input is empty; name an ALSA capture PCM such as \"plughw:CARD=Mic,DEV=0\"", at: text.location,
                             code: "empty_value", what: "monitor.input", ["example": "plughw:CARD=Mic,DEV=0"])
            } else {
                input = text.value
            }
        } else if f["input"] == nil, !f.slipped {
            reader.missing("monitor of output '\(output)' needs an input (the microphone's ALSA capture PCM)", in: f, key: "input",
                           of: "monitor")
        }
        var monitor = input.map { MonitorConfig(input: $0, location: f.location) }
        if let n = f["silent_after"], let count = reader.integer(n, "monitor.silent_after", in: 1...1000) {
            monitor?.silentAfter = count.value
        }
        return monitor
    }
}
