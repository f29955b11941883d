// Streaming decoding through libsndfile: any format it reads, to interleaved float frames.

import CSndFile
import LabaCore

/// One open recording.
///
/// Thread rules: not thread-safe; create, use and close it on one thread (the output's).
/// Memory: only the caller's buffer; nothing is read ahead.
public final class Decoder {
    public let path: String
    public let format: AudioFormat
    private var handle: OpaquePointer?
    /// 16-bit PCM (WAV, AIFF…): read as integers and converted here, in a loop the compiler
    /// vectorises (a quarter of libsndfile's own float conversion, the bulk of playback's CPU).
    private let sixteenBit: Bool
    /// Whether every sample read is within [-1, 1]: integer encodings, which libsndfile scales to
    /// full scale (float and lossy ones may go beyond).
    public let withinFullScale: Bool
    private var shorts: [Int16] = []

    /// Opens `path` and reads its header.
    ///
    /// - Throws: `AudioError.decode` with libsndfile's reason.
    public init(path: String) throws(AudioError) {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw .decode(path: path, reason: sndfileReason(nil))
        }
        guard info.channels > 0, info.samplerate > 0 else {
            sf_close(handle)
            throw .decode(path: path, reason: "no audio channels")
        }
        self.path = path
        self.handle = handle
        self.format = AudioFormat(format: SndFileProbe.describe(format: info.format), sampleRate: Int(info.samplerate),
                                  channels: Int(info.channels), frames: Int64(info.frames))
        // Float reads come back scaled to [-1, 1] whatever the file's integer width.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        let major = info.format & Int32(SF_FORMAT_TYPEMASK)
        let subtype = info.format & Int32(SF_FORMAT_SUBMASK)
        withinFullScale = [SF_FORMAT_PCM_S8, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24, SF_FORMAT_PCM_32, SF_FORMAT_PCM_U8,
                           SF_FORMAT_ULAW, SF_FORMAT_ALAW, SF_FORMAT_ALAC_16, SF_FORMAT_ALAC_20, SF_FORMAT_ALAC_24,
                           SF_FORMAT_ALAC_32].map(Int32.init).contains(subtype)
        sixteenBit = subtype == Int32(SF_FORMAT_PCM_16)
            && [SF_FORMAT_WAV, SF_FORMAT_AIFF, SF_FORMAT_WAVEX, SF_FORMAT_W64, SF_FORMAT_RF64].map(Int32.init).contains(major)
    }

    deinit { close() }

    /// Reads up to `frames` frames into `buffer` (interleaved, `format.channels` per frame).
    ///
    /// - Returns: the frames read; fewer than asked only at the end of the recording.
    /// - Throws: `AudioError.decode` when the file turns out to be broken part way.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(AudioError) -> Int {
        guard let handle else { return 0 }
        let n: Int
        if sixteenBit {
            let samples = frames * format.channels
            if shorts.count < samples { shorts = [Int16](repeating: 0, count: samples) }
            n = shorts.withUnsafeMutableBufferPointer { Int(sf_readf_short(handle, $0.baseAddress, sf_count_t(frames))) }
            shorts.withUnsafeBufferPointer { source in
                // The same values as libsndfile's normalised floats: sample / 32768.
                for i in 0..<(n * format.channels) { buffer[i] = Float(source[i]) * (1 / 32768) }
            }
        } else {
            n = Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
        }
        if n < frames {
            let code = sf_error(handle)
            if code != 0 {
                throw .decode(path: path, reason: String(cString: sf_error_number(code)))
            }
        }
        return n
    }

    /// Back to the first frame.
    public func rewind() {
        if let handle { sf_seek(handle, 0, SEEK_SET) }
    }

    public func close() {
        if let handle { sf_close(handle) }
        handle = nil
    }
}
