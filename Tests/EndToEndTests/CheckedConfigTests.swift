// Issue 24, finding 6: a configuration `laba check` accepts starts. The files the configuration
// names (passwords, keys, certificates) are read by `laba check` as labad reads them; run as root,
// it says which of them labad's user cannot read; a reload applies the fleet's keys and zones and
// says when a change needs a restart.

import Foundation
import LabaCore
import LabaFleet
import LabaTestSupport
import Testing

@Suite struct CheckedConfigTests {
    struct MissingFile: Sendable, CustomTestStringConvertible {
        var key: String
        /// The fleet section's lines beside name and broker.
        var fleet: String
        var broker = "mqtt://127.0.0.1:1883"
        /// Line and column of the value naming the missing file.
        var line: Int
        var column: Int
        var file: String
        var testDescription: String { key }
    }

    static let missing: [MissingFile] = [
        .init(key: "fleet.password_file", fleet: "  username: east-1\n  password_file: fleet.password\n",
              line: 9, column: 18, file: "fleet.password"),
        .init(key: "fleet.sign_key", fleet: "  sign_key: keys/county.key\n  command_zones: [town]\n",
              line: 8, column: 13, file: "keys/county.key"),
        .init(key: "fleet.stream.password_file", fleet: """
                  sign_key: keys/county.key
                  command_zones: [town]
                  stream: {server: "http://127.0.0.1:8000", password_file: icecast.source}

                """, line: 10, column: 60, file: "icecast.source"),
        .init(key: "fleet.stream.ca", fleet: "  stream: {ca: certs/fleet-ca.crt}\n", line: 8, column: 16, file: "certs/fleet-ca.crt"),
        .init(key: "fleet.tls.ca", fleet: "  tls: {ca: certs/ca.crt}\n", broker: "mqtts://127.0.0.1:8883",
              line: 8, column: 13, file: "certs/ca.crt"),
        .init(key: "fleet.tls.cert", fleet: "  tls: {cert: certs/unit.crt, key: certs/unit.key}\n", broker: "mqtts://127.0.0.1:8883",
              line: 8, column: 15, file: "certs/unit.crt"),
    ]

    /// A unit's configuration in `dir`, with a key pair `keys/county` and `fleet` added.
    static func write(_ c: MissingFile, in dir: String) throws -> String {
        let path = dir + "/laba.yaml"
        try """
            audio_dir: audio
            outputs: [{id: square, device: laba_square, zone: town}]
            zones: [{id: town, languages: [mandarin]}]
            fleet:
              name: e2e
              broker: "\(c.broker)"
              unit: east-1
            \(c.fleet)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/audio", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/certs", withIntermediateDirectories: true)
        return path
    }

    /// Each file missing: `laba check` names it at its place, in words, and fails; labad refuses
    /// it the same way (exit 78); with the file in place both accept it.
    @Test(arguments: missing)
    func aMissingFileIsRefusedWhereItIsNamed(_ c: MissingFile) throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.write(c, in: dir)
        let check = try Binaries.run("laba", ["check", "--config", path], environment: ["LANG": "C"])
        #expect(check.status == 1)
        let expected = "\(path):\(c.line):\(c.column): error: \(c.key): \(dir)/\(c.file) does not exist"
        #expect(check.stdout.contains(expected), "\(check.stdout)")
        let chinese = try Binaries.run("laba", ["check", "--config", path], environment: ["LANG": "zh_CN.UTF-8"])
        #expect(chinese.stdout.contains("\(path):\(c.line):\(c.column): error: \(c.key)：\(dir)/\(c.file) 不存在"), "\(chinese.stdout)")

        // Bounded: a labad that started would run until the bound.
        let labad = try Binaries.run("labad", ["--config", path, "--state-dir", dir + "/state", "--socket", dir + "/laba.sock"],
                                     timeout: 30)
        #expect(labad.status == 78)
        #expect((labad.stdout + labad.stderr).contains(expected), "\(labad.stderr)")
    }

    /// A file that is there but not what its key needs: a public key where the secret one goes,
    /// an empty password, a certificate that is not PEM.
    @Test func aFileOfTheWrongKindIsRefusedInWords() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.write(.init(key: "", fleet: """
              username: east-1
              password_file: fleet.password
              tls: {ca: certs/ca.crt}
              sign_key: keys/county.pub
              command_zones: [town]

            """, broker: "mqtts://127.0.0.1:8883", line: 0, column: 0, file: ""), in: dir)
        #expect(try Binaries.run("laba", ["fleet", "keygen", dir + "/keys/county"]).status == 0)
        try "\n".write(toFile: dir + "/fleet.password", atomically: true, encoding: .utf8)
        try "not a certificate\n".write(toFile: dir + "/certs/ca.crt", atomically: true, encoding: .utf8)
        let check = try Binaries.run("laba", ["check", "--config", path], environment: ["LANG": "C"])
        #expect(check.status == 1)
        let errors = check.stdout.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors == [
            "\(path):9:18: error: fleet.password_file: \(dir)/fleet.password is empty",
            "\(path):10:13: error: fleet.tls.ca: \(dir)/certs/ca.crt is not a PEM certificate (-----BEGIN CERTIFICATE-----)",
            "\(path):11:13: error: fleet.sign_key: \(dir)/keys/county.pub is not a secret key made by laba fleet keygen (a .key file)",
        ], "\(check.stdout)")
    }

    /// Run as root, `laba check` reads the files as labad's user would: a secret key only root
    /// may read is an error naming the user and what keeps it out.
    @Test(.enabled(if: geteuid() == 0 && getpwnam("nobody") != nil))
    func asRootTheDaemonsUserMustBeAbleToReadEachFile() throws {
        let dir = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let path = try Self.write(.init(key: "", fleet: "  sign_key: keys/county.key\n  command_zones: [town]\n",
                                        line: 0, column: 0, file: ""), in: dir)
        chmod(dir + "/keys", 0o755)
        #expect(try Binaries.run("laba", ["fleet", "keygen", dir + "/keys/county"]).status == 0)
        let check = try Binaries.run("laba", ["check", "--config", path, "--daemon-user", "nobody"], environment: ["LANG": "C"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("\(path):8:13: error: fleet.sign_key: labad's user nobody cannot read \(dir)/keys/county.key: "
                                      + "\(dir)/keys/county.key is 0600, owned by root:root"), "\(check.stdout)")
        // Given to the user, as the README says (chown laba: the key), it passes.
        let nobody = getpwnam("nobody")!.pointee
        chown(dir + "/keys/county.key", nobody.pw_uid, nobody.pw_gid)
        let fixed = try Binaries.run("laba", ["check", "--config", path, "--daemon-user", "nobody"], environment: ["LANG": "C"])
        #expect(fixed.status == 0, "\(fixed.stdout)")
        // A user that does not exist is said, not guessed.
        let unknown = try Binaries.run("laba", ["check", "--config", path, "--daemon-user", "no-such-user"], environment: ["LANG": "C"])
        #expect(unknown.stdout.contains("warning: there is no user no-such-user on this machine"), "\(unknown.stdout)")
    }
}

@Suite struct FleetReloadTests {
    /// A unit that trusts only the county's key refuses the city's command; a reload that trusts
    /// the city too, and makes the unit a commander, takes effect at once; a reload that moves the
    /// broker is taken, and says that the move waits for a restart (the log says it once).
    @Test func aReloadAppliesTrustAndCommandZonesAndSaysWhenTheBrokerNeedsARestart() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let cityTrust = "    - {key: \(fleet.keys)/city.pub, zones: [city]}\n"
        let east = try await fleet.start("east-1", zone: "east") { yaml, _ in yaml.replacingOccurrences(of: cityTrust, with: "") }
        let topics = fleet.topics
        let (client, inbox) = try await fleet.testCommander(hearing: "east-1")
        defer { Task { await client.stop(publishingWill: false) } }

        func send(_ id: String) throws {
            let now = Instant(Date())
            let command = FleetCommand(id: id, issuer: "test", issuedAt: now, expiresAt: now + .seconds(60),
                                       body: .broadcast(BroadcastCommand(message: "notice", zones: ["east"])))
            try client.publish(topic: topics.topic(.zoneCommand(zone: "east")), payload: SignedEnvelope(signing: command, with: fleet.city).bytes)
        }
        func ack(_ id: String) async -> String? {
            let acks = await inbox.wait(for: 1) { m in
                m.topic.hasSuffix("/ack") && (try? FleetJSON.decode(CommandAck.self, from: m.payload))?.command == id
            }
            return acks.first.flatMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }.map { $0.code ?? $0.result.rawValue }
        }
        try send("before")
        #expect(await ack("before") == "untrusted")
        #expect(try await east.laba(["fleet", "--json"]).stdout.contains("\"role\":\"unit\""))

        // Trust the city, and sign for the county: no restart needed.
        try fleet.config(unit: "east-1", zone: "east", commander: true).write(toFile: east.configPath, atomically: true, encoding: .utf8)
        let reload = try await east.laba(["reload"])
        #expect(reload.status == 0 && !reload.stdout.contains("restart"), "\(reload.stdout)\(reload.stderr)")
        try send("after")
        #expect(await ack("after") == "accepted")
        let shown = try await east.laba(["fleet", "--json"])
        #expect(shown.stdout.contains("\"role\":\"commander\""), "\(shown.stdout)")

        // Another broker, with `laba edit`: taken, with a restart needed, said by `laba edit` and
        // `laba reload` each time and logged once.
        let env = try editor(east, #"sed -i 's#mqtt://127.0.0.1:\#(fleet.broker.port)#mqtt://127.0.0.1:1#' "$f""#)
        let edit = try await blocking { try Binaries.run("laba", ["edit"], environment: env) }
        #expect(edit.status == 0 && edit.stdout.contains("labad reloaded it."), "\(edit.stdout)\(edit.stderr)")
        #expect(edit.stdout.contains("these changes take effect only when labad restarts: fleet.broker"), "\(edit.stdout)")
        #expect(try String(contentsOfFile: east.configPath, encoding: .utf8).contains("mqtt://127.0.0.1:1\""))
        let again = try await east.laba(["reload"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("these changes take effect only when labad restarts: fleet.broker"), "\(again.stdout)")
        #expect(await east.log("restart labad for these changes to take effect: fleet.broker"))
        #expect(await east.log("configuration reloaded"))
        #expect(!(try await blocking { east.waitForLog("restart labad for these changes", timeout: 0.5) }))
        // Still connected to the broker it started with: commands go on.
        try send("still")
        #expect(await ack("still") == "accepted")
        #expect(east.terminate() == 0)
    }

    /// A reload whose fleet files are missing is refused: the running configuration stays, and
    /// the next start is not refused for a file `laba edit` let through.
    @Test func aReloadWithAMissingKeyIsRefused() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let east = try await fleet.start("east-1", zone: "east")
        try fleet.config(unit: "east-1", zone: "east", commander: false)
            .replacingOccurrences(of: "city.pub", with: "gone.pub").write(toFile: east.configPath, atomically: true, encoding: .utf8)
        let reload = try await east.laba(["reload"])
        #expect(reload.status == 1)
        #expect(reload.stdout.contains("fleet.trust.key: \(fleet.keys)/gone.pub does not exist"), "\(reload.stdout)")

        // `laba edit` does not install a password file that is not there.
        try fleet.config(unit: "east-1", zone: "east", commander: false).write(toFile: east.configPath, atomically: true, encoding: .utf8)
        let before = try String(contentsOfFile: east.configPath, encoding: .utf8)
        let env = try editor(east, #"printf '  username: east-1\n  password_file: fleet.password\n' >> "$f""#)
        let edit = try await blocking { try Binaries.run("laba", ["edit"], environment: env) }
        #expect(edit.status == 1)
        #expect(edit.stderr.contains(": error: fleet.password_file: \(east.dir)/fleet.password does not exist"), "\(edit.stderr)")
        #expect(try String(contentsOfFile: east.configPath, encoding: .utf8) == before)
        #expect(east.terminate() == 0)
    }

    /// An editor that runs `script` on the file it is given, for `laba edit` on this daemon's file.
    func editor(_ fixture: DaemonFixture, _ script: String) throws -> [String: String] {
        let path = fixture.dir + "/editor-\(UInt32.random(in: 0...UInt32.max)).sh"
        try "#!/bin/sh\nset -e\nf=\"$1\"\n\(script)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return fixture.environment.merging(["EDITOR": path, "VISUAL": "", "LABA_CONFIG": fixture.configPath,
                                            "TMPDIR": fixture.dir]) { $1 }
    }
}
