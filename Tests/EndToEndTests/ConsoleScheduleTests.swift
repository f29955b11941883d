import Foundation
import LabaCore
import LabaStore
import Testing

/// A clerk edits the schedule in the console (issue 16), in headless Chromium driven by Selenium
/// (Tests/Browser/schedule.py), on a real labad whose clock is pinned (the test offset) so that the
/// dates are known: "every 5 days from 2026-12-03 at 07:30" is previewed, saved, seen by the real
/// `laba next`, moved to 08:00, removed, and the changes are in the audit log with the console user.
@Suite(.serialized) struct ConsoleScheduleTests {
    /// The daemon's clock starts just before this (UTC): 20:00 in Shanghai, the evening before the first market day.
    static let evening = "2026-12-02 12:00:00"

    @Test(.enabled(if: ConsoleTests.browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "needs chromium-driver, selenium and pulseaudio (make deps)"))
    func aClerkAddsAMarketDayEntryPreviewsItAndRemovesIt() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try FileManager.default.createDirectory(atPath: fixture.dir + "/audio/market", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.dir + "/audio/alarm/mandarin.wav", toPath: fixture.dir + "/audio/market/mandarin.wav")
        let port = try ConsoleTests.freePort()
        try """
            timezone: Asia/Shanghai
            audio_dir: audio
            defaults:
              gap: 200ms
            outputs:
              - {id: square, device: laba_square, zone: market}
            zones:
              - id: town
                name: 古城区
                languages: [mandarin]
                schedule:
                  - {message: notice, at: "20:30"}
              - id: market
                name: 集市街
                parent: town
            messages:
              - {id: notice, title: 防疫通知}
              - {id: market, title: 赶集日通知}
            operators: {schedule: true, zones: [town]}
            console:
              listen: "127.0.0.1:\(port)"
            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let technician = try #require(FileManager.default.contents(atPath: fixture.configPath))
        // An operators' entry left pointing at a zone the technician has since removed: disabled, shown with its warning.
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        try """
            version: 1
            entries:
              - id: "op-00dead"
                zone: "lakeside"
                message: "notice"
                at: ["09:00"]
                added_by: "zhang"
                added_at: "2026-11-30T10:00:00+08:00"
            """.write(toFile: fixture.dir + "/state/schedule.yaml", atomically: true, encoding: .utf8)
        for (name, role) in [("li", "operator"), ("zhao", "viewer")] {
            let added = try Binaries.run("laba", ["user", "add", name, "--role", role, "--password-stdin"],
                                         environment: fixture.environment, stdin: "password-\(name)\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        try fixture.setClock(justBefore: Self.evening)
        try fixture.start()
        #expect(fixture.waitForLog("console listening on http://127.0.0.1:\(port)"))
        // The control socket starts beside the console, in either order: its first answer says it is up.
        var listed = try Binaries.run("laba", ["schedule", "list", "--json"], environment: fixture.environment)
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while listed.status != 0, Date() < deadline {
            usleep(50_000)
            listed = try Binaries.run("laba", ["schedule", "list", "--json"], environment: fixture.environment)
        }
        #expect(listed.status == 0 && listed.stdout.contains("\"disabled\":\"unknown zone 'lakeside'"), "\(listed.stdout)\(listed.stderr)")

        // The API's dry run (`?dry_run=1`), as the console's preview uses it: the answer, nothing written.
        let dry = try Binaries.run(executable: "/usr/bin/curl", [
            "-s", "-w", "\n%{http_code}", "--unix-socket", fixture.dir + "/laba.sock", "-X", "POST", "-H", "Content-Type: application/json",
            "-d", #"{"message": "market", "zone": "market", "at": ["07:30"], "every": "5d", "from": "2026-12-03"}"#,
            "http://localhost/v1/schedule/entries?dry_run=1"])
        #expect(dry.stdout.hasSuffix("\n200") && dry.stdout.contains(#""dry_run":true"#)
                && dry.stdout.contains(#""next":["2026-12-03T07:30:00+08:00","2026-12-08T07:30:00+08:00""#), "\(dry.stdout)")
        #expect(try String(contentsOfFile: fixture.dir + "/state/schedule.yaml", encoding: .utf8).contains("version: 1\n"))

        let browser = try await blocking { try Binaries.run(executable: "/usr/bin/env",
                                       ["python3", Binaries.repo("Tests/Browser/schedule.py"), "http://127.0.0.1:\(port)",
                                        Binaries.repo(".build/screenshots"), Binaries.directory + "/laba"],
                                       environment: fixture.environment.merging(["SE_AVOID_STATS": "true"]) { $1 }, timeout: 170) }
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")

        // The audit log, read back after the browser: exactly the three changes, by the console user.
        let log = try Binaries.run("laba", ["schedule", "log", "--format", "csv"], environment: fixture.environment)
        let rows = log.stdout.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == 4, "\(log.stdout)")
        #expect(rows.dropFirst().map { "\($0[2]) \($0[5]) \($0[6])" } == ["add li console", "change li console", "remove li console"],
                "\(log.stdout)")
        #expect(rows.dropFirst().first.map { $0[8].contains("market market 07:30 every 5d from 2026-12-03") } == true, "\(log.stdout)")
        let operators = try String(contentsOfFile: fixture.dir + "/state/schedule.yaml", encoding: .utf8)
        #expect(operators.contains("version: 4") && operators.contains("op-00dead") && !operators.contains("\"market\""), "\(operators)")
        #expect(fixture.terminate() == 0)
        #expect(FileManager.default.contents(atPath: fixture.configPath) == technician, "the technician's file is untouched")
    }
}
