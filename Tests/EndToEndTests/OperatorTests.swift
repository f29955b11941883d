import Foundation
import LabaStore
import Testing

/// What a clerk types, as issue 12 found it: each mistake is named, in the clerk's language, with
/// SPEC §9's exit code. These run the real `laba`; none needs a daemon unless it says so.
struct UsageCase: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var status: Int32
    /// A line of standard error that must appear.
    var says: String
    var testDescription: String { arguments.joined(separator: " ") }
}

@Suite struct UsageTests {
    static let lijiang = Binaries.repo("Config/lijiang.yaml")
    /// No daemon: every case is refused before one would be asked.
    static let environment = ["LABA_SOCKET": "/nonexistent/laba.sock", "LABA_CONFIG": lijiang]

    static let cases: [UsageCase] = [
        // A mistyped flag is named even when something else is missing too.
        .init(arguments: ["play", "masks", "--zoen", "x"], status: 64, says: "Error: unknown option '--zoen'; did you mean '--zone'?"),
        .init(arguments: ["play", "--zoen", "x"], status: 64, says: "Error: unknown option '--zoen'; did you mean '--zone'?"),
        .init(arguments: ["history", "--limt", "5"], status: 64, says: "Error: unknown option '--limt'; did you mean '--limit'?"),
        .init(arguments: ["check", "--bogus"], status: 64, says: "Error: unknown option '--bogus'"),
        .init(arguments: ["--sokcet", "/x", "status"], status: 64, says: "Error: unknown option '--sokcet'; did you mean '--socket'?"),
        .init(arguments: ["stauts"], status: 64, says: "Error: unknown command 'stauts'; did you mean 'status'?"),
        .init(arguments: ["histroy", "--since", "today"], status: 64, says: "Error: unknown command 'histroy'; did you mean 'history'?"),
        // Counts: negative numbers are values, not flags.
        .init(arguments: ["play", "masks", "--zone", "x", "--repeat", "-3"], status: 64, says: "Error: --repeat must be at least 1, found -3"),
        .init(arguments: ["play", "masks", "--zone", "x", "--repeat=-3"], status: 64, says: "Error: --repeat must be at least 1, found -3"),
        .init(arguments: ["play", "masks", "--zone", "x", "--repeat", "0"], status: 64, says: "Error: --repeat must be at least 1, found 0"),
        .init(arguments: ["play", "masks", "--zone", "x", "--repeat", "101"], status: 64,
              says: "Error: --repeat must be between 1 and 100, found 101"),
        .init(arguments: ["history", "--limit", "-5"], status: 64, says: "Error: --limit must be at least 1, found -5"),
        .init(arguments: ["next", "--count", "0"], status: 64, says: "Error: --count must be at least 1, found 0"),
        .init(arguments: ["calendar", "daily", "--iterations", "-2"], status: 64, says: "Error: --iterations must be at least 1, found -2"),
        // Languages and zones.
        .init(arguments: ["play", "masks", "--zone", "x", "--lang", ""], status: 64, says: "Error: --lang is empty: name at least one"),
        .init(arguments: ["play", "masks", "--zone", "x", "--lang", "naxi,"], status: 64, says: "Error: --lang is empty: name at least one"),
        .init(arguments: ["play", "masks", "--zone", "x", "--lang", "naxi,naxi"], status: 64, says: "Error: --lang names 'naxi' twice"),
        .init(arguments: ["play", "masks", "--zone", "x", "--lang", "Naxi"], status: 64,
              says: "Error: --lang 'Naxi' is not a valid name (lower-case letters, digits, '_' and '-'); did you mean 'naxi'?"),
        .init(arguments: ["play", "masks", "--zone", "Baisha"], status: 64,
              says: "Error: --zone 'Baisha' is not a valid name (lower-case letters, digits, '_' and '-'); did you mean 'baisha'?"),
        .init(arguments: ["next", "--config", lijiang, "--zone", "Baisha"], status: 64,
              says: "Error: unknown zone 'Baisha'; did you mean 'baisha'?"),
        .init(arguments: ["next", "--config", lijiang, "--zone", "baisah"], status: 64,
              says: "Error: unknown zone 'baisah'; did you mean 'baisha'?"),
        .init(arguments: ["play", "--file", "/nonexistent/a.wav", "--zone", "x", "notice\u{202E}vaw.exe"], status: 64,
              says: "Error: MESSAGE: the name contains a bidirectional control character (U+202E)"),
        .init(arguments: ["play", "--file", "/nonexistent/\u{202E}gnp.wav", "--zone", "x"], status: 64,
              says: "Error: --file: the name contains a bidirectional control character (U+202E)"),
        // Unknown enum values, times and spans.
        .init(arguments: ["play", "masks", "--zone", "x", "--priority", "urgent"], status: 64, says: "Error: The value 'urgent' is invalid for '--priority <priority>'"),
        .init(arguments: ["history", "--outcome", "great"], status: 64, says: "Error: The value 'great' is invalid for '--outcome <outcome>'"),
        .init(arguments: ["report", "--by", "colour"], status: 64, says: "Error: The value 'colour' is invalid for '--by <by>'"),
        .init(arguments: ["play", "masks", "--zone", "x", "--within", "0"], status: 64, says: "Error: --within must be longer than 0, found '0'"),
        .init(arguments: ["play", "masks", "--zone", "x", "--within", "soon"], status: 64, says: "Error: --within: invalid time span 'soon'"),
        .init(arguments: ["history", "--since", "next tuesday"], status: 64, says: "Error: --since: bad time 'next tuesday'"),
        .init(arguments: ["report", "--until", "2026-13-01"], status: 64, says: "Error: --until: bad time '2026-13-01'"),
        .init(arguments: ["next", "--from", "tomorow"], status: 64, says: "Error: --from: bad time 'tomorow'"),
        .init(arguments: ["calendar", "daily", "--base-time", "next tuesday"], status: 64, says: "Error: --base-time: bad time 'next tuesday'"),
        .init(arguments: ["calendar", "daily", "--timezone", "Asia/Lijiang"], status: 64, says: "Error: --timezone: unknown time zone 'Asia/Lijiang'"),
        // The daemon cannot be reached: 69, --all included.
        .init(arguments: ["stop", "--all"], status: 69, says: "laba: cannot reach labad: there is no socket at /nonexistent/laba.sock"),
        .init(arguments: ["play", "masks", "--all"], status: 69, says: "laba: cannot reach labad: there is no socket at /nonexistent/laba.sock"),
        .init(arguments: ["--socket", "/nonexistent/other.sock", "status"], status: 69,
              says: "laba: cannot reach labad: there is no socket at /nonexistent/other.sock. Is it running? (systemctl status laba)"),
    ]

    @Test(arguments: cases)
    func mistakesAreNamedWithTheirExitCode(_ c: UsageCase) throws {
        let result = try Binaries.run("laba", c.arguments, environment: Self.environment)
        #expect(result.status == c.status, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").contains { $0.hasPrefix(c.says) }, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func chineseLocaleGetsChineseMessages() throws {
        let result = try Binaries.run("laba", ["play", "masks", "--zoen", "x"],
                                      environment: Self.environment.merging(["LANG": "zh_CN.UTF-8"]) { $1 })
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("错误：未知选项 '--zoen'；您是不是要输入 '--zone'？\n用法：laba play "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("详见 'laba play --help'。\n"))
        // LC_ALL wins over LANG, as setlocale reads them.
        let english = try Binaries.run("laba", ["stauts"], environment: ["LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"])
        #expect(english.stderr.hasPrefix("Error: unknown command 'stauts'"))
    }

    @Test func helpGivesTheRanges() throws {
        let play = try Binaries.run("laba", ["play", "--help"])
        #expect(play.stdout.contains("(1–100)"), "\(play.stdout)")
        let history = try Binaries.run("laba", ["history", "--help"])
        #expect(history.stdout.contains("(1–10000)"))
    }

    @Test func aMissingConfigurationIsOneError() throws {
        let result = try Binaries.run("laba", ["next", "--config", "/nonexistent/missing.yaml"], environment: Self.environment)
        #expect(result.status == 1)
        #expect(result.stderr == "laba: /nonexistent/missing.yaml does not exist\n")
    }

    /// `laba --config F next` and `laba next --config F` are the same command (issue 11).
    @Test func globalOptionsMayComeBeforeTheCommand() throws {
        let after = try Binaries.run("laba", ["next", "--config", Self.lijiang, "--count", "3", "--from", "2026-11-30 07:00"],
                                     environment: Self.environment)
        let before = try Binaries.run("laba", ["--config", Self.lijiang, "next", "--count", "3", "--from", "2026-11-30 07:00"],
                                      environment: Self.environment)
        let equals = try Binaries.run("laba", ["--config=\(Self.lijiang)", "--json", "next", "--count", "3",
                                               "--from", "2026-11-30 07:00"], environment: Self.environment)
        #expect(after.status == 0 && before.status == 0 && equals.status == 0, "\(before.stderr)\(equals.stderr)")
        #expect(before.stdout == after.stdout && after.stdout.split(separator: "\n").count == 4)
        #expect(equals.stdout.hasPrefix("[\n  {\"time\": \"2026-11-30T08:00:00+08:00\""), "\(equals.stdout)")
        // A global option the command does not use is passed over: status reads no configuration.
        let status = try Binaries.run("laba", ["--config", Self.lijiang, "status"], environment: Self.environment)
        #expect(status.status == 69, "\(status.stderr)")
    }

    /// An expression that never elapses says so on standard error; standard output stays the instants.
    @Test func calendarSaysNever() throws {
        let never = try Binaries.run("laba", ["calendar", "2100-02-29", "--base-time", "2026-01-01", "--timezone", "UTC"])
        #expect(never.status == 0)
        #expect(never.stdout.isEmpty)
        #expect(never.stderr == "laba: '2100-02-29' never elapses after 2026-01-01T00:00:00+00:00\n")
        let two = try Binaries.run("laba", ["calendar", "daily", "2100-02-29", "--base-time", "2026-01-01", "--timezone", "UTC"])
        #expect(two.stdout == "2026-01-02T00:00:00+00:00\n\n")
        #expect(two.stderr.contains("'2100-02-29' never elapses"))
        let chinese = try Binaries.run("laba", ["calendar", "2100-02-29", "--base-time", "2026-01-01", "--timezone", "UTC"],
                                       environment: ["LANG": "zh_CN.UTF-8"])
        #expect(chinese.stderr == "laba: '2100-02-29' 在 2026-01-01T00:00:00+00:00 之后永远不会触发\n")
    }

    @Test func semiAnnuallyIsAcceptedAsSystemdSpellsIt() throws {
        for expression in ["semi-annually", "bi-annually", "semiannually", "biannually"] {
            let result = try Binaries.run("laba", ["calendar", expression, "--base-time", "2026-03-01", "--timezone", "UTC"])
            #expect(result.stdout == "2026-07-01T00:00:00+00:00\n", "\(expression): \(result.stderr)")
        }
    }
}

@Suite struct CheckOperatorTests {
    /// A phone's recording, an empty file and a Chinese folder name are each named; in Chinese the
    /// summary is Chinese and every diagnostic keeps its FILE:LINE:COL: prefix.
    @Test func ignoredRecordingsAreNamedInTheClerksLanguage() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for path in ["audio/masks", "audio/通知"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + path, withIntermediateDirectories: true)
        }
        _ = try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", dir + "/audio/masks/naxi.wav",
                                                          "synth", "0.2", "sine", "440"])
        try Data("\0\0\0\u{18}ftypM4A ".utf8).write(to: URL(fileURLWithPath: dir + "/audio/masks/mandarin.m4a"))
        try Data().write(to: URL(fileURLWithPath: dir + "/audio/masks/yi.wav"))
        try Data().write(to: URL(fileURLWithPath: dir + "/audio/通知/naxi.wav"))
        try """
            audio_dir: audio
            outputs:
              - {id: o, device: hw, zone: town}
            zones:
              - id: town
                name: 丽江市，古城
                languages: [naxi]
                schedule:
                  - {message: masks, at: "08:00"}
            """.write(toFile: dir + "/laba.yaml", atomically: true, encoding: .utf8)
        let result = try Binaries.run("laba", ["check", "--config", dir + "/laba.yaml"], environment: ["LANG": "zh_CN.UTF-8"])
        #expect(result.status == 0, "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(dir)/audio/masks/mandarin.m4a:1:1: warning: 已忽略这个录音：无法读取 .m4a 格式（手机录音常用的格式）；"
            + "请在控制台上传（会自动转换），或先转换：ffmpeg -i \(dir)/audio/masks/mandarin.m4a \(dir)/audio/masks/mandarin.flac"),
            "\(result.stdout)")
        #expect(lines.contains("\(dir)/audio/masks/yi.wav:1:1: warning: 已忽略这个录音：文件是空的（0 字节）；请重新复制或删除"))
        #expect(lines.contains { $0.hasPrefix("\(dir)/laba.yaml:1:12: warning: 已忽略文件夹 \(dir)/audio/通知/：“通知”不是有效的节目编号") })
        #expect(lines.last == "\(dir)/laba.yaml：有效（0 个错误，3 个警告）", "\(lines.last ?? "")")
        #expect(lines.contains { $0.hasPrefix("节目") && $0.contains("naxi") && $0.contains("不分语种") })
    }

    @Test func aFullWidthColonIsNamedOnItsOwnLine() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "timezone: Asia/Shanghai\nzones:\n  - id： town\n    name: 古城\n".write(toFile: dir + "/laba.yaml", atomically: true, encoding: .utf8)
        let result = try Binaries.run("laba", ["check", "--config", dir + "/laba.yaml"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("\(dir)/laba.yaml:3:7: error: full-width colon '：', typed by a Chinese input method: "
            + "YAML needs the ASCII ':' here\n"), "\(result.stdout)")
    }
}

/// The same, against a running daemon.
@Suite(.serialized) struct OperatorDaemonTests {
    func laba(_ fixture: DaemonFixture, _ arguments: [String], language: String = "C.UTF-8") throws -> Binaries.Result {
        try Binaries.run("laba", arguments, environment: fixture.environment.merging(["LANG": language]) { $1 })
    }

    /// Upload names that a spreadsheet would run as formulas are defused in CSV only.
    @Test func csvCellsThatLookLikeFormulasAreDefused() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.1)
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let tone = fixture.dir + "/audio/notice/naxi.wav"
        // (The daemon refuses names with control characters, so tab and CR are in LabaCLITests' table.)
        let names = ["=1+2", "+SUM(A1)", "-2+3", "@cmd"]
        for name in names {
            let play = try laba(fixture, ["play", "--file", tone, "--zone", "town", "--wait", "--", name])
            #expect(play.status == 0, "\(play.stderr)")
        }
        let csv = try laba(fixture, ["history", "--format", "csv"])
        let rows = csv.stdout.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        let messages = Set(rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[3] })
        #expect(messages == ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd"], "\(csv.stdout)")
        // JSON and the table keep the names as they are.
        let json = try laba(fixture, ["history", "--json"])
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let raw = Set(((list?["broadcasts"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String })
        #expect(raw == Set(names))
        let table = try laba(fixture, ["history"])
        #expect(table.stdout.contains("  =1+2  ") && !table.stdout.contains("'=1+2"))
        #expect(fixture.terminate() == 0)
    }

    @Test func globalOptionsBeforeTheCommandReachTheDaemon() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        try fixture.writeConfig(at: "2099-01-01")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        // No LABA_SOCKET: only the option can name the socket.
        let environment = fixture.environment.filter { $0.key != "LABA_SOCKET" }
        let socket = fixture.dir + "/laba.sock"
        let before = try Binaries.run("laba", ["--socket", socket, "status"], environment: environment)
        let after = try Binaries.run("laba", ["status", "--socket", socket], environment: environment)
        #expect(before.status == 0 && after.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("square") && before.stdout.split(separator: "\n").dropFirst().elementsEqual(after.stdout.split(separator: "\n").dropFirst()))
        let json = try Binaries.run("laba", ["--socket=\(socket)", "--json", "zone"], environment: environment)
        #expect(json.status == 0 && json.stdout.hasPrefix("{\"outputs\":"), "\(json.stdout)\(json.stderr)")
        #expect(fixture.terminate() == 0)
    }

    /// A refusal names the fix: a close zone for a typo, --force for quiet hours; `--all` is every
    /// output the daemon has.
    @Test func refusalsSayWhatToDo() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 0.1)
        // Quiet hours around now, whatever the time.
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
        let quiet = String(format: "%02d:00-%02d:00", (hour + 23) % 24, (hour + 2) % 24)
        try fixture.writeConfig(at: "2099-01-01", extra: "  - {id: hall, parent: town, quiet_hours: \"\(quiet)\"}")
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let typo = try laba(fixture, ["play", "notice", "--zone", "twon", "--config", fixture.configPath])
        #expect(typo.status == 1)
        #expect(typo.stderr == "laba: unknown zone 'twon'; did you mean 'town'?\n", "\(typo.stderr)")
        let moved = try laba(fixture, ["zone", "square", "hall"])
        #expect(moved.status == 0, "\(moved.stderr)")
        let refused = try laba(fixture, ["play", "notice", "--all"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("; add --force to play it in quiet hours anyway\n"), "\(refused.stderr)")
        let chinese = try laba(fixture, ["play", "notice", "--zone", "hall"], language: "zh_CN.UTF-8")
        #expect(chinese.stderr.hasSuffix("；如确需在禁播时段播出，请加 --force\n"), "\(chinese.stderr)")
        let forced = try laba(fixture, ["play", "notice", "--all", "--force", "--wait"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let stopped = try laba(fixture, ["stop", "--all", "--clear", "--json"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let outputs = (try JSONSerialization.jsonObject(with: Data(stopped.stdout.utf8)) as? [String: Any])?["outputs"] as? [String]
        #expect(outputs == ["square"], "\(stopped.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
