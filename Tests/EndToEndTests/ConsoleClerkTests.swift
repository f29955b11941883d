import Foundation
import LabaCore
import LabaTestSupport
import Testing

/// Issue 26, the console's side: a clerk in a county office reads the console in Chinese at 1280
/// and 360 px, in one real Chromium session against one real labad whose clock is pinned to a day
/// that is not the machine's (so "今天" can only come from the daemon's clock). The browser part is
/// Tests/Browser/clerk.py; it hands back every page's text, which is checked here for English
/// with the shared allow-list (`LatinLeaks`).
@Suite(.serialized) struct ConsoleClerkTests {
    /// The daemon's clock: 10:00 in Shanghai on 15 March 2027.
    static let morning = "2027-03-15 02:00:00"

    @Test(.enabled(if: ConsoleTests.browserAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "needs chromium-driver, selenium and pulseaudio (make deps)"))
    func aClerkReadsNamesTitlesClerkTimesAndResultsAt1280And360() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones(seconds: 1.5)
        let pulse = try #require(try fixture.usePacedPCM(), "the PulseAudio null sink did not start")
        defer { pulse.kill() }
        // The chime: a neutral recording the technician set for every program.
        try FileManager.default.createDirectory(atPath: fixture.dir + "/audio/chime", withIntermediateDirectories: true)
        _ = try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", fixture.dir + "/audio/chime/neutral.wav",
                                                          "synth", "0.2", "sine", "1500", "vol", "0.5"])
        let port = try ConsoleTests.freePort()
        try """
            timezone: Asia/Shanghai
            audio_dir: audio
            defaults:
              gap: 200ms
              chime: chime
              languages: [mandarin]
            outputs:
              - {id: square, name: 石头乡广场喇叭, device: laba_square, zone: shitou}
              - {id: truck, name: 玉龙1号宣传车, device: laba_van, zone: baisha, follow: gps}
              - {id: lashi-gate, name: 拉市村口喇叭, device: laba_missing, zone: lashi}
            zones:
              - id: yulong
                name: 玉龙县
                schedule:
                  - {message: notice, at: "Sat,Sun 09:30"}
                  - {message: alarm, at: "*-*-* 15:00"}
              - {id: baisha, name: 白沙镇, parent: yulong}
              - {id: yuhu, name: 玉湖村, parent: baisha}
              - {id: lashi, name: 拉市镇, parent: yulong}
              - {id: shitou, name: 石头乡, parent: yulong}
            messages:
              - {id: notice, title: 防疫通知}
              - {id: alarm, title: 火警}
              - {id: chime, title: 提示音}
            operators: {schedule: true}
            console:
              listen: "127.0.0.1:\(port)"
              language: zh-Hans
            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try """
            pcm.laba_van {
                type plug
                slave { pcm { type file slave.pcm "null" file "\(fixture.dir)/laba_van.wav" format "wav" } format S16_LE }
            }
            """.write(toFile: fixture.dir + "/van.conf", atomically: true, encoding: .utf8)
        fixture.alsaConfig += ":" + fixture.dir + "/van.conf"
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        for (name, role) in [("li", "operator"), ("zhang", "admin")] {
            let added = try Binaries.run("laba", ["user", "add", name, "--role", role, "--password-stdin"],
                                         environment: fixture.environment, stdin: "password-\(name)\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        // A recording to upload under a Chinese title, and a file that is not audio.
        let upload = fixture.dir + "/tongzhi.wav"
        _ = try Binaries.run(executable: "/usr/bin/sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", upload,
                                                          "synth", "0.5", "sine", "700", "vol", "0.5"])
        try "not a recording".write(toFile: fixture.dir + "/tongzhi.txt", atomically: true, encoding: .utf8)

        try fixture.setClock(justBefore: Self.morning, seconds: 0)
        try fixture.start()
        #expect(fixture.waitForLog("console listening on http://127.0.0.1:\(port)"))

        let texts = fixture.dir + "/pages.json"
        let browser = try await blocking { try Binaries.run(executable: "/usr/bin/env",
                                       ["python3", Binaries.repo("Tests/Browser/clerk.py"), "http://127.0.0.1:\(port)",
                                        Binaries.repo(".build/screenshots"), upload, fixture.dir + "/tongzhi.txt", texts],
                                       environment: ["SE_AVOID_STATS": "true"], timeout: 170) }
        print(browser.stdout)
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")

        // The title the clerk typed is kept in the operators' layer, under a generated id.
        let titles = try JSONDecoder().decode([String: String].self,
                                              from: try #require(FileManager.default.contents(atPath: fixture.dir + "/state/titles.json")))
        let generated = try #require(titles.first { $0.value == "通知" }?.key, "\(titles)")
        #expect(generated.hasPrefix("rec-") && FileManager.default.fileExists(atPath: fixture.dir + "/audio/\(generated)/mandarin.wav"))

        // No English in what the clerk read: ids of this configuration, codes and units, paths and
        // laba's command names allowed. The daemon's own reasons (record notes, an upload's error,
        // the preview's warnings) are rendered from their codes, so any leak fails.
        struct Pages: Decodable {
            var pages: [String: String]
        }
        let read = try JSONDecoder().decode(Pages.self, from: try #require(FileManager.default.contents(atPath: texts)))
        #expect(read.pages.count >= 10, "\(read.pages.keys.sorted())")
        let leaks = LatinLeaks(ids: ["square", "truck", "lashi-gate", "yulong", "baisha", "yuhu", "lashi", "shitou", "notice", "alarm",
                                     "chime", "li", "zhang", generated],
                               // laba's commands and options (the command line shown beside the schedule form),
                               // and the language switch, which names English in English.
                               words: ["edit", "schedule", "add", "zone", "at", "every", "from", "until", "repeat", "check", "play",
                                       "stop", "live", "next", "history", "English"])
        for (page, text) in read.pages.sorted(by: { $0.key < $1.key }) {
            for leak in leaks.leaks(in: text) { Issue.record("\(page): \(leak)") }
        }
        #expect(fixture.terminate() == 0)
    }
}
