// A program: optional chime, the message in each language, gaps, repeats; rendered to a PCM
// opened once, in one format, with resampling, gain, a peak guard, 10 ms fades at every edge, and
// a 30 ms fade when stopped.

import Foundation
import LabaCore

/// One recording, or one synthesised civil-defence signal, in a program.
public struct ProgramSegment: Hashable, Sendable {
    /// A language id, `neutral`, `chime`, or a file name: what progress reports call it.
    public var label: String
    public var path: String
    public var gainDB: Double
    /// A signal synthesised in place of a recording (`path` is then only its name): its peak is
    /// -1 dBFS, plus `gainDB` when that is below 0 (never above -1 dBFS).
    public var signal: SirenPattern?

    public init(label: String, path: String, gainDB: Double = 0) {
        self.label = label
        self.path = path
        self.gainDB = gainDB
    }

    /// A civil-defence signal (SPEC 18).
    public init(label: String, signal: SirenPattern, gainDB: Double = 0) {
        self.label = label
        self.path = signal.kind.messageName
        self.gainDB = gainDB
        self.signal = signal
    }
}

/// What a broadcast renders: `segments` form one pass, played `repeatCount` times or until stopped.
public struct Program: Hashable, Sendable {
    public var segments: [ProgramSegment]
    public var gap: TimeSpan
    public var repeatCount: Int
    public var loop: Bool

    public init(segments: [ProgramSegment], gap: TimeSpan = .seconds(1), repeatCount: Int = 1, loop: Bool = false) {
        self.segments = segments
        self.gap = gap
        self.repeatCount = max(1, repeatCount)
        self.loop = loop
    }

    /// Segments over all passes; nil for a loop.
    public var totalSegments: Int? { loop ? nil : segments.count * repeatCount }

    /// The segment at a program-wide index (passes laid end to end).
    public func segment(at index: Int) -> ProgramSegment? {
        guard !segments.isEmpty, index >= 0 else { return nil }
        if let total = totalSegments, index >= total { return nil }
        return segments[index % segments.count]
    }
}

/// How one segment went.
public enum SegmentOutcome: Equatable, Sendable {
    case played(frames: Int)
    /// The recording could not be read; the program went on.
    case failed(AudioError)
    /// Stopped part way.
    case cut(frames: Int)
}

/// Progress, reported on the output's thread as it happens.
public enum RenderEvent: Equatable, Sendable {
    case segmentStarted(index: Int, label: String)
    /// Right after `segmentStarted`: the segment's pass (0 first) and the frames it should play at
    /// the output's rate (nil when the recording does not say its length), for the record (SPEC 16).
    case segmentPlanned(index: Int, pass: Int, frames: Int?)
    /// Frames of the segment written so far, after each block (about 4,096 frames at the output's rate).
    case progress(index: Int, label: String, frames: Int)
    case segmentFinished(index: Int, label: String, outcome: SegmentOutcome)
}

public struct RenderResult: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        case completed
        /// Stopped by the cancel token; `segment` is where to resume (the one that was cut, or
        /// the next one when the stop came in a gap).
        case cancelled(segment: Int)
        /// The device failed or vanished at `segment`; nothing after it was played.
        case deviceFailed(segment: Int, AudioError)
    }

    public var outcome: Outcome
    public var segments: [(index: Int, label: String, outcome: SegmentOutcome)]
    /// Frames written to the PCM, silence included, at `format`'s rate.
    public var frames: Int
    public var xruns: Int
    /// What the PCM played at (one format for the whole program); nil when it was never opened.
    public var format: PCMOutput.Format?

    /// A play stopped before it began: nothing went to the device.
    public static func cancelledBeforeStart(segment: Int) -> RenderResult {
        RenderResult(outcome: .cancelled(segment: segment), segments: [], frames: 0, xruns: 0)
    }

    public static func == (a: RenderResult, b: RenderResult) -> Bool {
        a.outcome == b.outcome && a.frames == b.frames && a.xruns == b.xruns && a.format == b.format
            && a.segments.map(\.index) == b.segments.map(\.index) && a.segments.map(\.outcome) == b.segments.map(\.outcome)
    }
}

/// Renders programs to one output.
///
/// A program plays in one format from its first recording to its last: the output's fixed `rate`
/// and `channels`, else 48 kHz and the device's own channel count. The PCM is opened once per
/// program; recordings at other rates are resampled (libsoxr) and their channels mixed, so that
/// the languages follow each other in one stream.
///
/// Thread rules: `play` blocks for the length of the program; call it on the output's own thread.
/// Only the `CancelToken` may be touched from elsewhere.
public final class ProgramRenderer {
    public static let edgeFade = 0.010
    public static let stopFade = 0.030
    /// The rate an output runs at when its configuration fixes none.
    public static let defaultRate = 48_000
    /// The channel count when the device's own cannot be found out.
    public static let defaultChannels = 2
    /// The peak guard's ceiling as a sample value (-1 dBFS).
    static let ceiling = Float(pow(10, Loudness.ceilingDBFS / 20))

    public let output: PCMOutput
    /// The output's fixed rate and channel count; nil: 48 kHz and the device's channels.
    public var fixedRate: Int?
    public var fixedChannels: Int?

    private let blockFrames = 4096
    /// The device's channel count, once found out.
    private var deviceChannels: Int?
    /// Kept from segment to segment and program to program, one per conversion met.
    private var resamplers: [ResamplerKey: Resampler] = [:]
    private let sourceBuffers = (SampleBuffer(), SampleBuffer())
    private let resampledBuffer = SampleBuffer(), mixedBuffer = SampleBuffer(), tailBuffer = SampleBuffer()

    public init(output: PCMOutput, fixedRate: Int? = nil, fixedChannels: Int? = nil) {
        self.output = output
        self.fixedRate = fixedRate
        self.fixedChannels = fixedChannels
    }

    /// The format programs play at on this output.
    ///
    /// Blocking: the first time (until it succeeds), opens the device briefly to ask for its
    /// channel count; 2 channels when it cannot tell.
    public func programFormat() -> PCMOutput.Format {
        if fixedChannels == nil, deviceChannels == nil { deviceChannels = Devices.channels(of: output.pcmName) }
        return PCMOutput.Format(rate: fixedRate ?? Self.defaultRate,
                                channels: fixedChannels ?? deviceChannels ?? Self.defaultChannels)
    }

    /// Plays `program` from segment `start`, and closes the PCM when it ends (however it ends), so
    /// that an idle output holds no device. The PCM is opened once, at `programFormat()`, when the
    /// first recording that can be read starts.
    public func play(_ program: Program, from start: Int = 0, cancel: CancelToken = CancelToken(),
                     progress: (RenderEvent) -> Void = { _ in }) -> RenderResult {
        let xrunsBefore = output.xruns
        var result = RenderResult(outcome: .completed, segments: [], frames: 0, xruns: 0)
        defer { output.close() }
        var index = start
        func finish(_ outcome: RenderResult.Outcome) -> RenderResult {
            var r = result
            r.outcome = outcome
            r.xruns = output.xruns - xrunsBefore
            return r
        }
        while let segment = program.segment(at: index) {
            if cancel.isCancelled { return finish(.cancelled(segment: index)) }
            if index > start, output.isOpen {
                do {
                    let (written, complete) = try writeSilence(seconds: program.gap.seconds, cancel: cancel)
                    result.frames += written
                    if !complete {
                        output.drain(limit: output.stopLimit)
                        return finish(.cancelled(segment: index))
                    }
                } catch {
                    return finish(.deviceFailed(segment: index, error))
                }
            }
            var decoder: Decoder?
            if segment.signal == nil {
                do {
                    decoder = try Decoder(path: segment.path)
                } catch {
                progress(.segmentStarted(index: index, label: segment.label))
                result.segments.append((index, segment.label, .failed(error)))
                progress(.segmentFinished(index: index, label: segment.label, outcome: .failed(error)))
                index += 1
                continue
                }
            }
            let format: PCMOutput.Format
            if let open = output.format {
                format = open
            } else {
                format = programFormat()
                do {
                    try output.open(format, deviceRate: fixedRate, deviceChannels: fixedChannels)
                } catch {
                    return finish(.deviceFailed(segment: index, error))
                }
                result.format = format
            }
            progress(.segmentStarted(index: index, label: segment.label))
            progress(.segmentPlanned(index: index, pass: index / max(1, program.segments.count),
                                     frames: Self.plannedFrames(segment, decoder: decoder, rate: format.rate)))
            let outcome: SegmentOutcome
            do {
                func report(_ frames: Int) { progress(.progress(index: index, label: segment.label, frames: frames)) }
                if let decoder {
                    outcome = try render(segment, decoder: decoder, format: format, cancel: cancel, written: report)
                } else {
                    outcome = try renderSignal(segment, format: format, cancel: cancel, written: report)
                }
            } catch {
                if case .decode = error {
                    outcome = .failed(error)
                } else {
                    result.segments.append((index, segment.label, .cut(frames: 0)))
                    return finish(.deviceFailed(segment: index, error))
                }
            }
            decoder?.close()
            result.segments.append((index, segment.label, outcome))
            switch outcome {
            case .played(let frames): result.frames += frames
            case .cut(let frames):
                result.frames += frames
                progress(.segmentFinished(index: index, label: segment.label, outcome: outcome))
                return finish(.cancelled(segment: index))
            case .failed: break
            }
            progress(.segmentFinished(index: index, label: segment.label, outcome: outcome))
            index += 1
        }
        do {
            // Stopped while the device still held the end: the last segment is what was cut.
            if try !output.drain(cancel: cancel) { return finish(.cancelled(segment: max(start, index - 1))) }
        } catch {
            return finish(.deviceFailed(segment: index, error))
        }
        return finish(.completed)
    }

    /// The frames a segment plays at `rate` when nothing stops it: its recording's length
    /// resampled, or its signal's; nil when the recording's length is unknown.
    static func plannedFrames(_ segment: ProgramSegment, decoder: Decoder?, rate: Int) -> Int? {
        if let pattern = segment.signal { return Int((pattern.duration * Double(rate)).rounded()) }
        guard let decoder, decoder.format.frames > 0, decoder.format.sampleRate > 0 else { return nil }
        return Int(decoder.format.frames * Int64(rate) / Int64(decoder.format.sampleRate))
    }

    /// Decodes, scales, fades, resamples, mixes and writes one recording, a block at a time.
    ///
    /// Gain and fades apply at the recording's rate, before resampling. The peak guard watches
    /// what goes to the device: a block that would pass -1 dBFS lowers the gain, from that block
    /// to the recording's end, so that nothing is clipped (the measured gain keeps it from acting
    /// in the daemon; `laba play-file --gain-db` relies on it).
    ///
    /// - Throws: `.decode` when the file breaks part way (what was read has played, faded out) or
    ///   cannot be resampled; an output error when the device fails.
    private func render(_ segment: ProgramSegment, decoder: Decoder, format: PCMOutput.Format,
                        cancel: CancelToken, written report: (Int) -> Void) throws(AudioError) -> SegmentOutcome {
        let sourceChannels = decoder.format.channels
        let sourceRate = decoder.format.sampleRate
        var resampler: Resampler?
        if sourceRate != format.rate {
            do {
                resampler = try self.resampler(from: sourceRate, to: format.rate, channels: sourceChannels)
            } catch {
                throw .decode(path: segment.path, reason: "cannot resample \(sourceRate) Hz to \(format.rate) Hz: \(error.reason)")
            }
        }
        // About `blockFrames` frames at the output's rate per block, whatever the recording's rate,
        // so that progress and a stop come as often.
        let inputFrames = max(256, blockFrames * sourceRate / format.rate)
        let capacity = resampler?.outputCapacity(forInput: inputFrames) ?? inputFrames
        let stopFadeFrames = max(1, Int(Self.stopFade * Double(format.rate)))
        var current = sourceBuffers.0.reserve(inputFrames * sourceChannels)
        var next = sourceBuffers.1.reserve(inputFrames * sourceChannels)
        let resampled = resampledBuffer.reserve(capacity * sourceChannels)
        let mixed = mixedBuffer.reserve(capacity * format.channels)
        let tail = tailBuffer.reserve(stopFadeFrames * format.channels)
        let gain = Float(pow(10, segment.gainDB / 20))
        var guardGain: Float = 1
        let edge = max(1, Int(Self.edgeFade * Double(sourceRate)))
        var position = 0
        var written = 0
        var pendingError: AudioError?

        func read(_ buffer: UnsafeMutablePointer<Float>) -> Int {
            guard pendingError == nil else { return 0 }
            do {
                return try decoder.read(into: buffer, frames: inputFrames)
            } catch {
                pendingError = error
                return 0
            }
        }

        // Mixes, guards and writes frames at the output's rate; false when stopped part way (then
        // faded out over what would have come next, and the queue let play out). `bound`: a peak
        // the frames cannot exceed (mixing only averages), nil when unknown (resampled).
        func emit(_ chunk: UnsafeMutablePointer<Float>, _ frames: Int, bound: Float?) throws(AudioError) -> Bool {
            var samples = chunk
            if sourceChannels != format.channels {
                Self.mix(chunk, frames: frames, from: sourceChannels, into: mixed, to: format.channels)
                samples = mixed
            }
            let count = frames * format.channels
            if guardGain != 1 { Self.scale(samples, count, by: guardGain) }
            if (bound ?? .infinity) * guardGain > Self.ceiling {
                let peak = Self.peak(samples, count)
                if peak > Self.ceiling {
                    let lower = Self.ceiling / peak
                    Self.scale(samples, count, by: lower)
                    guardGain *= lower
                }
            }
            let accepted = try output.write(samples, frames: frames, cancel: cancel)
            written += accepted
            guard accepted < frames else { return true }
            // A full buffer (a sound server's) may leave room for less than the whole fade.
            let n = min(stopFadeFrames, frames - accepted, output.room)
            for frame in 0..<n {
                let ramp = Float(n - 1 - frame) / Float(n)
                for c in 0..<format.channels {
                    tail[frame * format.channels + c] = samples[(accepted + frame) * format.channels + c] * ramp
                }
            }
            written += try output.writeIfRoom(tail, frames: n)
            output.drain(limit: output.stopLimit)
            return false
        }

        func resample(_ resampler: Resampler, _ input: UnsafePointer<Float>?,
                      _ frames: Int) throws(AudioError) -> (consumed: Int, produced: Int) {
            do {
                return try resampler.process(input, frames: frames, into: resampled, capacity: capacity)
            } catch {
                throw .decode(path: segment.path, reason: "cannot resample: \(error.reason)")
            }
        }

        var count = read(current)
        while count > 0 {
            let nextCount = count == inputFrames ? read(next) : 0
            let isLast = nextCount == 0
            // Gain; fade in at the start, fade out over the last `edge` frames (fades only lower the
            // peak). Samples known to stay within full scale need no look at their peak.
            let peak: Float
            if decoder.withinFullScale, gain <= Self.ceiling {
                Self.scale(current, count * sourceChannels, by: gain)
                peak = gain
            } else {
                peak = Self.scaleAndPeak(current, count * sourceChannels, by: gain)
            }
            let headEnd = max(0, min(count, edge - position))
            for frame in 0..<headEnd {
                Self.multiply(current, frame, sourceChannels, by: Float(position + frame) / Float(edge))
            }
            let tailStart = isLast ? max(0, count - edge) : count
            for frame in tailStart..<count {
                Self.multiply(current, frame, sourceChannels, by: Float(count - 1 - frame) / Float(max(1, count - tailStart)))
            }
            if let resampler {
                var consumed = 0
                while consumed < count {
                    let (used, produced) = try resample(resampler, current + consumed * sourceChannels, count - consumed)
                    consumed += used
                    if produced > 0, try !emit(resampled, produced, bound: nil) { return .cut(frames: written) }
                    if used == 0, produced == 0 { break }
                }
                // The end of the recording: what the filter still holds.
                while isLast {
                    let (_, produced) = try resample(resampler, nil, 0)
                    if produced == 0 { break }
                    if try !emit(resampled, produced, bound: nil) { return .cut(frames: written) }
                }
            } else if try !emit(current, count, bound: peak) {
                return .cut(frames: written)
            }
            position += count
            report(written)
            swap(&current, &next)
            count = nextCount
        }
        if let pendingError { throw pendingError }
        return .played(frames: written)
    }

    /// Synthesises and writes a civil-defence signal at the output's rate, a block at a time, the
    /// same on every channel: no loudness normalisation, peaks at -1 dBFS (lowered by a negative
    /// `gainDB`), 10 ms fades at its edges, and the 30 ms fade when stopped.
    ///
    /// - Throws: an output error when the device fails.
    private func renderSignal(_ segment: ProgramSegment, format: PCMOutput.Format, cancel: CancelToken,
                              written report: (Int) -> Void) throws(AudioError) -> SegmentOutcome {
        guard let pattern = segment.signal else { return .played(frames: 0) }
        let amplitude = Double(Self.ceiling) * min(1, pow(10, segment.gainDB / 20))
        var synth = SirenSynth(pattern: pattern, rate: format.rate, amplitude: amplitude)
        let channels = format.channels
        let stopFadeFrames = max(1, Int(Self.stopFade * Double(format.rate)))
        let mono = sourceBuffers.0.reserve(blockFrames)
        let block = mixedBuffer.reserve(blockFrames * channels)
        let tail = tailBuffer.reserve(stopFadeFrames * channels)
        var written = 0
        while !synth.isFinished {
            let frames = synth.render(into: mono, count: blockFrames)
            if channels == 1 {
                block.update(from: mono, count: frames)
            } else {
                Self.mix(mono, frames: frames, from: 1, into: block, to: channels)
            }
            let accepted = try output.write(block, frames: frames, cancel: cancel)
            written += accepted
            if accepted < frames {
                // Stopped: fade out over what would have come next, as a recording does.
                let n = min(stopFadeFrames, frames - accepted, output.room)
                for frame in 0..<n {
                    let ramp = Float(n - 1 - frame) / Float(n)
                    for c in 0..<channels { tail[frame * channels + c] = block[(accepted + frame) * channels + c] * ramp }
                }
                written += try output.writeIfRoom(tail, frames: n)
                output.drain(limit: output.stopLimit)
                return .cut(frames: written)
            }
            report(written)
        }
        return .played(frames: written)
    }

    /// The kept resampler for a conversion, ready for a fresh recording.
    private func resampler(from inputRate: Int, to outputRate: Int, channels: Int) throws(ResamplerError) -> Resampler {
        let key = ResamplerKey(inputRate: inputRate, outputRate: outputRate, channels: channels)
        if let kept = resamplers[key] {
            kept.reset()
            return kept
        }
        // A handful of rates in practice; a library of every rate there is would not keep them all.
        if resamplers.count >= 8 { resamplers.removeAll() }
        let made = try Resampler(from: inputRate, to: outputRate, channels: channels)
        resamplers[key] = made
        return made
    }

    /// Mixes `frames` frames from `sc` channels to `tc` (`sc` ≠ `tc`): mono goes to every channel;
    /// more channels fold into fewer (target channel c is the mean of source channels c, c + tc, …:
    /// stereo to mono is (L + R) / 2); fewer go to more as they are, and each channel beyond them
    /// gets the mean of all, so that every loudspeaker carries the whole message.
    static func mix(_ source: UnsafePointer<Float>, frames: Int, from sc: Int,
                    into target: UnsafeMutablePointer<Float>, to tc: Int) {
        if sc == 1 {
            for f in 0..<frames {
                let v = source[f]
                for c in 0..<tc { target[f * tc + c] = v }
            }
        } else if sc > tc {
            for f in 0..<frames {
                for c in 0..<tc {
                    var sum: Float = 0
                    var n = 0
                    var s = c
                    while s < sc {
                        sum += source[f * sc + s]
                        n += 1
                        s += tc
                    }
                    target[f * tc + c] = sum / Float(n)
                }
            }
        } else {
            let share = 1 / Float(sc)
            for f in 0..<frames {
                var sum: Float = 0
                for c in 0..<sc {
                    let v = source[f * sc + c]
                    target[f * tc + c] = v
                    sum += v
                }
                for c in sc..<tc { target[f * tc + c] = sum * share }
            }
        }
    }

    static func scale(_ samples: UnsafeMutablePointer<Float>, _ count: Int, by factor: Float) {
        guard factor != 1 else { return }
        for i in 0..<count { samples[i] *= factor }
    }

    /// The largest magnitude among `count` samples.
    static func peak(_ samples: UnsafePointer<Float>, _ count: Int) -> Float {
        var most: Int32 = 0
        for i in 0..<count { most = max(most, magnitudeBits(samples[i])) }
        return Float(bitPattern: UInt32(most))
    }

    /// Scales `count` samples by `factor` and returns the largest magnitude after, in one pass.
    static func scaleAndPeak(_ samples: UnsafeMutablePointer<Float>, _ count: Int, by factor: Float) -> Float {
        var most: Int32 = 0
        for i in 0..<count {
            let v = samples[i] * factor
            samples[i] = v
            most = max(most, magnitudeBits(v))
        }
        return Float(bitPattern: UInt32(most))
    }

    /// A float's magnitude as an integer of the same order: for floats of one sign, the bits sort
    /// as the numbers do, and an integer maximum vectorises where a float one (with its NaN
    /// rules) does not.
    @inline(__always)
    static func magnitudeBits(_ v: Float) -> Int32 { Int32(bitPattern: v.bitPattern & 0x7fff_ffff) }

    @inline(__always)
    static func multiply(_ buffer: UnsafeMutablePointer<Float>, _ frame: Int, _ channels: Int, by factor: Float) {
        for c in 0..<channels { buffer[frame * channels + c] *= factor }
    }

    /// Writes `seconds` of silence in the open format.
    ///
    /// - Returns: frames written, and false when stopped part way.
    private func writeSilence(seconds: Double, cancel: CancelToken) throws(AudioError) -> (Int, Bool) {
        guard let format = output.format else { return (0, true) }
        let total = Int(seconds * Double(format.rate))
        let zeros = [Float](repeating: 0, count: blockFrames * format.channels)
        var done = 0
        while done < total {
            let n = min(blockFrames, total - done)
            let accepted = try zeros.withUnsafeBufferPointer { (p) throws(AudioError) -> Int in
                try output.write(p.baseAddress!, frames: n, cancel: cancel)
            }
            done += accepted
            if accepted < n { return (done, false) }
        }
        return (done, true)
    }
}

private struct ResamplerKey: Hashable {
    var inputRate: Int
    var outputRate: Int
    var channels: Int
}

/// A sample buffer kept between segments and programs, grown when a recording needs more.
private final class SampleBuffer {
    private var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private var capacity = 0

    /// Room for `count` samples (the contents are not kept when it grows).
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}
