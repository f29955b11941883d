// EBU R128 loudness of recordings (libebur128), measured once per file content and cached.

import CEBUR128
import Foundation
import LabaCore
import Synchronization

/// A recording's integrated loudness and true peak.
public struct LoudnessMeasurement: Hashable, Sendable, Codable {
    /// LUFS; -infinity for silence.
    public var integrated: Double
    /// dBTP (true peak, dB relative to full scale); -infinity for silence.
    public var truePeak: Double

    public init(integrated: Double, truePeak: Double) {
        self.integrated = integrated
        self.truePeak = truePeak
    }
}

public enum Loudness {
    /// The ceiling the peak guard keeps every sample under.
    public static let ceilingDBFS = -1.0

    /// Decodes the whole file and measures it.
    ///
    /// Blocking: reads the whole recording; call it off the cooperative pool, or accept the cost
    /// once per file (it is cached by content).
    /// - Throws: `AudioError.decode`.
    public static func measure(path: String) throws(AudioError) -> LoudnessMeasurement {
        let decoder = try Decoder(path: path)
        defer { decoder.close() }
        let channels = decoder.format.channels
        guard let state = ebur128_init(UInt32(channels), UInt(decoder.format.sampleRate),
                                       Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)) else {
            throw .decode(path: path, reason: "libebur128 cannot measure \(channels) channels at \(decoder.format.sampleRate) Hz")
        }
        var handle: UnsafeMutablePointer<ebur128_state>? = state
        defer { ebur128_destroy(&handle) }
        let frames = 4096
        var buffer = [Float](repeating: 0, count: frames * channels)
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
                try decoder.read(into: p.baseAddress!, frames: frames)
            }
            if n == 0 { break }
            buffer.withUnsafeBufferPointer { _ = ebur128_add_frames_float(state, $0.baseAddress, Int(n)) }
            if n < frames { break }
        }
        var integrated = -Double.infinity
        ebur128_loudness_global(state, &integrated)
        var peak = 0.0
        for channel in 0..<channels {
            var p = 0.0
            if ebur128_true_peak(state, UInt32(channel), &p) == 0 { peak = max(peak, p) }
        }
        return LoudnessMeasurement(integrated: integrated.isFinite ? integrated : -.infinity,
                                   truePeak: peak > 0 ? 20 * log10(peak) : -.infinity)
    }

    /// The gain in dB for a recording: to `target`, plus the zone's and output's volume, lowered
    /// if needed so that its peak stays at or below -1 dBFS.
    public static func gain(for measurement: LoudnessMeasurement?, target: LoudnessTarget, volumeDB: Double) -> Double {
        var gain = volumeDB
        if case .lufs(let lufs) = target, let m = measurement, m.integrated.isFinite {
            gain += lufs - m.integrated
        }
        if let peak = measurement?.truePeak, peak.isFinite {
            gain = min(gain, ceilingDBFS - peak)
        }
        return gain
    }

    /// A key for a file's content: its size and a 64-bit FNV-1a hash of its bytes.
    public static func contentKey(path: String) throws(AudioError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .decode(path: path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var size = 0
        while true {
            let data = handle.readData(ofLength: 1 << 16)
            if data.isEmpty { break }
            size += data.count
            for byte in data {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        return "fnv1a64-\(String(hash, radix: 16))-\(size)"
    }
}

/// Measurements by content key. Thread-safe.
///
/// A file's content key is remembered with its size and modification time, so that playing a
/// recording again does not read it whole to hash it: only a changed file is hashed again.
public final class LoudnessCache: Sendable {
    private let entries = Mutex<[String: LoudnessMeasurement]>([:])
    private let keys = Mutex<[String: (size: Int64, modified: Int64, key: String)]>([:])

    public init(_ initial: [String: LoudnessMeasurement] = [:]) {
        entries.withLock { $0 = initial }
    }

    public subscript(key: String) -> LoudnessMeasurement? {
        entries.withLock { $0[key] }
    }

    public var count: Int { entries.withLock { $0.count } }

    public var snapshot: [String: LoudnessMeasurement] { entries.withLock { $0 } }

    /// The file's content key, hashed only when the file is new or changed.
    public func key(path: String) throws(AudioError) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .decode(path: path, reason: String(cString: strerror(errno))) }
        let size = Int64(st.st_size)
        let modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        if let known = keys.withLock({ $0[path] }), known.size == size, known.modified == modified { return known.key }
        let key = try Loudness.contentKey(path: path)
        keys.withLock { $0[path] = (size, modified, key) }
        return key
    }

    /// The cached measurement of the file's content, measuring it on a miss.
    ///
    /// - Returns: the measurement, its content key, and whether it was measured now.
    public func measurement(path: String) throws(AudioError) -> (LoudnessMeasurement, key: String, measured: Bool) {
        let key = try key(path: path)
        if let known = self[key] { return (known, key, false) }
        let m = try Loudness.measure(path: path)
        entries.withLock { $0[key] = m }
        return (m, key, true)
    }
}
