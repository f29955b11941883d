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
        try laba("schedule", "add", "tongzhi", "--zone", "liming")

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
                     "全角冒号", "没有 colour 这一项", "缺少参数", "请用 --at 写明播出时间"] {
            #expect(all.contains(said), "the scenario never said '\(said)'")
        }
        #expect(transcript.filter { $0.text.contains("不会再播出") }.count >= 3, "schedule add, status and check warn")
        #expect(fixture.terminate() == 0)
    }

    /// Broken configurations, each with what `laba check` must say about it (in Chinese).
    static let brokenFiles: [(name: String, yaml: String, says: [String])] = [
        ("kinds", """
            outputs: square
            zones:
              - languages: [mandarin]
              - id: Liming
              - id: shidian
                schedule: {message: tongzhi}
            """, ["应为列表，这里是单个值", "区域缺少 id 这一项", "不是有效的编号", "应为列表，这里是映射"]),
        ("values", """
            timezone: Mars/Olympus
            outputs:
              - {id: square, device: laba_square, zone: liming, rate: 3, volume_db: loud}
            zones:
              - id: liming
                languages: [mandarin]
                quiet_hours: "25:00-07:00"
                schedule:
                  - {message: tongzhi, at: "08:00", from: 2026-13-01}
                  - {message: tongzhi, at: "nine", every: 2h, max_delay: 5x}
            live: {input: laba_mic, max: 0s}
            """, ["没有“Mars/Olympus”这个时区", "应在 4000 到 768000 之间", "应为数字", "应为时间段", "应为日期",
                  "不是有效的播出时间", "不是有效的时长", "必须大于 0"]),
        ("references", """
            outputs:
              - {id: square, device: laba_square, zone: limin}
              - {id: square, device: laba_van, zone: liming}
              - {id: van, zone: liming}
            zones:
              - id: liming
                parent: nowhere
                languages: [mandrin]
                schedule:
                  - {message: tongzhi, at: "08:00", from: 2026-12-07, until: 2026-12-01}
                  - {at: "09:00"}
            """, ["没有区域 limin", "是不是要输入 'liming'", "喇叭编号 square 重复", "喇叭缺少 device 这一项",
                  "上级区域 nowhere 不存在", "没有语种 mandrin", "早于 from", "一条定时播出缺少 message 这一项"]),
        ("power", """
            outputs:
              - {id: square, device: laba_square, zone: liming, power: {gpio: "gpio17", warmup: 90s}}
              - {id: van, device: laba_van, zone: liming, power: {on: "/usr/local/bin/relay 1 on", active: low}}
            zones:
              - id: liming
                languages: [mandarin]
            """, ["“芯片:引脚”的形式", "应在 0s 到 60s 之间", "power缺少 off 这一项", "只对 gpio 有效"]),
        ("fleet and places", """
            outputs:
              - {id: van, device: laba_van, zone: liming, follow: car}
            zones:
              - id: liming
                languages: [mandarin]
            fleet: {unit: van, command_zones: [liming]}
            gps: {gpsd: nohost, dwell: -5s}
            sirens: {low: 20, priority: loud}
            console: {listen: everywhere, language: fr}
            """, ["fleet缺少 name 这一项", "fleet缺少 broker 这一项", "写了 command_zones 就要写 sign_key",
                  "“地址:端口”的形式", "只能是 gps 之一", "应在 50Hz 到 10000Hz 之间", "只能是 manual, emergency 之一"]),
        ("fleet addresses", """
            outputs:
              - {id: van, device: laba_van, zone: liming}
            zones:
              - id: liming
                languages: [mandarin]
            fleet:
              name: county
              broker: "ftp://broker.example"
              unit: van
            """, ["不是有效的消息服务器地址"]),
        ("syntax", """
            zones:
              - id: liming
                languages: [mandarin
            """, ["YAML 格式有误"]),
    ]

    /// Configuration keys and values the broken files use, as `laba check` quotes them back.
    static let brokenWords = ["outputs", "zones", "zone", "id", "languages", "schedule", "message", "timezone", "device", "rate",
                              "volume_db", "quiet_hours", "at", "from", "until", "every", "gap", "live.max", "live", "parent",
                              "power", "power.gpio", "power.warmup", "power.active", "gpio", "on", "off", "active", "fleet",
                              "name", "broker", "command_zones", "sign_key", "gps.gpsd", "gps", "follow", "gps.dwell",
                              "sirens.low", "sirens.priority", "console.listen", "console.language", "manual", "emergency",
                              "zh-Hans", "en", "true", "false", "Mars/Olympus", "nine", "nohost", "everywhere", "fr", "loud",
                              "car", "county", "unit", "fleet.broker", "gpio17", "gpiochip0", "keygen", "max_delay", "5x", "2h", "limin", "mandrin", "Liming", "laba_van", "relay"]

    @Test func brokenConfigurationsAreCheckedInChineseOnly() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // An operators' schedule whose entry names a zone that is gone: disabled, with a warning.
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        try """
            entries:
              - {id: op-1, zone: gone, message: tongzhi, at: "08:00", added_by: clerk}
            """.write(toFile: dir + "/state/schedule.yaml", atomically: true, encoding: .utf8)
        let leaks = LatinLeaks(ids: Self.ids, words: Self.configKeys + Self.brokenWords + ["op-1", "gone", "dev"])
        let zh = ["LANG": "zh_CN.UTF-8"]
        for (n, file) in Self.brokenFiles.enumerated() {
            let path = dir + "/broken-\(n).yaml"
            try file.yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try Binaries.run("laba", ["check", "--config", path, "--state-dir", dir + "/state"], environment: zh)
            let text = result.stdout + result.stderr
            #expect(result.status == 1, "\(file.name): \(text)")
            let found = leaks.leaks(in: text)
            #expect(found.isEmpty, "\(file.name):\n\(found.map(\.description).joined(separator: "\n"))")
            for said in file.says {
                #expect(text.contains(said), "\(file.name) never said '\(said)':\n\(text)")
            }
            // file:line:col kept.
            #expect(text.contains(path + ":"), "\(file.name): \(text)")
        }
        // The operators' entry, disabled, in Chinese too (a valid file, so that the merge happens).
        let valid = dir + "/valid.yaml"
        try """
            outputs:
              - {id: square, device: laba_square, zone: liming}
            zones:
              - id: liming
                languages: [mandarin]
            """.write(toFile: valid, atomically: true, encoding: .utf8)
        let result = try Binaries.run("laba", ["check", "--config", valid, "--state-dir", dir + "/state"], environment: zh)
        let text = result.stdout + result.stderr
        #expect(text.contains("没有区域 gone；操作员的定时播出 op-1 已停用"), "\(text)")
        let found = leaks.leaks(in: text)
        #expect(found.isEmpty, "valid:\n\(found.map(\.description).joined(separator: "\n"))")
    }

    /// Every command path of `laba`, from its English help's SUBCOMMANDS, depth first.
    static func commandPaths(_ path: [String] = []) throws -> [[String]] {
        let help = try Binaries.run("laba", path + ["--help"], environment: ["LANG": "C"]).stdout
        var subcommands: [String] = []
        var inSubcommands = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") { inSubcommands = true; continue }
            if !line.hasPrefix(" ") { inSubcommands = false }
            if inSubcommands, line.hasPrefix("  "), !line.hasPrefix("   "), let first = line.split(separator: " ").first {
                subcommands.append(String(first))
            }
        }
        var paths = [path]
        for sub in subcommands where sub != "help" { paths += try commandPaths(path + [sub]) }
        return paths
    }

    /// The values help names for options (`--format table`, `--role viewer`) and the names of
    /// things it cites as they are typed (a signal, a standard, a tool).
    static let helpValues = ["table", "csv", "json", "geojson", "xlsx", "zone", "language", "message", "output", "unit", "viewer",
                             "operator", "admin", "manual", "emergency", "preliminary", "air-raid", "all-clear", "disaster",
                             "today", "yesterday", "Mon..Fri", "EBU", "R128", "OnCalendar", "mosquitto", "acl_file", "issuer",
                             "plughw", "SHA-256", "User", "tar", "fleet.unit", "operators.zones", "audio_dir", "dev",
                             // ALSA's default PCM (`--device`'s default) and a key file's extension.
                             "default", ".pub"]

    @Test func everyCommandsHelpReadsInChineseOnly() throws {
        let paths = try Self.commandPaths()
        #expect(paths.count > 30, "\(paths)")
        let leaks = LatinLeaks(ids: Self.ids, words: Self.configKeys + (try Self.commandWords(paths)) + Self.helpValues)
        for path in paths {
            let result = try Binaries.run("laba", path + ["--help"], environment: ["LANG": "zh_CN.UTF-8"])
            let text = result.stdout + result.stderr
            #expect(text.contains("用法"), "laba \(path.joined(separator: " ")) --help: \(text)")
            let found = leaks.leaks(in: text)
            #expect(found.isEmpty, "laba \(path.joined(separator: " ")) --help:\n\(found.map(\.description).joined(separator: "\n"))")
        }
    }
}
