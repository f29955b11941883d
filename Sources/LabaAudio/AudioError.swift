// Errors of the audio engine, named where the C call fails (MPD's MakeError style).

import CALSA
import CSndFile

/// What went wrong in decoding or playback, with the C library's reason.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The recording could not be opened or read; `reason` is libsndfile's.
    case decode(path: String, reason: String)
    /// The PCM could not be opened or configured; `reason` is ALSA's.
    case open(device: String, call: String, reason: String)
    /// The device went away (unplugged, server gone): the caller may reopen it later.
    case deviceLost(device: String, reason: String)
    /// Any other playback failure.
    case write(device: String, call: String, reason: String)

    public var description: String {
        switch self {
        case .decode(let path, let reason): "cannot read \(path): \(reason)"
        case .open(let device, let call, let reason): "cannot open PCM '\(device)': \(call) failed: \(reason)"
        case .deviceLost(let device, let reason): "PCM '\(device)' is gone: \(reason)"
        case .write(let device, let call, let reason): "PCM '\(device)': \(call) failed: \(reason)"
        }
    }

    /// Whether the output should be marked unavailable and reopened with backoff.
    public var isDeviceLost: Bool {
        if case .deviceLost = self { return true }
        return false
    }
}

/// ALSA's text for a negative error code.
func alsaReason(_ code: Int32) -> String { String(cString: snd_strerror(code)) }

/// libsndfile's text for the last error of `handle` (or of the last open, for nil).
func sndfileReason(_ handle: OpaquePointer?) -> String { String(cString: sf_strerror(handle)) }
