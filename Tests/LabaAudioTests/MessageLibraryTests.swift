import Foundation
import LabaAudio
@testable import LabaCore
import Testing

@Suite struct MessageLibraryTests {
    /// A library with a valid FLAC, a valid WAV, a truncated WAV, a text file named `.wav`,
    /// a language without a recording, a chime and a stray README.
    func makeLibrary(_ dir: TemporaryDirectory) throws {
        try TestAudio.writeTone(dir.file("audio/masks/naxi.flac"), frequency: 440, seconds: 1.5, container: .flac16)
        try TestAudio.writeTone(dir.file("audio/masks/mandarin.wav"), frequency: 550, seconds: 2, rate: 22050, channels: 2)
        try TestAudio.writeTone(dir.file("audio/masks/yi.wav"), frequency: 660, seconds: 1)
        let truncated = try Data(contentsOf: URL(fileURLWithPath: dir.file("audio/masks/yi.wav"))).prefix(30)
        try truncated.write(to: URL(fileURLWithPath: dir.file("audio/masks/yi.wav")))
        try dir.write("audio/masks/bai.wav", "this is not audio\n")
        try dir.write("audio/masks/README.md", "notes\n")
        try TestAudio.writeTone(dir.file("audio/chime/neutral.wav"), frequency: 880, seconds: 0.5)
        try TestAudio.writeTone(dir.file("audio/handwash/klingon.wav"), frequency: 300, seconds: 0.5)
    }

    @Test func scansRealFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeLibrary(dir)
        let library = MessageLibrary.scan(directory: dir.file("audio"), probe: SndFileProbe())

        #expect(library.messages == ["chime", "handwash", "masks"])
        let naxi = try #require(library.recording(message: "masks", language: "naxi"))
        #expect(naxi.audio.format == "FLAC Signed 16 bit PCM")
        #expect(naxi.audio.sampleRate == 16000 && naxi.audio.channels == 1 && naxi.audio.frames == 24000)
        #expect(abs(naxi.audio.duration - 1.5) < 1e-9)
        let mandarin = try #require(library.recording(message: "masks", language: "mandarin"))
        #expect(mandarin.audio.sampleRate == 22050 && mandarin.audio.channels == 2)
        #expect(library.languages(of: "masks") == ["naxi", "mandarin"])
        #expect(library.neutral(of: "chime") != nil)

        let bad = Dictionary(uniqueKeysWithValues: library.unreadable.map { ($0.language, $0) })
        #expect(Set(bad.keys) == ["yi", "bai"])
        #expect(bad["bai"]?.reason == "Format not recognised.")
        #expect(bad["yi"]?.path.hasSuffix("masks/yi.wav") == true)
        #expect(bad["yi"]?.reason.isEmpty == false)
    }

    @Test func checkWarnsAboutMissingAndUnreadableRecordings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeLibrary(dir)
        try dir.write("laba.yaml", """
            audio_dir: audio
            defaults:
              chime: chime
            outputs:
              - {id: o, device: hw, zone: town}
            zones:
              - id: town
                languages: [naxi, mandarin, yi, bai, lisu]
                schedule:
                  - {message: masks, at: "08:00"}
                  - {message: handwash, at: "09:00"}
                  - {message: masks-v2, at: "10:00"}
            """)
        let path = dir.file("laba.yaml")
        let loaded = ConfigLoader.load(path: path)
        let config = try #require(loaded.config)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
        let check = ConfigCheck(config: config, library: library, now: Instant(seconds: 1_800_000_000))
        let lines = check.diagnostics.sortedByLocation().map { d in
            "\(d.location!.line):\(d.location!.column) \(d.severity.rawValue): \(d.message)"
        }
        let audio = dir.file("audio")
        #expect(lines.contains("1:12 warning: recording \(audio)/handwash/klingon.wav is for an unknown language 'klingon'"))
        #expect(lines.contains("12:19 error: unknown message 'masks-v2': no recordings in \(audio)/masks-v2/"))
        #expect(lines.contains("10:19 warning: message 'masks' has no yi, bai, lisu recording, needed in zone town (it plays in the other languages)"))
        #expect(lines.contains("11:19 warning: message 'handwash' has no naxi, mandarin, yi, bai, lisu recording, needed in zone town; nothing plays there"))
        #expect(lines.contains("10:19 warning: recording \(audio)/masks/bai.wav cannot be opened: Format not recognised."))
        #expect(lines.contains { $0.hasPrefix("10:19 warning: recording \(audio)/masks/yi.wav cannot be opened: ") })
        #expect(lines.count == 6, "\(lines)")
        #expect(!check.isValid)

        #expect(check.coverage.languages == ["naxi", "bai", "yi", "lisu", "mandarin"])
        #expect(check.coverage.rows.map(\.message) == ["masks", "handwash", "masks-v2"])
        let masks = check.coverage.rows[0]
        #expect(masks.languages == ["naxi": true, "bai": false, "yi": false, "lisu": false, "mandarin": true])
        #expect(check.coverage.gaps.first == Coverage.Gap(zone: "town", message: "masks", missing: ["yi", "bai", "lisu"]))
    }

    /// What the library passes over is named, at the file itself, with what to do: a phone's
    /// recording (with the command that converts it), an empty file, a folder that is not an id.
    @Test func ignoredRecordingsAreNamedWithTheirReasons() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try TestAudio.writeTone(dir.file("audio/masks/naxi.wav"), frequency: 440, seconds: 0.5)
        try dir.write("audio/masks/mandarin.m4a", "\0\0\0\u{18}ftypM4A not really")
        try dir.write("audio/masks/yi.amr", "#!AMR\n")
        try dir.write("audio/masks/bai.wav", "")
        try TestAudio.writeTone(dir.file("audio/通知/naxi.wav"), frequency: 440, seconds: 0.5)
        try TestAudio.writeTone(dir.file("audio/Handwash/naxi.wav"), frequency: 440, seconds: 0.5)
        try dir.write("laba.yaml", """
            audio_dir: audio
            outputs:
              - {id: o, device: hw, zone: town}
            zones:
              - id: town
                languages: [naxi]
                schedule:
                  - {message: masks, at: "08:00"}
            """)
        let config = try #require(ConfigLoader.load(path: dir.file("laba.yaml")).config)
        let library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
        let audio = dir.file("audio")
        #expect(library.messages == ["masks"])
        #expect(library.unreadable.isEmpty, "\(library.unreadable)")
        #expect(Set(library.ignored) == [
            IgnoredEntry(path: "\(audio)/masks/mandarin.m4a", reason: .unsupportedFormat("m4a")),
            IgnoredEntry(path: "\(audio)/masks/yi.amr", reason: .unsupportedFormat("amr")),
            IgnoredEntry(path: "\(audio)/masks/bai.wav", reason: .empty),
            IgnoredEntry(path: "\(audio)/通知", reason: .folderNotAnID),
            IgnoredEntry(path: "\(audio)/Handwash", reason: .folderNotAnID),
        ])

        let check = ConfigCheck(config: config, library: library, now: Instant(seconds: 1_800_000_000))
        let lines = Set(check.diagnostics.map(\.description))
        let yaml = dir.file("laba.yaml")
        let expected: Set<String> = [
            "\(audio)/masks/mandarin.m4a:1:1: warning: recording ignored: libsndfile cannot read .m4a files (a phone's "
                + "format); convert it with: ffmpeg -i \(audio)/masks/mandarin.m4a \(audio)/masks/mandarin.flac",
            "\(audio)/masks/yi.amr:1:1: warning: recording ignored: libsndfile cannot read .amr files (a phone's "
                + "format); convert it with: ffmpeg -i \(audio)/masks/yi.amr \(audio)/masks/yi.flac",
            "\(audio)/masks/bai.wav:1:1: warning: recording ignored: empty file (0 bytes); copy it again or remove it",
            "\(yaml):1:12: warning: folder \(audio)/通知/ is ignored: '通知' is not a valid message id (lower-case letters, "
                + "digits, '_' and '-', starting with a letter or digit); rename it, e.g. to notice, and use that name in the configuration",
            "\(yaml):1:12: warning: folder \(audio)/Handwash/ is ignored: 'Handwash' is not a valid message id (lower-case letters, "
                + "digits, '_' and '-', starting with a letter or digit); rename it, e.g. to notice, and use that name in the configuration",
        ]
        #expect(expected.subtracting(lines).isEmpty, "missing: \(expected.subtracting(lines))")
        #expect(lines.count == expected.count, "\(lines.subtracting(expected))")
    }

    @Test func shellQuotingOfPathsWithSpacesAndChinese() {
        #expect(ConfigCheck.shellQuoted("/srv/audio/masks/naxi.m4a") == "/srv/audio/masks/naxi.m4a")
        #expect(ConfigCheck.shellQuoted("/srv/录音/通知 1.m4a") == "'/srv/录音/通知 1.m4a'")
        #expect(ConfigCheck.shellQuoted("it's.m4a") == "'it'\\''s.m4a'")
    }

    @Test func missingAudioDirectoryIsReported() throws {
        let library = MessageLibrary.scan(directory: "/nonexistent/audio", probe: SndFileProbe())
        #expect(library.messages.isEmpty)
        #expect(library.notes == ["audio_dir /nonexistent/audio does not exist or is not a folder"])
    }
}
