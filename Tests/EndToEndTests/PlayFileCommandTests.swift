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
        // The capture holds all seven recordings, one after another, at -16 LUFS.
        let capture = dir + "/laba_square.wav"
        let expectedFrames = try files.reduce(0) { $0 + (try Binaries.frames(of: $1)) }
        #expect(try Binaries.frames(of: capture) == expectedFrames)
        let lufs = try Binaries.loudness(of: capture)
        #expect(abs(lufs - -16) < 0.5, "\(lufs) LUFS")
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
        #expect(try Binaries.frames(of: dir + "/laba_van.wav") == (try Binaries.frames(of: Binaries.repo("Audio/chime/neutral.flac"))))
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

    /// Integrated loudness (LUFS) measured outside Laba: sox decodes, libebur128 (through
    /// Python's ctypes) measures.
    static func loudness(of path: String) throws -> Double {
        let script = """
            import array, ctypes, subprocess, sys
            lib = ctypes.CDLL("libebur128.so.1")
            lib.ebur128_init.restype = ctypes.c_void_p
            lib.ebur128_init.argtypes = [ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
            lib.ebur128_add_frames_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
            lib.ebur128_loudness_global.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
            soxi = lambda flag: int(subprocess.run(["soxi", flag, sys.argv[1]], capture_output=True, text=True).stdout)
            rate, channels = soxi("-r"), soxi("-c")
            samples = array.array("f", subprocess.run(["sox", sys.argv[1], "-t", "f32", "-"], capture_output=True, check=True).stdout)
            state = lib.ebur128_init(channels, rate, 5)
            lib.ebur128_add_frames_float(state, (ctypes.c_float * len(samples)).from_buffer(samples), len(samples) // channels)
            out = ctypes.c_double()
            lib.ebur128_loudness_global(state, ctypes.byref(out))
            print(out.value)
            """
        let out = try run(path: "/usr/bin/python3", ["-c", script, path])
        return Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }

    /// A program's standard output.
    static func run(path: String, _ arguments: [String]) throws -> String {
        try run(executable: path, arguments).stdout
    }
}
