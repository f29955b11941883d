// `/metrics` and `/healthz` of the real labad (issue 31): Prometheus's own checker reads the text,
// the figures move as a broadcast plays, the health fails on a read-only state dir, and a wrong
// token is refused.

import Foundation
import LabaCore
import Testing

@Suite(.serialized) struct MetricsTests {
    static var promtool: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") }

    /// `curl` to the metrics port: the status and the body.
    static func get(_ port: Int, _ path: String, token: String? = nil) throws -> (status: Int, body: String) {
        let auth = token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        let out = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}"] + auth
                                   + ["http://127.0.0.1:\(port)\(path)"])
        var lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    /// The value of the first sample whose line starts with `name` and holds every label given.
    static func value(_ text: String, _ name: String, _ labels: [String] = []) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0] == name || parts[0].hasPrefix(name + "{"),
                  labels.allSatisfy({ parts[0].contains($0) }) else { continue }
            return Double(parts[1])
        }
        return nil
    }

    /// promtool's verdict on a scrape: nil when it passes, else what it said.
    static func promtoolProblems(_ text: String) throws -> String? {
        let out = try Binaries.run(executable: "/usr/bin/promtool", ["check", "metrics"], stdin: text)
        return out.status == 0 ? nil : out.stdout + out.stderr
    }

    func start(_ fixture: DaemonFixture, metrics: String) throws {
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01", extra: metrics)
        try fixture.start()
        #expect(fixture.waitForLog("metrics listening"))
    }

    @Test(.enabled(if: promtool, "needs promtool (Debian's prometheus package: make deps)"))
    func theFiguresPassPromtoolAndMoveAsABroadcastPlays() throws {
        let fixture = try DaemonFixture()
        let port = try ConsoleTests.freePort()
        try start(fixture, metrics: "metrics: {listen: \"127.0.0.1:\(port)\"}")
        let before = try Self.get(port, "/metrics")
        #expect(before.status == 200)
        #expect(try Self.promtoolProblems(before.body) == nil)
        #expect(Self.value(before.body, "laba_broadcasts_total", ["source=\"manual\""]) == nil)
        #expect(Self.value(before.body, "laba_first_frame_latency_seconds_count") == 0)
        #expect(Self.value(before.body, "laba_queue_length", ["output=\"square\""]) == 0)
        #expect(Self.value(before.body, "laba_output_available", ["output=\"square\""]) == 1)
        #expect((Self.value(before.body, "laba_disk_free_bytes") ?? 0) > 0)
        #expect([0, 1].contains(Self.value(before.body, "laba_clock_synced")))

        let played = try Binaries.run("laba", ["play", "notice", "--zone", "town", "--lang", "mandarin", "--wait"],
                                      environment: fixture.environment)
        #expect(played.status == 0, "\(played.stderr)")
        let after = try Self.get(port, "/metrics")
        #expect(try Self.promtoolProblems(after.body) == nil)
        #expect(Self.value(after.body, "laba_broadcasts_total", ["source=\"manual\"", "outcome=\"completed\""]) == 1)
        #expect(Self.value(after.body, "laba_first_frame_latency_seconds_count") == 1)
        #expect(Self.value(after.body, "laba_xruns_total", ["output=\"square\""]) == 0)

        let health = try Self.get(port, "/healthz")
        #expect(health.status == 200, "\(health.body)")
        #expect(health.body.contains("\"store_writable\":true") && health.body.contains("\"ready\":true"))
        #expect(fixture.terminate() == 0)
    }

    /// An output with `power:` (SPEC 18): its amplifier's state and a failed switching are figures;
    /// outputs without it have none.
    @Test func theAmplifierIsAFigure() throws {
        let fixture = try DaemonFixture()
        let port = try ConsoleTests.freePort()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01", extra: "metrics: {listen: \"127.0.0.1:\(port)\"}")
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "  - {id: square, device: laba_square, zone: town}", with: """
                  - {id: square, device: laba_square, zone: town,
                     power: {on: "echo relay jammed >&2; exit 4", off: "true", warmup: 1s, hold: 1h}}
                """)
        #expect(config.contains("relay jammed"))
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("metrics listening"))
        let before = try Self.get(port, "/metrics").body
        #expect(Self.value(before, "laba_amplifier_on", ["output=\"square\""]) == 0, "\(before)")
        #expect(Self.value(before, "laba_amplifier_switch_failed", ["output=\"square\""]) == 0, "\(before)")
        #expect(Self.value(before, "laba_horn_silent") == nil, "no monitor: no figure")

        let played = try Binaries.run("laba", ["play", "notice", "--zone", "town", "--lang", "mandarin", "--wait"],
                                      environment: fixture.environment)
        #expect(played.status == 0, "\(played.stderr)")
        // Holding for an hour after the broadcast; its `on` failed (playback went on). The
        // switching's outcome comes back from its own process: waited for.
        var after = ""
        let deadline = Date().addingTimeInterval(Binaries.patience)
        repeat {
            after = try Self.get(port, "/metrics").body
            if Self.value(after, "laba_amplifier_switch_failed", ["output=\"square\""]) == 1 { break }
            usleep(50_000)
        } while Date() < deadline
        #expect(Self.value(after, "laba_amplifier_on", ["output=\"square\""]) == 1, "\(after)")
        #expect(Self.value(after, "laba_amplifier_switch_failed", ["output=\"square\""]) == 1, "\(after)")
        if Self.promtool { #expect(try Self.promtoolProblems(after) == nil) }
        #expect(fixture.terminate() == 0)
    }

    /// A commander's fleet figures (real mosquitto, a real unit): its link to the broker, what waits
    /// for it, and its units online.
    @Test func aCommandersFleetFigures() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let port = try ConsoleTests.freePort()
        let office = try await fleet.start("office", zone: "county", commander: true) { yaml, _ in
            yaml + "\nmetrics: {listen: \"127.0.0.1:\(port)\"}\n"
        }
        let east = try await fleet.start("east-1", zone: "east")
        #expect(await office.waitUntilOnline(["east-1"]))
        let text = try await blocking { try Self.get(port, "/metrics").body }
        #expect(Self.value(text, "laba_fleet_connected") == 1, "\(text)")
        #expect(Self.value(text, "laba_fleet_unit_online", ["unit=\"east-1\""]) == 1, "\(text)")
        #expect((Self.value(text, "laba_fleet_units_online") ?? 0) >= 1 && (Self.value(text, "laba_fleet_units") ?? 0) >= 1, "\(text)")
        #expect(Self.value(text, "laba_fleet_outbox_messages") != nil && Self.value(text, "laba_fleet_pending_commands") != nil)
        if Self.promtool { #expect(try await blocking { try Self.promtoolProblems(text) } == nil) }
        withExtendedLifetime(east) {}
    }

    @Test(.enabled(if: getuid() == 0, "a read-only bind mount needs root"))
    func healthFailsWhileTheStateDirIsReadOnly() throws {
        let fixture = try DaemonFixture()
        let port = try ConsoleTests.freePort()
        try start(fixture, metrics: "metrics: {listen: \"127.0.0.1:\(port)\"}")
        #expect(try Self.get(port, "/healthz").status == 200)
        let state = fixture.dir + "/state"
        let mount = try Binaries.run(executable: "/usr/bin/mount", ["-o", "bind,ro", state, state])
        try #require(mount.status == 0, "\(mount.stderr)")
        let failing = try Self.get(port, "/healthz")
        _ = try Binaries.run(executable: "/usr/bin/umount", [state])
        #expect(failing.status == 503, "\(failing.body)")
        #expect(failing.body.contains("\"store_writable\":false") && failing.body.contains("\"healthy\":false"))
        let back = try Self.get(port, "/healthz")
        #expect(back.status == 200, "\(back.body)")
        #expect(fixture.terminate() == 0)
    }

    @Test func beyondLoopbackTheTokenIsRequired() throws {
        let fixture = try DaemonFixture()
        let port = try ConsoleTests.freePort()
        try "s3cret-token\n".write(toFile: fixture.dir + "/metrics.token", atomically: true, encoding: .utf8)
        try start(fixture, metrics: "metrics: {listen: \"0.0.0.0:\(port)\", token_file: metrics.token}")
        for (token, status) in [(nil, 401), ("wrong", 401), ("s3cret-token2", 401), ("s3cret-token", 200)] as [(String?, Int)] {
            #expect(try Self.get(port, "/metrics", token: token).status == status, "token \(token ?? "none")")
            #expect(try Self.get(port, "/healthz", token: token).status == status, "token \(token ?? "none")")
        }
        #expect(fixture.terminate() == 0)
    }

    @Test func beyondLoopbackWithoutATokenFileLabadDoesNotStart() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01", extra: "metrics: {listen: \"0.0.0.0:9464\"}")
        let check = try Binaries.run("laba", ["check", "--config", fixture.configPath], environment: fixture.environment)
        #expect(check.status == 1)
        #expect(check.stdout.contains("metrics.listen 0.0.0.0:9464 is reachable from other machines")
                || check.stderr.contains("metrics.listen 0.0.0.0:9464 is reachable from other machines"))
    }
}

/// Config/laba-metrics.conf opens the service's network for the scraper and no further: the unit
/// with it still verifies and rates 2.0 or lower (SPEC 10).
@Suite struct MetricsServiceUnitTests {
    @Test(.enabled(if: ServiceUnitTests.available)) func theMetricsDropInKeepsTheUnitHardened() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let unit = try String(contentsOfFile: Binaries.repo("Config/laba.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin", with: Binaries.directory)
        let dropIn = try String(contentsOfFile: Binaries.repo("Config/laba-metrics.conf"), encoding: .utf8)
        #expect(dropIn.contains("PrivateNetwork=no") && dropIn.contains("AF_INET"))
        try (unit + "\n" + dropIn).write(toFile: dir + "/laba.service", atomically: true, encoding: .utf8)
        let verify = try Binaries.run(executable: "/usr/bin/systemd-analyze", ["verify", dir + "/laba.service"])
        #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify.stderr)")
        let out = try Binaries.run(executable: "/usr/bin/systemd-analyze", ["security", "--offline=true", dir + "/laba.service"])
        let line = try #require(out.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let level = Double(line.split(separator: ":").last!.split(separator: " ").first!) ?? 99
        #expect(level <= 2.0, "\(line)")
    }
}
