// Cutting the silence before and after a recording made in the console (a clerk presses "record",
// then speaks; stops, then presses "stop"), in two streaming passes through libsndfile.

import CSndFile
import Foundation
import LabaCore

public enum SilenceTrimmer {
    /// What a trim kept.
    public struct Result: Sendable, Equatable {
        public var format: AudioFormat
        /// Seconds cut at the start and at the end.
        public var cutStart: Double
        public var cutEnd: Double
    }

    /// Writes `input` without its leading and trailing silence to `output`, a 16-bit WAV at the
    /// input's rate and channels. Silence is every frame whose samples all stay below
    /// `thresholdDBFS`; `margin` seconds of it are kept on each side so that no word is clipped.
    ///
    /// Blocking: reads the file twice; call it off the cooperative pool.
    /// - Throws: `AudioError.decode` for a file libsndfile cannot read, or one that holds only silence.
    public static func trim(input: String, output: String, thresholdDBFS: Double = -45,
                            margin: Double = 0.1) throws(AudioError) -> Result {
        let threshold = Float(pow(10, thresholdDBFS / 20))
        let decoder = try Decoder(path: input)
        defer { decoder.close() }
        let channels = decoder.format.channels
        let chunk = 4096
        var buffer = [Float](repeating: 0, count: chunk * channels)
        var first: Int64?
        var last: Int64 = 0
        var position: Int64 = 0
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
                try decoder.read(into: p.baseAddress!, frames: chunk)
            }
            for frame in 0..<n {
                var loud = false
                for c in 0..<channels where abs(buffer[frame * channels + c]) > threshold { loud = true }
                if loud {
                    if first == nil { first = position + Int64(frame) }
                    last = position + Int64(frame)
                }
            }
            position += Int64(n)
            if n < chunk { break }
        }
        guard let first else { throw .decode(path: input, reason: "it holds only silence") }
        let rate = decoder.format.sampleRate
        let keep = Int64(margin * Double(rate))
        let start = max(0, first - keep)
        let end = min(position, last + 1 + keep)

        var info = SF_INFO()
        info.samplerate = Int32(rate)
        info.channels = Int32(channels)
        info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        guard let out = sf_open(output, Int32(SFM_WRITE), &info) else {
            throw .decode(path: output, reason: "cannot write: \(sndfileReason(nil))")
        }
        defer { sf_close(out) }
        decoder.rewind()
        var read: Int64 = 0
        var written: Int64 = 0
        while read < end {
            let n = try buffer.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
                try decoder.read(into: p.baseAddress!, frames: chunk)
            }
            if n == 0 { break }
            // The part of this chunk, [read, read + n), that lies in [start, end).
            let from = max(start, read), upTo = min(end, read + Int64(n))
            if from < upTo {
                let count = Int(upTo - from)
                let offset = Int(from - read) * channels
                let done = buffer.withUnsafeBufferPointer { sf_writef_float(out, $0.baseAddress! + offset, sf_count_t(count)) }
                guard done == sf_count_t(count) else { throw .decode(path: output, reason: "cannot write: \(sndfileReason(out))") }
                written += Int64(count)
            }
            read += Int64(n)
        }
        return Result(format: AudioFormat(format: "WAV Signed 16 bit PCM", sampleRate: rate, channels: channels, frames: written),
                      cutStart: Double(start) / Double(rate), cutEnd: Double(position - end) / Double(rate))
    }
}
