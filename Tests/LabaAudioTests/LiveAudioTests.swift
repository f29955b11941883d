// Live talk's audio pieces: the ring, the limiter, the pushed feed, a capture's end reasons and
// recording, and live playback on a PCM (its fades, its stop).

import Foundation
import LabaAudio
import LabaCore
import LabaTestSupport
import Synchronization
import Testing

@Suite struct LiveAudioTests {
    @Test func theRingKeepsTheNewestFramesWhenItsReaderFallsBehind() {
        let ring = LiveRing(capacity: 4)
        [1, 2, 3, 4, 5, 6].map(Float.init).withUnsafeBufferPointer { ring.write($0) }
        var out = [Float](repeating: 0, count: 8)
        let n = out.withUnsafeMutableBufferPointer { ring.read(into: $0.baseAddress!, max: 8, timeout: 0) }
        #expect(n == 4 && Array(out[0..<4]) == [3, 4, 5, 6] && ring.dropped == 2)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0.baseAddress!, max: 8, timeout: 0) } == 0)
        ring.close()
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0.baseAddress!, max: 8, timeout: 1) } == nil)
    }

    /// A talk pushed at full scale (a shout into the microphone) is recorded under -1 dBFS, the
    /// recording measured; the talk ends when the feed finishes, with its reason.
    @Test func aPushedTalkIsLimitedRecordedAndMeasured() throws {
        let folder = TemporaryFolder("laba-live")
        defer { folder.remove() }
        let path = folder.file("talk.flac")
        let ended = Mutex<LiveSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        let capture = LiveCapture(.init(device: "unused", maxSeconds: 60, silenceSeconds: 30, recordingPath: path)) { summary in
            ended.withLock { $0 = summary }
            done.signal()
        }
        let feed = LiveFeed()
        capture.start(feed: feed)
        let ring = capture.tap("square")
        // Half a second of a full-scale 1 kHz tone, pushed in 10 ms blocks.
        for block in 0..<50 {
            feed.push((0..<480).map { i in Float(sin(2 * Double.pi * 1000 * Double(block * 480 + i) / 48_000)) })
        }
        feed.finish(reason: RecordReason(.consoleConnectionClosed))
        #expect(done.wait(timeout: .now() + 10) == .success)
        let summary = try #require(ended.withLock { $0 })
        #expect(summary.end == .input(RecordReason(.consoleConnectionClosed)))
        #expect(summary.frames == 24_000 && summary.recording == path && summary.limited > 0)
        let loudness = try #require(summary.loudness)
        #expect(loudness.truePeak < -0.5, "\(loudness)")
        // What the output's ring received is the limited stream, then the end.
        var out = [Float](repeating: 0, count: 48_000)
        var received = 0
        while let n = out.withUnsafeMutableBufferPointer({ ring.read(into: $0.baseAddress! + received, max: 48_000 - received, timeout: 1) }), n > 0 {
            received += n
        }
        #expect(received > 0 && out[0..<received].allSatisfy { abs($0) <= 0.892 })
    }

    @Test func aSilentFeedEndsAfterTheSilenceLimit() throws {
        let ended = Mutex<LiveSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        let capture = LiveCapture(.init(device: "unused", maxSeconds: 60, silenceSeconds: 0.2, recordingPath: nil)) { summary in
            ended.withLock { $0 = summary }
            done.signal()
        }
        let feed = LiveFeed()
        capture.start(feed: feed)
        feed.push([Float](repeating: 0, count: 48_000))
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(ended.withLock { $0?.end } == .silence(seconds: 0.2))
        #expect(ended.withLock { $0?.recording } == nil)
    }

    /// A sender that stops sending (a browser stalled) counts as silence after half a second.
    @Test func aStalledFeedCountsAsSilence() throws {
        let ended = Mutex<LiveSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        let capture = LiveCapture(.init(device: "unused", maxSeconds: 60, silenceSeconds: 0.2, recordingPath: nil)) { summary in
            ended.withLock { $0 = summary }
            done.signal()
        }
        let feed = LiveFeed()
        capture.start(feed: feed)
        feed.push(Self.tone(4_800))
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(ended.withLock { $0?.end } == .silence(seconds: 0.2))
        #expect((ended.withLock { $0?.frames } ?? 0) >= 4_800 + 9_600)
    }

    static func tone(_ frames: Int) -> [Float] {
        (0..<frames).map { 0.5 * Float(sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
    }

    @Test func anInputThatCannotBeOpenedIsNamed() {
        let capture = LiveCapture(.init(device: "laba_no_such_input", maxSeconds: 1, silenceSeconds: 1, recordingPath: nil)) { _ in }
        #expect(throws: AudioError.self) { try capture.start() }
    }

    /// Live playback on a PCM that plays in real time: the stream's frames arrive faded in, and a
    /// stop fades them out. Prints the software path's latency (push → written to the PCM), which
    /// `make bench` reports.
    @Test(.enabled(if: TestPCMs.pulse != nil))
    func livePlaybackFadesInPlaysAndStops() throws {
        let (pcm, file) = TestPCMs.shared.pacedPCM()
        let renderer = ProgramRenderer(output: PCMOutput(device: pcm), fixedRate: nil, fixedChannels: 2)
        let ring = LiveRing()
        let cancel = CancelToken()
        let firstWrite = Mutex<Date?>(nil)
        let pushedAt = Date()
        let pusher = Thread {
            // One second of 500 Hz at half scale, in real time, then nothing: the stop comes.
            for block in 0..<100 {
                let samples = (0..<480).map { i in 0.5 * Float(sin(2 * Double.pi * 500 * Double(block * 480 + i) / 48_000)) }
                samples.withUnsafeBufferPointer { ring.write($0) }
                // As a sound card delivers: block k at k × 10 ms.
                Thread.sleep(until: pushedAt.addingTimeInterval(Double(block + 1) * 0.01))
            }
            cancel.cancel()
        }
        pusher.start()
        let result = renderer.playLive(ring, cancel: cancel) { event in
            if case .progress = event { firstWrite.withLock { if $0 == nil { $0 = Date() } } }
        }
        #expect(result.outcome == .cancelled(segment: 0))
        let latency = (firstWrite.withLock { $0 } ?? .distantFuture).timeIntervalSince(pushedAt)
        print("live path: first frame written to the PCM \(Int(latency * 1000)) ms after it was pushed; "
              + "the PCM queues \(PCMOutput.queuedPeriods) × \(PCMOutput.periodTime / 1000) ms more")
        let capture = try Capture(path: file)
        let regions = capture.regions()
        let region = try #require(regions.first)
        #expect(abs(capture.frequency(region) - 500) < 10)
        let heard = regions.reduce(0) { $0 + $1.end - $1.start }
        print("live path: \(heard) frames heard, \(ring.dropped) dropped while the PCM started")
        // What the PCM did not take while it started was skipped, not queued: the output stays
        // within 40 ms of the speaker, and the rest of the second was heard.
        #expect(heard + ring.dropped > 44_000, "\(regions), \(ring.dropped) dropped")
        #expect(Double(heard) / Double(capture.rate) > 0.5, "\(regions)")
        // Faded in: the first 5 ms stay well under the tone's level.
        #expect(capture.peak(from: region.start, to: region.start + 240) < 0.2)
    }
}
