// A program: optional chime, the message in each language, gaps, repeats; rendered to a PCM
// with gain, 10 ms fades at every edge, and a 30 ms fade when stopped.

import Foundation
import LabaCore

/// One recording in a program.
public struct ProgramSegment: Hashable, Sendable {
    /// A language id, `neutral`, `chime`, or a file name: what progress reports call it.
    public var label: String
    public var path: String
    public var gainDB: Double

    public init(label: String, path: String, gainDB: Double = 0) {
        self.label = label
        self.path = path
        self.gainDB = gainDB
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
    /// Frames of the segment written so far, after each block (about 2,048 frames).
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
    /// Frames written to the PCM, silence included.
    public var frames: Int
    public var xruns: Int

    public static func == (a: RenderResult, b: RenderResult) -> Bool {
        a.outcome == b.outcome && a.frames == b.frames && a.xruns == b.xruns
            && a.segments.map(\.index) == b.segments.map(\.index) && a.segments.map(\.outcome) == b.segments.map(\.outcome)
    }
}

/// Renders programs to one output.
///
/// Thread rules: `play` blocks for the length of the program; call it on the output's own thread.
/// Only the `CancelToken` may be touched from elsewhere.
public final class ProgramRenderer {
    public static let edgeFade = 0.010
    public static let stopFade = 0.030

    public let output: PCMOutput
    /// The output's fixed rate and channel count; nil: the recording's own.
    public var fixedRate: Int?
    public var fixedChannels: Int?

    private let blockFrames = 4096

    public init(output: PCMOutput, fixedRate: Int? = nil, fixedChannels: Int? = nil) {
        self.output = output
        self.fixedRate = fixedRate
        self.fixedChannels = fixedChannels
    }

    /// Plays `program` from segment `start`, and closes the PCM when it ends (however it ends), so
    /// that an idle output holds no device.
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
            let decoder: Decoder
            do {
                decoder = try Decoder(path: segment.path)
            } catch {
                progress(.segmentStarted(index: index, label: segment.label))
                result.segments.append((index, segment.label, .failed(error)))
                progress(.segmentFinished(index: index, label: segment.label, outcome: .failed(error)))
                index += 1
                continue
            }
            // The PCM takes the recording's rate (the plug layer converts it to a fixed device
            // rate); channels are mapped here, so that mono reaches every loudspeaker.
            let format = PCMOutput.Format(rate: decoder.format.sampleRate,
                                          channels: fixedChannels ?? decoder.format.channels)
            do {
                if output.isOpen, output.format != format, try !output.drain(cancel: cancel) {
                    return finish(.cancelled(segment: index))
                }
                try output.open(format, deviceRate: fixedRate, deviceChannels: fixedChannels)
            } catch {
                return finish(.deviceFailed(segment: index, error))
            }
            progress(.segmentStarted(index: index, label: segment.label))
            let outcome: SegmentOutcome
            do {
                outcome = try render(segment, decoder: decoder, format: format, cancel: cancel) { frames in
                    progress(.progress(index: index, label: segment.label, frames: frames))
                }
            } catch {
                if case .decode = error {
                    outcome = .failed(error)
                } else {
                    result.segments.append((index, segment.label, .cut(frames: 0)))
                    return finish(.deviceFailed(segment: index, error))
                }
            }
            decoder.close()
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

    /// Decodes, scales, fades and writes one recording.
    ///
    /// - Throws: `.decode` when the file breaks part way (what was read has played, faded out);
    ///   an output error when the device fails.
    private func render(_ segment: ProgramSegment, decoder: Decoder, format: PCMOutput.Format,
                        cancel: CancelToken, written report: (Int) -> Void) throws(AudioError) -> SegmentOutcome {
        let sourceChannels = decoder.format.channels
        let gain = Float(pow(10, segment.gainDB / 20))
        let edge = max(1, Int(Self.edgeFade * Double(decoder.format.sampleRate)))
        var current = [Float](repeating: 0, count: blockFrames * sourceChannels)
        var next = [Float](repeating: 0, count: blockFrames * sourceChannels)
        var out = [Float](repeating: 0, count: blockFrames * format.channels)
        var position = 0
        var written = 0
        var pendingError: AudioError?

        func read(_ buffer: inout [Float]) -> Int {
            guard pendingError == nil else { return 0 }
            do {
                return try buffer.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
                    try decoder.read(into: p.baseAddress!, frames: blockFrames)
                }
            } catch {
                pendingError = error
                return 0
            }
        }

        var count = read(&current)
        while count > 0 {
            let nextCount = count == blockFrames ? read(&next) : 0
            let isLast = nextCount == 0
            // Gain, fade in at the start, fade out over the last `edge` frames, channel mapping.
            let tailStart = isLast ? max(0, count - edge) : count
            let headEnd = max(0, min(count, edge - position))
            Self.scale(current, into: &out, frames: count, from: sourceChannels, to: format.channels, gain: gain)
            for frame in 0..<headEnd {
                Self.multiply(&out, frame, format.channels, by: Float(position + frame) / Float(edge))
            }
            for frame in tailStart..<count {
                Self.multiply(&out, frame, format.channels, by: Float(count - 1 - frame) / Float(max(1, count - tailStart)))
            }
            let accepted = try out.withUnsafeBufferPointer { (p) throws(AudioError) -> Int in
                try output.write(p.baseAddress!, frames: count, cancel: cancel)
            }
            written += accepted
            if accepted < count {
                // Stopped: fade out over what would have come next, then let the queue play out.
                let fade = max(1, Int(Self.stopFade * Double(format.rate)))
                let n = min(fade, count - accepted)
                var tail = [Float](repeating: 0, count: n * format.channels)
                for frame in 0..<n {
                    let ramp = Float(n - 1 - frame) / Float(n)
                    for c in 0..<format.channels { tail[frame * format.channels + c] = out[(accepted + frame) * format.channels + c] * ramp }
                }
                written += try tail.withUnsafeBufferPointer { (p) throws(AudioError) -> Int in
                    try output.writeIfRoom(p.baseAddress!, frames: n)
                }
                output.drain(limit: output.stopLimit)
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

    /// Copies `frames` frames, scaled by `gain`, from `sc` channels to `tc`: mono to every channel,
    /// many to mono as their average, otherwise channel by channel (wrapping).
    static func scale(_ source: [Float], into target: inout [Float], frames: Int, from sc: Int, to tc: Int, gain: Float) {
        source.withUnsafeBufferPointer { src in
            target.withUnsafeMutableBufferPointer { dst in
                if sc == tc {
                    for i in 0..<(frames * tc) { dst[i] = src[i] * gain }
                } else if tc == 1 {
                    let g = gain / Float(sc)
                    for f in 0..<frames {
                        var sum: Float = 0
                        for c in 0..<sc { sum += src[f * sc + c] }
                        dst[f] = sum * g
                    }
                } else {
                    for f in 0..<frames {
                        for c in 0..<tc { dst[f * tc + c] = src[f * sc + c % sc] * gain }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func multiply(_ buffer: inout [Float], _ frame: Int, _ channels: Int, by factor: Float) {
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
