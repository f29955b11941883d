import Foundation
import LabaCore
import LabaStore
import Testing

/// SPEC 17, issue 24 finding 4: accounts carry zones (`laba user add --zones`, `laba user zones`),
/// and an operator limited to one zone is refused outside it through every door: the console's
/// forms (Bench/attack/operator-zones.py, as `make attack` runs it) and the control socket (a
/// socket user acts as the account of its login name).
@Suite(.serialized) struct OperatorZonesTests {
    static let config = """
        timezone: UTC
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town}
          - {id: van, device: "null", zone: hills}
        zones:
          - id: town
            languages: [mandarin]
          - {id: market, parent: town}
          - id: hills
            languages: [mandarin]
        operators: {schedule: true}
        """

    static func fixture(extra: String = "") throws -> DaemonFixture {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try (config + "\n" + extra).write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        return fixture
    }

    func laba(_ fixture: DaemonFixture, _ arguments: String..., stdin: String? = nil) throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment.merging(["LANG": "C"]) { $1 }, stdin: stdin)
    }

    @Test func anAccountsZonesAreSetListedAndChangedWithTheCLI() throws {
        let fixture = try Self.fixture()
        let config = fixture.configPath
        let typo = try laba(fixture, "user", "add", "li", "--role", "operator", "--zones", "twon", "--config", config,
                            "--password-stdin", stdin: "password-li\n")
        #expect(typo.status == 64 && typo.stderr.contains("unknown zone 'twon'") && typo.stderr.contains("town"), "\(typo.stderr)")
        let admin = try laba(fixture, "user", "add", "zhang", "--role", "admin", "--zones", "town", "--password-stdin", stdin: "password-zh\n")
        #expect(admin.status == 64 && admin.stderr.contains("an admin acts everywhere"), "\(admin.stderr)")

        #expect(try laba(fixture, "user", "add", "li", "--role", "operator", "--zones", "town,hills", "--config", config,
                         "--password-stdin", stdin: "password-li\n").status == 0)
        #expect(try laba(fixture, "user", "add", "wang", "--role", "operator", "--password-stdin", stdin: "password-wang\n").status == 0)
        var list = try laba(fixture, "user", "list").stdout
        #expect(list.contains("ZONES") && list.contains("town,hills") && list.contains("as operators.zones says"), "\(list)")

        let narrowed = try laba(fixture, "user", "zones", "li", "market", "--config", config)
        #expect(narrowed.status == 0 && narrowed.stdout.contains("account 'li' now acts in: market"), "\(narrowed.stderr)")
        #expect(try laba(fixture, "user", "zones", "wang", "--everywhere").status == 0)
        #expect(try laba(fixture, "user", "zones", "nobody-here", "--everywhere").status == 1)
        #expect(try laba(fixture, "user", "zones", "li").status == 64, "zones, --everywhere or --configured")
        list = try laba(fixture, "user", "list").stdout
        #expect(list.contains("market") && list.contains("everywhere"), "\(list)")
        let store = try Store(path: fixture.database)
        #expect(try store.accounts().map(\.zones) == [.only(["market"]), .everywhere])
    }

    /// The console's forms, attacked as Bench/attack/operator-zones.py does under `make attack`.
    @Test func anOperatorLimitedToTheTownIsRefusedOutsideItInTheConsole() async throws {
        let attack = try await blocking { try Binaries.run(executable: "/usr/bin/env", ["python3", Binaries.repo("Bench/attack/operator-zones.py"), Binaries.directory],
                                      timeout: 170) }
        #expect(attack.status == 0, "\(attack.stdout)\n\(attack.stderr)")
        #expect(attack.stdout.contains("held: a broadcast in the hills is refused (403)"), "\(attack.stdout)")
    }

    static var canSwitchUser: Bool {
        getuid() == 0 && getgrnam("audio") != nil && getpwuid(65534) != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }

    /// A socket user acts as the console account of its login name; root acts everywhere.
    @Test(.enabled(if: canSwitchUser)) func aSocketUserNamedAfterALimitedAccountIsRefusedOutsideItsZones() throws {
        let fixture = try Self.fixture(extra: "control: {group: audio}")
        chmod(fixture.dir, 0o755)
        let user = String(cString: getpwuid(65534)!.pointee.pw_name)
        #expect(try laba(fixture, "user", "add", user, "--role", "operator", "--zones", "town", "--password-stdin",
                         stdin: "password-nobody\n").status == 0)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        // The control socket's first answer says it is up.
        var status = try laba(fixture, "status")
        let deadline = Date().addingTimeInterval(Binaries.patience)
        while status.status != 0, Date() < deadline {
            usleep(50_000)
            status = try laba(fixture, "status")
        }
        let audio = Int(getgrnam("audio")!.pointee.gr_gid)
        func asUser(_ arguments: String...) throws -> Binaries.Result {
            try Binaries.run(executable: "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--groups=\(audio)",
                                                              Binaries.directory + "/laba"] + arguments,
                             environment: fixture.environment.merging(["LANG": "C"]) { $1 })
        }
        let root = try laba(fixture, "play", "notice", "--zone", "hills", "--loop")
        #expect(root.status == 0, "root acts everywhere: \(root.stderr)")

        let outside = try asUser("play", "notice", "--zone", "hills")
        #expect(outside.status == 1 && outside.stderr.contains("you may act only in town and the zones below them, not in hills"),
                "\(outside.stderr)")
        let stop = try asUser("stop", "--zone", "hills")
        #expect(stop.status == 1 && stop.stderr.contains("not in hills"), "\(stop.stderr)")
        let move = try asUser("zone", "van", "town")
        #expect(move.status == 1 && move.stderr.contains("not in hills"), "\(move.stderr)")
        let schedule = try asUser("schedule", "add", "notice", "--zone", "hills", "--at", "07:30")
        #expect(schedule.status == 1 && schedule.stderr.contains("not in hills"), "\(schedule.stderr)")

        let inside = try asUser("play", "notice", "--zone", "market", "--zone", "town")
        #expect(inside.status == 0 && inside.stdout.contains("square"), "\(inside.stderr)")
        let all = try asUser("stop", "--all")
        #expect(all.status == 0, "all is all of its zones: \(all.stderr)")

        let records = try Store(path: fixture.database).broadcasts(limit: .max)
        #expect(records.filter { $0.requestedBy?.uid == 65534 }.allSatisfy { $0.output == "square" }, "\(records.map { ($0.output, $0.requestedBy) })")
        #expect(records.first { $0.output == "van" }?.state != .done, "root's broadcast in the hills plays on")
        #expect(try laba(fixture, "stop", "--all", "--clear").status == 0)
        #expect(fixture.terminate() == 0)
    }
}
