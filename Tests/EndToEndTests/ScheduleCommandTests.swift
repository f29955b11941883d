import Foundation
import LabaCore
import LabaStore
import Testing

/// Clerks change the schedule with `laba schedule` (issue 16): through the real daemon, checked,
/// previewed, written to the state dir, audited; the technician's file is never touched.
@Suite(.serialized) struct ScheduleCommandTests {
    /// The daemon's clock starts just before this (UTC): the day's plan is known.
    static let morning = "2099-01-01 06:00:00"

    static func config(extra: String = "") -> String {
        """
        timezone: UTC
        audio_dir: audio
        defaults:
          gap: 200ms
        outputs:
          - {id: square, device: laba_square, zone: town}
        zones:
          - id: town
            languages: [mandarin]
            schedule:
              - {message: notice, at: "20:00"}
          - id: market
            parent: town
          - id: hills
            parent: town
        \(extra)
        """
    }

    static func fixture(extra: String = "") throws -> DaemonFixture {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try config(extra: extra).write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.setClock(justBefore: morning)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        return fixture
    }

    func laba(_ fixture: DaemonFixture, _ arguments: String...) throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment)
    }

    func operatorsFile(_ fixture: DaemonFixture) -> Data? {
        FileManager.default.contents(atPath: fixture.dir + "/state/schedule.yaml")
    }

    func version(_ fixture: DaemonFixture) throws -> Int {
        let list = try laba(fixture, "schedule", "list", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        return try #require(object?["version"] as? Int)
    }

    @Test func addChangePauseResumeRemoveEachShowInNextAtOnce() throws {
        let fixture = try Self.fixture()
        let technician = try #require(FileManager.default.contents(atPath: fixture.configPath))

        let added = try laba(fixture, "schedule", "add", "alarm", "--zone", "town", "--at", "07:30")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("Added op-") && added.stdout.contains("version 1"), "\(added.stdout)")
        #expect(added.stdout.contains("1 added, 0 removed, 0 moved, 0 changed"), "\(added.stdout)")
        #expect(added.stdout.contains("+ 2099-01-01T07:30:00+00:00  square  town  alarm"), "\(added.stdout)")
        let id = try #require(added.stdout.split(separator: " ").dropFirst().first.map(String.init))
        var next = try laba(fixture, "next", "--count", "3")
        #expect(next.stdout.contains("07:30") && next.stdout.contains("alarm"), "\(next.stdout)")

        let list = try laba(fixture, "schedule", "list")
        #expect(list.stdout.contains(id) && list.stdout.contains("operator") && list.stdout.contains("technician"), "\(list.stdout)")
        #expect(list.stdout.contains("root"), "who added it: \(list.stdout)")

        let changed = try laba(fixture, "schedule", "change", id, "--at", "09:15")
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout.contains("0 added, 0 removed, 1 moved"), "\(changed.stdout)")
        next = try laba(fixture, "next", "--count", "3")
        #expect(next.stdout.contains("09:15") && !next.stdout.contains("07:30"), "\(next.stdout)")

        let paused = try laba(fixture, "schedule", "pause", id)
        #expect(paused.status == 0 && paused.stdout.contains("0 added, 1 removed"), "\(paused.stdout)\(paused.stderr)")
        next = try laba(fixture, "next", "--count", "3")
        #expect(!next.stdout.contains("alarm"), "\(next.stdout)")
        #expect(try laba(fixture, "schedule", "list").stdout.contains("paused"))

        let resumed = try laba(fixture, "schedule", "resume", id)
        #expect(resumed.status == 0 && resumed.stdout.contains("1 added"), "\(resumed.stdout)\(resumed.stderr)")
        #expect(try laba(fixture, "next", "--count", "3").stdout.contains("alarm"))

        // Refused with the reason, nothing written.
        let before = operatorsFile(fixture)
        let badExpression = try laba(fixture, "schedule", "add", "alarm", "--zone", "town", "--at", "25:00")
        #expect(badExpression.status == 1)
        #expect(badExpression.stderr.contains("schedule.yaml:") && badExpression.stderr.contains("error: invalid calendar expression '25:00'"),
                "\(badExpression.stderr)")
        let badZone = try laba(fixture, "schedule", "add", "alarm", "--zone", "nowhere", "--at", "07:00")
        #expect(badZone.status == 1 && badZone.stderr.contains("unknown zone 'nowhere'"), "\(badZone.stderr)")
        let badMessage = try laba(fixture, "schedule", "add", "alarn", "--zone", "town", "--at", "07:00")
        #expect(badMessage.status == 1 && badMessage.stderr.contains("unknown message 'alarn'"), "\(badMessage.stderr)")
        #expect(operatorsFile(fixture) == before)

        // Two changes from the same version: the second is refused with what changed since.
        let base = try version(fixture)
        let first = try laba(fixture, "schedule", "change", id, "--at", "10:00", "--base-version", String(base))
        #expect(first.status == 0, "\(first.stderr)")
        let second = try laba(fixture, "schedule", "change", id, "--at", "11:00", "--base-version", String(base))
        #expect(second.status == 1)
        #expect(second.stderr.contains("changed since version \(base)") && second.stderr.contains("10:00"), "\(second.stderr)")
        #expect(try laba(fixture, "next", "--count", "3").stdout.contains("10:00"))

        // A technician's entry is not the operators' to change.
        let technicianEntry = try laba(fixture, "schedule", "pause", ScheduleEntry.derivedID(zone: "town", message: "notice", at: ["20:00"]))
        #expect(technicianEntry.status == 1 && technicianEntry.stderr.contains("laba edit"), "\(technicianEntry.stderr)")

        // A restart keeps the operators' schedule.
        #expect(fixture.terminate() == 0)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        #expect(try laba(fixture, "next", "--count", "3").stdout.contains("alarm"))

        let removed = try laba(fixture, "schedule", "remove", id)
        #expect(removed.status == 0 && removed.stdout.contains("Removed \(id)") && removed.stdout.contains("1 removed"),
                "\(removed.stdout)\(removed.stderr)")
        #expect(try !laba(fixture, "next", "--count", "3").stdout.contains("alarm"))

        // The audit log: every change, with the user.
        let log = try laba(fixture, "schedule", "log")
        for action in ["add", "change", "pause", "resume", "remove"] {
            #expect(log.stdout.contains(" \(action) "), "\(action): \(log.stdout)")
        }
        #expect(log.stdout.contains("root"))
        let csv = try laba(fixture, "schedule", "log", "--format", "csv")
        #expect(csv.stdout.hasPrefix("\u{FEFF}at,version,action,entry,requested_uid,requested_user,via,before,after"), "\(csv.stdout)")
        #expect(csv.stdout.split(whereSeparator: \.isNewline).count == 7, "\(csv.stdout)")
        #expect(fixture.terminate() == 0)
        #expect(FileManager.default.contents(atPath: fixture.configPath) == technician)
    }

    @Test func aTechniciansEditRemovingAZoneDisablesTheOperatorsEntry() throws {
        let fixture = try Self.fixture()
        let added = try laba(fixture, "schedule", "add", "alarm", "--zone", "hills", "--at", "07:30")
        #expect(added.status == 0, "\(added.stderr)")
        try Self.config().replacingOccurrences(of: "  - id: hills\n    parent: town\n", with: "")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let reload = try laba(fixture, "reload")
        #expect(reload.status == 0, "\(reload.stdout)\(reload.stderr)")
        let check = try Binaries.run("laba", ["check", "--config", fixture.configPath, "--state-dir", fixture.dir + "/state"])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("schedule.yaml:") && check.stdout.contains("warning: unknown zone 'hills'")
                && check.stdout.contains("is disabled"), "\(check.stdout)")
        #expect(try laba(fixture, "status").stdout.contains("is disabled"))
        #expect(try laba(fixture, "schedule", "list").stdout.contains("disabled"))
        // And a restart takes it (no exit 78).
        #expect(fixture.terminate() == 0)
        try fixture.start()
        #expect(fixture.waitForLog("is disabled"))
        #expect(fixture.waitForLog("ready"))
        #expect(fixture.terminate() == 0)
    }

    static var canSwitchUser: Bool {
        getuid() == 0 && getgrnam("audio") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }

    @Test(.enabled(if: canSwitchUser)) func anOperatorOutsideTheirZonesIsRefused() throws {
        let fixture = try Self.fixture(extra: "operators: {schedule: true, zones: [market]}\ncontrol: {group: audio}")
        chmod(fixture.dir, 0o755)
        let audio = Int(getgrnam("audio")!.pointee.gr_gid)
        func asClerk(_ arguments: String...) throws -> Binaries.Result {
            try Binaries.run(executable: "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--groups=\(audio)",
                                                              Binaries.directory + "/laba"] + arguments,
                             environment: fixture.environment)
        }
        let outside = try asClerk("schedule", "add", "alarm", "--zone", "hills", "--at", "07:30")
        #expect(outside.status == 1 && outside.stderr.contains("you may act only in market"), "\(outside.stderr)")
        #expect(operatorsFile(fixture) == nil)
        let inside = try asClerk("schedule", "add", "alarm", "--zone", "market", "--at", "07:30")
        #expect(inside.status == 0, "\(inside.stderr)")
        // Root is not bound by operators.zones.
        #expect(try laba(fixture, "schedule", "add", "alarm", "--zone", "hills", "--at", "08:30").status == 0)
        let user = String(cString: getpwuid(65534)!.pointee.pw_name)
        let log = try laba(fixture, "schedule", "log")
        #expect(log.stdout.contains(user) && log.stdout.contains("root"), "\(log.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
