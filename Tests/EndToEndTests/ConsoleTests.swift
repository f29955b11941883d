import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

/// The web console on a real labad, in a real browser: headless Chromium driven by Selenium
/// (Tests/Browser/console.py), on a paced PCM so that a broadcast is seen playing, then completed.
@Suite(.serialized) struct ConsoleTests {
    static var browserAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") && PulseServer.available
            && (try? Binaries.run(executable: "/usr/bin/env", ["python3", "-c", "import selenium"]).status) == 0
    }

    /// A TCP port nobody listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(.enabled(if: browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil, "needs chromium-driver, selenium and pulseaudio (make deps)"))
    func aClerkAndAnAttackerInARealBrowser() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.8)
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        defer { pulse.kill() }
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: """
            messages:
              - {id: notice, title: 防疫通知}
              - {id: alarm, title: 火警}
            console:
              listen: "127.0.0.1:\(port)"
            """)
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "  - {id: square, device: laba_square, zone: town}",
                                  with: "  - {id: square, device: laba_square, zone: town}\n  - {id: van, device: laba_van, zone: hills, follow: gps}")
            .replacingOccurrences(of: "zones:\n", with: "zones:\n  - {id: hills, name: 拉市海山区, languages: [mandarin]}\n")
            .replacingOccurrences(of: "  - id: town\n", with: "  - id: town\n    name: 古城区祥和街道\n")
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try """
            pcm.laba_van {
                type plug
                slave { pcm { type file slave.pcm "null" file "\(fixture.dir)/laba_van.wav" format "wav" } format S16_LE }
            }
            """.write(toFile: fixture.dir + "/van.conf", atomically: true, encoding: .utf8)
        fixture.alsaConfig += ":" + fixture.dir + "/van.conf"

        // The first accounts, made with the CLI as the README says.
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        for (name, role) in [("zhang", "admin"), ("li", "viewer"), ("wang", "operator")] {
            let added = try Binaries.run("laba", ["user", "add", name, "--role", role, "--password-stdin"],
                                         environment: fixture.environment, stdin: "password-\(name)\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        let listed = try Binaries.run("laba", ["user", "list"], environment: fixture.environment)
        #expect(listed.stdout.contains("zhang") && listed.stdout.contains("viewer"), "\(listed.stdout)")

        // The microphone: half a second of silence, then a 700 Hz tone.
        let mic = fixture.dir + "/mic.wav"
        _ = try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", mic,
                                                          "synth", "4", "sine", "700", "vol", "0.5", "pad", "0.5", "0"])
        try fixture.start()
        #expect(fixture.waitForLog("console listening on http://127.0.0.1:\(port)"))

        let shots = Binaries.repo(".build/screenshots")
        let browser = try await blocking { try Binaries.run(executable: "/usr/bin/env",
                                       ["python3", Binaries.repo("Tests/Browser/console.py"), "http://127.0.0.1:\(port)",
                                        fixture.dir + "/laba_square.wav", shots, mic],
                                       environment: ["SE_AVOID_STATS": "true"], timeout: 170) }
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")
        #expect(fixture.waitForLog("logins locked after repeated wrong passwords"), "the lock-out is logged")

        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        let mine = records.filter { $0.requestedBy == .console(user: "zhang") }
        #expect(mine.count == 2 && mine.allSatisfy { $0.outcome == .completed }, "\(records.map { ($0.message, $0.requestedBy, $0.outcome) })")
        #expect(records.allSatisfy { $0.requestedBy == .console(user: "zhang") }, "no refused request was played")
        // The recording from the microphone is in the audio folder, trimmed of its leading silence
        // to the trim's 0.1 s margin: 0.12–0.15 s in, the tone sounds (the microphone's file begins
        // with half a second of silence; how long the browser recorded follows the machine's load,
        // so its length is not asserted).
        let saved = fixture.dir + "/audio/mic-test/mandarin.wav"
        let head = try Binaries.run(executable: "/usr/bin/sox", [saved, "-n", "trim", "0.12", "0.03", "stat"])
        let rms = head.stderr.split(separator: "\n").first { $0.hasPrefix("RMS     amplitude") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        #expect(rms > 0.05, "the saved recording begins with silence: \(head.stderr)")
        #expect(fixture.terminate() == 0)
    }

    /// A session cookie outlives a restart of the daemon (sessions are in the state dir).
    @Test func aSessionSurvivesARestart() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\", language: en}")
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        let added = try Binaries.run("laba", ["user", "add", "zhao", "--role", "viewer", "--password-stdin"],
                                     environment: fixture.environment, stdin: "correct horse\n")
        #expect(added.status == 0, "\(added.stderr)")
        let short = try Binaries.run("laba", ["user", "add", "qian", "--role", "viewer", "--password-stdin"],
                                     environment: fixture.environment, stdin: "short\n")
        #expect(short.status == 64 && short.stderr.contains("at least 8 characters"), "\(short.stderr)")
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        let curl = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}"]
        let login = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "name=zhao",
                                                                   "--data-urlencode", "password=correct horse",
                                                                   "http://127.0.0.1:\(port)/login"])
        let cookie = try #require(login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
            .dropFirst("set-cookie: ".count).split(separator: ";").first.map(String.init)
        #expect(fixture.terminate() == 0)
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        let page = try Binaries.run(executable: "/usr/bin/curl", curl + ["-H", "Cookie: \(cookie ?? "")", "http://127.0.0.1:\(port)/record"])
        #expect(page.stdout.hasPrefix("200"), "\(page.stdout)")
        let none = try Binaries.run(executable: "/usr/bin/curl", curl + ["http://127.0.0.1:\(port)/record"])
        #expect(none.stdout == "303 http://127.0.0.1:\(port)/login", "\(none.stdout)")
        let removed = try Binaries.run("laba", ["user", "remove", "zhao"], environment: fixture.environment)
        #expect(removed.status == 0)
        let gone = try Binaries.run(executable: "/usr/bin/curl", curl + ["-H", "Cookie: \(cookie ?? "")", "http://127.0.0.1:\(port)/record"])
        #expect(gone.stdout.hasPrefix("303"), "a removed account's session is refused: \(gone.stdout)")
        #expect(fixture.terminate() == 0)
    }

    /// SPEC 18: the broadcast page offers the civil-defence signals, which need no recording, by
    /// their Chinese names.
    /// Also: the loudspeaker appears by its `name:` on the overview and the zones page (issue 26).
    @Test func theBroadcastPageOffersTheSignals() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\", language: zh-Hans}")
        let named = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "{id: square, device", with: "{id: square, name: 村口大喇叭, device")
        try named.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        let added = try Binaries.run("laba", ["user", "add", "zhao", "--role", "operator", "--password-stdin"],
                                     environment: fixture.environment, stdin: "correct horse\n")
        #expect(added.status == 0, "\(added.stderr)")
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        let login = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "name=zhao",
                                                                   "--data-urlencode", "password=correct horse",
                                                                   "http://127.0.0.1:\(port)/login"])
        let cookie = try #require(login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
            .dropFirst("set-cookie: ".count).split(separator: ";").first.map(String.init)
        let page = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie ?? "")", "http://127.0.0.1:\(port)/broadcast"])
        // The loudspeaker by the name people use (`name:`); its id and ALSA device are not a clerk's (issue 26).
        let overview = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie ?? "")", "http://127.0.0.1:\(port)/"])
        #expect(overview.stdout.contains("<h3>村口大喇叭</h3>") && !overview.stdout.contains("square · town"), "\(overview.stdout)")
        let zones = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie ?? "")", "http://127.0.0.1:\(port)/zones"])
        #expect(zones.stdout.contains("<h3>村口大喇叭</h3>") && !zones.stdout.contains("laba_square"), "\(zones.stdout)")
        for (id, name) in [("siren:preliminary", "预先警报"), ("siren:air-raid", "空袭警报"), ("siren:all-clear", "解除警报"),
                           ("siren:disaster", "灾情警报")] {
            #expect(page.stdout.contains("value=\"\(id)\"") && page.stdout.contains(name), "\(id) \(name)")
        }
        #expect(fixture.terminate() == 0)
    }

    /// SPEC 17, what grows is bounded: one session holds at most eight live views (server-sent
    /// event streams); the ninth is refused with 429 and words, and a view closed makes room.
    @Test func oneSessionHoldsAtMostEightLiveViews() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\"}")
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        let added = try Binaries.run("laba", ["user", "add", "zhao", "--role", "viewer", "--password-stdin"],
                                     environment: fixture.environment, stdin: "correct horse\n")
        #expect(added.status == 0, "\(added.stderr)")
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        let login = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "name=zhao",
                                                                   "--data-urlencode", "password=correct horse",
                                                                   "http://127.0.0.1:\(port)/login"])
        let cookie = try #require(login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
            .dropFirst("set-cookie: ".count).split(separator: ";").first.map(String.init) ?? ""
        var views: [Process] = []
        // SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
        defer { for view in views { kill(view.processIdentifier, SIGKILL); view.waitUntilExit() } }
        for n in 0..<8 {
            let view = Process()
            view.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            view.arguments = ["-s", "-N", "-o", fixture.dir + "/view-\(n)", "-H", "Cookie: \(cookie)", "http://127.0.0.1:\(port)/events"]
            try view.run()
            views.append(view)
            // Open once its first event has come.
            let deadline = Date().addingTimeInterval(Binaries.patience)
            while ((try? FileManager.default.attributesOfItem(atPath: fixture.dir + "/view-\(n)")[.size] as? Int) ?? 0) == 0,
                  Date() < deadline { usleep(20_000) }
        }
        let ninth = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-w", "\\n%{http_code}", "--max-time", "10", "-H", "Accept-Language: en",
                                                                   "-H", "Cookie: \(cookie)", "http://127.0.0.1:\(port)/events"])
        #expect(ninth.stdout.hasSuffix("\n429") && ninth.stdout.contains("8 live views"), "\(ninth.stdout)")
        let closed = views.removeFirst()
        kill(closed.processIdentifier, SIGKILL)
        closed.waitUntilExit()
        var answered = ""
        let deadline = Date().addingTimeInterval(Binaries.patience)
        repeat {
            answered = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1",
                                                                      "-H", "Cookie: \(cookie)", "http://127.0.0.1:\(port)/events"]).stdout
        } while answered != "200" && Date() < deadline
        #expect(answered == "200", "a view closed makes room for another")
        #expect(fixture.terminate() == 0)
    }

    /// SPEC 17: a login name cannot forge a journal entry. Under journald (JOURNAL_STREAM) every
    /// entry starts a line with `<N>`; a name with a newline and `<0>` in it stays inside its own line.
    @Test func aLoginNameCannotForgeAJournalEntry() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\", language: en}")
        fixture.extraEnvironment["JOURNAL_STREAM"] = "8:1234"
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        let forged = "x\n<0>labad: EMERGENCY broadcast failed\r\u{1B}[2K"
        let login = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}",
                                                                   "--data-urlencode", "name=\(forged)", "--data-urlencode", "password=wrong",
                                                                   "http://127.0.0.1:\(port)/login"])
        #expect(login.stdout == "401", "\(login.stdout)")
        // The entry, its name escaped on its own line: a raw newline there would not match.
        #expect(fixture.waitForLog("<5>console: wrong password"))
        #expect(fixture.waitForLog(#" account=x\n<0>labad: EMERGENCY broadcast failed\r\u{1B}[2K address="#))
        #expect(fixture.terminate() == 0)
    }

    /// A TCP connection to 127.0.0.1:`port` that sends nothing.
    static func idleConnection(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    /// Whether the server closed `fd` within `seconds` (a read returns end of file or an error).
    static func closedByServer(_ fd: Int32, within seconds: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(seconds * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) <= 0
    }

    /// SPEC 17: one address holds at most 32 of the console's connections; the 33rd and later are
    /// closed at once, and the address gets room again as its connections close.
    @Test func oneAddressHoldsAtMostThirtyTwoConnections() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\", language: en}")
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        // 40 from one address: which 32 are kept depends on the order the event loops take them.
        var held = try (0..<40).map { _ in try Self.idleConnection(port) }
        defer { for fd in held { close(fd) } }
        var closed: Set<Int32> = []
        let deadline = Date().addingTimeInterval(20)
        while closed.count < 8, Date() < deadline {
            for fd in held where !closed.contains(fd) && Self.closedByServer(fd, within: 0.05) { closed.insert(fd) }
        }
        #expect(closed.count == 8, "connections beyond 32 from one address are closed: \(closed.count)")
        held.removeAll { fd in
            guard closed.contains(fd) else { return false }
            close(fd)
            return true
        }
        // The 32 kept stay open; once one closes the address may connect again.
        #expect(!held.contains { Self.closedByServer($0, within: 0.05) })
        close(held.removeLast())
        let page = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--retry", "5",
                                                                  "--retry-all-errors", "http://127.0.0.1:\(port)/login"])
        #expect(page.stdout == "200", "\(page.stdout)")
        #expect(fixture.terminate() == 0)
    }

    /// SPEC 17: a connection that never finishes its TLS handshake is closed after 10 s (and any
    /// idle one after 30 s), so that silent connections cannot pile up.
    @Test func aConnectionWithoutATLSHandshakeIsClosed() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"0.0.0.0:\(port)\"}")
        try fixture.start()
        #expect(fixture.waitForLog("console listening on https://"))
        let silent = try Self.idleConnection(port)
        defer { close(silent) }
        let opened = Date()
        // Closed by the handshake's deadline, well before the 30 s idle timeout.
        #expect(Self.closedByServer(silent, within: 25))
        #expect(Date().timeIntervalSince(opened) >= 9, "not before its 10 s")
        #expect(fixture.terminate() == 0)
    }

    /// Beyond loopback without `tls`, labad makes a certificate and serves HTTPS; `laba console
    /// cert` prints the fingerprint the browser shows.
    @Test func beyondLoopbackTheConsoleServesHTTPSWithASelfSignedCertificate() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try Self.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"0.0.0.0:\(port)\"}")
        try fixture.start()
        #expect(fixture.waitForLog("console listening on https://0.0.0.0:\(port)"))
        let cert = try Binaries.run("laba", ["console", "cert", "--config", fixture.configPath], environment: fixture.environment)
        #expect(cert.status == 0, "\(cert.stderr)")
        let fingerprint = try #require(cert.stdout.split(separator: "\n").first.map { $0.replacingOccurrences(of: "SHA-256 ", with: "") })
        #expect(fingerprint.count == 95, "\(fingerprint)")
        // What a client sees on the wire is that certificate.
        let served = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-k", "-o", "/dev/null", "-w", "%{http_code}",
                                                                    "https://127.0.0.1:\(port)/login"])
        #expect(served.stdout == "200", "\(served.stdout) \(served.stderr)")
        // Plain HTTP on that port is not served: it is sent to the same address over HTTPS.
        let plain = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                                                                   "http://127.0.0.1:\(port)/record?zone=old-town"])
        #expect(plain.stdout == "308 https://127.0.0.1:\(port)/record?zone=old-town", "\(plain.stdout) \(plain.stderr)")
        let followed = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-k", "-L", "-o", "/dev/null", "-w", "%{http_code}",
                                                                      "http://127.0.0.1:\(port)/login"])
        #expect(followed.stdout == "200", "the redirect leads to the sign-in page: \(followed.stdout)")
        let notHTTP = try Binaries.run(executable: "/bin/sh", ["-c", "printf 'hello\\r\\n\\r\\n' | curl -s --max-time 20 telnet://127.0.0.1:\(port) | wc -c"])
        #expect(notHTTP.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "neither TLS nor HTTP: closed, nothing said")
        let openssl = try Binaries.run(executable: "/bin/sh", ["-c",
            "openssl s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"])
        if openssl.status == 0, !openssl.stdout.isEmpty {
            #expect(openssl.stdout.contains(fingerprint), "\(openssl.stdout) vs \(fingerprint)")
        }
        #expect(fixture.terminate() == 0)

        // With `tls:` (here the same files, moved beside the configuration) it serves HTTPS on loopback too.
        for name in ["console.crt", "console.key"] {
            try FileManager.default.moveItem(atPath: fixture.dir + "/state/console/\(name)", toPath: fixture.dir + "/\(name)")
        }
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\", tls: {cert: console.crt, key: console.key}}")
        try fixture.start()
        #expect(fixture.waitForLog("console listening on https://127.0.0.1:\(port)"))
        let own = try Binaries.run("laba", ["console", "cert", "--config", fixture.configPath], environment: fixture.environment)
        #expect(own.stdout.contains(fingerprint) && own.stdout.contains(fixture.dir + "/console.crt"), "\(own.stdout)")
        let again = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-k", "-o", "/dev/null", "-w", "%{http_code}",
                                                                   "https://127.0.0.1:\(port)/login"])
        #expect(again.stdout == "200")
        #expect(!FileManager.default.fileExists(atPath: fixture.dir + "/state/console/console.crt"), "no certificate is made when tls is given")
        #expect(fixture.terminate() == 0)
    }
}

/// Config/laba-console.conf opens the service's network for the console and no further: the unit
/// with it still verifies and rates 2.0 or lower (SPEC 10).
@Suite struct ConsoleServiceUnitTests {
    @Test(.enabled(if: ServiceUnitTests.available)) func theConsoleDropInKeepsTheUnitHardened() throws {
        let dir = try Binaries.temporaryDirectory()
        let unit = try String(contentsOfFile: Binaries.repo("Config/laba.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin", with: Binaries.directory)
        let dropIn = try String(contentsOfFile: Binaries.repo("Config/laba-console.conf"), encoding: .utf8)
        #expect(dropIn.contains("PrivateNetwork=no") && dropIn.contains("AF_INET"))
        // A drop-in's settings come after the unit's: the same as appending its section.
        try (unit + "\n" + dropIn).write(toFile: dir + "/laba.service", atomically: true, encoding: .utf8)
        let verify = try Binaries.run(executable: "/usr/bin/systemd-analyze", ["verify", dir + "/laba.service"])
        #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify.stderr)")
        let out = try Binaries.run(executable: "/usr/bin/systemd-analyze", ["security", "--offline=true", dir + "/laba.service"])
        let line = try #require(out.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let level = Double(line.split(separator: ":").last!.split(separator: " ").first!) ?? 99
        #expect(level <= 2.0, "\(line)")
    }
}
