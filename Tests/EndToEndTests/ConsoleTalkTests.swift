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
    func aClerkTalksFromTheBrowserAndTheToneReachesTheZone() async throws {
        // What blocks (the daemon's start, the browser, polling) runs on threads of its own: the
        // async suites in this process keep the cooperative pool.
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.6)
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
        // The microphone: a second of silence, then a 700 Hz tone for six (both talks hear it).
        let mic = fixture.dir + "/mic.wav"
        _ = try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", mic,
                                                          "synth", "6", "sine", "700", "vol", "0.5", "pad", "1", "0"])
        try fixture.start()
        #expect(try await blocking { fixture.waitForLog("console listening on http://127.0.0.1:\(port)") })

        let pid = String(try #require(fixture.process).processIdentifier)
        let browser = try await blocking { try Binaries.run(executable: "/usr/bin/env",
                                       ["python3", Binaries.repo("Tests/Browser/talk.py"), "http://127.0.0.1:\(port)",
                                        fixture.dir + "/laba_square.wav", mic, Binaries.repo(".build/screenshots"),
                                        pid],
                                       environment: ["SE_AVOID_STATS": "true"], timeout: 120) }
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")
        #expect(try await blocking { fixture.waitForLog("console: a talk socket was refused") }, "the refused sockets are logged")
        // The script stopped labad during a fourth talk (SIGTERM): it exits as usual.
        let exit = try await blocking { fixture.terminate() }
        #expect(exit == 0, "labad's exit status \(exit) (-9: killed after \(Binaries.patience) s)")

        // The second talk ended when the clerk left its page; the third was an emergency; the fourth
        // waited for the notice; the fifth was under way when labad stopped.
        let all = try Store(path: fixture.database).broadcasts(limit: .max).sorted { $0.plannedAt < $1.plannedAt }
        let talks = all.filter { $0.source == .live }
        #expect(talks.count == 5 && all.count == 6, "five talks and the notice on one output, nothing from the refused attempts: \(all)")
        #expect(talks.allSatisfy { $0.output == "square" && $0.requestedBy == .console(user: "chen") }, "\(all)")
        #expect(talks.map(\.priority) == [.manual, .manual, .emergency, .manual, .manual], "\(talks.map(\.priority))")
        let first = try #require(talks.first)
        #expect(first.outcome == .completed && first.reason == "stopped from the console by chen", "\(all)")
        #expect(talks[1].reason == "the console's connection was closed (page closed or connection lost)", "\(all)")
        let recording = try #require(first.uploadPath)
        #expect(try await blocking { try Binaries.toneFrequencies(of: recording) } == [700])
        // The waiting talk started once the notice had completed.
        let notice = try #require(all.first { $0.message == "notice" })
        #expect(notice.outcome == .completed && (talks[3].startedAt ?? 0) >= (notice.endedAt ?? .max), "\(all)")
        #expect(talks[3].reason == "stopped from the console by chen", "\(all)")
        #expect(talks[4].outcome != nil, "the talk under way when labad stopped has ended: \(all)")
    }
}
