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

/// `laba live` running in the background, to be ended by a signal.
final class LiveCommand {
    let process = Process()
    private let out = Pipe()

    init(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: Binaries.directory + "/laba")
        process.arguments = ["live"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["LANG": "C.UTF-8"]) { $1 }.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = out
        try process.run()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Sends `signal`, then reads what it printed until it exits (at most 20 s).
    func end(with signal: Int32) -> (status: Int32, output: String) {
        kill(process.processIdentifier, signal)
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
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

        // An input that does not exist is named, and nothing is queued.
        let missing = try Binaries.run("laba", ["live", "--zone", "town", "--input", "laba_no_microphone"], environment: fixture.environment)
        #expect(missing.status == 1 && missing.stderr.contains("the live input 'laba_no_microphone' cannot be opened"), "\(missing.stderr)")
        #expect(try Store(path: fixture.database).broadcasts(limit: .max).isEmpty)

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
        let csv = try Binaries.run("laba", ["history", "--format", "csv"], environment: fixture.environment)
        #expect(csv.stdout.contains("recording,loudness") && csv.stdout.contains("\(recording),-9."), "\(csv.stdout)")
        #expect(fixture.terminate() == 0)
    }

    /// What plays is cut by the talk and resumes after it; an emergency during the talk cuts the
    /// talk, which rejoins after it; Ctrl-C on `laba live` ends the talk and says how it went.
    @Test(.enabled(if: PulseServer.available))
    func aTalkCutsTheScheduleAnEmergencyCutsTheTalkAndEverythingResumes() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 1.0)
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio server did not start")
        defer { pulse.kill() }
        try fixture.writeMicrophone(frequency: 700, pacing: "{ type pulse server \"unix:\(fixture.dir)/pulse.sock\" }")
        try fixture.writeConfig(at: DaemonTests.scheduledAt, extra: "live: {input: laba_mic}")
        // labad takes about half a second to be ready on a loaded machine: start well before.
        try fixture.setClock(justBefore: DaemonTests.scheduledAt, seconds: 1.5)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        func records() throws -> [BroadcastRecord] { try Store(path: fixture.database).broadcasts(limit: .max) }

        // The scheduled notice plays; the talk (manual) cuts it.
        #expect(try fixture.waitForRecords { $0.contains { $0.message == "notice" && $0.startedAt != nil } })
        let talk = try LiveCommand(["--zone", "town"], environment: fixture.environment)
        #expect(try fixture.waitForRecords { $0.contains { $0.source == .live && $0.startedAt != nil } })
        let alarm = try Binaries.run("laba", ["play", "alarm", "--zone", "town", "--priority", "emergency"], environment: fixture.environment)
        #expect(alarm.status == 0, "\(alarm.stderr)")
        #expect(try fixture.waitForRecords { $0.contains { $0.message == "alarm" && $0.outcome == .completed } })
        // The talk rejoins after the emergency: its record plays again.
        #expect(try fixture.waitForRecords { $0.contains { $0.source == .live && $0.state == .playing } })
        let ended = talk.end(with: SIGINT)
        #expect(ended.status == 0, "\(ended.output)")
        #expect(ended.output.contains("ending the live talk"), "\(ended.output)")
        #expect(ended.output.contains("live talk ended after"), "\(ended.output)")
        #expect(try fixture.waitForRecords { $0.contains { $0.message == "notice" && $0.outcome == .completed } })
        let all = try records()
        let live = try #require(all.first { $0.source == .live })
        #expect(live.outcome == .completed && live.reason == "stopped by \(NSUserName())", "\(live)")
        let notice = try #require(all.first { $0.message == "notice" })
        #expect(notice.playedLanguages == ["naxi", "yi", "mandarin"])
        let alarmRecord = try #require(all.first { $0.message == "alarm" })
        #expect((live.startedAt ?? .max) < (alarmRecord.startedAt ?? 0) && (notice.startedAt ?? .max) < (live.startedAt ?? 0))
        // The PCM's capture holds its last program: the notice, resumed from the language the talk cut.
        let heard = try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav")
        #expect(heard == [300, 500, 900] || heard == [500, 900], "\(heard)")
        #expect(fixture.terminate() == 0)
    }

    /// A `laba live` killed (its connection lost) ends the talk; a silent input ends by itself.
    @Test(.enabled(if: PulseServer.available))
    func aLostConnectionAndSilenceEndTheTalk() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let pulse = try #require(PulseServer(socket: fixture.dir + "/pulse.sock"), "the PulseAudio server did not start")
        defer { pulse.kill() }
        try fixture.writeMicrophone(frequency: 700, pacing: "{ type pulse server \"unix:\(fixture.dir)/pulse.sock\" }")
        try fixture.writeConfig(at: "2099-01-01", extra: "live: {input: laba_mic, silence: 1s}")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))

        let talk = try LiveCommand(["--zone", "town"], environment: fixture.environment)
        #expect(try fixture.waitForRecords { $0.contains { $0.source == .live && $0.startedAt != nil } })
        _ = talk.end(with: SIGKILL)
        #expect(fixture.waitForLog("live talk ended"))
        #expect(try fixture.waitForRecords { $0.first?.outcome == .completed })
        #expect(try Store(path: fixture.database).broadcasts(limit: .max).first?.reason?.contains("connection") == true)

        // The same input, silent now: the talk ends by itself after live.silence.
        FileManager.default.createFile(atPath: fixture.dir + "/mic.raw", contents: Data(count: 48000 * 2))
        let silent = try Binaries.run("laba", ["live", "--zone", "town"], environment: fixture.environment)
        #expect(silent.status == 0, "\(silent.stderr)")
        #expect(silent.stdout.contains("silent for 1 s (live.silence): ended by itself"), "\(silent.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
