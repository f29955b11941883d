// Reads a recording's header through libsndfile, for the message library and `laba check`.

import CSndFile
import LabaCore

/// A `RecordingProbe` over libsndfile: opens the file, reads its format, closes it.
///
/// Thread-safe: each call opens its own handle.
public struct SndFileProbe: RecordingProbe {
    public init() {}

    public func probe(path: String) -> Result<AudioFormat, ProbeFailure> {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            let problem: String? = switch sf_error(nil) {
            case Int32(SF_ERR_UNRECOGNISED_FORMAT): "unrecognised_format"
            case Int32(SF_ERR_MALFORMED_FILE): "malformed"
            case Int32(SF_ERR_UNSUPPORTED_ENCODING): "unsupported_encoding"
            default: nil
            }
            return .failure(ProbeFailure(String(cString: sf_strerror(nil)), problem: problem))
        }
        defer { sf_close(handle) }
        guard info.samplerate > 0, info.channels > 0 else {
            return .failure(ProbeFailure("no audio (rate \(info.samplerate), \(info.channels) channels)", problem: "no_audio"))
        }
        guard info.frames > 0 else {
            return .failure(ProbeFailure("the recording is empty", problem: "empty"))
        }
        return .success(AudioFormat(format: Self.describe(format: info.format), sampleRate: Int(info.samplerate),
                                    channels: Int(info.channels), frames: Int64(info.frames)))
    }

    /// "FLAC 16-bit", "WAV float", from libsndfile's own names.
    static func describe(format: Int32) -> String {
        var major = SF_FORMAT_INFO()
        major.format = format & Int32(SF_FORMAT_TYPEMASK)
        var sub = SF_FORMAT_INFO()
        sub.format = format & Int32(SF_FORMAT_SUBMASK)
        let size = Int32(MemoryLayout<SF_FORMAT_INFO>.size)
        var parts: [String] = []
        if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &major, size) == 0, let name = major.extension {
            parts.append(String(cString: name).uppercased())
        }
        if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &sub, size) == 0, let name = sub.name {
            parts.append(String(cString: name))
        }
        return parts.isEmpty ? "unknown" : parts.joined(separator: " ")
    }
}
