// Places end to end, with the real binaries: a van that follows a real gpsd (gpsfake replaying an
// NMEA log written here), CAP files dropped in the watched folder and posted to the API, and
// `laba history --format geojson`.

import Foundation
import LabaCore
import LabaStore
import LabaTestSupport
import Testing

/// A gpsd run by gpsfake on a free port, replaying `sentences` once, `cycle` seconds apart, from
/// when the first client connects. Foundation starts it in a process group of its own, which its
/// gpsd joins: `stop` ends both.
final class FakeGPS {
    let port: Int
    let process: Process
    let dir: String

    init(sentences: [String], cycle: Double, dir: String) throws {
        self.dir = dir
        port = try Self.freePort()
        let log = dir + "/drive.nmea"
        try (sentences.joined(separator: "\r\n") + "\r\n").write(toFile: log, atomically: true, encoding: .utf8)
        let gpsfake = "/usr/bin/gpsfake"
        guard FileManager.default.isExecutableFile(atPath: gpsfake) else {
            throw PlacesTestError("gpsfake is missing: apt-get install gpsd gpsd-clients (Scripts/debian-packages.txt)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: gpsfake)
        process.arguments = ["-q", "-P", String(port), "-c", String(cycle), "-1", log]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Listening is seen in the kernel's table, without connecting (a client would start the replay).
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while !Self.listening(port), Date() < deadline { usleep(20_000) }
        guard Self.listening(port) else { throw PlacesTestError("gpsfake's gpsd did not listen on \(port)") }
    }

    /// Ends gpsfake and its gpsd. gpsfake may sit out a SIGTERM while its gpsd winds down (and it
    /// spins once the log is done): the whole group goes at once.
    func stop() {
        guard process.isRunning else { return }
        kill(-process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A port nobody listens on, from the ephemeral range.
    static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000...29_999)
            if !listening(port) { return port }
        }
        throw PlacesTestError("no free port")
    }

    /// Whether a TCP socket listens on `port` (IPv4 or IPv6), from /proc/net/tcp*.
    static func listening(_ port: Int) -> Bool {
        let hex = String(format: ":%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1].hasSuffix(hex), fields[3] == "0A" { return true }
            }
        }
        return false
    }

    /// `$GPRMC` for a fix at `seconds` after 08:00:00 UTC on `date` (ddmmyy, 2026-12-01 unless
    /// said), with its checksum.
    static func rmc(_ seconds: Int, lat: Double, lon: Double, date: String = "011226") -> String {
        func degrees(_ v: Double, width: Int) -> String {
            let whole = Int(abs(v)), minutes = (abs(v) - Double(whole)) * 60
            return String(format: "%0\(width)d%07.4f", whole, minutes)
        }
        let time = String(format: "%02d%02d%02d.00", 8 + seconds / 3600, (seconds / 60) % 60, seconds % 60)
        let body = "GPRMC,\(time),A,\(degrees(lat, width: 2)),\(lat >= 0 ? "N" : "S"),\(degrees(lon, width: 3)),"
            + "\(lon >= 0 ? "E" : "W"),0.0,90.0,\(date),,,A"
        let checksum = body.utf8.reduce(UInt8(0)) { $0 ^ $1 }
        return "$" + body + String(format: "*%02X", checksum)
    }
}

struct PlacesTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite(.serialized) struct PlacesTests {
    func laba(_ fixture: DaemonFixture, _ arguments: [String]) throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment)
    }

    /// Zone a: 100.00–100.10 E, zone b: 100.10–100.20 E, both 26.80–26.90 N. B's schedule plays at
    /// 08:00 on the daemon's clock; a's never comes.
    static func placesConfig(gpsPort: Int, extra: String = "") -> String {
        """
        timezone: UTC
        audio_dir: audio
        defaults:
          gap: 100ms
        outputs:
          - {id: van, device: laba_square, zone: a, follow: gps}
        gps: {gpsd: "127.0.0.1:\(gpsPort)", dwell: 10s}
        zones:
          - id: county
            languages: [naxi, mandarin]
          - id: a
            parent: county
            code: "530721103000"
            area: [[100.0, 26.8], [100.1, 26.8], [100.1, 26.9], [100.0, 26.9], [100.0, 26.8]]
            schedule:
              - {id: a-daily, message: notice, at: "2099-06-01 08:00"}
          - id: b
            parent: county
            code: "530721102000"
            languages: [yi]
            area: [[100.1, 26.8], [100.2, 26.8], [100.2, 26.9], [100.1, 26.9], [100.1, 26.8]]
            schedule:
              - {id: b-morning, message: notice, at: "\(DaemonTests.scheduledAt)"}
        \(extra)
        """
    }

    /// A van drives from a across the border strip (into b and back, twice, within the dwell) into
    /// b, stays, then leaves every area. One fix a second; gpsfake sends one every 0.1 s.
    @Test func aVanFollowingGPSSwitchesOnceAfterDwellAndRecordsWhereItPlayed() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        var drive: [String] = []
        // gpsd settles on the device during the first sentences: the van waits in a.
        for s in 0..<20 { drive.append(FakeGPS.rmc(s, lat: 26.85, lon: 100.05)) }
        for (s, lon) in [(20, 100.11), (21, 100.11), (22, 100.11), (23, 100.09), (24, 100.09), (25, 100.09),
                         (26, 100.11), (27, 100.11), (28, 100.11), (29, 100.09), (30, 100.09), (31, 100.09)] {
            drive.append(FakeGPS.rmc(s, lat: 26.85, lon: lon))
        }
        // Into b at 08:00:32 for good: the switch is due at 08:00:42, ten seconds of fixes later. The van
        // drives on in b until 08:01:31, then stops there until 08:02:22: ten real seconds in b after
        // the switch, so that b's broadcast plays there even on a busy machine.
        for s in 32..<142 { drive.append(FakeGPS.rmc(s, lat: 26.85, lon: 100.11 + Double(min(s, 91) - 32) * 0.001)) }
        for s in 142..<162 { drive.append(FakeGPS.rmc(s, lat: 27.5, lon: 100.2)) }
        let gps = try FakeGPS(sentences: drive, cycle: 0.1, dir: fixture.dir)
        try Self.placesConfig(gpsPort: gps.port).write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        // The daemon's clock starts an hour before b's broadcast; it is moved on once the van is in b.
        try fixture.setClock(justBefore: DaemonTests.scheduledAt, seconds: DaemonFixture.startLead)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(fixture.waitForLog("output moved"))
        // b's schedule now applies to the van: bring its 08:00 near.
        #expect(try fixture.moveClock(justBefore: DaemonTests.scheduledAt))
        #expect(fixture.waitForLog("broadcast completed"))
        #expect(fixture.waitForLog("outside every area"))
        let status = try laba(fixture, ["status", "--json"])
        #expect(status.stdout.contains(#""zone":"b""#) && status.stdout.contains(#""status":"outside every area""#), "\(status.stdout)")
        let geojson = try laba(fixture, ["history", "--format", "geojson"])
        #expect(fixture.terminate() == 0)
        gps.stop()

        let store = try Store(path: fixture.database)
        let moves = try store.moves(output: "van")
        #expect(moves.count == 1, "\(moves)")
        let move = try #require(moves.first)
        // At the right point of the log: the fix of 08:00:42 on 2026-12-01, ten seconds into b.
        #expect(move.fromZone == "a" && move.toZone == "b" && move.cause == "gps")
        #expect(move.fixAt == (try TimeParsing.instant("2026-12-01T08:00:42Z", in: .current, now: Instant(seconds: 0))).microseconds)
        #expect(abs((move.lon ?? 0) - 100.12) < 1e-6 && abs((move.lat ?? 0) - 26.85) < 1e-6)

        let played = try #require(try store.broadcasts(limit: .max).first { $0.entry == "b-morning" })
        #expect(played.output == "van" && played.zone == "b" && played.outcome == .completed && played.playedLanguages == ["yi"])
        let lat = try #require(played.positionLat), lon = try #require(played.positionLon)
        #expect(lat > 26.8 && lat < 26.9 && lon > 100.1 && lon < 100.2, "the position is inside b: \(lat), \(lon)")
        #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [500])

        // The map of where it played: [longitude, latitude].
        #expect(geojson.stdout.contains(#""type":"FeatureCollection""#) && geojson.stdout.contains("[\(lon),\(lat)]"), "\(geojson.stdout)")
        #expect(geojson.stdout.contains(#""message":"notice""#) && geojson.stdout.contains(#""outcome":"completed""#))
    }

    /// A receiver whose clock is 1024 weeks behind (gpsd corrects 2006-12-01 to 2026-07-17, still
    /// before this build): its fixes in b, however many, switch nothing; the fixes of the right
    /// date after them count the dwell from their first.
    @Test func fixesDatedBeforeTheBuildCompleteNoDwell() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        var drive: [String] = []
        for s in 0..<20 { drive.append(FakeGPS.rmc(s, lat: 26.85, lon: 100.05)) }
        for s in 20..<40 { drive.append(FakeGPS.rmc(s, lat: 26.85, lon: 100.15, date: "011206")) }
        for s in 40..<55 { drive.append(FakeGPS.rmc(s, lat: 26.85, lon: 100.15)) }
        let gps = try FakeGPS(sentences: drive, cycle: 0.1, dir: fixture.dir)
        try Self.placesConfig(gpsPort: gps.port).write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(fixture.waitForLog("output moved"))
        #expect(fixture.terminate() == 0)
        gps.stop()
        let moves = try Store(path: fixture.database).moves(output: "van")
        #expect(moves.map(\.toZone) == ["b"], "\(moves)")
        #expect(moves.first?.fixAt == (try TimeParsing.instant("2026-12-01T08:00:50Z", in: .current, now: Instant(seconds: 0))).microseconds)
    }

    static func alertConfig(_ watch: String) -> String {
        """
        timezone: UTC
        audio_dir: audio
        defaults:
          gap: 100ms
        outputs:
          - {id: square, device: laba_square, zone: town}
        zones:
          - id: town
            code: "530721101000"
            languages: [naxi, yi, mandarin]
            area: [[100.2, 26.9], [100.4, 26.9], [100.4, 27.1], [100.2, 27.1], [100.2, 26.9]]
        alerts:
          watch: \(watch)
          events:
            - {event: 地震, message: alarm, priority: emergency}
            - {event: 演练, message: notice, priority: manual}
          languages: {zh-CN: mandarin}
        """
    }

    static func cap(_ id: String, event: String = "地震", msgType: String = "Alert", references: String? = nil,
                    area: String = "<geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
          <identifier>\(id)</identifier>
          <sender>yunnan-eew@example.cn</sender>
          <sent>2026-12-02T09:59:50+08:00</sent>
          <status>Actual</status>
          <msgType>\(msgType)</msgType>
          <scope>Public</scope>\(references.map { "\n  <references>\($0)</references>" } ?? "")
          <info>
            <language>zh-CN</language>
            <category>Geo</category>
            <event>\(event)</event>
            <urgency>Immediate</urgency>
            <severity>Extreme</severity>
            <certainty>Observed</certainty>
            <expires>2099-12-31T00:00:00+08:00</expires>
            <area>
              <areaDesc>玉龙县</areaDesc>
              \(area)
            </area>
          </info>
        </alert>
        """
    }

    @Test func anAlertFileDroppedInTheWatchedFolderPlays() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.1)
        let watch = fixture.dir + "/alerts"
        try FileManager.default.createDirectory(atPath: watch, withIntermediateDirectories: true)
        // A file dropped while labad was not running is read at start; a link is not followed.
        try Self.cap("before-start").write(toFile: watch + "/before.xml", atomically: true, encoding: .utf8)
        try Self.cap("linked-1").write(toFile: fixture.dir + "/outside.xml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: watch + "/linked.xml", withDestinationPath: fixture.dir + "/outside.xml")
        try Self.alertConfig("alerts/").write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(fixture.waitForLog("broadcast completed"))
        // Written elsewhere and moved in, as an alert platform's client does; and a malformed one.
        try Self.cap("quake-1").write(toFile: fixture.dir + "/quake.xml.part", atomically: true, encoding: .utf8)
        let dropped = Date()
        rename(fixture.dir + "/quake.xml.part", watch + "/quake.xml")
        #expect(try fixture.waitForRecords { records in
            records.contains { $0.requestedBy == .alert(identifier: "quake-1") && $0.state == .done }
        })
        try "<alert>not closed".write(toFile: watch + "/broken.xml", atomically: false, encoding: .utf8)
        #expect(fixture.waitForLog("alert refused"))
        // A link moved in while labad runs is skipped too, with a line in the log.
        try FileManager.default.createSymbolicLink(atPath: fixture.dir + "/moved.xml", withDestinationPath: fixture.dir + "/outside.xml")
        rename(fixture.dir + "/moved.xml", watch + "/moved.xml")
        #expect(fixture.waitForLog("alert file is a symbolic link"))
        let listed = try laba(fixture, ["alerts", "--json"])
        #expect(fixture.terminate() == 0)

        let store = try Store(path: fixture.database)
        let record = try #require(try store.broadcasts(limit: .max).first { $0.requestedBy == .alert(identifier: "quake-1") })
        #expect(record.source == .alert && record.priority == .emergency && record.outcome == .completed)
        #expect(record.message == "alarm" && record.playedLanguages == ["mandarin"] && record.zone == "town")
        let started = Double(try #require(record.startedAt)) / 1e6
        #expect(started - dropped.timeIntervalSince1970 < 1, "the first frame within a second of the file")
        let alerts = try store.alerts()
        // Neither link was followed: linked-1 was never read.
        #expect(alerts.map(\.identifier) == [nil, "quake-1", "before-start"], "\(alerts.map(\.identifier))")
        #expect(alerts[0].file == "broken.xml"
                && alerts[0].reason?.hasPrefix("not a valid CAP 1.2 alert (broken.xml, line 1, column ") == true, "\(alerts[0].reason ?? "")")
        #expect(alerts[1].zones == ["town"] && alerts[1].broadcasts == [record.id] && alerts[1].file == "quake.xml")
        #expect(listed.status == 0 && listed.stdout.contains(#""identifier":"quake-1""#))
    }

    @Test(.enabled(if: PulseServer.available))
    func aCancelPostedToTheAPIStopsTheAlertWhileItPlays() throws {
        let fixture = try DaemonFixture()
        // Long enough to be playing when the Cancel comes, on a PCM that plays in real time.
        try fixture.writeTones(seconds: 3)
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        defer { pulse.kill() }
        try Self.alertConfig("alerts/").replacingOccurrences(of: "  watch: alerts/\n", with: "")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let post = { (xml: String) throws -> Binaries.Result in
            let file = fixture.dir + "/post.xml"
            try xml.write(toFile: file, atomically: true, encoding: .utf8)
            return try Binaries.run(executable: "/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "--unix-socket", fixture.dir + "/laba.sock",
                                                                   "-H", "Content-Type: application/cap+xml", "--data-binary", "@" + file,
                                                                   "http://laba/v1/alerts"])
        }
        // A geocode of a kind alerts.geocodes does not take: a note on the alert's record (issue 26).
        let first = try post(Self.cap("quake-1", area: "<geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>"
                                          + "<geocode><valueName>SAME</valueName><value>053033</value></geocode>"))
        #expect(first.stdout.hasSuffix("\n202"), "\(first.stdout)")
        #expect(try fixture.waitForRecords { $0.contains { $0.requestedBy == .alert(identifier: "quake-1") && $0.startedAt != nil } })
        let cancel = try post(Self.cap("quake-1-cancel", msgType: "Cancel",
                                       references: "yunnan-eew@example.cn,quake-1,2026-12-02T09:59:50+08:00"))
        #expect(cancel.stdout.hasSuffix("\n200") && cancel.stdout.contains(#""cancels":["quake-1"]"#), "\(cancel.stdout)")
        #expect(try fixture.waitForRecords { $0.contains { $0.requestedBy == .alert(identifier: "quake-1") && $0.state == .done } })
        let malformed = try post("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier></alert>")
        #expect(malformed.stdout.hasSuffix("\n422") && malformed.stdout.contains(#""code":"invalid_alert""#), "\(malformed.stdout)")
        // A clerk's terminal in Chinese reads the list in Chinese (the reasons stay as recorded).
        var chinese = fixture.environment
        chinese["LANG"] = "zh_CN.UTF-8"
        let listed = try Binaries.run("laba", ["alerts"], environment: chinese)
        #expect(listed.stdout.contains("已被 quake-1-cancel 取消") && listed.stdout.contains("来自 api"), "\(listed.stdout)")
        // Its note from the catalogue, not the daemon's English.
        #expect(listed.stdout.contains("注：以下地区编码未采用，其类型不在 alerts.geocodes（GB/T 2260）中：SAME 053033"), "\(listed.stdout)")
        #expect(!listed.stdout.contains("geocodes left out"), "\(listed.stdout)")
        #expect(fixture.terminate() == 0)

        let store = try Store(path: fixture.database)
        let stopped = try #require(try store.broadcasts(limit: .max).first { $0.requestedBy == .alert(identifier: "quake-1") })
        #expect(stopped.outcome == .stopped && stopped.reason == "cancelled by alert quake-1-cancel" && stopped.startedAt != nil)
        #expect(try store.alert(identifier: "quake-1")?.cancelledBy == "quake-1-cancel")
        #expect(try store.alerts().count == 3)
    }
}
