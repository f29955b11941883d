// Issue 26's leak test, the CLI's side: one scenario driven through the real `laba` and `labad`
// under LANG=zh_CN.UTF-8, and no Latin word in what a clerk reads but the scenario's ids, codes and
// units, `error:`/`warning:`, configuration keys, `laba`'s command and option names, and paths
// (LatinLeaks, shared with the console's leak test).

import Foundation
import LabaTestSupport
import Testing

@Suite(.serialized) struct CLILeakTests {
    /// The scenario configuration's ids.
    static let ids = ["square", "van", "liming", "shidian", "xinyingpan", "tongzhi", "mandarin", "laba_square", "laba_van",
                      "laba_mic", "nowhere", "nosuch", "huiyi"]
    /// The configuration keys a diagnostic or a hint may name.
    static let configKeys = ["timezone", "audio_dir", "outputs", "zones", "id", "device", "zone", "languages", "quiet_hours",
                             "schedule", "message", "at", "live.max", "live.input", "input", "max", "parent", "defaults",
                             "gap", "every", "from", "until", "repeat", "priority",
                             // The unknown key the broken file has, quoted back.
                             "colour"]

    /// `laba`'s command and option names, read from its English help (`LANG=C`): the first word of
    /// each line of its SUBCOMMANDS, and every `--option` of the commands the scenario runs.
    static func commandWords(_ commands: [[String]]) throws -> [String] {
        var words: Set<String> = []
        for command in [[]] + commands {
            let help = try Binaries.run("laba", command + ["--help"], environment: ["LANG": "C"]).stdout
            var inSubcommands = false
            for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("SUBCOMMANDS:") { inSubcommands = true; continue }
                if inSubcommands, line.hasPrefix("  "), let first = line.split(separator: " ").first { words.insert(String(first)) }
                if !line.hasPrefix(" ") { inSubcommands = line.hasPrefix("SUBCOMMANDS:") }
            }
            let options = try NSRegularExpression(pattern: "(?:^|[ ,\\[])--?([a-z][a-z-]*)")
            let range = NSRange(help.startIndex..., in: help)
            for match in options.matches(in: help, range: range) {
                words.insert(String(help[Range(match.range(at: 1), in: help)!]))
            }
            words.formUnion(command)
        }
        return words.sorted()
    }

    @Test func aClerksScenarioReadsInChineseOnly() throws {
        let fixture = try DaemonFixture()
        try fixture.writeMicrophone(frequency: 600)
        // Quiet hours in `shidian` now, whatever the hour the test runs at.
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
        let quiet = String(format: "%02d:00-%02d:00", hour, (hour + 2) % 24)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/audio/tongzhi", withIntermediateDirectories: true)
        _ = try Binaries.run(path: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16",
                                                    fixture.dir + "/audio/tongzhi/mandarin.wav", "synth", "0.3", "sine", "600", "vol", "0.5"])
        try """
            timezone: UTC
            audio_dir: audio
            outputs:
              - {id: square, device: laba_square, zone: liming}
              - {id: van, device: laba_van, zone: shidian}
            zones:
              - id: liming
                languages: [mandarin]
              - id: shidian
                languages: [mandarin]
                quiet_hours: "\(quiet)"
              - id: xinyingpan
                languages: [mandarin]
            live: {input: laba_mic, max: 1s}
            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try fixture.start()
        #expect(fixture.waitForLog("ready"))

        let zh = fixture.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 }
        var transcript: [(command: [String], text: String)] = []
        func laba(_ arguments: String...) throws {
            let result = try Binaries.run("laba", arguments, environment: zh)
            transcript.append((arguments, result.stdout + result.stderr))
        }
        try "this is not audio".write(toFile: fixture.dir + "/huiyi.wav", atomically: true, encoding: .utf8)
        let broken = fixture.dir + "/broken.yaml"
        try """
            audio_dir: audio
            outputs:
              - {id: square, device: laba_square, zone: liming}
            zones:
              - id: liming
                languages: [mandarin]
                colour: red
                quiet_hours: "22：00-06:00"
                schedule:
                  - {message: tongzhi, at: "2020-01-01 08:00"}
            """.write(toFile: broken, atomically: true, encoding: .utf8)

        // A broadcast, followed to its outcome; each kind of refusal; a talk; a bad upload.
        try laba("play", "tongzhi", "--zone", "liming", "--wait")
        try laba("play", "tongzhi", "--zone", "shidian")
        try laba("play", "tongzhi", "--zone", "xinyingpan")
        try laba("play", "tongzhi", "--zone", "nowhere")
        try laba("play", "nosuch", "--zone", "liming")
        try laba("play", "--file", fixture.dir + "/huiyi.wav", "--zone", "liming")
        try laba("live", "--zone", "liming")
        // What the records, the outputs and the totals say.
        try laba("status")
        try laba("history")
        try laba("report", "--by", "language")
        try laba("report", "--by", "zone")
        // A schedule preview with a warning, a broken file checked, help and a usage mistake.
        try laba("schedule", "add", "tongzhi", "--zone", "liming", "--at", "2020-01-01 08:00")
        try laba("status")
        try laba("check", "--config", broken)
        try laba("--help")
        try laba("play", "--help")
        try laba("play")
        try laba("schedule", "add")

        let words = try Self.commandWords([["play"], ["live"], ["status"], ["history"], ["report"], ["check"], ["schedule"], ["schedule", "add"]])
        // `dev`: the version's build tag (`labad 0.1.0 (dev)`).
        // The values a clerk types after an option (`--priority emergency`), as help shows defaults.
        let values = ["manual", "emergency"]
        let leaks = LatinLeaks(ids: Self.ids, words: Self.configKeys + words + values + ["dev"])
        for (command, text) in transcript {
            // The operators' entry's generated id (`op-` and hex).
            let text = text.replacingOccurrences(of: #"\bop-[0-9a-f]+\b"#, with: "", options: .regularExpression)
            #expect(!text.isEmpty, "laba \(command.joined(separator: " ")) said nothing")
            let found = leaks.leaks(in: text)
            #expect(found.isEmpty, "laba \(command.joined(separator: " ")):\n\(found.map(\.description).joined(separator: "\n"))")
        }
        // The scenario said what it should, in Chinese: each refusal, the upload's problem, the talk's
        // end, the schedule's warning (in its answer and in the status), the check's slip and key.
        let all = transcript.map(\.text).joined(separator: "\n")
        for said in ["禁播时段", "目前没有喇叭", "没有区域", "没有节目", "文件格式无法识别", "实时喊话已结束", "不会再播出",
                     "全角冒号", "没有 colour 这一项", "缺少参数"] {
            #expect(all.contains(said), "the scenario never said '\(said)'")
        }
        #expect(transcript.filter { $0.text.contains("不会再播出") }.count >= 3, "schedule add, status and check warn")
        #expect(fixture.terminate() == 0)
    }
}
