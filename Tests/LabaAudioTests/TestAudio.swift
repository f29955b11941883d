import CSndFile
import Foundation

/// Writes test recordings with libsndfile itself: sine tones, one frequency per language.
enum TestAudio {
    enum Container {
        case wav16, flac16, wavFloat

        var format: Int32 {
            switch self {
            case .wav16: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
            case .flac16: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
            case .wavFloat: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
            }
        }
    }

    /// A sine tone of `frequency` Hz at `amplitude` (0...1), the same on every channel but
    /// `silentChannels`.
    static func writeTone(_ path: String, frequency: Double, seconds: Double, rate: Int = 16000, channels: Int = 1,
                          amplitude: Double = 0.5, silentChannels: Set<Int> = [], container: Container = .wav16) throws {
        var info = SF_INFO()
        info.samplerate = Int32(rate)
        info.channels = Int32(channels)
        info.format = container.format
        guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw TestAudioError(message: "cannot write \(path): \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        let frames = Int(seconds * Double(rate))
        var samples = [Float](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            let v = Float(amplitude * sin(2 * .pi * frequency * Double(i) / Double(rate)))
            for c in 0..<channels where !silentChannels.contains(c) { samples[i * channels + c] = v }
        }
        let written = sf_writef_float(file, &samples, sf_count_t(frames))
        guard written == frames else { throw TestAudioError(message: "short write to \(path)") }
    }
}

struct TestAudioError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("laba-test-XXXXXX")).utf8CString)
        guard let made = mkdtemp(&template) else { throw TestAudioError(message: "mkdtemp failed") }
        path = String(cString: made)
    }

    func file(_ relative: String) -> String {
        let full = (path as NSString).appendingPathComponent(relative)
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        return full
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: file(relative), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
