import Foundation
import LabaAudio
import LabaCore
import LabaTestSupport
import Testing

/// One tone frequency per language, so that a capture tells which language played when.
let toneOf: [String: Double] = ["naxi": 300, "bai": 400, "yi": 500, "pumi": 600, "mosuo": 700, "lisu": 800, "mandarin": 900]

/// Tone recordings in a fresh folder: `<language>.wav`, 1 s, 16 kHz mono at -6 dBFS peak.
func toneLibrary(rate: Int = 16000, seconds: Double = 1, amplitude: Double = 0.5) throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory()
    for (language, frequency) in toneOf {
        try TestAudio.writeTone(dir.file("\(language).wav"), frequency: frequency, seconds: seconds, rate: rate,
                                amplitude: amplitude)
    }
    return dir
}

func segments(_ languages: [String], in dir: TemporaryDirectory, target: Double = -16) throws -> [ProgramSegment] {
    try languages.map { language in
        let path = dir.file("\(language).wav")
        let gain = Loudness.gain(for: try Loudness.measure(path: path), target: .lufs(target), volumeDB: 0)
        return ProgramSegment(label: language, path: path, gainDB: gain)
    }
}

func approximately(_ a: Double, _ b: Double, within tolerance: Double) -> Bool { abs(a - b) <= tolerance }

@Suite struct ProgramRendererTests {
    @Test func languagesPlayInOrderWithGapsAtTheTargetLoudness() throws {
        let dir = try toneLibrary()
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let program = Program(segments: try segments(["naxi", "yi", "mandarin"], in: dir), gap: .milliseconds(500),
                              repeatCount: 2)
        var events: [RenderEvent] = []
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name)).play(program) { event in
            if case .progress = event { return }
            events.append(event)
        }
        #expect(result.outcome == .completed)
        #expect(result.segments.map(\.label) == ["naxi", "yi", "mandarin", "naxi", "yi", "mandarin"])
        #expect(events.first == .segmentStarted(index: 0, label: "naxi"))
        // One format for the program: 48 kHz on the device's two channels (the capture PCMs take any count).
        #expect(result.format == PCMOutput.Format(rate: 48000, channels: 2))
        #expect(events.last == .segmentFinished(index: 5, label: "mandarin", outcome: .played(frames: 48000)))

        let capture = try Capture(path: pcm.file)
        #expect(capture.rate == 48000 && capture.channels == 2)
        #expect(capture.channel(0) == capture.channel(1))
        // Six tones of one second and five gaps of half a second.
        #expect(capture.frames == 6 * 48000 + 5 * 24000)
        let regions = capture.regions()
        #expect(regions.count == 6)
        let frequencies = regions.map { capture.frequency($0) }
        let expected = [300.0, 500, 900, 300, 500, 900]
        #expect(zip(frequencies, expected).allSatisfy { approximately($0, $1, within: $1 * 0.02) }, "\(frequencies)")
        for (a, b) in zip(regions, regions.dropFirst()) {
            #expect(approximately(Double(b.start - a.end) / 48000, 0.5, within: 0.03))
        }
        // Each loudspeaker (channel) plays the mono recording at its target loudness.
        for region in regions {
            #expect(approximately(capture.loudness(region, channel: 0), -16, within: 0.5),
                    "\(capture.loudness(region, channel: 0)) LUFS")
        }
        // The peak guard: nothing above -1 dBFS (one 16-bit step of tolerance).
        #expect(capture.peak <= Float(pow(10, -1.0 / 20)) + 1.0 / 32768)
    }

    @Test func everySegmentFadesInAndOut() throws {
        let dir = try toneLibrary()
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let program = Program(segments: try segments(["bai", "lisu"], in: dir), gap: .milliseconds(200))
        _ = ProgramRenderer(output: PCMOutput(device: pcm.name)).play(program)
        let capture = try Capture(path: pcm.file)
        // The 16 kHz recordings play at 48 kHz: a second is 48,000 frames, a millisecond 48.
        let second = 48000, ms = 48
        let full = capture.peak(from: second / 4, to: second / 2)
        #expect(full > 0.1)
        // The fades are 10 ms: the first and last millisecond stay near silence.
        #expect(capture.peak(from: 0, to: ms) < full * 0.12)
        #expect(capture.peak(from: second - ms, to: second) < full * 0.12)
        #expect(capture.peak(from: 12 * ms, to: 25 * ms) > full * 0.9)
        let next = second + 200 * ms
        #expect(capture.peak(from: next, to: next + ms) < full * 0.12)
        #expect(capture.peak(from: next + second - ms, to: next + second) < full * 0.12)
    }

    @Test func monoRecordingOnAStereoPCMPlaysOnBothChannels() throws {
        let dir = try toneLibrary()
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let renderer = ProgramRenderer(output: PCMOutput(device: pcm.name), fixedChannels: 2)
        let result = renderer.play(Program(segments: try segments(["pumi"], in: dir)))
        #expect(result.outcome == .completed)
        let capture = try Capture(path: pcm.file)
        #expect(capture.channels == 2)
        #expect(capture.channel(0) == capture.channel(1))
        #expect(capture.peak > 0.1)
    }

    @Test(arguments: [(22050, nil, 48000), (44100, nil, 48000), (8000, nil, 48000), (96000, nil, 48000), (48000, nil, 48000),
                      (22050, 44100, 44100), (48000, 16000, 16000)] as [(Int, Int?, Int)])
    func recordingsAtOtherRates(_ recordingRate: Int, _ fixedRate: Int?, _ capturedRate: Int) throws {
        let dir = try toneLibrary(rate: recordingRate)
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let renderer = ProgramRenderer(output: PCMOutput(device: pcm.name), fixedRate: fixedRate)
        let result = renderer.play(Program(segments: try segments(["mosuo"], in: dir)))
        #expect(result.outcome == .completed)
        // Resampled to the output's rate: one second is `capturedRate` frames, to the frame.
        #expect(result.segments.map(\.outcome) == [.played(frames: capturedRate)], "\(result)")
        let capture = try Capture(path: pcm.file)
        #expect(capture.rate == capturedRate)
        #expect(capture.frames == capturedRate)
        let regions = capture.regions()
        try #require(regions.count == 1)
        #expect(approximately(capture.frequency(regions[0]), 700, within: 7), "\(capture.frequency(regions[0])) Hz")
        #expect(capture.peak <= Float(pow(10, -1.0 / 20)) + 1.0 / 32768)
    }

    @Test func brokenRecordingsAreSkippedAndTheProgramGoesOn() throws {
        let dir = try toneLibrary()
        defer { dir.remove() }
        try dir.write("text.wav", "this is not audio\n")
        try TestAudio.writeTone(dir.file("truncated.flac"), frequency: 440, seconds: 2, container: .flac16)
        let whole = try Data(contentsOf: URL(fileURLWithPath: dir.file("truncated.flac")))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir.file("truncated.flac")))
        let pcm = TestPCMs.shared.capturePCM()
        let program = Program(segments: [
            ProgramSegment(label: "naxi", path: dir.file("naxi.wav")),
            ProgramSegment(label: "text", path: dir.file("text.wav")),
            ProgramSegment(label: "missing", path: dir.file("missing.wav")),
            ProgramSegment(label: "truncated", path: dir.file("truncated.flac")),
            ProgramSegment(label: "mandarin", path: dir.file("mandarin.wav")),
        ], gap: .milliseconds(100))
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name)).play(program)
        #expect(result.outcome == .completed)
        let outcomes = Dictionary(uniqueKeysWithValues: result.segments.map { ($0.label, $0.outcome) })
        #expect(outcomes["naxi"] == .played(frames: 48000))
        #expect(outcomes["text"] == .failed(.decode(path: dir.file("text.wav"), reason: "Format not recognised.")))
        if case .failed(.decode(_, let reason)) = outcomes["missing"] {
            #expect(reason.contains("No such file or directory"))
        } else {
            Issue.record("a missing file must fail: \(String(describing: outcomes["missing"]))")
        }
        // A truncated FLAC plays what it has, or fails part way; either way the program goes on.
        switch outcomes["truncated"] {
        case .played(let frames)?: #expect(frames < 96000)
        case .failed?: break
        default: Issue.record("truncated: \(String(describing: outcomes["truncated"]))")
        }
        #expect(outcomes["mandarin"] == .played(frames: 48000))
        let capture = try Capture(path: pcm.file)
        let frequencies = capture.regions().map { capture.frequency($0) }
        #expect(approximately(frequencies.first ?? 0, 300, within: 6) && approximately(frequencies.last ?? 0, 900, within: 18))
    }

    @Test func aPCMThatDoesNotExistIsADeviceError() throws {
        let dir = try toneLibrary()
        defer { dir.remove() }
        let result = ProgramRenderer(output: PCMOutput(device: "laba_no_such_pcm"))
            .play(Program(segments: try segments(["naxi"], in: dir)))
        #expect(result.outcome == .deviceFailed(segment: 0, .open(device: "laba_no_such_pcm", call: "snd_pcm_open",
                                                                    reason: "No such file or directory")))
    }

    @Test func resumesFromAGivenSegmentAndLoopsUntilStopped() throws {
        let dir = try toneLibrary(seconds: 0.2)
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let program = Program(segments: try segments(["naxi", "bai", "yi"], in: dir), gap: .milliseconds(100), loop: true)
        let cancel = CancelToken()
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name)).play(program, from: 2, cancel: cancel) { event in
            if case .segmentFinished(index: 6, _, _) = event { cancel.cancel() }
        }
        #expect(result.outcome == .cancelled(segment: 7))
        #expect(result.segments.map(\.label) == ["yi", "naxi", "bai", "yi", "naxi"])
        let capture = try Capture(path: pcm.file)
        let frequencies = capture.regions().map { (capture.frequency($0) / 100).rounded() * 100 }
        #expect(frequencies == [500, 300, 400, 500, 300])
    }

    @Test func stoppingCutsWithinAPeriodWithAShortFade() throws {
        let dir = try toneLibrary(seconds: 2)
        defer { dir.remove() }
        let pcm = TestPCMs.shared.capturePCM()
        let cancel = CancelToken()
        var framesAtStop = 0
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name))
            .play(Program(segments: try segments(["lisu"], in: dir)), cancel: cancel) { event in
                if case .progress(_, _, let frames) = event, frames >= 24000, framesAtStop == 0 {
                    framesAtStop = frames
                    cancel.cancel()
                }
            }
        #expect(result.outcome == .cancelled(segment: 0))
        let capture = try Capture(path: pcm.file)
        // Nothing more than the fade was written after the stop: 30 ms at 48 kHz.
        #expect(capture.frames - framesAtStop <= 1440)
        #expect(capture.frames > framesAtStop)
        let full = capture.peak(from: framesAtStop - 4800, to: framesAtStop)
        #expect(capture.peak(from: capture.frames - 16, to: capture.frames) < full * 0.1)
    }
}

/// Tests on PulseAudio null sinks, which play in real time; one at a time, and (in `make test`)
/// in a process of their own, so that the load of other tests does not stall the sound server.
@Suite(.serialized) struct RealTimePlaybackTests {
    /// The sound server dies after the first segment: the second fails as a lost device.
    @Test(.enabled(if: PulseServer.available))
    func aDeviceThatVanishesPartWayNamesTheSegment() throws {
        let dir = try toneLibrary(seconds: 0.3)
        defer { dir.remove() }
        guard let server = PulseServer(socket: TestPCMs.shared.directory + "/vanishing.sock") else {
            Issue.record("the PulseAudio null sink did not start")
            return
        }
        let program = Program(segments: try segments(["naxi", "yi"], in: dir), gap: .milliseconds(100))
        let result = ProgramRenderer(output: PCMOutput(device: "vanishing")).play(program) { event in
            if case .segmentFinished(index: 0, _, _) = event { server.kill() }
        }
        #expect(result.segments.first?.outcome == .played(frames: 14400))
        guard case .deviceFailed(segment: 1, let error) = result.outcome, error.isDeviceLost else {
            Issue.record("\(result.outcome)")
            return
        }
    }

    /// The writer stalls longer than the queue lasts: the underrun is recovered, counted, and the
    /// program completes.
    @Test(.enabled(if: PulseServer.available))
    func anUnderrunIsRecoveredAndCounted() throws {
        guard TestPCMs.pulse != nil else {
            Issue.record("the PulseAudio null sink did not start")
            return
        }
        let dir = try toneLibrary(seconds: 1.5)
        defer { dir.remove() }
        let pcm = TestPCMs.shared.pacedPCM()
        var stalled = false
        let result = ProgramRenderer(output: PCMOutput(device: pcm.name))
            .play(Program(segments: try segments(["bai"], in: dir))) { event in
                // Fault injection on the writer's own thread: it stops writing for 1.2 s.
                if case .progress(_, _, let frames) = event, frames >= 36000, !stalled {
                    stalled = true
                    usleep(1_200_000)
                }
            }
        #expect(result.outcome == .completed)
        #expect(result.xruns >= 1)
        #expect(result.segments.map(\.outcome) == [.played(frames: 72000)])
    }

    /// On a PCM that plays in real time, a stop from another thread ends playback quickly and
    /// with a fade: the rest of the two-second tone is not played.
    @Test(.enabled(if: PulseServer.available))
    func stopFromAnotherThreadOnARealTimePCM() throws {
        guard TestPCMs.pulse != nil else {
            Issue.record("the PulseAudio null sink did not start")
            return
        }
        let dir = try toneLibrary(seconds: 2)
        defer { dir.remove() }
        let pcm = TestPCMs.shared.pacedPCM()
        let cancel = CancelToken()
        let playing = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let program = Program(segments: try segments(["lisu"], in: dir))
        let box = ResultBox()
        let thread = Thread {
            var signalled = false
            box.result = ProgramRenderer(output: PCMOutput(device: pcm.name)).play(program, cancel: cancel) { event in
                if case .progress(_, _, let frames) = event, frames >= 12000, !signalled {
                    signalled = true
                    playing.signal()
                }
            }
            done.signal()
        }
        thread.start()
        playing.wait()
        let stop = Date()
        cancel.cancel()
        done.wait()
        let elapsed = Date().timeIntervalSince(stop)
        #expect(box.result?.outcome == .cancelled(segment: 0))
        // Far less than the 1.75 s left of the tone.
        #expect(elapsed < 0.5, "stopped after \(elapsed) s")
        let capture = try Capture(path: pcm.file)
        #expect(capture.frames < 48000)
        let full = capture.peak(from: 3000, to: 9000)
        #expect(capture.peak(from: capture.frames - 16, to: capture.frames) < full * 0.1)
    }
}

final class ResultBox: @unchecked Sendable {
    var result: RenderResult?
}

@Suite struct LoudnessTests {
    @Test func measuresOncePerContent() throws {
        let dir = try toneLibrary()
        defer { dir.remove() }
        let cache = LoudnessCache()
        let (first, key, measured) = try cache.measurement(path: dir.file("mandarin.wav"))
        #expect(measured)
        // A 900 Hz sine at half scale, mono: -9 LUFS (K-weighting is flat there); true peak -6 dBTP.
        #expect(abs(first.integrated - -9.0) < 0.3)
        #expect(abs(first.truePeak - -6.0) < 0.3)
        // The same bytes under another name come from the cache.
        try FileManager.default.copyItem(atPath: dir.file("mandarin.wav"), toPath: dir.file("copy.wav"))
        let (second, copyKey, measuredAgain) = try cache.measurement(path: dir.file("copy.wav"))
        #expect(!measuredAgain && second == first && copyKey == key && cache.count == 1)
        // A recording replaced in place is measured again.
        try TestAudio.writeTone(dir.file("mandarin.wav"), frequency: 900, seconds: 1, amplitude: 0.25)
        let (quieter, newKey, remeasured) = try cache.measurement(path: dir.file("mandarin.wav"))
        #expect(remeasured && newKey != key && abs(quieter.integrated - -15.0) < 0.3)
    }

    @Test(arguments: [
        (-9.0, -6.0, LoudnessTarget.lufs(-16), 0.0, -7.0),   // normalised down
        (-30.0, -20.0, .lufs(-16), 0.0, 14.0),               // normalised up, peak still under -1
        (-20.0, -2.0, .lufs(-16), 0.0, 1.0),                 // the peak guard stops at -1 dBFS
        (-20.0, -10.0, .lufs(-16), -3.0, 1.0),               // zone and output volume add
        (-20.0, -10.0, .off, -3.0, -3.0),                    // off: only the volume
        (-20.0, 0.5, .off, 0.0, -1.5),                       // off, but the peak guard holds
    ] as [(Double, Double, LoudnessTarget, Double, Double)])
    func gain(_ integrated: Double, _ peak: Double, _ target: LoudnessTarget, _ volume: Double, _ expected: Double) {
        let gain = Loudness.gain(for: LoudnessMeasurement(integrated: integrated, truePeak: peak), target: target, volumeDB: volume)
        #expect(abs(gain - expected) < 1e-9)
    }
}
