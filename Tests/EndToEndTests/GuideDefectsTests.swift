import Foundation
import LabaFleet
import Testing

/// The guide's steps that failed or misled a newcomer (issue 27), each fixed in the code.
@Suite(.serialized) struct GuideDefectsTests {
    /// `laba edit`'s warnings name the file it installs, not its temporary copy.
    @Test func editWarningsNameTheRealFile() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        let editor = fixture.dir + "/editor.sh"
        // A language without a recording of the scheduled message: a warning, not an error.
        try "#!/bin/sh\nsed -i 's/languages: \\[naxi, yi, mandarin\\]/languages: [naxi, yi, mandarin, lisu]/' \"$1\"\n"
            .write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        let result = try Binaries.run("laba", ["edit"], environment: fixture.environment.merging([
            "EDITOR": editor, "VISUAL": "", "LABA_CONFIG": fixture.configPath, "TMPDIR": fixture.dir]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
        let warnings = result.stdout.split(separator: "\n").filter { $0.contains(": warning: ") }
        #expect(!warnings.isEmpty, "\(result.stdout)")
        #expect(warnings.allSatisfy { $0.hasPrefix(fixture.configPath + ":") }, "\(warnings)")
        #expect(!result.stdout.contains("laba-edit-"), "\(result.stdout)")
    }

    /// `laba stop` says what it stopped, or that nothing serves the zone.
    @Test func stopSaysWhatItReached() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        // A zone no loudspeaker serves (the extra text lands in zones:, after town's schedule).
        try fixture.writeConfig(at: "2099-01-01", extra: "  - {id: hills, languages: [mandarin]}")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let town = try Binaries.run("laba", ["stop", "--zone", "town", "--clear"], environment: fixture.environment)
        #expect(town.status == 0 && town.stdout == "stopped what plays on square and cleared what waits there\n", "\(town.stdout)\(town.stderr)")
        let hills = try Binaries.run("laba", ["stop", "--zone", "hills"], environment: fixture.environment)
        #expect(hills.status == 0 && hills.stdout == "no loudspeaker serves hills now: nothing to stop\n", "\(hills.stdout)\(hills.stderr)")
        let json = try Binaries.run("laba", ["stop", "--all", "--json"], environment: fixture.environment)
        #expect(json.stdout.hasPrefix("{") && !json.stdout.contains("stopped what"), "\(json.stdout)")
        #expect(fixture.terminate() == 0)
    }

    /// `laba schedule change ID --at 17:45` on a weekday entry keeps it on weekdays, and says so.
    @Test func aTimeAloneKeepsTheEntrysDays() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let added = try Binaries.run("laba", ["schedule", "add", "notice", "--zone", "town", "--at", "Mon..Fri 17:30"],
                                     environment: fixture.environment)
        let id = try #require(added.stdout.range(of: #"op-[0-9a-f]+"#, options: .regularExpression).map { String(added.stdout[$0]) },
                              "\(added.stdout)\(added.stderr)")
        let changed = try Binaries.run("laba", ["schedule", "change", id, "--at", "17:45"], environment: fixture.environment)
        #expect(changed.status == 0 && changed.stdout.contains("keeps its days: Mon..Fri 17:45"), "\(changed.stdout)\(changed.stderr)")
        let list = try Binaries.run("laba", ["schedule", "list", "--json"], environment: fixture.environment)
        #expect(list.stdout.contains(#""at":["Mon..Fri 17:45"]"#), "\(list.stdout)")
        // Days given are taken as written.
        let daily = try Binaries.run("laba", ["schedule", "change", id, "--at", "*-*-* 18:00"], environment: fixture.environment)
        #expect(daily.status == 0 && !daily.stdout.contains("keeps its days"), "\(daily.stdout)")
        #expect(fixture.terminate() == 0)
    }

    /// `laba check --state-dir DIR` counts the recordings a fleet unit keeps there (received from
    /// its commanders) in its coverage, whatever LABA_STATE_DIR says.
    @Test func checkCountsTheFleetLibraryOfItsStateDir() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.05)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/keys", withIntermediateDirectories: true)
        let county = try FleetKeyFile.generate(at: fixture.dir + "/keys/county", comment: nil)
        try fixture.writeConfig(at: "2099-01-01 08:00:00", extra: """
            fleet:
              name: t
              broker: "mqtt://127.0.0.1:1"
              unit: town-1
              trust:
                - {key: keys/county.pub, zones: [town]}
            """)
        // Lisu too, which only the county's recording speaks.
        try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "languages: [naxi, yi, mandarin]", with: "languages: [naxi, yi, mandarin, lisu]")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let unit = fixture.dir + "/unit-state"
        let folder = unit + "/library/.keys/\(county.id)/notice"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.dir + "/audio/notice/naxi.wav", toPath: folder + "/lisu.wav")
        let elsewhere = fixture.dir + "/other-state"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let environment = fixture.environment.merging(["LABA_STATE_DIR": elsewhere]) { $1 }
        let without = try Binaries.run("laba", ["check", "--json", "--config", fixture.configPath], environment: environment)
        #expect(without.stdout.contains(#""lisu" : false"#), "\(without.stdout)")
        let with = try Binaries.run("laba", ["check", "--json", "--config", fixture.configPath, "--state-dir", unit],
                                    environment: environment)
        #expect(with.stdout.contains(#""lisu" : true"#), "\(with.stdout)\(with.stderr)")
    }
}
