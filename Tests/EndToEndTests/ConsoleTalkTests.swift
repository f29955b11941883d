// The console's talk button (SPEC 14) end to end: a real labad, headless Chromium whose fake
// microphone plays a tone, the WebSocket, the live talk on the zone's output, its record.

import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

@Suite(.serialized) struct ConsoleTalkTests {
    @Test(.enabled(if: ConsoleTests.browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "needs chromium-driver, selenium and pulseaudio (make deps)"))
    func aClerkTalksFromTheBrowserAndTheToneReachesTheZone() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        // The output plays in real time (a PulseAudio null sink), as a loudspeaker would.
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        defer { pulse.kill() }
        let port = try ConsoleTests.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: """
            console:
              listen: "127.0.0.1:\(port)"
            """)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        for (name, role) in [("chen", "operator"), ("li", "viewer")] {
            let added = try Binaries.run("laba", ["user", "add", name, "--role", role, "--password-stdin"],
                                         environment: fixture.environment, stdin: "password-\(name)\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        // The microphone: a second of silence, then a 700 Hz tone for three.
        let mic = fixture.dir + "/mic.wav"
        _ = try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", mic,
                                                          "synth", "3", "sine", "700", "vol", "0.5", "pad", "1", "0"])
        try fixture.start()
        #expect(fixture.waitForLog("console listening on http://127.0.0.1:\(port)"))

        let browser = try Binaries.run(executable: "/usr/bin/env",
                                       ["python3", Binaries.repo("Tests/Browser/talk.py"), "http://127.0.0.1:\(port)",
                                        fixture.dir + "/laba_square.wav", mic],
                                       environment: ["SE_AVOID_STATS": "true"], timeout: 120)
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")
        #expect(fixture.waitForLog("console: a talk socket was refused"), "the refused sockets are logged")

        #expect(try fixture.waitForRecords { $0.contains { $0.source == .live && $0.outcome != nil && $0.uploadPath != nil } })
        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        #expect(records.count == 1, "one talk on one output, nothing from the refused attempts: \(records)")
        let live = try #require(records.first)
        #expect(live.source == .live && live.output == "square" && live.requestedBy == .console(user: "chen"), "\(live)")
        #expect(live.outcome == .completed && live.reason == "stopped from the console by chen", "\(live)")
        let recording = try #require(live.uploadPath)
        #expect(try Binaries.toneFrequencies(of: recording) == [700])
        // The output's capture holds its last program: the talk.
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [700])
        #expect(fixture.terminate() == 0)
    }
}
