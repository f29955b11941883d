// Recordings from phones (`.m4a`, `.aac`, `.amr`) converted at intake into FLAC, which libsndfile
// plays: by Debian's ffmpeg (a Recommends: of the package) run as a child process, the input on
// its standard input (`-protocol_whitelist pipe`, the demuxer named from the file's first bytes,
// never probed), under limits of CPU time, memory and output size (`prlimit`, util-linux) and a
// wall-clock deadline. Playback never parses these formats: it plays the FLAC.

import Foundation
import LabaControl
import LabaCore

/// Why a phone recording was not converted; rendered as a `not_audio` refusal whose `problem`
/// names it (`converter_missing`, `conversion_failed`, `conversion_limit`, `wechat_silk`).
public enum PhoneConversionError: Error, Equatable, Sendable {
    /// ffmpeg (or prlimit) is not installed.
    case missing
    /// ffmpeg ran and failed: its last words.
    case failed(String)
    /// A limit stopped it: which one (`cpu`, `memory`, `output`, `time`).
    case limit(String)
    /// WeChat's voice message: not converted.
    case silk

    var problem: String {
        switch self {
        case .missing: "converter_missing"
        case .failed: "conversion_failed"
        case .limit: "conversion_limit"
        case .silk: "wechat_silk"
        }
    }

    var detail: String {
        switch self {
        case .missing: "ffmpeg is not installed"
        case .failed(let words): "ffmpeg could not convert it: \(words)"
        case .limit(let which): "the conversion went past its \(which) limit and was stopped"
        case .silk: "a WeChat voice message (SILK)"
        }
    }
}

public struct PhoneConverter: Sendable {
    /// ffmpeg's path; nil: looked up on PATH (`LABA_FFMPEG` names another, for a technician's build).
    public var ffmpeg: String?
    public var cpuSeconds = 60
    public var memoryBytes = 768 * 1024 * 1024
    /// The FLAC's largest size; by default from the longest upload (96 kHz, 2 channels, 16 bits).
    public var outputBytes: Int
    public var wallSeconds = 120.0

    public init(maxDuration: TimeSpan) {
        outputBytes = Int((maxDuration.seconds + 10) * 96_000 * 2 * 2) + 1_000_000
        ffmpeg = ProcessInfo.processInfo.environment["LABA_FFMPEG"]
    }

    /// The phone format of the file at `path`, read from its first bytes; nil for anything else.
    public static func format(of path: String) -> PhoneFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 16) else { return nil }
        return PhoneFormat.sniff(head)
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/bin", "/usr/local/bin"] {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Converts the phone recording at `input` (of `format`) into FLAC at `output`. Blocking (a
    /// child process, up to `wallSeconds`): call it off the event loop.
    /// - Throws: `PhoneConversionError`; `output` is removed on failure.
    public func convert(_ input: String, format: PhoneFormat, to output: String) throws(PhoneConversionError) {
        guard let demuxer = format.demuxer else { throw .silk }
        guard let ffmpeg = ffmpeg ?? Self.which("ffmpeg"), access(ffmpeg, X_OK) == 0, let prlimit = Self.which("prlimit") else {
            throw .missing
        }
        var ok = false
        defer { if !ok { unlink(output) } }
        // An MPEG-4 file with its index at the end cannot be read from a pipe: the index first.
        var source = input
        let reordered = output + ".in"
        defer { unlink(reordered) }
        if format == .m4a, let bytes = FileManager.default.contents(atPath: input) {
            let fast = MP4Layout.fastStart([UInt8](bytes))
            if fast.count == bytes.count, fast != [UInt8](bytes) {
                guard FileManager.default.createFile(atPath: reordered, contents: Data(fast)) else { throw .failed("cannot write \(reordered)") }
                source = reordered
            }
        }
        guard let stdin = FileHandle(forReadingAtPath: source) else { throw .failed("cannot read the upload") }
        defer { try? stdin.close() }
        let errors = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: prlimit)
        process.arguments = [
            "--cpu=\(cpuSeconds)", "--as=\(memoryBytes)", "--fsize=\(outputBytes)", "--core=0", "--",
            ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-threads", "1",
            "-protocol_whitelist", "pipe", "-f", demuxer, "-i", "pipe:0",
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-c:a", "flac", "-sample_fmt", "s16", "-f", "flac", "-y", output,
        ]
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch { throw .missing }
        // ffmpeg's words, read while it runs (a full pipe would stop it), the last 4 KiB kept.
        let collected = LockedBuffer()
        let reader = Thread(block: {
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                collected.append(chunk)
            }
        })
        reader.start()
        if done.wait(timeout: .now() + wallSeconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            done.wait()
            throw .limit("time")
        }
        let words = String(decoding: collected.data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        switch (process.terminationReason, process.terminationStatus) {
        case (.exit, 0):
            ok = true
        case (.uncaughtSignal, SIGXCPU), (.uncaughtSignal, SIGKILL):
            throw .limit("cpu")
        // Past RLIMIT_FSIZE: killed by SIGXFSZ, or (ffmpeg ignores it) its write fails with EFBIG.
        case (.uncaughtSignal, SIGXFSZ), (_, _) where words.contains("File too large"):
            throw .limit("output")
        case (_, _) where words.contains("Cannot allocate memory") || words.contains("failed to map segment"):
            throw .limit("memory")
        case (.exit, 127):
            throw .missing
        default:
            throw .failed(words.isEmpty ? "exit status \(process.terminationStatus)" : words)
        }
    }
}

/// Bytes appended by one thread and read by another.
final class LockedBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ chunk: Data) {
        lock.lock()
        bytes.append(chunk)
        if bytes.count > 4096 { bytes = bytes.suffix(4096) }
        lock.unlock()
    }

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }
}

extension PhoneConverter {
    /// At intake: a phone recording at `path` is replaced by its FLAC (same path, `.flac` added);
    /// anything else is left for libsndfile to judge. Returns the path to read and the phone
    /// format it came from.
    /// - Throws: a `not_audio` refusal naming the upload as the sender did (`name`).
    func intake(_ path: String, name: String) throws(APIFailure) -> (path: String, from: PhoneFormat?) {
        guard let format = Self.format(of: path) else { return (path, nil) }
        let flac = path + ".flac"
        do {
            try convert(path, format: format, to: flac)
        } catch {
            throw APIFailure(Refusal(.notAudio, ["name": name, "detail": error.detail, "problem": error.problem, "format": format.rawValue]))
        }
        return (flac, format)
    }
}
