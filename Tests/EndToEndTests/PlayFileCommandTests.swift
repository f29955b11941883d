import Foundation
import Testing

/// `laba play-file` through the shipped capture configuration (Config/alsa-capture.conf).
@Suite struct PlayFileCommandTests {
    func environment(_ dir: String) -> [String: String] {
        ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + Binaries.repo("Config/alsa-capture.conf"),
         "LABA_CAPTURE_DIR": dir]
    }

    @Test func playsEveryLanguageIntoTheCaptureAtTheTargetLoudness() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: Binaries.repo("Audio/masks")).sorted()
            .map { Binaries.repo("Audio/masks/" + $0) }
        #expect(files.count == 7)
        let result = try Binaries.run("laba", ["play-file", "--device", "laba_square", "--normalize"] + files,
                                      environment: environment(dir))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.allSatisfy { $0.hasPrefix("playing ") && $0.contains("16000 Hz, 1 ch") })
        // The capture holds all seven 16 kHz recordings, one after another, at 48 kHz on both
        // channels, each loudspeaker at -16 LUFS.
        let capture = dir + "/laba_square.wav"
        let expectedFrames = try files.reduce(0) { $0 + (try Binaries.frames(of: $1)) }
        #expect(try Binaries.soxi("-r", capture) == 48000 && Binaries.soxi("-c", capture) == 2)
        #expect(try Binaries.frames(of: capture) == expectedFrames * 3)
        let lufs = try Binaries.loudness(of: capture, channel: 1)
        #expect(abs(lufs - -16) < 0.5, "\(lufs) LUFS")
    }

    /// Files at different rates play in one stream: one capture, at 48 kHz, each tone at its pitch.
    @Test func filesAtDifferentRatesPlayAsOneStream() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, rate, channels, frequency) in [("low.wav", 22050, 1, 300), ("cd.flac", 44100, 2, 500)] {
            _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "\(rate)", "-c", "\(channels)", "-b", "16", dir + "/" + name,
                                                        "synth", "1", "sine", "\(frequency)", "vol", "0.5"])
        }
        let result = try Binaries.run("laba", ["play-file", "--device", "laba_van", dir + "/low.wav", dir + "/cd.flac"],
                                      environment: environment(dir))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("22050 Hz, 1 ch") && result.stdout.contains("44100 Hz, 2 ch"), "\(result.stdout)")
        let capture = dir + "/laba_van.wav"
        #expect(try Binaries.soxi("-r", capture) == 48000 && Binaries.soxi("-c", capture) == 2)
        #expect(try Binaries.frames(of: capture) == 2 * 48000)
        let first = try Binaries.stat(of: capture, from: 0.1, seconds: 0.8)
        let second = try Binaries.stat(of: capture, from: 1.1, seconds: 0.8)
        #expect(abs((first["Rough frequency"] ?? 0) - 300) <= 3, "\(first)")
        #expect(abs((second["Rough frequency"] ?? 0) - 500) <= 5, "\(second)")
    }

    /// Issue 12: `--gain-db 60` clipped a tone into a square wave. The peak guard lowers the gain
    /// instead: nothing above -1 dBFS, and the sine's crest factor (peak / RMS) stays √2.
    @Test func aHugeGainIsHeldAtTheCeilingWithoutClipping() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", dir + "/tone.wav",
                                                    "synth", "1", "sine", "440", "vol", "0.5"])
        let result = try Binaries.run("laba", ["play-file", "--device", "laba_square", "--gain-db", "60", dir + "/tone.wav"],
                                      environment: environment(dir))
        #expect(result.status == 0, "\(result.stderr)")
        let capture = dir + "/laba_square.wav"
        let whole = try Binaries.stat(of: capture)
        let ceiling = pow(10, -1.0 / 20)
        #expect((whole["Maximum amplitude"] ?? 1) <= ceiling + 1.0 / 32768, "\(whole)")
        let middle = try Binaries.stat(of: capture, from: 0.1, seconds: 0.8)
        let crest = (middle["Maximum amplitude"] ?? 0) / (middle["RMS amplitude"] ?? 1)
        #expect(abs(crest - 2.0.squareRoot()) < 0.04, "crest factor \(crest): \(middle)")
        #expect((middle["Maximum amplitude"] ?? 0) > ceiling * 0.99)
    }

    @Test func aBrokenFileIsReportedAndTheOthersStillPlay() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not audio".write(toFile: dir + "/broken.wav", atomically: true, encoding: .utf8)
        let result = try Binaries.run("laba", ["play-file", "--device", "laba_van", dir + "/broken.wav",
                                               Binaries.repo("Audio/chime/neutral.flac")], environment: environment(dir))
        #expect(result.status == 1)
        #expect(result.stderr.contains("laba: cannot read \(dir)/broken.wav: Format not recognised."))
        #expect(result.stdout.contains("playing \(Binaries.repo("Audio/chime/neutral.flac"))"))
        // The 16 kHz chime, at 48 kHz.
        #expect(try Binaries.frames(of: dir + "/laba_van.wav") == 3 * (try Binaries.frames(of: Binaries.repo("Audio/chime/neutral.flac"))))
    }

    @Test func aDeviceThatCannotBeOpenedIsNamed() throws {
        let result = try Binaries.run("laba", ["play-file", "--device", "laba_nowhere", Binaries.repo("Audio/chime/neutral.flac")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("laba: cannot open PCM 'laba_nowhere': snd_pcm_open failed: No such file or directory"))
    }
}

extension Binaries {
    /// Frames in an audio file, from `soxi` (sox is a test dependency).
    static func frames(of path: String) throws -> Int {
        let out = try run(path: "/usr/bin/soxi", ["-s", path])
        return Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// A number `soxi` prints about a file (`-r` rate, `-c` channels).
    static func soxi(_ flag: String, _ path: String) throws -> Int {
        Int(try run(path: "/usr/bin/soxi", [flag, path]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// sox's `stat` figures ("Maximum amplitude", "RMS amplitude", "Rough frequency", ...) of one
    /// channel (1-based; `stat` reads several interleaved as one signal) of a file, or of
    /// `seconds` of it from `from`.
    static func stat(of path: String, channel: Int = 1, from: Double? = nil, seconds: Double? = nil) throws -> [String: Double] {
        var arguments = [path, "-n"]
        if let from, let seconds { arguments += ["trim", "\(from)", "\(seconds)"] }
        let result = try run(executable: "/usr/bin/sox", arguments + ["remix", "\(channel)", "stat"])
        var figures: [String: Double] = [:]
        for line in result.stderr.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            figures[parts[0].split(separator: " ").joined(separator: " ")] = value
        }
        return figures
    }

    /// Integrated loudness (LUFS) measured outside Laba, of every channel or of one (1-based):
    /// sox decodes, libebur128 (through Python's ctypes) measures.
    static func loudness(of path: String, channel: Int? = nil) throws -> Double {
        let script = """
            import array, ctypes, subprocess, sys
            lib = ctypes.CDLL("libebur128.so.1")
            lib.ebur128_init.restype = ctypes.c_void_p
            lib.ebur128_init.argtypes = [ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
            lib.ebur128_add_frames_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
            lib.ebur128_loudness_global.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
            soxi = lambda flag: int(subprocess.run(["soxi", flag, sys.argv[1]], capture_output=True, text=True).stdout)
            rate, channels = soxi("-r"), soxi("-c")
            remix = ["remix", sys.argv[2]] if sys.argv[2] else []
            if remix: channels = 1
            samples = array.array("f", subprocess.run(["sox", sys.argv[1], "-t", "f32", "-"] + remix, capture_output=True, check=True).stdout)
            state = lib.ebur128_init(channels, rate, 5)
            lib.ebur128_add_frames_float(state, (ctypes.c_float * len(samples)).from_buffer(samples), len(samples) // channels)
            out = ctypes.c_double()
            lib.ebur128_loudness_global(state, ctypes.byref(out))
            print(out.value)
            """
        let out = try run(path: "/usr/bin/python3", ["-c", script, path, channel.map(String.init) ?? ""])
        return Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }

    /// A program's standard output.
    static func run(path: String, _ arguments: [String]) throws -> String {
        try run(executable: path, arguments).stdout
    }
}
