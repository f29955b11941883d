import Foundation
import Testing

/// `laba edit` with a scripted editor, and `laba check --diff` (issue 6, part 7).
@Suite(.serialized) struct EditTests {
    /// An editor that runs `script` on the file it is given.
    func editor(_ fixture: DaemonFixture, _ script: String) throws -> [String: String] {
        let path = fixture.dir + "/editor-\(UInt32.random(in: 0...UInt32.max)).sh"
        try "#!/bin/sh\nset -e\nf=\"$1\"\n\(script)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return fixture.environment.merging(["EDITOR": path, "VISUAL": "", "LABA_CONFIG": fixture.configPath,
                                            "TMPDIR": fixture.dir]) { $1 }
    }

    @Test func aValidEditIsShownInstalledAndReloaded() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        chmod(fixture.configPath, 0o640)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let env = try editor(fixture, #"sed -i 's/at: "08:00"/at: "09:30"/' "$f""#)
        let result = try Binaries.run("laba", ["edit"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("0 added, 0 removed, 1 moved, 0 changed"), "\(result.stdout)")
        #expect(result.stdout.contains("08:00:00+00:00 → "), "\(result.stdout)")
        #expect(result.stdout.contains("Installed \(fixture.configPath).") && result.stdout.contains("labad reloaded it."))
        #expect(try String(contentsOfFile: fixture.configPath, encoding: .utf8).contains(#"at: "09:30""#))
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.configPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(fixture.waitForLog("configuration reloaded"))
        let next = try Binaries.run("laba", ["next", "--count", "1"], environment: fixture.environment)
        #expect(next.stdout.contains("T09:30:00+00:00"), "\(next.stdout)")
        // Nothing is left behind: no copy, no temporary file beside the configuration.
        let left = try FileManager.default.contentsOfDirectory(atPath: fixture.dir)
        #expect(!left.contains { $0.hasPrefix("laba-edit-") || $0.hasSuffix(".laba-edit") }, "\(left)")
        #expect(fixture.terminate() == 0)
    }

    @Test func anInvalidEditIsRefusedAndTheInstalledFileIsUnchanged() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.configPath))
        let env = try editor(fixture, #"sed -i 's/^timezone: UTC/timezone: UTC\nschedul: []/; s/at: "08:00"/at: "25:00"/' "$f""#)
        let result = try Binaries.run("laba", ["edit"], environment: env)
        #expect(result.status == 1)
        // Both mistakes, at their place in the edited copy; stdin is no terminal, so no second round.
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 2, "\(result.stderr)")
        #expect(errors.first?.contains("/laba.yaml:2:1: error: unknown key 'schedul'") == true, "\(result.stderr)")
        #expect(result.stderr.contains("is unchanged; your edit is kept in \(fixture.dir)/laba-edit-"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.configPath)) == before)
    }

    /// On a terminal (`script` gives it one), an invalid copy is offered for another round, and the
    /// second, fixed, edit is installed.
    @Test func onATerminalAnInvalidCopyCanBeEditedAgain() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        let env = try editor(fixture, """
            n=$(cat "\(fixture.dir)/rounds" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "\(fixture.dir)/rounds"
            if [ $n = 1 ]; then echo "bogus: 1" >> "$f"; else sed -i 's/^bogus: 1$/# fixed/' "$f"; fi
            """)
        let command = Binaries.directory + "/laba edit"
        let run = try Binaries.run(executable: "/bin/sh", ["-c", "printf 'y\\n' | script -qec '\(command)' /dev/null"],
                                   environment: env)
        let result = run.stdout + run.stderr
        #expect(run.status == 0, "\(result)")
        #expect(result.contains("error: unknown key 'bogus'") && result.contains("Edit again? [Y/n]"), "\(result)")
        #expect(result.contains("Installed \(fixture.configPath)."), "\(result)")
        #expect(try String(contentsOfFile: fixture.configPath, encoding: .utf8).hasSuffix("# fixed\n"))
        #expect(try String(contentsOfFile: fixture.dir + "/rounds", encoding: .utf8) == "2\n")
    }

    @Test func aFailingEditorOrNoChangeLeavesTheFileAlone() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.configPath))
        let unchanged = try Binaries.run("laba", ["edit"], environment: try editor(fixture, "true"))
        #expect(unchanged.status == 0 && unchanged.stdout.contains("No changes"), "\(unchanged.stderr)")
        let failing = try Binaries.run("laba", ["edit"], environment: try editor(fixture, "echo 'x: 1' >> \"$f\"; exit 3"))
        #expect(failing.status == 1 && failing.stderr.contains("failed (exit 3)"), "\(failing.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.configPath)) == before)
        // With no daemon running the new file is installed and used at the next start.
        let valid = try Binaries.run("laba", ["edit"], environment: try editor(fixture, #"sed -i 's/08:00/07:00/' "$f""#))
        #expect(valid.status == 0 && valid.stdout.contains("labad is not running"), "\(valid.stdout) \(valid.stderr)")
    }

    /// A configuration reached through a symbolic link: the link stays, its target is replaced.
    @Test func aLinkedConfigurationStaysALink() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        let target = fixture.dir + "/real.yaml"
        try FileManager.default.moveItem(atPath: fixture.configPath, toPath: target)
        try FileManager.default.createSymbolicLink(atPath: fixture.configPath, withDestinationPath: target)
        let result = try Binaries.run("laba", ["edit"], environment: try editor(fixture, #"sed -i 's/08:00/09:00/' "$f""#))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: fixture.configPath) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("09:00"))
    }

    @Test func checkDiffListsWhatTheChangeDoesToTheNextDay() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "08:00")
        let old = fixture.dir + "/old.yaml"
        try FileManager.default.copyItem(atPath: fixture.configPath, toPath: old)
        try fixture.writeConfig(at: "08:00", extra: """
                  - {message: alarm, at: "13:00"}
            """)
        let result = try Binaries.run("laba", ["check", "--config", fixture.configPath, "--diff", old])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("1 added, 0 removed, 0 moved, 0 changed"), "\(result.stdout)")
        #expect(result.stdout.contains("T13:00:00+00:00  square  town  alarm  mandarin"), "\(result.stdout)")
        let json = try Binaries.run("laba", ["check", "--config", old, "--diff", fixture.configPath, "--json"])
        let diff = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["diff"] as? [String: Any]
        #expect((diff?["removed"] as? [[String: Any]])?.first?["message"] as? String == "alarm")
        #expect((diff?["added"] as? [Any])?.isEmpty == true)
    }
}
