import Foundation
import LabaAudio
import LabaCore
import Testing

/// One PCM open per program, at one format: recordings of other rates are resampled and their
/// channels mixed, so that a program is one stream (and one capture file).
@Suite struct ProgramFormatTests {
    /// A 22.05 kHz mono, a 44.1 kHz stereo and a 48 kHz mono recording, twice over.
    @Test func recordingsAtDifferentRatesPlayAsOneStreamThroughOneOpen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try TestAudio.writeTone(dir.file("naxi.wav"), frequency: 300, seconds: 1, rate: 22050)
        try TestAudio.writeTone(dir.file("yi.wav"), frequency: 500, seconds: 1, rate: 44100, channels: 2)
        try TestAudio.writeTone(dir.file("mandarin.flac"), frequency: 900, seconds: 1, rate: 48000, container: .flac16)
        let program = Program(segments: [
            ProgramSegment(label: "naxi", path: dir.file("naxi.wav")),
            ProgramSegment(label: "yi", path: dir.file("yi.wav")),
            ProgramSegment(label: "mandarin", path: dir.file("mandarin.flac")),
        ], gap: .milliseconds(500), repeatCount: 2)
        let pcm = TestPCMs.shared.capturePCM()
        let output = PCMOutput(device: pcm.name)
        let result = ProgramRenderer(output: output).play(program)

        #expect(result.outcome == .completed)
        #expect(output.opens == 1)
        #expect(result.format == PCMOutput.Format(rate: 48000, channels: 2))
        #expect(result.segments.map(\.outcome) == Array(repeating: .played(frames: 48000), count: 6))
        #expect(result.frames == 6 * 48000 + 5 * 24000)
        // The capture file (rewritten by each open) holds every segment: the PCM was opened once.
        let capture = try Capture(path: pcm.file)
        #expect(capture.rate == 48000 && capture.channels == 2)
        #expect(capture.frames == 6 * 48000 + 5 * 24000)
        let regions = capture.regions()
        try #require(regions.count == 6, "\(regions)")
        let expected = [300.0, 500, 900, 300, 500, 900]
        for (region, frequency) in zip(regions, expected) {
            #expect(approximately(capture.frequency(region), frequency, within: frequency * 0.01),
                    "\(capture.frequency(region)) Hz for \(frequency) Hz")
        }
        // Each tone starts where its segment starts, after its gap, and lasts one second.
        for (n, region) in regions.enumerated() {
            #expect(abs(region.start - n * 72000) <= 48 && abs(region.end - (n * 72000 + 48000)) <= 48, "\(n): \(region)")
        }
        // A kept resampler starts each recording afresh: the second pass is the first, sample for sample.
        let pass = 3 * 72000
        #expect(capture.samples[0..<(2 * 72000 * 2)] == capture.samples[(pass * 2)..<((pass + 2 * 72000) * 2)])
    }

    @Test func eachProgramOpensThePCMOnce() throws {
        let dir = try toneLibrary(seconds: 0.2)
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let output = PCMOutput(device: pcm.name)
        let renderer = ProgramRenderer(output: output)
        let program = Program(segments: try segments(["naxi", "bai"], in: dir), gap: .milliseconds(50), repeatCount: 3)
        #expect(renderer.play(program).outcome == .completed)
        #expect(renderer.play(program, from: 4).outcome == .completed)
        #expect(output.opens == 2)
        #expect(!output.isOpen)
    }

    /// Channels: mono to every channel; stereo (a tone on the left, silence on the right) folded
    /// to mono as (L + R) / 2, kept as it is on two, and the mean of both on the channels beyond.
    @Test(arguments: [
        (1, 1, [1.0]), (1, 2, [1, 1]), (1, 4, [1, 1, 1, 1]),
        (2, 1, [0.5]), (2, 2, [1, 0]), (2, 4, [1, 0, 0.5, 0.5]),
    ] as [(Int, Int, [Double])])
    func channelsAreMixed(_ sourceChannels: Int, _ outputChannels: Int, _ levels: [Double]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try TestAudio.writeTone(dir.file("tone.wav"), frequency: 400, seconds: 0.3, rate: 48000, channels: sourceChannels,
                                silentChannels: [1])
        let pcm = TestPCMs.shared.capturePCM()
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name), fixedChannels: outputChannels)
            .play(Program(segments: [ProgramSegment(label: "tone", path: dir.file("tone.wav"))]))
        #expect(result.outcome == .completed)
        let capture = try Capture(path: pcm.file)
        #expect(capture.channels == outputChannels)
        let peaks = (0..<outputChannels).map { c in Double(capture.channel(c).map(abs).max() ?? 0) }
        for (peak, level) in zip(peaks, levels) {
            #expect(approximately(peak, 0.5 * level, within: 0.002), "\(peaks)")
        }
    }

    /// The default channel count is the device's, looked up under the plug layer.
    @Test(arguments: [("laba_three_inline", 3), ("laba_three_named", 3), ("laba_four_fixed", 4)])
    func programsTakeTheDevicesChannelCount(_ pcm: String, _ channels: Int) throws {
        _ = TestPCMs.shared
        #expect(Devices.channels(of: pcm) == channels)
        let dir = try toneLibrary(seconds: 0.2)
        defer { dir.remove() }
        let renderer = ProgramRenderer(output: PCMOutput(device: pcm))
        #expect(renderer.programFormat() == PCMOutput.Format(rate: 48000, channels: channels))
        let result = renderer.play(Program(segments: try segments(["pumi"], in: dir)))
        #expect(result.outcome == .completed)
        let capture = try Capture(path: TestPCMs.shared.directory + "/\(pcm).wav")
        #expect(capture.rate == 48000 && capture.channels == channels)
        #expect((1..<channels).allSatisfy { capture.channel($0) == capture.channel(0) })
        #expect(capture.peak > 0.1)
    }

    @Test func aDeviceThatCannotBeAskedGetsTwoChannels() {
        _ = TestPCMs.shared
        #expect(Devices.channels(of: "laba_no_such_pcm") == nil)
        #expect(ProgramRenderer(output: PCMOutput(device: "laba_no_such_pcm")).programFormat()
                == PCMOutput.Format(rate: 48000, channels: 2))
        #expect(ProgramRenderer(output: PCMOutput(device: "laba_no_such_pcm"), fixedRate: 44100, fixedChannels: 6)
                .programFormat() == PCMOutput.Format(rate: 44100, channels: 6))
    }

    /// A gain that would clip lowers itself: nothing above -1 dBFS, and a sine stays a sine (a
    /// clipped one becomes a square wave, whose crest factor is 1 instead of √2). Resampled or
    /// not, and for a float recording that goes beyond full scale by itself.
    @Test(arguments: [(16000, TestAudio.Container.wav16, 0.5, 60.0), (48000, .wav16, 0.5, 60), (48000, .wavFloat, 2, 0)])
    func thePeakGuardHoldsWhateverTheGain(_ rate: Int, _ container: TestAudio.Container, _ amplitude: Double,
                                          _ gainDB: Double) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try TestAudio.writeTone(dir.file("tone.wav"), frequency: 440, seconds: 1, rate: rate, amplitude: amplitude,
                                container: container)
        let pcm = TestPCMs.shared.capturePCM()
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name))
            .play(Program(segments: [ProgramSegment(label: "tone", path: dir.file("tone.wav"), gainDB: gainDB)]))
        #expect(result.outcome == .completed)
        let capture = try Capture(path: pcm.file)
        let ceiling = Float(pow(10, -1.0 / 20))
        #expect(capture.peak <= ceiling + 1.0 / 32768)
        let middle = capture.channel(0)[4800..<43200]
        let peak = Double(middle.map(abs).max() ?? 0)
        let rms = (middle.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(middle.count)).squareRoot()
        #expect(peak > Double(ceiling) * 0.99)
        #expect(approximately(peak / rms, 2.0.squareRoot(), within: 0.03), "crest factor \(peak / rms)")
    }
}
