// The county's desk (issue 28) end to end: a commander's console and two real units through a real
// mosquitto, driven by headless Chromium (Tests/Browser/desk.py).

import Foundation
import LabaCore
import LabaFleet
import LabaStore
import LabaTestSupport
import Testing

@Suite(.serialized) struct DeskTests {
    /// county (古城区, no area) > town-a (甲镇, unit-a) and town-b (乙镇, unit-b), side by side.
    static func config(_ fleet: FleetFixture, unit: String, zone: String, console: Int? = nil) -> String {
        """
        timezone: Asia/Shanghai
        audio_dir: audio
        defaults: {gap: 200ms, loudness_lufs: -16}
        outputs:
          - {id: square, device: laba_square, zone: \(zone)}
        zones:
          - {id: county, name: 古城区, languages: [mandarin]}
          - {id: town-a, name: 甲镇, parent: county, languages: [naxi], area: [[100.0, 26.0], [100.1, 26.0], [100.1, 26.1], [100.0, 26.1], [100.0, 26.0]]}
          - {id: town-b, name: 乙镇, parent: county, languages: [yi], area: [[100.1, 26.0], [100.2, 26.0], [100.2, 26.1], [100.1, 26.1], [100.1, 26.0]]}
        fleet:
          name: e2e
          broker: "mqtt://127.0.0.1:\(fleet.broker.port)"
          unit: \(unit)
          keepalive: 5s
          trust:
            - {key: \(fleet.keys)/county.pub, zones: [county]}
        \(console != nil ? "  sign_key: \(fleet.keys)/county.key\n  command_zones: [county]\n" : "")
        alerts:
          events:
            - {event: 地震, message: notice}
          languages: {zh-CN: mandarin}
        """ + (console.map { "\nconsole: {listen: \"127.0.0.1:\($0)\", language: zh-Hans}\n" } ?? "")
    }

    @Test(.enabled(if: ConsoleTests.browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "needs chromium-driver, selenium and pulseaudio (make deps)"))
    func theCommandersConsoleShowsItsUnitsTheirRecordsAndTheMap() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let port = try ConsoleTests.freePort()
        let (officeYAML, aYAML, bYAML) = (Self.config(fleet, unit: "office", zone: "county", console: port),
                                          Self.config(fleet, unit: "unit-a", zone: "town-a"),
                                          Self.config(fleet, unit: "unit-b", zone: "town-b"))
        let office = try await fleet.start("office", zone: "county", commander: true) { _, office in
            try FileManager.default.createDirectory(atPath: office.dir + "/state", withIntermediateDirectories: true)
            let added = try Binaries.run("laba", ["user", "add", "chen", "--role", "operator", "--password-stdin"],
                                         environment: office.environment, stdin: "password-chen\n")
            guard added.status == 0 else { throw BrokerError(description: "laba user add: \(added.stderr)") }
            return officeYAML
        }
        let a = try await fleet.start("unit-a", zone: "town-a") { _, _ in aYAML }
        let b = try await fleet.start("unit-b", zone: "town-b") { _, _ in bYAML }
        #expect(await office.waitUntilOnline(["unit-a", "unit-b"]))

        let browser = try await blocking {
            try Binaries.run(executable: "/usr/bin/env", ["python3", Binaries.repo("Tests/Browser/desk.py"), "http://127.0.0.1:\(port)",
                                                          Binaries.repo(".build/screenshots"), String(b.pid)],
                             environment: ["SE_AVOID_STATS": "true"], timeout: 180)
        }
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")

        // What the pages showed, in the commander's store: unit-a's records of the broadcast and of
        // the alert, unit-b's of the broadcast to 乙镇 (played once let go), and unit-b offline.
        let records = try office.fleetRecords()
        let onA = records.filter { $0.unit == "unit-a" }, onB = records.filter { $0.unit == "unit-b" }
        // The broadcast and the alert, both on unit-a.
        #expect(onA.count == 2 && onA.allSatisfy { $0.message == "notice" && $0.zone == "town-a" }, "\(records)")
        #expect(onB.count == 1 && onB.allSatisfy { $0.message == "notice" && $0.zone == "town-b" }, "\(records)")
        #expect(try Store(path: office.database).units().first { $0.unit == "unit-b" }?.state == "offline")
        let heard = try await tones(a.dir + "/laba_square.wav")
        #expect(!heard.isEmpty && heard.allSatisfy { $0 == 300 }, "\(heard)")
        let heardOnB = try await tones(b.dir + "/laba_square.wav")
        #expect(!heardOnB.isEmpty && heardOnB.allSatisfy { $0 == 500 }, "\(heardOnB)")
    }

    /// 466 units going online and then offline at once: the overview's live view gets their rows
    /// in a few events, at least a second apart, not one event a unit.
    @Test(.enabled(if: ConsoleTests.browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "needs python3 (make deps)"))
    func manyUnitsChangingAtOnceCostAtMostOneEventASecond() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let port = try ConsoleTests.freePort()
        let officeYAML = Self.config(fleet, unit: "office", zone: "county", console: port)
        let office = try await fleet.start("office", zone: "county", commander: true) { _, office in
            try FileManager.default.createDirectory(atPath: office.dir + "/state", withIntermediateDirectories: true)
            let added = try Binaries.run("laba", ["user", "add", "chen", "--role", "operator", "--password-stdin"],
                                         environment: office.environment, stdin: "password-chen\n")
            guard added.status == 0 else { throw BrokerError(description: "laba user add: \(added.stderr)") }
            return officeYAML
        }
        let ready = office.dir + "/events-ready", count = 466
        async let reader = blocking {
            try Binaries.run(executable: "/usr/bin/env", ["python3", Binaries.repo("Tests/Browser/desk_events.py"),
                                                          "http://127.0.0.1:\(port)", ready, String(count)], timeout: 120)
        }
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while !FileManager.default.fileExists(atPath: ready), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(FileManager.default.fileExists(atPath: ready), "the live view opened")

        let client = try MQTTConnection(MQTTOptions(host: "127.0.0.1", port: fleet.broker.port, clientID: "load-units"))
        let inbox = Inbox(client)
        client.subscribe(fleet.topics.topic(.unitStatus(unit: "nobody")))
        client.start()
        defer { Task { await client.stop(publishingWill: false) } }
        #expect(await inbox.waitForSubscriptions(1))
        let started = Date()
        for state in [UnitStatus.State.online, .offline] {
            for i in 0..<count {
                let unit = "load-\(i)"
                let status = state == .online
                    ? UnitStatus(unit: unit, state: .online, since: Instant(Date()),
                                 outputs: [UnitStatus.Output(id: "square", zone: i % 2 == 0 ? "town-a" : "town-b", state: "idle")],
                                 version: "load")
                    : UnitStatus.offline(unit: unit)
                _ = try client.publish(topic: fleet.topics.topic(.unitStatus(unit: unit)), payload: FleetJSON.encode(status))
            }
        }
        let result = try await reader
        print(result.stdout, "published and read in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(result.status == 0, "\(result.stderr)")
        struct Figures: Decodable {
            var events: Int
            var gaps: [Double]
            var rows: Int
            var offline: Int
        }
        let figures = try JSONDecoder().decode(Figures.self, from: Data(result.stdout.utf8))
        #expect(figures.offline == count, "every unit is shown offline: \(result.stdout)")
        #expect(figures.gaps.allSatisfy { $0 >= 0.9 }, "at most one event a second: \(figures.gaps)")
        // 932 changes: a handful of events, each carrying the units changed since the last.
        #expect(figures.events <= 2 + Int(Date().timeIntervalSince(started)), "\(figures.events) events")
        #expect(figures.rows >= count, "\(figures.rows) rows")
    }
}
