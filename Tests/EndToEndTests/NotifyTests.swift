import Foundation
import LabaStore
import Testing

/// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
final class NotifySocket {
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: Int(Binaries.patience), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// The next datagram, or nil after `Binaries.patience` without one.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// Receives until a datagram contains `text`; nil when none does in time.
    func waitFor(_ text: String) -> String? {
        while let message = receive() {
            if message.contains(text) { return message }
        }
        return nil
    }
}

@Suite(.serialized) struct NotifyTests {
    @Test func readyWatchdogReloadingAndStoppingReachSystemd() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        let notify = try NotifySocket(path: fixture.dir + "/notify.sock")
        fixture.extraEnvironment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"]
        try fixture.start()
        let ready = try #require(notify.waitFor("READY=1"))
        #expect(ready.contains("STATUS=Playing on 1 output"))
        // The scheduling loop pings at least every half watchdog interval.
        #expect(notify.waitFor("WATCHDOG=1") != nil)
        kill(fixture.process!.processIdentifier, SIGHUP)
        #expect(notify.waitFor("RELOADING=1") != nil)
        #expect(notify.waitFor("READY=1") != nil)
        kill(fixture.process!.processIdentifier, SIGTERM)
        #expect(notify.waitFor("STOPPING=1") != nil)
        #expect(fixture.terminate() == 0)
    }
}

@Suite(.serialized) struct ZoneMoveTests {
    /// A mobile unit drives from the town to the village: the village's schedule and languages
    /// follow it (`laba next` asks the daemon), and the move survives a restart, after which the
    /// village's scheduled broadcast plays on it in Yi.
    @Test func aMovedOutputFollowsItsNewZoneAcrossARestart() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let at = DaemonTests.scheduledAt
        // The town's entry an hour after the village's, both ahead of the daemon's clock.
        try fixture.writeConfig(at: "2099-01-01 09:00:00", extra: """
              - id: village
                languages: [yi]
                schedule:
                  - {message: notice, at: "\(at)"}
            """)
        try fixture.setClock(justBefore: at, seconds: 3_600)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        func next() throws -> [[String: Any]] {
            let result = try Binaries.run("laba", ["next", "--json", "--count", "1"], environment: fixture.environment)
            return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
        }
        #expect(try next().first?["zone"] as? String == "town")
        let move = try Binaries.run("laba", ["zone", "square", "village"], environment: fixture.environment)
        #expect(move.status == 0 && move.stdout == "square now serves village\n", "\(move.stderr)")
        let planned = try #require(try next().first)
        #expect((planned["entry"] as? String)?.hasPrefix("village#notice-") == true && planned["output"] as? String == "square")
        #expect(planned["languages"] as? [String] == ["yi"])
        // The configuration alone does not know about the move.
        let offline = try Binaries.run("laba", ["next", "--config", fixture.configPath, "--count", "1"], environment: fixture.environment)
        #expect(offline.stdout.contains("town") && !offline.stdout.contains("village"))
        let unknown = try Binaries.run("laba", ["zone", "square", "atlantis"], environment: fixture.environment)
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown zone 'atlantis'"))
        // The town has no output now; the village has the square, in Yi.
        let toTown = try Binaries.run("laba", ["play", "notice", "--zone", "town"], environment: fixture.environment)
        #expect(toTown.status == 1 && toTown.stderr.contains("no loudspeaker serves town now"))
        #expect(fixture.terminate() == 0)

        try #require(try fixture.start(justBefore: at))
        let list = try Binaries.run("laba", ["zone"], environment: fixture.environment)
        #expect(list.stdout.split(separator: "\n").last?.split(separator: " ", omittingEmptySubsequences: true)
                    .map(String.init) == ["square", "laba_square", "village", "available"])
        #expect(try fixture.waitForRecords { $0.contains { $0.entry?.hasPrefix("village#") == true && $0.outcome != nil } })
        let record = try #require(try Store(path: fixture.database).broadcasts(limit: .max).first { $0.entry?.hasPrefix("village#") == true })
        #expect(record.outcome == .completed && record.zone == "village" && record.playedLanguages == ["yi"],
                "\(record.outcome.map(\.rawValue) ?? "-") \(record.reason ?? "")")
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [500])
        #expect(fixture.terminate() == 0)
    }
}

@Suite(.serialized) struct RecordTests {
    @Test func historyAndReportAgreeWithTheRecords() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        for languages in ["naxi,yi", "mandarin"] {
            let play = try Binaries.run("laba", ["play", "notice", "--zone", "town", "--lang", languages, "--wait"],
                                        environment: fixture.environment)
            #expect(play.status == 0, "\(play.stderr)")
        }
        let csv = try Binaries.run("laba", ["history", "--format", "csv"], environment: fixture.environment)
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("\u{FEFF}id,source,entry,message,output,zone,priority,planned_languages"))
        #expect(lines.dropFirst().allSatisfy { $0.contains(",manual,,notice,square,town,manual,") && $0.contains(",completed,") })

        let completed = try Binaries.run("laba", ["history", "--outcome", "completed", "--json"], environment: fixture.environment)
        let list = try JSONSerialization.jsonObject(with: Data(completed.stdout.utf8)) as? [String: Any]
        #expect((list?["broadcasts"] as? [Any])?.count == 2)
        let none = try Binaries.run("laba", ["history", "--outcome", "missed"], environment: fixture.environment)
        #expect(none.stdout == "no broadcasts\n")
        let bad = try Binaries.run("laba", ["history", "--outcome", "great"], environment: fixture.environment)
        #expect(bad.status == 64 && bad.stderr.contains("The value 'great' is invalid for '--outcome <outcome>'"))

        let report = try Binaries.run("laba", ["report", "--by", "language", "--json"], environment: fixture.environment)
        let rows = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]]
        let counts = Dictionary(uniqueKeysWithValues: (rows ?? []).map { ($0["key"] as! String, $0["broadcasts"] as! Int) })
        #expect(counts == ["naxi": 1, "yi": 1, "mandarin": 1])
        let byZone = try Binaries.run("laba", ["report", "--by", "zone", "--format", "csv"], environment: fixture.environment)
        let zoneLines = byZone.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(zoneLines.last?.hasPrefix("town,2,") == true, "\(byZone.stdout)")
        #expect(zoneLines.last?.hasSuffix(",2,0,0,0,0,0,0") == true)
        #expect(fixture.terminate() == 0)
    }
}

@Suite(.serialized) struct SocketAccessTests {
    static var available: Bool { getuid() == 0 && getgrnam("audio") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }

    /// The socket is 0660, group `control.group`: a user outside it is told which group to join;
    /// a member may broadcast, and is recorded as the requester.
    @Test(.enabled(if: available)) func onlyTheControlGroupMayUseTheSocket() throws {
        let fixture = try DaemonFixture()
        chmod(fixture.dir, 0o755)
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01", extra: "control:\n  group: audio")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        var st = stat()
        #expect(stat(fixture.dir + "/laba.sock", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o660 && st.st_gid == getgrnam("audio")!.pointee.gr_gid)

        let laba = Binaries.directory + "/laba"
        let outsider = try Binaries.run(executable: "/usr/bin/setpriv",
                                        ["--reuid=65534", "--regid=65534", "--clear-groups", laba, "status"],
                                        environment: fixture.environment)
        #expect(outsider.status == 69)
        #expect(outsider.stderr.contains("join the group 'audio'"), "\(outsider.stderr)")

        let audio = Int(getgrnam("audio")!.pointee.gr_gid)
        let member = try Binaries.run(executable: "/usr/bin/setpriv",
                                      ["--reuid=65534", "--regid=65534", "--groups=\(audio)", laba, "play", "notice",
                                       "--zone", "town", "--wait"], environment: fixture.environment)
        #expect(member.status == 0, "\(member.stderr)")
        #expect(fixture.terminate() == 0)
        #expect(try Store(path: fixture.database).broadcasts(limit: .max).first?.requestedBy?.uid == 65534)
    }
}
