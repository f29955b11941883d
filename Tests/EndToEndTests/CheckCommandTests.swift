import Foundation
import Testing

@Suite struct CheckCommandTests {
    @Test(arguments: ["Config/demo.yaml", "Config/lijiang.yaml"])
    func shippedConfigsAreValid(_ config: String) throws {
        let result = try Binaries.run("laba", ["check", "--config", Binaries.repo(config)])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("message  "), "prints the coverage table")
        #expect(result.stdout.contains(": valid ("))
        #expect(!result.stdout.contains(": error: "))
    }

    @Test func brokenConfigExitsOneWithPositions() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/broken.yaml"
        try """
            audio_dir: \(Binaries.repo("Audio"))
            defaults:
              languges: [naxi]
              gap: 2 parsecs
            outputs:
              - {id: a, device: hw, zone: one}
            zones:
              - id: one
                parent: two
                colour: red
              - id: two
                parent: one
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Binaries.run("laba", ["check", "--config", path])
        #expect(result.status == 1)
        let errors = result.stdout.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors == [
            "\(path):3:3: error: unknown key 'languges' in defaults; did you mean 'languages'?",
            "\(path):4:8: error: gap: invalid time span '2 parsecs': unknown time unit 'parsecs' (use us, ms, s, min, h, d, w, M, y)",
            "\(path):9:13: error: the zone tree has a cycle: one → two → one",
            "\(path):10:5: error: unknown key 'colour' in a zone",
        ])
    }

    @Test func jsonOutputIsOneDocument() throws {
        let result = try Binaries.run("laba", ["check", "--json", "--config", Binaries.repo("Config/lijiang.yaml")])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == true)
        let coverage = object?["coverage"] as? [String: Any]
        #expect((coverage?["languages"] as? [String])?.count == 7)
    }

    /// Issue 26: each diagnostic of `--json` carries its code and the values its words name, and
    /// its message in the language asked for (`LANG`), for a program that renders it itself.
    @Test func jsonDiagnosticsCarryTheirCodesArgumentsAndTheReadersWords() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/broken.yaml"
        try """
            audio_dir: \(Binaries.repo("Audio"))
            defaults:
              languges: [naxi]
            outputs:
              - {id: a, device: hw, zone: one}
            zones:
              - id: one
            """.write(toFile: path, atomically: true, encoding: .utf8)
        struct Report: Decodable {
            struct Item: Decodable {
                var severity: String
                var line: Int?
                var message: String
                var code: String?
                var args: [String: String]?
            }
            var diagnostics: [Item]
        }
        func slip(_ lang: String) throws -> Report.Item {
            let result = try Binaries.run("laba", ["check", "--json", "--config", path], environment: ["LANG": lang])
            #expect(result.status == 1, "\(result.stderr)")
            let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
            return try #require(report.diagnostics.first { $0.line == 3 }, "\(result.stdout)")
        }
        let zh = try slip("zh_CN.UTF-8"), en = try slip("C")
        #expect(zh.severity == "error" && zh.code == "unknown_key_did_you_mean", "\(zh)")
        #expect(zh.args?["key"] == "languges" && zh.args?["suggestion"] == "languages", "\(zh)")
        #expect(zh.message.hasSuffix("里没有 languges 这一项；是不是 languages？"), "\(zh.message)")
        #expect(en.code == zh.code && en.args == zh.args, "the same code and arguments in every language")
        #expect(en.message == "unknown key 'languges' in defaults; did you mean 'languages'?", "\(en.message)")
    }

    @Test func unknownFlagIsBadUsage() throws {
        let result = try Binaries.run("laba", ["check", "--bogus"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown option '--bogus'"))
    }

    @Test func missingConfigFails() throws {
        let result = try Binaries.run("laba", ["check", "--config", "/nonexistent/laba.yaml"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("error: /nonexistent/laba.yaml does not exist"))
    }
}

@Suite struct DevicesCommandTests {
    @Test func listsALSAsPCMsAndMarksTheConfiguredOnes() throws {
        let result = try Binaries.run("laba", ["devices", "--config", Binaries.repo("Config/demo.yaml")],
                                      environment: ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf"])
        #expect(result.status == 0)
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first == ["PCM", "USE", "DESCRIPTION"])
        #expect(rows.contains { $0.first == "null" })
        #expect(rows.contains { $0.prefix(4) == ["laba_square", "used", "by", "square"] })
        #expect(rows.contains { $0.prefix(4) == ["laba_van", "used", "by", "van"] })
    }
}
