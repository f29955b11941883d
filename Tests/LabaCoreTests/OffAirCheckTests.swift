// Issue 30: the off-air check's judgement on envelopes made here (10 ms blocks): a capture that
// follows the program after a delay, one that stops half-way, a silent one, a noisy room.

import Foundation
import LabaCore
import Testing

@Suite struct OffAirCheckTests {
    /// Three segments of `length` blocks at 0.3 RMS with 20-block gaps of silence between.
    static func program(length: Int = 150) -> (blocks: [Float], spans: [OffAirCheck.Span]) {
        var blocks: [Float] = []
        var spans: [OffAirCheck.Span] = []
        for (i, label) in ["naxi", "yi", "mandarin"].enumerated() {
            if i > 0 { blocks += [Float](repeating: 0, count: 20) }
            let start = blocks.count
            blocks += [Float](repeating: 0.3, count: length)
            spans.append(.init(segment: i, label: label, start: start, end: blocks.count + (i < 2 ? 20 : 0)))
        }
        return (blocks, spans)
    }

    /// The microphone: `noise` everywhere, and the program `gain` times after `delay` blocks,
    /// until `until` (program blocks).
    static func capture(_ program: [Float], offset: Int, delay: Int, gain: Float = 0.1, noise: Float = 0.001,
                        until: Int? = nil) -> [Float] {
        let total = offset + program.count + delay + 50
        var generator = SystemRandomNumberGenerator()
        return (0..<total).map { k in
            let i = k - offset - delay
            let sound = i >= 0 && i < program.count && i < (until ?? .max) ? program[i] * gain : 0
            let n = noise * Float.random(in: 0.7...1.3, using: &generator)
            return (sound * sound + n * n).squareRoot()
        }
    }

    @Test func aCaptureThatFollowsIsHeardWithItsDelay() {
        let (program, spans) = Self.program()
        let capture = Self.capture(program, offset: 30, delay: 23)
        let result = OffAirCheck.judge(program: program, spans: spans, capture: capture, offset: 30)
        #expect(result.delayMS == 230, "\(result)")
        #expect(result.segments.map(\.heard) == [.yes, .yes, .yes], "\(result.segments)")
        // 0.03 RMS over a room of 0.001: about 29.5 dB.
        #expect(result.segments.allSatisfy { abs(($0.levelDB ?? 0) - 29.5) < 1.5 }, "\(result.segments)")
        #expect(result.heard == .yes && abs(result.noiseDB - -60) < 1.5, "\(result.noiseDB)")
    }

    @Test func aCaptureThatStopsHalfWayIsPartlyHeard() {
        let (program, spans) = Self.program()
        // Silent from the middle of the second segment.
        let capture = Self.capture(program, offset: 30, delay: 12, until: spans[1].start + 75)
        let result = OffAirCheck.judge(program: program, spans: spans, capture: capture, offset: 30)
        #expect(result.delayMS == 120, "\(result)")
        #expect(result.segments.map(\.heard) == [.yes, .partly, .no], "\(result.segments)")
        #expect(result.heard == .partly)
    }

    @Test func aSilentOrOnlyNoisyCaptureIsNotHeard() {
        let (program, spans) = Self.program()
        let silent = [Float](repeating: 0, count: 600)
        let deaf = OffAirCheck.judge(program: program, spans: spans, capture: silent, offset: 30)
        #expect(deaf.segments.map(\.heard) == [.no, .no, .no] && deaf.delayMS == nil && deaf.heard == .no, "\(deaf)")
        let room = Self.capture(program, offset: 30, delay: 10, gain: 0, noise: 0.01)
        let noisy = OffAirCheck.judge(program: program, spans: spans, capture: room, offset: 30)
        #expect(noisy.segments.map(\.heard) == [.no, .no, .no] && noisy.heard == .no, "\(noisy)")
    }

    @Test func aSegmentWithoutSoundIsNotJudged() {
        var (program, spans) = Self.program()
        for i in spans[1].start..<spans[1].end { program[i] = 0 }
        let capture = Self.capture(program, offset: 30, delay: 5)
        let result = OffAirCheck.judge(program: program, spans: spans, capture: capture, offset: 30)
        #expect(result.segments[1].levelDB == nil && result.heard == .yes, "\(result.segments)")
    }
}

/// `monitor:` of an output in the configuration.
@Suite struct MonitorConfigTests {
    static func load(_ monitor: String) throws -> (config: Config?, diagnostics: [Diagnostic]) {
        let path = NSTemporaryDirectory() + "/laba-monitor-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            outputs:
              - {id: square, device: "null", zone: town, monitor: \(monitor)}
            zones:
              - {id: town, languages: [naxi]}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = ConfigLoader.load(path: path)
        return (loaded.config, loaded.diagnostics)
    }

    @Test func monitorIsReadWithItsDefault() throws {
        let plain = try Self.load(#"{input: "plughw:CARD=Mic,DEV=0"}"#)
        #expect(!plain.diagnostics.hasErrors, "\(plain.diagnostics)")
        #expect(plain.config?.outputs.first?.monitor?.input == "plughw:CARD=Mic,DEV=0")
        #expect(plain.config?.outputs.first?.monitor?.silentAfter == 3)
        let five = try Self.load(#"{input: mic, silent_after: 5}"#)
        #expect(five.config?.outputs.first?.monitor?.silentAfter == 5)
    }

    @Test(arguments: [
        (#"{silent_after: 2}"#, "needs an input"),
        (#"{input: ""}"#, "monitor.input is empty"),
        (#"{input: mic, silent_after: 0}"#, "silent_after"),
        (#"{input: mic, gain: 3}"#, "gain"),
    ])
    func badMonitorIsRefusedWhereItIs(_ monitor: String, _ says: String) throws {
        let loaded = try Self.load(monitor)
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains(says) && $0.location?.line == 2 }, "\(loaded.diagnostics)")
    }
}
