import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

/// labad's log as it comes: read by a thread of its own into a buffer that tests search.
final class LogReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = ""
    /// The last 64 KiB of the whole log, consumed or not: what a failing test prints.
    private var tail = ""
    private var ended = false

    var lastLines: String {
        condition.lock()
        defer { condition.unlock() }
        return tail
    }

    func drain(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            condition.lock()
            if chunk.isEmpty {
                ended = true
            } else {
                let text = String(decoding: chunk, as: UTF8.self)
                buffer += text
                tail += text
                if tail.utf8.count > 65_536 { tail = String(tail.suffix(32_768)) }
            }
            condition.broadcast()
            condition.unlock()
            if chunk.isEmpty { return }
        }
    }

    /// Waits until `text` is in the log after what earlier waits consumed, and consumes up to it;
    /// false when the log ends or `timeout` passes first.
    func wait(for text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let range = buffer.range(of: text) {
                buffer.removeSubrange(buffer.startIndex..<range.upperBound)
                return true
            }
            if ended { return false }
            // Timed out: one last look (the line may have come with the deadline), then give up.
            if !condition.wait(until: deadline), buffer.range(of: text) == nil { return false }
        }
    }
}

/// A running `labad` on a temporary configuration, state dir and capture PCMs.
final class DaemonFixture {
    let dir: String
    var process: Process?
    var log: Pipe?

    init() throws { dir = try Binaries.temporaryDirectory() }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    var configPath: String { dir + "/laba.yaml" }
    var database: String { dir + "/state/laba.sqlite" }
    var extraEnvironment: [String: String] = [:]
    /// A command that runs labad (`prlimit --fsize=N --`), if any.
    var launcher: [String] = []

    var environment: [String: String] {
        extraEnvironment.merging(["ALSA_CONFIG_PATH": alsaConfig,
         "LABA_CAPTURE_DIR": dir, "LABA_STATE_DIR": dir + "/state", "LABA_SOCKET": dir + "/laba.sock"]) { $1 }
    }

    /// One tone per language: naxi 300 Hz, yi 500 Hz, mandarin 900 Hz, `seconds` each; and an
    /// `alarm` message, a 1,200 Hz tone in Mandarin.
    func writeTones(seconds: Double = 0.3) throws {
        for (message, language, frequency) in [("notice", "naxi", 300), ("notice", "yi", 500), ("notice", "mandarin", 900),
                                               ("alarm", "mandarin", 1200)] {
            try FileManager.default.createDirectory(atPath: dir + "/audio/\(message)", withIntermediateDirectories: true)
            _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16",
                                                        dir + "/audio/\(message)/\(language).wav", "synth", "\(seconds)",
                                                        "sine", "\(frequency)", "vol", "0.5"])
        }
    }

    /// Makes `laba_square` play in real time, on a PulseAudio null sink of its own, still captured.
    func usePacedPCM() throws -> PulseServer? {
        let socket = dir + "/pulse.sock"
        guard let server = PulseServer(socket: socket) else { return nil }
        try """
            pcm.laba_square {
                type plug
                slave {
                    pcm { type file slave.pcm { type pulse server "unix:\(socket)" } file "\(dir)/laba_square.wav" format "wav" }
                    format S16_LE
                }
            }
            """.write(toFile: dir + "/paced.conf", atomically: true, encoding: .utf8)
        alsaConfig = "/usr/share/alsa/alsa.conf:" + dir + "/paced.conf"
        return server
    }

    var alsaConfig = "/usr/share/alsa/alsa.conf:" + Binaries.repo("Config/alsa-capture.conf")

    /// Polls the database until `condition` holds for the broadcasts (or `Binaries.patience` passes).
    func waitForRecords(_ condition: ([BroadcastRecord]) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: database),
               let records = try? Store(path: database).broadcasts(limit: .max), condition(records) { return true }
            usleep(20_000)
        }
        report("the records never got there")
        return false
    }

    /// Prints what a failing wait needs to be understood on CI: the records, labad's last log lines
    /// and the PulseAudio server's, if the test runs one.
    func report(_ what: String) {
        var text = "--- \(what) (\(dir))\n--- records:\n"
        for record in (try? Store(path: database).broadcasts(limit: 50)) ?? [] {
            text += "\(record.id) \(record.source.rawValue) \(record.message) \(record.output) \(record.state.rawValue) "
                + "\(record.outcome?.rawValue ?? "-") \(record.reason ?? "")\n"
        }
        text += "--- labad's log (last lines):\n" + String((logReader?.lastLines ?? "").suffix(8_000))
        if let pulse = try? String(contentsOfFile: dir + "/pulse.sock.log", encoding: .utf8) {
            text += "--- PulseAudio's log (last lines):\n" + String(pulse.suffix(4_000))
        }
        FileHandle.standardError.write(Data((text + "\n---\n").utf8))
    }

    func writeConfig(at: String, extra: String = "") throws {
        try """
            timezone: UTC
            audio_dir: audio
            defaults:
              gap: 200ms
              loudness_lufs: -16
            outputs:
              - {id: square, device: laba_square, zone: town}
            zones:
              - id: town
                languages: [naxi, yi, mandarin]
                schedule:
                  - {message: notice, at: "\(at)"}
            \(extra)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Writes the configuration with its output on a PCM that does not exist; returns the text with
    /// the real one, to write back when the device should "return".
    func writeConfigOnAMissingDevice(at: String) throws -> String {
        try writeConfig(at: at)
        let good = try String(contentsOfFile: configPath, encoding: .utf8)
        try good.replacingOccurrences(of: "device: laba_square", with: "device: laba_missing")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        return good
    }

    /// Sets the daemon's clock (the test offset, LABA_TEST_CLOCK_OFFSET_FILE) to `seconds` before a
    /// UTC time `YYYY-MM-DD HH:MM:SS`, counted from now: for the next start, or for a running daemon
    /// once it is sent SIGUSR2 (`moveClock`). The clock runs on from there in real time, so a daemon
    /// started this way must not need more than `seconds` to start: a test whose broadcast falls at
    /// `time` starts with `start(justBefore:)` instead.
    func setClock(justBefore time: String, seconds: Double = 0.3) throws {
        let target = try TimeParsing.instant(time, in: TimeZone(identifier: "UTC")!, now: Instant(Date()))
        let offset = Double(target.microseconds - Instant(Date()).microseconds) / 1e6 - seconds
        let file = dir + "/clock-offset"
        try "\(offset)\n".write(toFile: file, atomically: true, encoding: .utf8)
        extraEnvironment["LABA_TEST_CLOCK_OFFSET_FILE"] = file
    }

    /// How far before its instant a scheduled test's daemon starts: far more than any start-up takes,
    /// however busy the machine (the daemon's clock runs on in real time while it starts).
    static let startLead: Double = 3_600

    /// Moves the running daemon's clock to `seconds` before `time` (the offset, then SIGUSR2) and
    /// waits until the daemon has taken it. The daemon must have reported ready (SIGUSR2 is trapped
    /// by then). Should the move land a little late, the occurrence is still on time (SchedulerCore's
    /// 5 s grace), and one that was planned before the move is never lost.
    func moveClock(justBefore time: String, seconds: Double = 0.3) throws -> Bool {
        try setClock(justBefore: time, seconds: seconds)
        guard let process, process.isRunning else { return false }
        kill(process.processIdentifier, SIGUSR2)
        return waitForLog("test clock set")
    }

    /// Starts the daemon for a broadcast scheduled at `time` without racing its start-up: its clock
    /// starts an hour before (`startLead`); once it is ready (its control socket listens, READY=1), the
    /// clock moves to `seconds` before `time`. Consumes the log up to "test clock set"; false when
    /// the daemon did not get there.
    func start(justBefore time: String, seconds: Double = 0.3) throws -> Bool {
        try setClock(justBefore: time, seconds: Self.startLead)
        try start()
        guard waitForLog("ready") else { return false }
        return try moveClock(justBefore: time, seconds: seconds)
    }

    func start() throws {
        let process = Process()
        let command = launcher + [Binaries.directory + "/labad", "--config", configPath]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.filter { !["NOTIFY_SOCKET", "WATCHDOG_USEC"].contains($0.key) }
            .merging(environment) { $1 }
        let log = Pipe()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.log = log
        // Read all the time, so that labad never blocks on a full pipe (64 KiB of log during a long
        // test on a loaded machine), whether or not the test waits for a line.
        let reader = LogReader()
        logReader = reader
        let handle = log.fileHandleForReading
        Thread.detachNewThread { reader.drain(handle) }
    }

    private var logReader: LogReader?

    /// Reads labad's log until it contains `text` after what earlier waits consumed; false when the
    /// process ends or `timeout` passes first.
    func waitForLog(_ text: String, timeout: Double = Binaries.patience) -> Bool {
        guard logReader?.wait(for: text, timeout: timeout) == true else {
            if timeout >= Binaries.patience { report("labad never logged '\(text)'") }
            return false
        }
        return true
    }

    /// Sends SIGTERM and waits for the exit status; after `Binaries.patience` it kills and returns -9.
    /// (SPEC: 2 s on an idle machine; on two cores shared with every suite and builds, a shutdown that
    /// fades out, joins its players and persists took over 5 s.)
    func terminate() -> Int32 {
        guard let process else { return -1 }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return -9
        }
        return process.terminationStatus
    }
}

@Suite(.serialized) struct DaemonTests {
    /// When the scheduled tests' broadcast falls (UTC). `DaemonFixture.start(justBefore:)` starts the
    /// daemon's clock an hour before it and moves it to a moment before once the daemon is ready, so
    /// that no test waits real seconds for it and no start-up, however slow, runs past it.
    static let scheduledAt = "2099-01-01 08:00:00"

    @Test func aScheduledBroadcastPlaysTheZonesLanguagesInOrder() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: Self.scheduledAt)
        try #require(try fixture.start(justBefore: Self.scheduledAt))
        #expect(fixture.waitForLog("broadcast completed"))
        #expect(fixture.terminate() == 0)

        let store = try Store(path: fixture.database)
        let records = try store.broadcasts()
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.source == .schedule && record.entry?.hasPrefix("town#notice-") == true && record.outcome == .completed)
        #expect(record.playedLanguages == ["naxi", "yi", "mandarin"])
        #expect(record.startedAt.map { $0 - record.plannedAt } ?? .max < 1_000_000, "started within a second of its time")
        // The capture holds the three tones in the zone's order.
        let frequencies = try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav")
        #expect(frequencies == [300, 500, 900], "\(frequencies)")
    }

    @Test func anInvalidConfigurationStopsTheStartWithExit78() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "Mon..Fri 25:00")
        let result = try Binaries.run("labad", ["--config", fixture.configPath], environment: fixture.environment)
        #expect(result.status == 78)
        #expect(result.stderr.contains("laba.yaml:12:31: error: invalid calendar expression 'Mon..Fri 25:00': hour 25 is out of range 0..23"))
    }

    /// Issue 12: labad passes on the configuration's warnings, at start (log) and on reload (the
    /// answer and `laba reload`), as `laba check` prints them.
    @Test func warningsArePassedOnAtStartAndOnReload() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01", extra: "  - id: island\n")
        let check = try Binaries.run("laba", ["check", "--config", fixture.configPath], environment: fixture.environment)
        let warning = try #require(check.stdout.split(separator: "\n").first { $0.contains("warning:") && $0.contains("island") },
                                   "\(check.stdout)")
        try fixture.start()
        #expect(fixture.waitForLog(String(warning)))
        #expect(fixture.waitForLog("ready"))
        let reload = try Binaries.run("laba", ["reload"], environment: fixture.environment)
        #expect(reload.status == 0 && reload.stdout.contains(String(warning)), "\(reload.stdout)")
        #expect(fixture.terminate() == 0)
    }

    @Test func sighupWithABrokenFileKeepsTheRunningConfiguration() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: Self.scheduledAt)
        // The clock an hour before the broadcast until the broken file has been refused.
        try fixture.setClock(justBefore: Self.scheduledAt, seconds: DaemonFixture.startLead)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        try "zones: [".write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        kill(fixture.process!.processIdentifier, SIGHUP)
        #expect(fixture.waitForLog("the new configuration is invalid; the running one stays in force"))
        // The old schedule still plays.
        #expect(try fixture.moveClock(justBefore: Self.scheduledAt))
        #expect(fixture.waitForLog("broadcast completed"))
        // `laba reload` shows the new file's errors and fails.
        let reload = try Binaries.run("laba", ["reload"], environment: fixture.environment)
        #expect(reload.status == 1)
        #expect(reload.stdout.contains("laba.yaml:2:1: error: YAML syntax"), "\(reload.stdout)")
        #expect(reload.stderr.contains("the new configuration was refused; the running one stays in force"))
        #expect(fixture.terminate() == 0)
    }
}

extension Binaries {
    /// The tone frequencies of a capture, one per sounding region, rounded to 100 Hz (via sox).
    static func toneFrequencies(of path: String) throws -> [Int] {
        // The same reading as the browser tests' (Tests/Browser/tones.py).
        let out = try run(path: "/usr/bin/python3", [repo("Tests/Browser/tones.py"), path])
        return out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

@Suite(.serialized) struct ControlTests {
    func laba(_ fixture: DaemonFixture, _ arguments: [String]) throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment)
    }

    @Test func aManualBroadcastWithWait() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let result = try laba(fixture, ["play", "notice", "--zone", "town", "--lang", "mandarin,naxi", "--wait"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.count == 2)
        #expect(lines.first?.dropFirst() == ["square", "town", "mandarin,naxi"])
        #expect(lines.last?.last == "completed")
        // The record's time as a clerk reads it; RFC 3339 with --iso, for scripts.
        let history = try Binaries.run("laba", ["history"], environment: fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        #expect(history.stdout.contains("今天 ") || history.stdout.contains("昨天 "), "\(history.stdout)")
        #expect(history.stdout.contains("已完成") && !history.stdout.contains("completed"), "its outcome in words: \(history.stdout)")
        let iso = try laba(fixture, ["history", "--iso"])
        #expect(iso.stdout.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"#, options: .regularExpression) != nil, "\(iso.stdout)")
        #expect(fixture.terminate() == 0)
        let record = try #require(try Store(path: fixture.database).broadcasts(limit: .max).first)
        #expect(record.source == .manual && record.playedLanguages == ["mandarin", "naxi"])
        #expect(record.requestedBy?.uid == Int(getuid()))
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [900, 300])
    }

    /// A client that gave up before labad read its request (a flood held labad's descriptors, the
    /// CLI's deadline passed) still leaves its name on the broadcast it asked for (SPEC 17).
    @Test func aRequestWhoseClientGaveUpKeepsItsRequester() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            body = b'{"message": "notice", "zones": ["town"], "priority": "emergency"}'
            s.sendall(b"POST /v1/broadcasts HTTP/1.1\\r\\nHost: labad\\r\\nContent-Type: application/json\\r\\n"
                      + b"Content-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
            s.close()
            """
        let gaveUp = try Binaries.run(executable: "/usr/bin/python3", ["-c", script, fixture.dir + "/laba.sock"])
        #expect(gaveUp.status == 0, "\(gaveUp.stderr)")
        #expect(try fixture.waitForRecords { $0.contains { $0.outcome == .completed } })
        #expect(fixture.terminate() == 0)
        let record = try #require(try Store(path: fixture.database).broadcasts(limit: .max).first)
        #expect(record.priority == .emergency && record.requestedBy?.uid == Int(getuid()), "\(String(describing: record.requestedBy))")
    }

    @Test func theDaemonCannotBeReached() throws {
        let fixture = try DaemonFixture()
        let result = try laba(fixture, ["status"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("laba: cannot reach labad: there is no socket at \(fixture.dir)/laba.sock"))
    }

    @Test func malformedRequestsGetErrorsAndTheDaemonStaysUp() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let socket = fixture.dir + "/laba.sock"
        func curl(_ args: [String]) throws -> (status: Int, body: String) {
            let out = try Binaries.run(path: "/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "--unix-socket", socket] + args)
            let parts = out.split(separator: "\n")
            return (Int(parts.last ?? "") ?? 0, parts.dropLast().joined(separator: "\n"))
        }
        let big = String(repeating: "x", count: 70 * 1024)
        let cases: [([String], Int, String)] = [
            (["-X", "POST", "-d", "{not json", "http://laba/v1/broadcasts"], 400, "bad_request"),
            (["-X", "POST", "-d", "{\"message\": 5, \"zones\": [\"town\"]}", "http://laba/v1/broadcasts"], 400, "bad_request"),
            (["-X", "POST", "-d", "{\"zones\": [\"town\"]}", "http://laba/v1/broadcasts"], 400, "bad_request"),
            (["-X", "POST", "-d", "{\"message\": \"notice\", \"zones\": [\"mars\"]}", "http://laba/v1/broadcasts"], 404, "not_found"),
            (["-X", "POST", "-d", "{\"message\": \"notice\", \"zones\": [\"town\"], \"priority\": \"loud\"}", "http://laba/v1/broadcasts"], 400, "bad_request"),
            (["-X", "POST", "-d", "{\"message\": \"\(big)\", \"zones\": [\"town\"]}", "http://laba/v1/broadcasts"], 413, "too_large"),
            (["http://laba/v1/broadcasts/..%2F..%2Fetc%2Fpasswd"], 404, "not_found"),
            (["http://laba/v1/broadcasts?limit=99999999999999999999"], 400, "bad_request"),
            // Found by `make fuzz` (in the TIME parser): this crashed the daemon.
            (["http://laba/v1/broadcasts?since=@13977163966666666666666"], 400, "bad_request"),
            (["http://laba/v1/schedule?from=@1e300"], 400, "bad_request"),
            (["http://laba/v1/nothing"], 404, "not_found"),
        ]
        for (args, status, code) in cases {
            let (got, body) = try curl(args)
            #expect(got == status, "\(args.last!): \(body)")
            #expect(body.contains("\"code\":\"\(code)\""), "\(args.last!): \(body)")
        }
        #expect(try curl(["http://laba/v1/status"]).status == 200)
        #expect(fixture.terminate() == 0)
    }

    /// kill -9 with three broadcasts waiting for a device; after a restart with the device back,
    /// each plays exactly once.
    @Test func killNineLosesNothing() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let good = try fixture.writeConfigOnAMissingDevice(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        var ids: [String] = []
        for _ in 0..<3 {
            let result = try laba(fixture, ["play", "notice", "--zone", "town"])
            #expect(result.status == 0, "\(result.stderr)")
            ids += result.stdout.split(separator: " ").prefix(1).map(String.init)
        }
        #expect(fixture.waitForLog("output unavailable"))
        kill(fixture.process!.processIdentifier, SIGKILL)
        fixture.process!.waitUntilExit()

        try good.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        for _ in 0..<3 { #expect(fixture.waitForLog("broadcast completed")) }
        #expect(fixture.terminate() == 0)
        let store = try Store(path: fixture.database)
        #expect(try store.integrityCheck() == "ok")
        let records = try store.broadcasts()
        #expect(Set(records.map(\.id)) == Set(ids))
        #expect(records.allSatisfy { $0.outcome == .completed && $0.playedLanguages == ["naxi", "yi", "mandarin"] })
    }
}

@Suite(.serialized) struct PreemptionTests {
    /// On a PCM that plays in real time: an emergency cuts a scheduled broadcast during its second
    /// language; the scheduled one resumes afterwards from the start of that language.
    @Test(.enabled(if: PulseServer.available))
    func anEmergencyInterruptsAndTheScheduledOneResumesFromTheCutLanguage() throws {
        let fixture = try DaemonFixture()
        // Two seconds a language: the emergency (a `laba` started once yi is seen in the record) must
        // come while yi plays, also on a busy machine.
        try fixture.writeTones(seconds: 2.0)
        let pulse = try fixture.usePacedPCM()
        try #require(pulse != nil, "the PulseAudio null sink did not start")
        defer { pulse?.kill() }
        try fixture.writeConfig(at: DaemonTests.scheduledAt)
        try #require(try fixture.start(justBefore: DaemonTests.scheduledAt))
        // The scheduled broadcast has reached its second language, yi (its segment fact is made as it
        // starts; `played_languages` names it only once it has played through).
        #expect(try fixture.waitForRecords { $0.first?.segments?.contains { $0.label == "yi" } == true })
        let play = try Binaries.run("laba", ["play", "alarm", "--zone", "town", "--priority", "emergency", "--wait"],
                                    environment: fixture.environment)
        #expect(play.status == 0, "\(play.stderr)")
        #expect(try fixture.waitForRecords { records in records.count == 2 && records.allSatisfy { $0.state == .done } })
        #expect(fixture.terminate() == 0)

        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        let scheduled = try #require(records.first { $0.source == .schedule })
        let emergency = try #require(records.first { $0.source == .emergency })
        #expect(scheduled.outcome == .completed && emergency.outcome == .completed)
        #expect(scheduled.playedLanguages == ["naxi", "yi", "mandarin"])
        // The emergency started soon after it was accepted (the cut, the fade and the switch).
        let latency = (emergency.startedAt ?? .max) - emergency.plannedAt
        print("preemption: the emergency started \(latency / 1000) ms after it was accepted")
        #expect(latency < 500_000, "emergency started \(latency / 1000) ms after it was accepted")
        // The last program on the PCM is the resumed one: yi, then mandarin.
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [500, 900])
    }

    /// The sound server of one output dies mid-program: that output becomes unavailable and its
    /// broadcast waits to resume, while the other output completes its own.
    @Test(.enabled(if: PulseServer.available))
    func aDeviceLostMidProgramLeavesTheOtherOutputPlaying() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 1.0)
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        try fixture.writeConfig(at: "2099-01-01")
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "  - {id: square, device: laba_square, zone: town}",
                                  with: "  - {id: square, device: laba_square, zone: town}\n  - {id: van, device: laba_van, zone: town}")
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        // laba_van captures over `null` (instant).
        try """
            pcm.laba_van {
                type plug
                slave { pcm { type file slave.pcm "null" file "\(fixture.dir)/laba_van.wav" format "wav" } format S16_LE }
            }
            """.write(toFile: fixture.dir + "/van.conf", atomically: true, encoding: .utf8)
        fixture.alsaConfig += ":" + fixture.dir + "/van.conf"
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let play = try Binaries.run("laba", ["play", "notice", "--zone", "town"], environment: fixture.environment)
        #expect(play.status == 0, "\(play.stderr)")
        #expect(try fixture.waitForRecords { $0.contains { $0.output == "square" && !$0.playedLanguages.isEmpty } })
        pulse.kill()
        #expect(fixture.waitForLog("output unavailable"))
        #expect(try fixture.waitForRecords { records in
            records.contains { $0.output == "van" && $0.outcome == .completed }
                && records.contains { $0.output == "square" && $0.state == .queued }
        })
        let status = try Binaries.run("laba", ["status", "--json"], environment: fixture.environment)
        let outputs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["outputs"] as? [[String: Any]]
        let square = try #require(outputs?.first { $0["id"] as? String == "square" })
        #expect(square["state"] as? String == "unavailable")
        #expect((square["queue"] as? [String])?.count == 1)
        #expect(fixture.terminate() == 0)
    }
}
