import Foundation
import Testing

/// The technician's guide (Docs/technician.md) followed as written, against a real daemon on the
/// Lijiang example with the sound devices replaced by ALSA's `null` PCM.
enum Guide {
    static func text() throws -> String {
        try String(contentsOfFile: Binaries.repo("Docs/technician.md"), encoding: .utf8)
    }

    /// A fenced shell block: its info string (`sh`, or `sh no-run: WHY`), its first line's number
    /// and its lines.
    struct Block: CustomTestStringConvertible {
        var info: String
        var line: Int
        var lines: [String]
        var testDescription: String { "technician.md:\(line)" }
        /// Why it cannot run on one machine, when its fence says `no-run: WHY`.
        var notRunnable: String? {
            guard let range = info.range(of: "no-run") else { return nil }
            return info[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: ": "))
        }
    }

    /// Every ```sh block of the guide.
    static func shellBlocks() throws -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (number, line) in try text().components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else if line == "```sh" || line.hasPrefix("```sh ") {
                    current = Block(info: String(line.dropFirst(3)), line: number + 1, lines: [])
                } else {
                    current = Block(info: "other", line: number + 1, lines: [])
                    current?.info = "other"
                }
                continue
            }
            current?.lines.append(line)
        }
        return blocks.filter { $0.info != "other" }
    }

    /// A daemon on the Lijiang example, as installed (`/etc/laba/laba.yaml`), in a test folder:
    /// the devices are `null`, the quiet hours off, the alert folder the test's `etc/laba/alerts`;
    /// and a working folder holding the checkout's `Config`, `Audio` and `.build` (links), as a
    /// technician's shell in a checkout has them.
    static func lijiang() throws -> (fixture: DaemonFixture, work: String, environment: [String: String]) {
        let fixture = try DaemonFixture()
        let alerts = fixture.dir + "/etc/laba/alerts"
        try FileManager.default.createDirectory(atPath: alerts, withIntermediateDirectories: true)
        let config = try String(contentsOfFile: Binaries.repo("Config/lijiang.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "audio_dir: ../Audio", with: "audio_dir: \(Binaries.repo("Audio"))")
            .replacingOccurrences(of: "area: areas/", with: "area: \(Binaries.repo("Config/areas"))/")
            .replacingOccurrences(of: "watch: alerts/", with: "watch: \(alerts)")
            .replacingOccurrences(of: #"quiet_hours: "22:00-07:00""#, with: "quiet_hours: none")
            .replacingOccurrences(of: #"device: ("[^"]*"|\S+)"#, with: "device: \"null\"", options: .regularExpression)
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let work = fixture.dir + "/office"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        for link in ["Config", "Audio", ".build"] {
            try FileManager.default.createSymbolicLink(atPath: work + "/" + link, withDestinationPath: Binaries.repo(link))
        }
        let environment = fixture.environment.merging([
            "PATH": Binaries.directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "LABA_CONFIG": fixture.configPath, "VISUAL": "", "TMPDIR": fixture.dir,
        ]) { $1 }
        return (fixture, work, environment)
    }

    /// The commands of a block: continuation lines joined, comments and blank lines left out, `sudo`
    /// dropped (the test is the daemon's user), the installed system's `/etc/laba/` the test's.
    static func commands(_ lines: [String], root: String) -> [String] {
        var commands: [String] = []
        var pending = ""
        for line in lines {
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
                continue
            }
            let command = pending + line
            pending = ""
            let trimmed = command.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            commands.append((trimmed.hasPrefix("sudo ") ? String(trimmed.dropFirst(5)) : trimmed)
                .replacingOccurrences(of: "/etc/laba/", with: root + "/etc/laba/"))
        }
        return commands
    }
}

/// Every shell block of the technician's guide that can run on one machine, run as written.
@Suite(.serialized) struct TechnicianGuideTests {
    @Test func everyBlockIsRunOrSaysWhyNot() throws {
        let blocks = try Guide.shellBlocks()
        #expect(blocks.count >= 15)
        for block in blocks {
            if let why = block.notRunnable {
                #expect(why.count >= 8, "\(block.testDescription): `no-run` needs a reason")
            }
        }
        // What is left runs below; a block marked by mistake would hide there, so the count is pinned.
        #expect(blocks.filter { $0.notRunnable == nil }.count == 5, "\(blocks.filter { $0.notRunnable == nil }.map(\.testDescription))")
    }

    @Test func theRunnableBlocksWorkAsWritten() throws {
        let (fixture, work, environment) = try Guide.lijiang()
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        var outputs: [String: String] = [:]
        // The guide's example id of an operators' entry is the one its first `schedule add` made.
        var entry: String?
        for block in try Guide.shellBlocks() where block.notRunnable == nil {
            for written in Guide.commands(block.lines, root: fixture.dir) {
                let command = entry.map { written.replacingOccurrences(of: "op-3f2a91", with: $0) } ?? written
                let result = try Binaries.run(executable: "/bin/sh", ["-c", "cd '\(work)' && " + command], environment: environment)
                #expect(result.status == 0, "\(block.testDescription): \(command)\n\(result.stdout)\(result.stderr)")
                if entry == nil, command.hasPrefix("laba schedule add "),
                   let id = result.stdout.range(of: #"op-[0-9a-f]+"#, options: .regularExpression) {
                    entry = String(result.stdout[id])
                }
                outputs[written.components(separatedBy: "  #").first!.trimmingCharacters(in: .whitespaces)] = result.stdout + result.stderr
            }
        }
        // What the blocks claim, checked where it can be.
        #expect(try String(contentsOfFile: work + "/captures/laba_square.wav", encoding: .isoLatin1).hasPrefix("RIFF"))
        #expect(outputs["laba schedule change op-3f2a91 --at 17:45"]?.contains("Mon..Fri 17:45") == true,
                "\(outputs["laba schedule change op-3f2a91 --at 17:45"] ?? "")")
        #expect(FileManager.default.fileExists(atPath: work + "/truck-1.geojson"))
        #expect(outputs["laba siren air-raid --zone gucheng"]?.isEmpty == false)
        #expect(fixture.terminate() == 0)
    }
}

/// The guide's "day at the township office": every `laba` line of its shell block, run as written
/// (through the shell, from a working directory holding the uploaded recording); systemd's own
/// lines are left out (there is no systemd here), which is why its fence says `no-run`.
@Suite(.serialized) struct GuideWalkthroughTests {
    static func walkthrough() throws -> [String] {
        let guide = try Guide.text()
        let section = try #require(guide.components(separatedBy: "## Operating: a day at the township office").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```sh").dropFirst().first?.components(separatedBy: "```").first)
        return block.split(separator: "\n").dropFirst().map(String.init)
    }

    @Test func everyCommandOfTheDayWorksAsWritten() throws {
        let lines = try Self.walkthrough()
        // Only systemd's own commands are left out (there is no systemd here).
        let commands = lines.filter { $0.hasPrefix("laba ") || $0.hasPrefix("sudo laba ") }
        let others = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") && !commands.contains($0) }
        #expect(others.allSatisfy { $0.hasPrefix("systemctl ") || $0.hasPrefix("journalctl ") }, "\(others)")
        #expect(commands.count >= 15)

        let (fixture, work, shared) = try Guide.lijiang()
        _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "44100", "-c", "1", "-b", "16", work + "/通知.wav",
                                                    "synth", "1", "sine", "440", "vol", "0.3"])
        let editor = fixture.dir + "/editor.sh"
        try "#!/bin/sh\nsed -i 's/at: \\[\"08:00\", \"12:00\", \"18:00\"\\]/at: [\"08:00\", \"12:00\", \"17:30\"]/' \"$1\"\n"
            .write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))

        let environment = shared.merging(["EDITOR": editor]) { $1 }
        var outputs: [String: String] = [:]
        for line in commands {
            let command = line.hasPrefix("sudo ") ? String(line.dropFirst(5)) : line
            let result = try Binaries.run(executable: "/bin/sh", ["-c", "cd '\(work)' && " + command], environment: environment)
            #expect(result.status == 0, "\(line)\n\(result.stdout)\(result.stderr)")
            outputs[line.components(separatedBy: "  #").first!.trimmingCharacters(in: .whitespaces)] = result.stdout
        }
        #expect(outputs["laba next --output truck-1 --count 3"]?.contains("xinyingpan") == true)
        #expect(outputs["sudo laba edit"]?.contains("0 added, 0 removed, 7 moved, 0 changed") == true, "\(outputs["sudo laba edit"] ?? "")")
        #expect(outputs["laba play --file 通知.wav --zone baisha --lang naxi --wait"]?.contains("completed") == true)
        #expect(outputs["laba stop --zone baisha"]?.contains("baisha-hall") == true, "\(outputs["laba stop --zone baisha"] ?? "")")
        #expect(outputs["laba report --since today --by zone"]?.contains("baisha") == true)
        let csv = try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.hasPrefix("record-") }
        #expect(csv.count == 1)
        if let name = csv.first {
            let text = try String(contentsOfFile: work + "/" + name, encoding: .utf8)
            #expect(text.contains(",upload,") && text.contains(",emergency,") && text.contains(",manual,"), "\(text)")
        }
        #expect(fixture.terminate() == 0)
    }
}
