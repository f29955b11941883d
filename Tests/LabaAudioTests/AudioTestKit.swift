import CEBUR128
import CSndFile
import Foundation
import LabaAudio
import LabaTestSupport
import Synchronization

/// ALSA PCMs for tests, from one configuration generated when first used: `cap0` ... `cap63`
/// capture through the `file` plugin over `null` (instant) into `<dir>/capN.wav` as S16 WAV, and
/// `paced0` ... `paced7` do the same over a PulseAudio null sink (real time).
enum TestPCMs {
    static let shared: Setup = Setup()
    /// The null sink behind `paced0` ... `paced7`.
    static let pulse: PulseServer? = PulseServer(socket: shared.pulseSocket)

    final class Setup: Sendable {
        let directory: String
        let next = Mutex<Int>(0)
        let nextPaced = Mutex<Int>(0)
        let pulseSocket: String

        init() {
            var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("laba-alsa-XXXXXX")).utf8CString)
            directory = String(cString: mkdtemp(&template)!)
            pulseSocket = directory + "/pulse.sock"
            var conf = ""
            for n in 0..<64 { conf += Self.capture(name: "cap\(n)", file: "\(directory)/cap\(n).wav", slave: "\"null\"") }
            for n in 0..<8 {
                conf += Self.capture(name: "paced\(n)", file: "\(directory)/paced\(n).wav",
                                     slave: "{ type pulse server \"unix:\(pulseSocket)\" }")
            }
            conf += Self.fixedChannelPCMs(directory: directory)
            // A PCM whose sound server the test kills part way.
            conf += Self.capture(name: "vanishing", file: "\(directory)/vanishing.wav",
                                 slave: "{ type pulse server \"unix:\(directory)/vanishing.sock\" }")
            try! conf.write(toFile: directory + "/asound.conf", atomically: true, encoding: .utf8)
            setenv("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf:\(directory)/asound.conf", 1)
        }

        static func capture(name: String, file: String, slave: String) -> String {
            """
            pcm.\(name) {
                type plug
                slave {
                    pcm { type file slave.pcm \(slave) file "\(file)" format "wav" }
                    format S16_LE
                }
            }

            """
        }

        /// Capture PCMs whose device takes a fixed channel count, hidden under a plug layer in each
        /// way ALSA's configuration allows: `laba_three_inline` (3, a `multi` inline in the plug),
        /// `laba_three_named` (3, the same by name), `laba_four_fixed` (4, the plug's
        /// `slave.channels`). Each writes `<name>.wav`.
        static func fixedChannelPCMs(directory: String) -> String {
            func multi(_ file: String) -> String {
                """
                {
                    type multi
                    slaves.a.pcm { type file slave.pcm "null" file "\(directory)/\(file).wav" format "wav" }
                    slaves.a.channels 3
                    bindings.0 { slave a channel 0 }
                    bindings.1 { slave a channel 1 }
                    bindings.2 { slave a channel 2 }
                }
                """
            }
            return """
                pcm.laba_three_inline { type plug slave { pcm \(multi("laba_three_inline")) format S16_LE } }
                pcm.laba_three_device \(multi("laba_three_named"))
                pcm.laba_three_named { type plug slave { pcm "laba_three_device" format S16_LE } }
                pcm.laba_four_fixed {
                    type plug
                    slave {
                        pcm { type file slave.pcm "null" file "\(directory)/laba_four_fixed.wav" format "wav" }
                        format S16_LE
                        channels 4
                    }
                }

                """
        }

        /// A fresh capture PCM name and the file it writes.
        func capturePCM() -> (name: String, file: String) {
            let n = next.withLock { v in defer { v += 1 }; return v }
            precondition(n < 64, "more capture PCMs than the generated configuration has")
            return ("cap\(n)", "\(directory)/cap\(n).wav")
        }

        func pacedPCM() -> (name: String, file: String) {
            let n = nextPaced.withLock { v in defer { v += 1 }; return v }
            precondition(n < 8)
            return ("paced\(n)", "\(directory)/paced\(n).wav")
        }
    }
}

/// A captured WAV, read back with libsndfile.
struct Capture {
    var rate: Int
    var channels: Int
    /// Interleaved.
    var samples: [Float]

    var frames: Int { samples.count / max(1, channels) }

    init(path: String) throws {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw TestAudioError(message: "cannot read capture \(path): \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        rate = Int(info.samplerate)
        channels = Int(info.channels)
        samples = [Float](repeating: 0, count: Int(info.frames) * channels)
        let n = sf_readf_float(file, &samples, info.frames)
        samples.removeLast(samples.count - Int(n) * channels)
    }

    /// One channel.
    func channel(_ c: Int) -> [Float] { stride(from: c, to: samples.count, by: channels).map { samples[$0] } }

    var peak: Float { samples.map(abs).max() ?? 0 }

    /// Runs of sound separated by at least `minimumGap` seconds of silence: (start, end) frames.
    func regions(threshold: Float = 0.001, minimumGap: Double = 0.05) -> [(start: Int, end: Int)] {
        let mono = channel(0)
        var regions: [(Int, Int)] = []
        var start: Int?
        var lastLoud = -1
        let gap = Int(minimumGap * Double(rate))
        for (i, v) in mono.enumerated() where abs(v) > threshold {
            if let s = start, i - lastLoud > gap {
                regions.append((s, lastLoud + 1))
                start = i
            } else if start == nil {
                start = i
            }
            lastLoud = i
        }
        if let s = start { regions.append((s, lastLoud + 1)) }
        return regions
    }

    /// The dominant frequency of a region, from its zero crossings.
    func frequency(_ region: (start: Int, end: Int)) -> Double {
        let mono = channel(0)
        var crossings = 0
        for i in (region.start + 1)..<region.end where (mono[i - 1] < 0) != (mono[i] < 0) { crossings += 1 }
        return Double(crossings) / 2 / (Double(region.end - region.start) / Double(rate))
    }

    /// Integrated loudness (LUFS) of a region, by libebur128: of every channel, or of one.
    func loudness(_ region: (start: Int, end: Int), channel: Int? = nil) -> Double {
        let measured = channel.map { self.channel($0) } ?? samples
        let count = channel == nil ? channels : 1
        let state = ebur128_init(UInt32(count), UInt(rate), Int32(EBUR128_MODE_I.rawValue))!
        var handle: UnsafeMutablePointer<ebur128_state>? = state
        defer { ebur128_destroy(&handle) }
        measured.withUnsafeBufferPointer { p in
            _ = ebur128_add_frames_float(state, p.baseAddress! + region.start * count, region.end - region.start)
        }
        var lufs = 0.0
        ebur128_loudness_global(state, &lufs)
        return lufs
    }

    /// Largest absolute sample in frames [from, to) of channel 0.
    func peak(from: Int, to: Int) -> Float {
        let mono = channel(0)
        return mono[max(0, from)..<min(mono.count, to)].map(abs).max() ?? 0
    }
}
