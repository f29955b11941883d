import Foundation
import LabaAudio
import LabaCore
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

    @Test func missingAudioDirectoryIsReported() throws {
        let library = MessageLibrary.scan(directory: "/nonexistent/audio", probe: SndFileProbe())
        #expect(library.messages.isEmpty)
        #expect(library.notes == ["audio_dir /nonexistent/audio does not exist or is not a folder"])
    }
}
