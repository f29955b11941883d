import Foundation
import LabaStore
import Testing

/// `laba play --file` and `POST /v1/broadcasts/audio` (issue 6, part 4).
@Suite(.serialized) struct UploadTests {
    func laba(_ fixture: DaemonFixture, _ arguments: [String]) throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment)
    }

    func curl(_ fixture: DaemonFixture, _ args: [String]) throws -> (status: Int, body: String) {
        let out = try Binaries.run(path: "/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}",
                                                           "--unix-socket", fixture.dir + "/laba.sock"] + args)
        let parts = out.split(separator: "\n")
        return (Int(parts.last ?? "") ?? 0, parts.dropLast().joined(separator: "\n"))
    }

    func uploads(_ fixture: DaemonFixture) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixture.dir + "/state/uploads")) ?? []).sorted()
    }

    @Test func anUploadedRecordingIsKeptNormalisedAndPlayed() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        // A fresh recording: a quiet 700 Hz tone in FLAC, far below the zone's -16 LUFS.
        let fresh = fixture.dir + "/fresh notice.flac"
        _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "22050", "-c", "1", "-b", "16", fresh,
                                                    "synth", "0.6", "sine", "700", "vol", "0.05"])
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let result = try laba(fixture, ["play", "--file", fresh, "--zone", "town", "--lang", "yi", "--wait"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").last?.hasSuffix("completed") == true, "\(result.stdout)")
        #expect(fixture.terminate() == 0)

        let kept = uploads(fixture)
        #expect(kept.count == 1 && kept.first?.hasSuffix(".flac") == true, "\(kept)")
        let record = try #require(try Store(path: fixture.database).broadcasts(limit: .max).first)
        #expect(record.source == .upload && record.message == "fresh notice")
        #expect(record.uploadPath == fixture.dir + "/state/uploads/" + (kept.first ?? ""))
        #expect(record.plannedLanguages == ["yi"] && record.playedLanguages == ["yi"])
        #expect(record.outcome == .completed && record.requestedBy?.uid == Int(getuid()))
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [700])
        // Normalised: played near the zone's -16 LUFS, not at the recording's own level (~ -36).
        let loudness = try Binaries.run(path: "/usr/bin/python3", ["-c", """
            import subprocess, sys
            out = subprocess.run(["sox", sys.argv[1], "-n", "stats"], capture_output=True, text=True).stderr
            print([l.split()[-1] for l in out.splitlines() if l.startswith("RMS lev dB")][0])
            """, fixture.dir + "/laba_square.wav"])
        let rms = try #require(Double(loudness.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(rms > -22 && rms < -14, "RMS \(rms) dBFS")
    }

    @Test func aFileThatIsNotAudioGets422AndNothingIsQueued() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        let text = fixture.dir + "/minutes.wav"
        try "Meeting at the school on Friday.\n".write(toFile: text, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))

        let result = try laba(fixture, ["play", "--file", text, "--zone", "town"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a recording Laba can play"), "\(result.stderr)")
        let (status, body) = try curl(fixture, ["-X", "POST", "--data-binary", "@" + text,
                                                "http://laba/v1/broadcasts/audio?zones=town"])
        #expect(status == 422 && body.contains("\"code\":\"not_audio\""), "\(body)")
        // An unknown zone is refused too, and its file is not kept.
        let tone = fixture.dir + "/audio/notice/naxi.wav"
        let unknown = try curl(fixture, ["-X", "POST", "--data-binary", "@" + tone, "http://laba/v1/broadcasts/audio?zones=mars"])
        #expect(unknown.status == 404, "\(unknown.body)")
        let noZones = try curl(fixture, ["-X", "POST", "--data-binary", "@" + tone, "http://laba/v1/broadcasts/audio"])
        #expect(noZones.status == 400, "\(noZones.body)")
        #expect(try laba(fixture, ["history", "--format", "json"]).stdout.contains("\"broadcasts\":[]"))
        #expect(uploads(fixture).isEmpty)
        #expect(fixture.terminate() == 0)
        #expect(try Store(path: fixture.database).broadcasts(limit: .max).isEmpty)
    }

    @Test func anOversizeBodyGets413WithOrWithoutALength() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        let big = fixture.dir + "/big.raw"
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        try handle.truncate(atOffset: 64 * 1024 * 1024 + 1)
        try handle.close()
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let url = "http://laba/v1/broadcasts/audio?zones=town"
        let declared = try curl(fixture, ["-X", "POST", "--data-binary", "@" + big, url])
        #expect(declared.status == 413 && declared.body.contains("\"code\":\"too_large\""), "\(declared.body)")
        let chunked = try curl(fixture, ["-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + big, url])
        #expect(chunked.status == 413, "\(chunked.body)")
        let cli = try laba(fixture, ["play", "--file", big, "--zone", "town"])
        #expect(cli.status == 1 && cli.stderr.contains("at most 64 MiB"), "\(cli.stderr)")
        #expect(uploads(fixture).isEmpty)
        #expect(try curl(fixture, ["http://laba/v1/status"]).status == 200)
        #expect(fixture.terminate() == 0)
    }

    /// Issue 12: a recording longer than uploads.max_duration is refused from its header (a day of
    /// silence used to be decoded in the request and then hold the output for a day); errors name
    /// the upload as sent, never the file under the state dir; bidirectional controls in a name are
    /// refused; stopping a broadcast that has ended says so.
    @Test func aLongUploadIsRefusedFromItsHeaderAndErrorsNameTheUploadAsSent() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try (try String(contentsOfFile: fixture.configPath, encoding: .utf8) + "uploads:\n  max_duration: 2s\n")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let long = fixture.dir + "/long silence.flac"
        _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", long, "trim", "0", "3"])
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let refused = try curl(fixture, ["-X", "POST", "--data-binary", "@" + long,
                                         "http://laba/v1/broadcasts/audio?zones=town&name=long%20silence"])
        #expect(refused.status == 422 && refused.body.contains("\"code\":\"too_long\""), "\(refused.body)")
        #expect(refused.body.contains("'long silence' lasts 3s") && refused.body.contains("longest allowed is 2s"), "\(refused.body)")
        #expect(!refused.body.contains("/uploads/") && !refused.body.contains(".receiving"), "\(refused.body)")
        let text = fixture.dir + "/minutes.wav"
        try "Meeting at the school on Friday.\n".write(toFile: text, atomically: true, encoding: .utf8)
        let notAudio = try laba(fixture, ["play", "--file", text, "--zone", "town"])
        #expect(notAudio.stderr.contains("'minutes'") && !notAudio.stderr.contains("/uploads/"), "\(notAudio.stderr)")
        let bidi = try curl(fixture, ["-X", "POST", "--data-binary", "@" + fixture.dir + "/audio/notice/naxi.wav",
                                      "http://laba/v1/broadcasts/audio?zones=town&name=%E2%80%AEgpj.exe"])
        #expect(bidi.status == 400 && bidi.body.contains("bidirectional"), "\(bidi.body)")
        #expect(uploads(fixture).isEmpty)

        // A broadcast that has ended cannot be stopped: 409, exit 1, and the CLI says why.
        let played = try laba(fixture, ["play", "notice", "--zone", "town", "--wait", "--json"])
        let first = try #require(played.stdout.split(separator: "\n").first, "\(played.stdout)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])?["id"] as? String)
        let stop = try laba(fixture, ["stop", id])
        #expect(stop.status == 1 && stop.stderr.contains("had already ended"), "\(stop.stderr)")
        #expect(try curl(fixture, ["-X", "DELETE", "http://laba/v1/broadcasts/\(id)"]).status == 409)
        #expect(fixture.terminate() == 0)
    }
}
