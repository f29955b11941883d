// Live talk end to end (SPEC 14): the real `labad` captures from an ALSA input (the `file`
// plugin's `infile`, a tone), plays it on the zone's outputs, records it, and ends it; the real
// `laba live` holds the talk open.

import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

extension DaemonFixture {
    /// A capture PCM `laba_mic` that reads `seconds` of a `frequency` tone (0: silence), again and
    /// again, paced by `pacing` (a PCM name or definition; "null" delivers at once).
    func writeMicrophone(frequency: Int, seconds: Double = 1, pacing: String = "\"null\"") throws {
        let raw = dir + "/mic.raw"
        if frequency > 0 {
            _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", "-e", "signed", raw,
                                                          "synth", "\(seconds)", "sine", "\(frequency)", "vol", "0.5"])
        } else {
            FileManager.default.createFile(atPath: raw, contents: Data(count: Int(seconds * 48000) * 2))
        }
        try """
            pcm.laba_mic {
                type plug
                slave { pcm { type file slave.pcm \(pacing) file "/dev/null" infile "\(raw)" format "raw" } format S16_LE rate 48000 channels 1 }
            }
            """.write(toFile: dir + "/mic.conf", atomically: true, encoding: .utf8)
        alsaConfig += ":" + dir + "/mic.conf"
    }
}

@Suite(.serialized) struct LiveTests {
    /// The talk from the input reaches the zone's output, is recorded as FLAC with its loudness,
    /// and ends at `live.max`; `laba live` says how it ended, the history links the recording.
    @Test(.enabled(if: PulseServer.available))
    func aLiveTalkPlaysOnTheZoneIsRecordedAndEndsAtItsMaximum() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        // The microphone delivers in real time, as a sound card's does: paced by a PulseAudio source.
        let pulse = try #require(PulseServer(socket: fixture.dir + "/pulse.sock"), "the PulseAudio server did not start")
        defer { pulse.kill() }
        try fixture.writeMicrophone(frequency: 700, pacing: "{ type pulse server \"unix:\(fixture.dir)/pulse.sock\" }")
        try fixture.writeConfig(at: "2099-01-01", extra: "live: {input: laba_mic, max: 1s}")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))

        let result = try Binaries.run("laba", ["live", "--zone", "town"], environment: fixture.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("live on square (town) from laba_mic"), "\(result.stdout)")
        #expect(result.stdout.contains("live talk ended after 1.0 s: reached live.max (1 s)"), "\(result.stdout)")
        #expect(fixture.waitForLog("live talk ended"))
        #expect(try fixture.waitForRecords { $0.first?.outcome == .completed && $0.first?.loudness != nil })
        let record = try #require(try Store(path: fixture.database).broadcasts(limit: .max).first)
        #expect(record.source == .live && record.message == "live" && record.output == "square")
        #expect(record.reason == "reached live.max (1 s)")
        let recording = try #require(record.uploadPath)
        #expect(recording == fixture.dir + "/state/live/\(recording.split(separator: "/").last!)" && recording.hasSuffix(".flac"))
        // A 0.5 full-scale sine measures about -9 LUFS.
        #expect(abs((record.loudness ?? 0) - -9) < 1.5, "\(record.loudness ?? 0)")
        #expect(try Binaries.toneFrequencies(of: recording) == [700])
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [700])
        let history = try Binaries.run("laba", ["history", "--json"], environment: fixture.environment)
        let shown = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any]
        let first = (shown?["broadcasts"] as? [[String: Any]])?.first
        #expect(first?["recording"] as? String == recording && first?["loudness"] is Double, "\(history.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
