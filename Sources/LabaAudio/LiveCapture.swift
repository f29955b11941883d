// Live talk's audio (SPEC 14): an ALSA capture on a thread of its own, a peak limiter, a silence
// guard, the recording kept as FLAC, and a small bounded ring per output that plays it.
//
// The live stream is mono Float at `LiveCapture.rate` (48 kHz) everywhere: the capture converts to
// it (ALSA's plug layer), the outputs' plug layers convert from it.

import CALSA
import CSndFile
import Foundation
import LabaCore
import Synchronization

/// Frames on their way from the capture to one output: a bounded ring that drops its oldest
/// frames when the output falls behind, so that live stays live.
///
/// Thread rules: one writer (the capture thread) and one reader (the output's thread).
public final class LiveRing: @unchecked Sendable {
    private let condition = NSCondition()
    private var samples: [Float]
    private var start = 0
    private var count = 0
    private var closed = false
    /// Frames dropped because the reader (or its output) was behind.
    public private(set) var dropped = 0

    /// - Parameter capacity: frames kept at most (the latency bound when the reader stalls).
    public init(capacity: Int = LiveCapture.rate / 4) {
        samples = [Float](repeating: 0, count: max(1, capacity))
    }

    public func write(_ frames: UnsafeBufferPointer<Float>) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        let capacity = samples.count
        for value in frames {
            if count == capacity {
                start = (start + 1) % capacity
                count -= 1
                dropped += 1
            }
            samples[(start + count) % capacity] = value
            count += 1
        }
        condition.signal()
    }

    /// Copies up to `max` frames into `buffer`, waiting up to `timeout` seconds for the first.
    ///
    /// - Returns: the frames copied (0 on timeout), or nil once the ring is closed and empty.
    public func read(into buffer: UnsafeMutablePointer<Float>, max: Int, timeout: Double) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while count == 0, !closed {
            if !condition.wait(until: deadline) { return 0 }
        }
        if count == 0 { return nil }
        let n = Swift.min(max, count)
        for i in 0..<n { buffer[i] = samples[(start + i) % samples.count] }
        start = (start + n) % samples.count
        count -= n
        return n
    }

    /// Drops the oldest frames when more than `above` wait, keeping the newest `keeping`: an
    /// output that fell behind (a device slow to start, a stall) catches up with the speaker
    /// instead of staying late.
    ///
    /// - Returns: the frames dropped.
    @discardableResult
    public func catchUp(above: Int, keeping: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        guard count > above else { return 0 }
        let drop = count - keeping
        start = (start + drop) % samples.count
        count -= drop
        dropped += drop
        return drop
    }

    /// Counts `n` frames the reader read and skipped because its output was late.
    public func skipped(_ n: Int) {
        condition.lock()
        dropped += n
        condition.unlock()
    }

    /// Whether `close` was called.
    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// No more frames: the reader gets what is left, then nil.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Why a live capture ended.
public enum LiveEnd: Sendable, Equatable, CustomStringConvertible {
    /// Stopped by whoever started it (Ctrl-C, `laba stop`, the API's DELETE).
    case stopped(RecordReason)
    /// It reached `live.max`.
    case maximum(seconds: Double)
    /// Silent for `live.silence`.
    case silence(seconds: Double)
    /// The input ended (a file input at its end) or failed (a microphone unplugged).
    case input(RecordReason)

    /// The talk's records' reason.
    public var reason: RecordReason {
        switch self {
        case .stopped(let why): why
        case .maximum(let s): RecordReason(.liveMaximum, ["span": Self.span(s)])
        case .silence(let s): RecordReason(.liveSilence, ["span": Self.span(s)])
        case .input(let why): why
        }
    }

    /// For logs.
    public var description: String { reason.description }

    private static func span(_ seconds: Double) -> String {
        seconds >= 60 && seconds.truncatingRemainder(dividingBy: 60) == 0 ? "\(Int(seconds / 60)) min" : "\(Int(seconds)) s"
    }
}

/// What a finished capture leaves.
public struct LiveSummary: Sendable, Equatable {
    public var end: LiveEnd
    /// Frames captured at `LiveCapture.rate`.
    public var frames: Int
    /// The FLAC file, when it could be written.
    public var recording: String?
    /// Its loudness, measured after the end (nil when nothing was recorded).
    public var loudness: LoudnessMeasurement?
    /// Blocks whose peak the limiter lowered.
    public var limited: Int

    public var seconds: Double { Double(frames) / Double(LiveCapture.rate) }
}

/// Captures from an ALSA input until stopped, on a thread of its own, and hands every block to the
/// rings of the outputs playing it.
///
/// Thread rules: `tap`, `untap`, `stop` and `level` may be called from any thread; `onEnd` is
/// called once, on the capture thread, after the recording is closed and measured.
public final class LiveCapture: @unchecked Sendable {
    public static let rate = 48_000
    /// 10 ms blocks: what one read takes from the input.
    public static let blockFrames = 480
    /// A block whose RMS is under this counts as silence (-50 dBFS).
    public static let silenceRMS: Float = 0.003_16

    public struct Settings: Sendable {
        public var device: String
        public var maxSeconds: Double
        public var silenceSeconds: Double
        /// Where the FLAC goes; nil: not recorded.
        public var recordingPath: String?

        public init(device: String, maxSeconds: Double, silenceSeconds: Double, recordingPath: String?) {
            self.device = device
            self.maxSeconds = maxSeconds
            self.silenceSeconds = silenceSeconds
            self.recordingPath = recordingPath
        }
    }

    public let settings: Settings
    private let state = Mutex(State())
    private let cancel = CancelToken()
    private let onEnd: @Sendable (LiveSummary) -> Void
    /// The last block's peak, 0...1 (the CLI's level meter).
    private let peakBits = Atomic<UInt32>(0)

    private struct State {
        var taps: [String: LiveRing] = [:]
        var stopReason: RecordReason?
    }

    public init(_ settings: Settings, onEnd: @escaping @Sendable (LiveSummary) -> Void) {
        self.settings = settings
        self.onEnd = onEnd
    }

    /// Opens the input (so that a wrong device is said at once) and starts the thread.
    ///
    /// - Throws: `AudioError.open` when the input cannot be opened.
    public func start() throws(AudioError) {
        start(input: try PCMInput(device: settings.device, rate: Self.rate))
    }

    /// Starts the thread on frames pushed from elsewhere (the console's microphone, a fleet stream).
    public func start(feed: LiveFeed) {
        start(input: feed)
    }

    private func start(input: any LiveInput) {
        let thread = Thread { [self] in run(input) }
        thread.name = "laba-live"
        thread.start()
    }

    /// A ring that receives every block from now on, for output `key` (a rejoin takes a new one).
    public func tap(_ key: String) -> LiveRing {
        let ring = LiveRing()
        let old = state.withLock { s -> LiveRing? in
            defer { s.taps[key] = ring }
            return s.taps[key]
        }
        old?.close()
        if isFinished { ring.close() }
        return ring
    }

    public func untap(_ key: String) {
        state.withLock { $0.taps.removeValue(forKey: key) }?.close()
    }

    public func stop(reason: RecordReason) {
        state.withLock { if $0.stopReason == nil { $0.stopReason = reason } }
        cancel.cancel()
    }

    private let finished = Atomic<Bool>(false)
    public var isFinished: Bool { finished.load(ordering: .acquiring) }
    /// Signalled once the thread has closed the recording and called `onEnd`.
    private let ended = DispatchSemaphore(value: 0)

    /// Waits (blocking) until the capture thread has ended, at most `timeout` seconds; for shutdown.
    public func waitUntilFinished(timeout: Double) -> Bool {
        guard ended.wait(timeout: .now() + timeout) == .success else { return false }
        ended.signal()
        return true
    }

    /// The last block's peak, 0...1.
    public var level: Float { Float(bitPattern: peakBits.load(ordering: .relaxed)) }

    private func run(_ input: any LiveInput) {
        var recorder: OpaquePointer?
        if let path = settings.recordingPath {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            var info = SF_INFO()
            info.samplerate = Int32(Self.rate)
            info.channels = 1
            info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
            recorder = sf_open(path, Int32(SFM_WRITE), &info)
        }
        var samples = [Float](repeating: 0, count: Self.blockFrames)
        var limiter = PeakLimiter()
        var frames = 0
        var silentFrames = 0
        let maxFrames = Int(settings.maxSeconds * Double(Self.rate))
        let silentLimit = Int(settings.silenceSeconds * Double(Self.rate))
        var end: LiveEnd
        while true {
            if cancel.isCancelled {
                end = .stopped(state.withLock { $0.stopReason } ?? RecordReason(.stopped))
                break
            }
            let n: Int
            do {
                n = try samples.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
                    try input.read(into: p.baseAddress!, frames: Self.blockFrames, cancel: cancel)
                }
            } catch {
                end = .input(RecordReason(.inputFailed, ["detail": "\(error)"]))
                break
            }
            if n == 0 {
                if cancel.isCancelled { continue }
                end = .input(input.endReason ?? RecordReason(.inputEnded))
                break
            }
            var sumSquares: Float = 0
            for i in 0..<n { sumSquares += samples[i] * samples[i] }
            silentFrames = (sumSquares / Float(n)).squareRoot() < Self.silenceRMS ? silentFrames + n : 0
            let peak = samples.withUnsafeMutableBufferPointer { limiter.process($0.baseAddress!, n) }
            peakBits.store(peak.bitPattern, ordering: .relaxed)
            if let recorder {
                samples.withUnsafeBufferPointer { _ = sf_writef_float(recorder, $0.baseAddress, sf_count_t(n)) }
            }
            let taps = state.withLock { Array($0.taps.values) }
            samples.withUnsafeBufferPointer { p in
                let chunk = UnsafeBufferPointer(rebasing: p[0..<n])
                for ring in taps { ring.write(chunk) }
            }
            frames += n
            if maxFrames > 0, frames >= maxFrames {
                end = .maximum(seconds: settings.maxSeconds)
                break
            }
            if silentLimit > 0, silentFrames >= silentLimit {
                end = .silence(seconds: settings.silenceSeconds)
                break
            }
        }
        input.close()
        finished.store(true, ordering: .releasing)
        for ring in state.withLock({ Array($0.taps.values) }) { ring.close() }
        var summary = LiveSummary(end: end, frames: frames, recording: nil, loudness: nil, limited: limiter.limitedBlocks)
        if let recorder {
            sf_close(recorder)
            if let path = settings.recordingPath {
                if frames > 0 {
                    summary.recording = path
                    summary.loudness = try? Loudness.measure(path: path)
                } else {
                    try? FileManager.default.removeItem(atPath: path)
                }
            }
        }
        onEnd(summary)
        ended.signal()
    }
}

/// Keeps a live stream under -1 dBFS: a block whose peak would pass the ceiling is lowered at
/// once; the gain recovers by 1 dB per 10 ms block afterwards.
struct PeakLimiter {
    static let ceiling = Float(pow(10, Loudness.ceilingDBFS / 20))
    static let recovery = Float(pow(10, 1.0 / 20))
    var gain: Float = 1
    var limitedBlocks = 0

    /// Applies the gain in place; returns the block's peak after it.
    mutating func process(_ samples: UnsafeMutablePointer<Float>, _ count: Int) -> Float {
        var peak: Float = 0
        for i in 0..<count { peak = max(peak, abs(samples[i])) }
        gain = min(1, gain * Self.recovery)
        if peak * gain > Self.ceiling {
            gain = Self.ceiling / peak
            limitedBlocks += 1
        }
        if gain < 1 {
            for i in 0..<count { samples[i] *= gain }
        }
        return peak * gain
    }
}

/// Where a live capture's frames come from: mono Float at `LiveCapture.rate`.
protocol LiveInput: Sendable {
    /// Up to `frames` frames, waiting for them (or for `cancel`); 0 when cancelled or ended.
    func read(into samples: UnsafeMutablePointer<Float>, frames: Int, cancel: CancelToken) throws(AudioError) -> Int
    func close()
    /// Why it ended, when it ended by itself.
    var endReason: RecordReason? { get }
}

/// Frames pushed from elsewhere (the console's microphone over a WebSocket, a fleet stream):
/// mono Float at `LiveCapture.rate`, from any thread. Keeps at most a second; a sender that
/// pushes faster than real time loses the oldest.
public final class LiveFeed: LiveInput, @unchecked Sendable {
    private let ring = LiveRing(capacity: LiveCapture.rate)
    private let reason = Mutex<RecordReason?>(nil)
    /// Empty waits in a row (the capture thread's own).
    private var idleWaits = 0

    public init() {}

    public func push(_ frames: UnsafeBufferPointer<Float>) { ring.write(frames) }

    public func push(_ frames: [Float]) { frames.withUnsafeBufferPointer { ring.write($0) } }

    /// Little-endian 16-bit PCM (the console's WebSocket frames).
    public func push(pcm16 bytes: UnsafeRawBufferPointer) {
        var samples = [Float](repeating: 0, count: bytes.count / 2)
        for i in samples.indices {
            samples[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) / 32768
        }
        push(samples)
    }

    /// No more frames: the capture ends with `reason` once what was pushed is taken.
    public func finish(reason: RecordReason) {
        self.reason.withLock { if $0 == nil { $0 = reason } }
        ring.close()
    }

    var endReason: RecordReason? { reason.withLock { $0 } }

    /// Whether the talk it feeds no longer takes frames (it ended, or `finish` was called).
    public var isClosed: Bool { ring.isClosed }

    /// Waits for pushed frames; a sender silent for half a second (a stalled browser) counts as
    /// silence, 10 ms at a time, so that `live.silence` still ends it.
    func read(into samples: UnsafeMutablePointer<Float>, frames: Int, cancel: CancelToken) throws(AudioError) -> Int {
        while !cancel.isCancelled {
            let wait = 0.01
            guard let n = ring.read(into: samples, max: frames, timeout: wait) else { return 0 }
            if n > 0 {
                idleWaits = 0
                return n
            }
            idleWaits += 1
            if idleWaits >= 50 {
                let n = min(frames, Int(wait * Double(LiveCapture.rate)))
                for i in 0..<n { samples[i] = 0 }
                return n
            }
        }
        return 0
    }

    func close() { ring.close() }
}

/// An ALSA capture PCM, mono S16 at a fixed rate (the plug layer converts what the device has).
///
/// Thread rules: one thread (the ALSA handle is not shared).
final class PCMInput: LiveInput, @unchecked Sendable {
    let device: String
    private var pcm: OpaquePointer?
    private var block: [Int16] = []
    var endReason: RecordReason? { nil }

    init(device: String, rate: Int) throws(AudioError) {
        self.device = device
        var handle: OpaquePointer?
        var err = snd_pcm_open(&handle, device, SND_PCM_STREAM_CAPTURE, Int32(SND_PCM_NONBLOCK))
        guard err >= 0, let handle else { throw .open(device: device, call: "snd_pcm_open", reason: alsaReason(err)) }
        // 20 ms of latency in ALSA's buffer: what a capture adds before the frames reach us.
        err = snd_pcm_set_params(handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1, UInt32(rate), 1, 20_000)
        if err < 0 {
            snd_pcm_close(handle)
            throw .open(device: device, call: "snd_pcm_set_params", reason: alsaReason(err))
        }
        err = snd_pcm_start(handle)
        if err < 0 {
            snd_pcm_close(handle)
            throw .open(device: device, call: "snd_pcm_start", reason: alsaReason(err))
        }
        pcm = handle
    }

    func read(into samples: UnsafeMutablePointer<Float>, frames: Int, cancel: CancelToken) throws(AudioError) -> Int {
        if block.count < frames { block = [Int16](repeating: 0, count: frames) }
        let n = try block.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
            try read(into: p.baseAddress!, frames: frames, cancel: cancel)
        }
        for i in 0..<n { samples[i] = Float(block[i]) / 32768 }
        return n
    }

    /// Reads up to `frames` frames, waiting for them (or for `cancel`).
    ///
    /// - Returns: the frames read; 0 when cancelled or when the input has ended.
    func read(into buffer: UnsafeMutablePointer<Int16>, frames: Int, cancel: CancelToken) throws(AudioError) -> Int {
        guard let pcm else { return 0 }
        var done = 0
        var idle = 0
        while done < frames {
            if cancel.isCancelled { return done }
            let n = snd_pcm_readi(pcm, buffer + done, snd_pcm_uframes_t(frames - done))
            if n > 0 {
                done += Int(n)
                idle = 0
                continue
            }
            if n == -Int(EAGAIN) || n == 0 {
                // Wait for the device (snd_pcm_wait reads plugins' poll events right), 100 ms at a
                // time so that a stop is seen.
                let ready = snd_pcm_wait(pcm, 100)
                if ready == 0 {
                    idle += 1
                    // Two seconds without a frame: the input has stopped delivering.
                    if idle >= 20 { return done }
                } else if ready < 0, ready != -EPIPE, ready != -ESTRPIPE {
                    throw .deviceLost(device: device, reason: alsaReason(ready))
                } else if ready < 0 {
                    _ = snd_pcm_recover(pcm, ready, 1)
                    _ = snd_pcm_start(pcm)
                }
                continue
            }
            if n == -Int(EPIPE) || n == -Int(ESTRPIPE) {
                // An overrun: the reader was late; take up from now.
                if snd_pcm_recover(pcm, Int32(n), 1) < 0 || snd_pcm_start(pcm) < 0 && snd_pcm_state(pcm) != SND_PCM_STATE_RUNNING {
                    throw .deviceLost(device: device, reason: alsaReason(Int32(n)))
                }
                continue
            }
            if n == -Int(ENODEV) || n == -Int(EBADFD) {
                throw .deviceLost(device: device, reason: alsaReason(Int32(n)))
            }
            throw .write(device: device, call: "snd_pcm_readi", reason: alsaReason(Int32(n)))
        }
        return done
    }

    func close() {
        if let pcm { snd_pcm_close(pcm) }
        pcm = nil
    }
}

extension ProgramRenderer {
    /// Plays a live stream from `ring` until the ring closes (`.completed`) or `cancel` is raised
    /// (`.cancelled(segment: 0)`, faded out over 30 ms): 48 kHz mono, spread over the output's
    /// channels, faded in over 30 ms, with about two periods (50 ms) queued in the device.
    ///
    /// Blocking, on the output's own thread, as `play`.
    public func playLive(_ ring: LiveRing, cancel: CancelToken, progress: (RenderEvent) -> Void = { _ in }) -> RenderResult {
        let xrunsBefore = output.xruns
        var result = RenderResult(outcome: .completed, segments: [], frames: 0, xruns: 0)
        defer { output.close() }
        func finish(_ outcome: RenderResult.Outcome) -> RenderResult {
            var r = result
            r.outcome = outcome
            r.xruns = output.xruns - xrunsBefore
            r.segments = [(0, "live", outcome == .completed ? .played(frames: r.frames) : .cut(frames: r.frames))]
            return r
        }
        let format = PCMOutput.Format(rate: LiveCapture.rate, channels: programFormat().channels)
        do {
            try output.open(format, deviceRate: fixedRate, deviceChannels: fixedChannels)
        } catch {
            return finish(.deviceFailed(segment: 0, error))
        }
        result.format = format
        progress(.segmentStarted(index: 0, label: "live"))
        let block = LiveCapture.blockFrames
        let fade = Int(Self.stopFade * Double(format.rate))
        var mono = [Float](repeating: 0, count: max(block, fade))
        var spread = [Float](repeating: 0, count: max(block, fade) * format.channels)
        var position = 0
        var skippedLate = 0
        let maxLateSkip = PCMOutput.bufferTime * LiveCapture.rate / 1_000_000

        /// Spreads `n` mono frames over the channels, times `ramp(frame)`.
        func fill(_ n: Int, _ ramp: (Int) -> Float) {
            for frame in 0..<n {
                let v = mono[frame] * ramp(frame)
                for c in 0..<format.channels { spread[frame * format.channels + c] = v }
            }
        }
        /// The stop: the next 30 ms of the stream, faded to nothing, then what the device holds.
        func fadeOut() -> RenderResult {
            let n = mono.withUnsafeMutableBufferPointer { ring.read(into: $0.baseAddress!, max: fade, timeout: 0) } ?? 0
            fill(n) { Float(n - 1 - $0) / Float(max(1, n)) }
            if n > 0 {
                result.frames += (try? spread.withUnsafeBufferPointer { try output.writeIfRoom($0.baseAddress!, frames: n) }) ?? 0
            }
            output.drain(limit: output.stopLimit)
            return finish(.cancelled(segment: 0))
        }

        while true {
            if cancel.isCancelled { return fadeOut() }
            // More than 40 ms waiting: the output is late; it skips to 20 ms behind the speaker.
            ring.catchUp(above: 4 * block, keeping: 2 * block)
            guard let n = mono.withUnsafeMutableBufferPointer({ ring.read(into: $0.baseAddress!, max: block, timeout: 0.05) }) else {
                break
            }
            if n == 0 { continue }
            // A device holding more than the queue is late (a burst from upstream filled the
            // buffer: a stream's start, a feed's filler before the speaker): skip until it is back,
            // so that the horn stays one queue behind the speaker instead of a whole buffer. At most
            // a buffer's worth (500 ms) in all: a sound server's own latency is not ours to skip.
            if skippedLate < maxLateSkip, output.queuedFrames > output.queueTarget + block {
                skippedLate += n
                ring.skipped(n)
                continue
            }
            let start = position
            fill(n) { start + $0 < fade ? Float(start + $0) / Float(fade) : 1 }
            position += n
            let accepted: Int
            do {
                accepted = try spread.withUnsafeBufferPointer { (p) throws(AudioError) -> Int in
                    try output.write(p.baseAddress!, frames: n, cancel: cancel)
                }
            } catch {
                return finish(.deviceFailed(segment: 0, error))
            }
            result.frames += accepted
            progress(.progress(index: 0, label: "live", frames: result.frames))
            if accepted < n { return fadeOut() }
        }
        do {
            if try !output.drain(cancel: cancel) { return finish(.cancelled(segment: 0)) }
        } catch {
            return finish(.deviceFailed(segment: 0, error))
        }
        return finish(.completed)
    }
}
