// Sample-rate conversion with libsoxr (as MPD does), a block at a time.

import CSoxr

/// A stream resampler from one rate to another for interleaved float frames.
///
/// Thread rules: not thread-safe; create, use and drop it on the output's thread.
/// Memory: libsoxr's filter state only; the caller owns every buffer. One resampler serves any
/// number of recordings in turn: `reset()` before each.
final class Resampler {
    let inputRate: Int
    let outputRate: Int
    let channels: Int
    private let state: soxr_t

    /// - Throws: libsoxr's reason, when it cannot convert between the rates.
    init(from inputRate: Int, to outputRate: Int, channels: Int) throws(ResamplerError) {
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        // High quality (20 bits, what libsoxr calls HQ) is already far below the 16-bit
        // noise floor of the devices; one thread, the output's own.
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var runtime = soxr_runtime_spec(1)
        let made = soxr_create(Double(inputRate), Double(outputRate), UInt32(channels), &error, &io, &quality, &runtime)
        guard let made, error == nil else {
            if let made { soxr_delete(made) }
            throw ResamplerError(reason: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        self.state = made
    }

    deinit { soxr_delete(state) }

    /// Output frames that `frames` input frames can produce in one call, at most.
    func outputCapacity(forInput frames: Int) -> Int {
        (frames * outputRate + inputRate - 1) / inputRate + 64
    }

    /// Converts up to `frames` input frames (nil input: the end of the recording, to flush what
    /// the filter still holds), writing at most `capacity` frames to `output`.
    ///
    /// - Returns: the input frames consumed and the output frames produced.
    func process(_ input: UnsafePointer<Float>?, frames: Int, into output: UnsafeMutablePointer<Float>,
                 capacity: Int) throws(ResamplerError) -> (consumed: Int, produced: Int) {
        var consumed = 0, produced = 0
        let error = soxr_process(state, input, input == nil ? 0 : frames, &consumed, output, capacity, &produced)
        if let error { throw ResamplerError(reason: String(cString: error)) }
        return (consumed, produced)
    }

    /// Ready for a fresh recording at the same rates.
    func reset() { soxr_clear(state) }
}

struct ResamplerError: Error {
    var reason: String
}
