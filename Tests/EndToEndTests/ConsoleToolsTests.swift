import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

/// The clerk's tools of issue 27 in a real browser (Tests/Browser/tools.py): passwords changed and
/// reset from the console, a loudspeaker's volume refused outside its range and heard lower on the
/// next broadcast, one-tap buttons set up by an admin and pressed by an operator (an emergency one
/// still asks for its confirmation). With LABA_DOC_SCREENSHOTS=DIR (`make doc-screenshots`) the same run
/// saves the operator's guide's pictures there.
@Suite(.serialized) struct ConsoleToolsTests {
    @Test(.enabled(if: ConsoleTests.browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "needs chromium-driver, selenium and pulseaudio (make deps)"))
    func passwordsVolumeAndOneTapButtons() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try ConsoleTests.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: """
            messages:
              - {id: notice, title: 防疫通知}
              - {id: alarm, title: 火警}
            console:
              listen: "127.0.0.1:\(port)"
            """)
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "{id: square, device", with: "{id: square, name: 祥和街道广场喇叭, device")
            .replacingOccurrences(of: "  - id: town\n", with: "  - id: town\n    name: 古城区祥和街道\n")
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        for (name, role) in [("zhang", "admin"), ("li", "operator"), ("zhao", "viewer")] {
            let added = try Binaries.run("laba", ["user", "add", name, "--role", role, "--password-stdin"],
                                         environment: fixture.environment, stdin: "password-\(name)\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        try fixture.start()
        #expect(fixture.waitForLog("console listening on http://127.0.0.1:\(port)"))
        let browser = try await blocking { try Binaries.run(executable: "/usr/bin/env",
                                       ["python3", Binaries.repo("Tests/Browser/tools.py"), "http://127.0.0.1:\(port)", fixture.dir],
                                       environment: ["SE_AVOID_STATS": "true"], timeout: 170) }
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")
        #expect(fixture.waitForLog("console: password changed"))
        #expect(fixture.waitForLog("console: password reset"))
        // The buttons' presses are broadcasts of the operator, each at its button's priority.
        let pressed = try Store(path: fixture.database).broadcasts(limit: .max).filter { $0.requestedBy == .console(user: "li") }
            .sorted { $0.plannedAt < $1.plannedAt }.suffix(2)
        #expect(pressed.map(\.message) == ["notice", "alarm"] && pressed.map(\.priority) == [.manual, .emergency]
                && pressed.allSatisfy { $0.outcome == .completed }, "\(pressed.map { ($0.message, $0.priority, $0.outcome) })")
        // The volume set from the console is the operators' (state dir), shown by `laba status`.
        let volumes = try String(contentsOfFile: fixture.dir + "/state/volumes.json", encoding: .utf8)
        #expect(volumes.contains(#""square" : -12"#), "\(volumes)")
        let status = try Binaries.run("laba", ["status"], environment: fixture.environment)
        #expect(status.stdout.contains("square: operators' volume -12 dB (they may set -12 to 0 dB)"), "\(status.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
