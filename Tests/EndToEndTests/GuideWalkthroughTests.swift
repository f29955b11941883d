import Foundation
import Testing

/// The technician's guide's "day at the township office": every `laba` line of its shell block, run as written
/// (through the shell, from a working directory holding the uploaded recording) against a real
/// daemon on the Lijiang example, with the sound devices replaced by ALSA's `null` PCM.
@Suite(.serialized) struct GuideWalkthroughTests {
    static func walkthrough() throws -> [String] {
        let guide = try String(contentsOfFile: Binaries.repo("Docs/technician.md"), encoding: .utf8)
        let section = try #require(guide.components(separatedBy: "## Operating: a day at the township office").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        return block.split(separator: "\n").map(String.init)
    }

    @Test func everyCommandOfTheDayWorksAsWritten() throws {
        let lines = try Self.walkthrough()
        // Only systemd's own commands are left out (there is no systemd here).
        let commands = lines.filter { $0.hasPrefix("laba ") || $0.hasPrefix("sudo laba ") }
        let others = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") && !commands.contains($0) }
        #expect(others.allSatisfy { $0.hasPrefix("systemctl ") || $0.hasPrefix("journalctl ") }, "\(others)")
        #expect(commands.count >= 15)

        let fixture = try DaemonFixture()
        let config = try String(contentsOfFile: Binaries.repo("Config/lijiang.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "audio_dir: ../Audio", with: "audio_dir: \(Binaries.repo("Audio"))")
            .replacingOccurrences(of: "area: areas/", with: "area: \(Binaries.repo("Config/areas"))/")
            .replacingOccurrences(of: "watch: alerts/", with: "watch: \(Binaries.repo("Config/alerts"))")
            .replacingOccurrences(of: #"quiet_hours: "22:00-07:00""#, with: "quiet_hours: none")
            .replacingOccurrences(of: #"device: ("[^"]*"|\S+)"#, with: "device: \"null\"", options: .regularExpression)
        try config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let work = fixture.dir + "/office"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "44100", "-c", "1", "-b", "16", work + "/通知.wav",
                                                    "synth", "1", "sine", "440", "vol", "0.3"])
        let editor = fixture.dir + "/editor.sh"
        try "#!/bin/sh\nsed -i 's/at: \\[\"08:00\", \"12:00\", \"18:00\"\\]/at: [\"08:00\", \"12:00\", \"17:30\"]/' \"$1\"\n"
            .write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))

        let environment = fixture.environment.merging([
            "PATH": Binaries.directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "LABA_CONFIG": fixture.configPath, "EDITOR": editor, "VISUAL": "", "TMPDIR": fixture.dir,
        ]) { $1 }
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
