import Foundation
import LabaAudio
import LabaCore
import Testing

/// The civil-defence signals (SPEC 18) rendered through ALSA's `file` PCM over `null` (no real
/// time), read back by sample position: edges, sweep, steady tone, length and peak.
@Suite struct SirenRenderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var kind: SirenKind
        var rate: Int
        var channels: Int
        var testDescription: String { "\(kind.rawValue) at \(rate) Hz, \(channels) ch" }
    }

    static let cases: [Case] = [
        Case(kind: .preliminary, rate: 48000, channels: 2),
        Case(kind: .airRaid, rate: 16000, channels: 1),
        Case(kind: .allClear, rate: 22050, channels: 1),
        Case(kind: .disaster, rate: 16000, channels: 2),
    ]

    static let ceiling = pow(10, -1.0 / 20)

    /// Renders one signal at the output's fixed format; returns the capture.
    func render(_ pattern: SirenPattern, rate: Int, channels: Int, gainDB: Double = 0) throws -> Capture {
        let pcm = TestPCMs.shared.capturePCM()
        let renderer = ProgramRenderer(output: PCMOutput(device: pcm.name), fixedRate: rate, fixedChannels: channels)
        let program = Program(segments: [ProgramSegment(label: Language.neutral, signal: pattern, gainDB: gainDB)], gap: .zero)
        let result = renderer.play(program)
        #expect(result.outcome == .completed)
        #expect(result.format == PCMOutput.Format(rate: rate, channels: channels))
        return try Capture(path: pcm.file)
    }

    @Test(arguments: cases)
    func everyEdgeIsWithin20msOfItsPatternAndThePeakIsMinus1dBFS(_ c: Case) throws {
        let pattern = SirensConfig().pattern(c.kind)
        let capture = try render(pattern, rate: c.rate, channels: c.channels)
        #expect(capture.rate == c.rate && capture.channels == c.channels)
        // The whole signal, its last silence included.
        #expect(capture.frames == Int(pattern.duration * Double(c.rate)))
        if c.channels > 1 { #expect(capture.channel(0) == capture.channel(1)) }
        let rate = Double(c.rate)
        let regions = capture.regions(threshold: 0.01, minimumGap: 0.5)
        let expected = pattern.soundings
        #expect(regions.count == expected.count)
        var worst = 0.0
        for (region, sounding) in zip(regions, expected) {
            worst = max(worst, abs(Double(region.start) / rate - sounding.start), abs(Double(region.end) / rate - sounding.end))
        }
        #expect(worst <= 0.020, "an edge is \(worst * 1000) ms from its pattern")
        // Peaks at -1 dBFS: no higher (one 16-bit step of rounding), and reached.
        #expect(Double(capture.peak) <= Self.ceiling + 1.0 / 32768)
        #expect(Double(capture.peak) >= Self.ceiling - 0.002, "peak \(20 * log10(Double(capture.peak))) dBFS")
        print("siren \(c.kind.rawValue): \(regions.count) soundings, worst edge \(String(format: "%.2f", worst * 1000)) ms, "
              + "peak \(String(format: "%.3f", 20 * log10(Double(capture.peak)))) dBFS")
    }

    @Test func theSweepSpansLowToHighWithItsPeriod() throws {
        let pattern = SirensConfig().pattern(.preliminary)
        let capture = try render(pattern, rate: 48000, channels: 1)
        let mono = capture.channel(0)
        // The first sounding part: 36 s, nine periods of 4 s. Skip the fades.
        let track = frequencyTrack(mono, from: 480, to: 36 * 48000 - 480, rate: 48000)
        let low = track.map(\.frequency).min()!, high = track.map(\.frequency).max()!
        #expect(abs(low - 600) <= 600 * 0.02 && abs(high - 1200) <= 1200 * 0.02, "\(low)–\(high) Hz")
        // The period: the frequency rises through the middle (900 Hz) once per period.
        var rising: [Double] = []
        for (a, b) in zip(track, track.dropFirst()) where a.frequency < 900 && b.frequency >= 900 {
            if let last = rising.last, b.time - last < 1 { continue }
            rising.append(b.time)
        }
        let periods = zip(rising, rising.dropFirst()).map { $1 - $0 }
        #expect(periods.count >= 7)
        let period = periods.reduce(0, +) / Double(periods.count)
        #expect(abs(period - 4) <= 4 * 0.02, "period \(period) s")
        #expect(periods.allSatisfy { abs($0 - 4) <= 4 * 0.02 }, "\(periods)")
        print("sweep: \(String(format: "%.1f", low))–\(String(format: "%.1f", high)) Hz, period \(String(format: "%.4f", period)) s")
    }

    @Test func theAllClearIsSteadyAndThreeMinutesLong() throws {
        let capture = try render(SirensConfig().pattern(.allClear), rate: 16000, channels: 1)
        let regions = capture.regions(threshold: 0.01, minimumGap: 0.5)
        #expect(regions.count == 1)
        let length = Double(regions[0].end - regions[0].start) / 16000
        #expect(abs(length - 180) <= 0.020, "\(length) s")
        let track = frequencyTrack(capture.channel(0), from: regions[0].start + 160, to: regions[0].end - 160, rate: 16000)
        let low = track.map(\.frequency).min()!, high = track.map(\.frequency).max()!
        #expect(abs(low - 900) <= 9 && abs(high - 900) <= 9, "\(low)–\(high) Hz")
        print("all-clear: \(String(format: "%.3f", length)) s at \(String(format: "%.1f", low))–\(String(format: "%.1f", high)) Hz")
    }

    @Test func aLocallySetDisasterSignalAndAZoneGainBelowZero() throws {
        var sirens = SirensConfig()
        sirens.disasterSteps = Located([.init(on: 2, off: 1), .init(on: 0.5, off: 0.5)], at: SourceLocation(file: "t", line: 1, column: 1))
        sirens.disasterCount = Located(2, at: SourceLocation(file: "t", line: 1, column: 1))
        let pattern = sirens.pattern(.disaster)
        let capture = try render(pattern, rate: 48000, channels: 1, gainDB: -6)
        let regions = capture.regions(threshold: 0.01, minimumGap: 0.2)
        let expected: [(Double, Double)] = [(0, 2), (3, 3.5), (4, 6), (7, 7.5)]
        #expect(regions.count == expected.count)
        for (region, (start, end)) in zip(regions, expected) {
            #expect(abs(Double(region.start) / 48000 - start) <= 0.02 && abs(Double(region.end) / 48000 - end) <= 0.02)
        }
        // A volume_db below 0 lowers it; full scale is never passed.
        #expect(abs(20 * log10(Double(capture.peak)) - (-7)) <= 0.05)
    }

    /// The frequency between successive upward zero crossings (interpolated), with the time of each.
    func frequencyTrack(_ mono: [Float], from: Int, to: Int, rate: Int) -> [(time: Double, frequency: Double)] {
        var crossings: [Double] = []
        for i in max(1, from)..<min(to, mono.count) where mono[i - 1] < 0 && mono[i] >= 0 {
            let fraction = Double(-mono[i - 1]) / Double(mono[i] - mono[i - 1])
            crossings.append((Double(i - 1) + fraction) / Double(rate))
        }
        return zip(crossings, crossings.dropFirst()).map { (($0 + $1) / 2, 1 / ($1 - $0)) }
    }
}
