import Foundation
import Testing

/// Recordings from phones (issue 27): `.m4a`, `.aac` and `.amr`, each made from a tone, converted
/// at intake by ffmpeg (a child process), through the API (`laba play --file`) and the console's
/// upload, and heard in the capture; what is not audio, WeChat's `.silk` and a missing ffmpeg are
/// refused in the clerk's words.
@Suite(.serialized) struct PhoneRecordingTests {
    struct Phone {
        var name: String
        var file: String
        /// The command that makes it from a tone (`OUT` is the file).
        var make: [String]
        var frequency: Int
    }

    /// The phones' formats. AMR is made by sox's `amr-nb` writer (Debian's ffmpeg has no AMR
    /// encoder); the m4a lasts long enough that its index, written at the end as phones do, lies
    /// beyond what a pipe can seek back to.
    static let phones = [
        Phone(name: "m4a", file: "voice memo.m4a",
              make: ["/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=700:sample_rate=44100:duration=4",
                     "-c:a", "aac", "-b:a", "128k", "-y", "OUT"], frequency: 700),
        Phone(name: "aac", file: "通知.aac",
              make: ["/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=800:sample_rate=48000:duration=1",
                     "-c:a", "aac", "-f", "adts", "-y", "OUT"], frequency: 800),
        Phone(name: "amr", file: "wechat.amr",
              make: ["/usr/bin/sox", "-n", "-r", "8000", "-c", "1", "-t", "amr-nb", "OUT", "synth", "1", "sine", "600"], frequency: 600),
    ]

    static func make(_ phone: Phone, in dir: String) throws -> String {
        let path = dir + "/" + phone.file
        let command = phone.make.map { $0 == "OUT" ? path : $0 }
        let result = try Binaries.run(executable: command[0], Array(command.dropFirst()))
        #expect(result.status == 0, "\(result.stderr)")
        return path
    }

    @Test func aPhonesRecordingIsConvertedAndHeardThroughTheAPIAndTheConsole() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try ConsoleTests.freePort()
        try fixture.writeConfig(at: "2099-01-01", extra: "console: {listen: \"127.0.0.1:\(port)\", language: zh-Hans}")
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        let added = try Binaries.run("laba", ["user", "add", "wang", "--role", "admin", "--password-stdin"],
                                     environment: fixture.environment, stdin: "correct horse\n")
        #expect(added.status == 0, "\(added.stderr)")
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        var env = fixture.environment
        env["LANG"] = "zh_CN.UTF-8"
        let base = "http://127.0.0.1:\(port)"
        let login = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "name=wang",
                                                                   "--data-urlencode", "password=correct horse", base + "/login"])
        let cookie = try #require(login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }?
            .dropFirst("set-cookie: ".count).split(separator: ";").first.map(String.init))
        let page = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie)", base + "/recordings"]).stdout
        let csrf = try #require(page.range(of: #"name="csrf" content="([^"]+)""#, options: .regularExpression)
            .map { String(page[$0].dropFirst(#"name="csrf" content=""#.count).dropLast()) })
        func request(_ method: String, _ path: String, file: String? = nil) throws -> (status: String, body: String) {
            let out = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "-X", method, "-H", "Cookie: \(cookie)",
                                                                     "-H", "X-CSRF-Token: \(csrf)", "-H", "Content-Type: application/octet-stream"]
                                           + (file.map { ["--data-binary", "@" + $0] } ?? []) + [base + path]).stdout
            let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        /// The console's upload: staged (converted, heard in its player), then confirmed.
        func upload(_ path: String, as language: String) throws -> (status: String, body: String) {
            let staged = try request("PUT", "/recordings/notice/\(language)/stage", file: path)
            guard staged.status == "200" else { return staged }
            let answer = try JSONSerialization.jsonObject(with: Data(staged.body.utf8)) as? [String: String] ?? [:]
            let token = answer["token"] ?? ""
            #expect(answer["replaces"]?.contains("保存后将替换") == true, "\(staged.body)")
            // The player's recording is the converted one, as WAV.
            let heard = fixture.dir + "/heard.wav"
            let player = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", heard, "-w", "%{http_code}", "-H", "Cookie: \(cookie)",
                                                                        base + (answer["audio"] ?? "")])
            #expect(player.stdout == "200", "\(player.stdout)")
            #expect(try Binaries.toneFrequencies(of: heard).count == 1, "the staged recording plays")
            return try request("POST", "/recordings/notice/\(language)/confirm?token=\(token)")
        }

        for phone in Self.phones {
            let file = try Self.make(phone, in: fixture.dir)
            // The API: `laba play --file` sends it to POST /v1/broadcasts/audio.
            let played = try Binaries.run("laba", ["play", "--file", file, "--zone", "town", "--lang", "yi", "--wait"], environment: env)
            #expect(played.status == 0, "\(phone.name): \(played.stderr)")
            #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [phone.frequency], "\(phone.name) through the API")
            // The console: saved as notice's Naxi recording, then broadcast from the library.
            let saved = try upload(file, as: "naxi")
            #expect(saved.status == "201", "\(phone.name): \(saved.body)")
            let library = try Binaries.run("laba", ["play", "notice", "--zone", "town", "--lang", "naxi", "--wait"], environment: env)
            #expect(library.status == 0, "\(phone.name): \(library.stderr)")
            #expect(try Binaries.toneFrequencies(of: fixture.dir + "/laba_square.wav") == [phone.frequency], "\(phone.name) through the console")
        }
        // What the library keeps is FLAC or WAV that libsndfile plays: no phone format in audio_dir.
        let kept = try FileManager.default.contentsOfDirectory(atPath: fixture.dir + "/audio/notice")
        #expect(!kept.contains { $0.hasSuffix(".m4a") || $0.hasSuffix(".aac") || $0.hasSuffix(".amr") }, "\(kept)")

        // Not audio: a text, and a file that claims to be MPEG-4 and is not.
        let text = fixture.dir + "/会议纪要.m4a"
        try "周五在学校开会。\n".write(toFile: text, atomically: true, encoding: .utf8)
        let textRefused = try Binaries.run("laba", ["play", "--file", text, "--zone", "town"], environment: env)
        #expect(textRefused.status == 1 && textRefused.stderr.contains("不是可以播放的录音"), "\(textRefused.stderr)")
        let fake = fixture.dir + "/broken.m4a"
        try Data([0, 0, 0, 24] + Array("ftypM4A ".utf8) + [UInt8](repeating: 0x41, count: 2_000)).write(to: URL(fileURLWithPath: fake))
        let fakeRefused = try Binaries.run("laba", ["play", "--file", fake, "--zone", "town"], environment: env)
        #expect(fakeRefused.status == 1 && fakeRefused.stderr.contains("ffmpeg 无法转换"), "\(fakeRefused.stderr)")
        let fakeConsole = try upload(fake, as: "yi")
        #expect(fakeConsole.status == "422" && fakeConsole.body.contains("ffmpeg 无法转换"), "\(fakeConsole.body)")
        // WeChat's voice message: what to do instead.
        let silk = fixture.dir + "/msg.silk"
        try Data([0x02] + Array("#!SILK_V3".utf8) + [UInt8](repeating: 7, count: 200)).write(to: URL(fileURLWithPath: silk))
        let silkRefused = try Binaries.run("laba", ["play", "--file", silk, "--zone", "town"], environment: env)
        #expect(silkRefused.status == 1 && silkRefused.stderr.contains("微信语音消息") && silkRefused.stderr.contains("录音机"),
                "\(silkRefused.stderr)")
        let silkConsole = try upload(silk, as: "yi")
        #expect(silkConsole.status == "422" && silkConsole.body.contains("微信语音消息"), "\(silkConsole.body)")
        #expect(fixture.terminate() == 0)

        // Without ffmpeg: said so, with what to install.
        fixture.extraEnvironment["LABA_FFMPEG"] = fixture.dir + "/no-ffmpeg"
        try fixture.start()
        #expect(fixture.waitForLog("ready"))
        let m4a = fixture.dir + "/" + Self.phones[0].file
        let missing = try Binaries.run("laba", ["play", "--file", m4a, "--zone", "town"], environment: env)
        #expect(missing.status == 1 && missing.stderr.contains("没有安装") && missing.stderr.contains("ffmpeg"), "\(missing.stderr)")
        #expect(fixture.terminate() == 0)
    }
}
