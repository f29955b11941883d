// Config/fleet/mosquitto.conf as the README installs it: a drop-in in conf.d/ of Debian's own
// /etc/mosquitto/mosquitto.conf, which already sets persistence_location and includes conf.d.

import Foundation
import LabaFleet
import LabaTestSupport
import Testing

@Suite struct DebianDropInTests {
    static let debian = "/etc/mosquitto/mosquitto.conf"

    /// `text` with each (prefix, replacement) line replaced; a prefix no line has fails the test,
    /// so that a change in Debian's file is seen rather than tested around.
    func replacingLines(_ text: String, _ replacements: [(String, String)]) -> String {
        var lines = text.components(separatedBy: "\n")
        for (prefix, replacement) in replacements {
            let found = lines.indices.filter { lines[$0].hasPrefix(prefix) }
            #expect(!found.isEmpty, "no line starts with '\(prefix)'")
            for i in found { lines[i] = replacement }
        }
        return lines.joined(separator: "\n")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: debian)))
    func theShippedConfigurationRunsInDebiansConfD() async throws {
        let folder = TemporaryFolder("laba-dropin")
        let confD = folder.file("conf.d"), certs = folder.file("certs")
        try FileManager.default.createDirectory(atPath: confD, withIntermediateDirectories: true)
        try run(repositoryRoot + "/Scripts/fleet-test-ca.sh", [certs, "localhost,127.0.0.1", "baisha-1"])
        let plain = try MosquittoBroker.freePort(), tls = try MosquittoBroker.freePort()

        // Debian's file, moved into the temp folder: its own persistence_location stays.
        let main = replacingLines(try String(contentsOfFile: Self.debian, encoding: .utf8), [
            ("pid_file ", "pid_file \(folder.file("mosquitto.pid"))"),
            ("persistence_location ", "persistence_location \(folder.path)/"),
            ("log_dest ", "log_dest stderr"),
            ("include_dir ", "include_dir \(confD)"),
        ]) + "\n# As root, mosquitto would switch to its own user, which cannot read this temp folder.\nuser \(ProcessInfo.processInfo.userName)\n"
        try main.write(toFile: folder.file("mosquitto.conf"), atomically: true, encoding: .utf8)

        // The drop-in as shipped, its paths and ports moved to the temp folder.
        let shipped = try String(contentsOfFile: repositoryRoot + "/Config/fleet/mosquitto.conf", encoding: .utf8)
        let dropIn = replacingLines(shipped, [
            ("listener 1883 ", "listener \(plain) 127.0.0.1"),
            ("listener 8883", "listener \(tls) 127.0.0.1"),
        ]).replacingOccurrences(of: "/etc/mosquitto/conf.d/", with: confD + "/")
            .replacingOccurrences(of: "/etc/mosquitto/certs/", with: certs + "/")
        try dropIn.write(toFile: confD + "/laba.conf", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Config/fleet/laba.acl", toPath: confD + "/laba.acl")
        try run("mosquitto_passwd", ["-c", "-b", confD + "/laba.passwd", "lijiang-office", "county-secret"])
        try run("mosquitto_passwd", ["-b", confD + "/laba.passwd", "baisha-1", "baisha-secret"])

        let broker = try MosquittoBroker(configFile: folder.file("mosquitto.conf"), port: plain, folder: folder)
        defer { broker.kill(signal: SIGKILL); folder.remove() }
        #expect(broker.logLines.contains { $0.contains("laba.conf") }, "the drop-in is read")

        // The commander on the loopback listener, with its account...
        let (commander, commanderLog) = try connect(broker, "lijiang-office", username: "lijiang-office", password: "county-secret")
        _ = try await commanderLog.connected()
        // ...and a unit over TLS with its client certificate.
        var options = MQTTOptions(host: "127.0.0.1", port: tls, clientID: "baisha-1",
                                  tls: MQTTOptions.TLS(caFile: certs + "/ca.crt", certFile: certs + "/baisha-1.crt",
                                                       keyFile: certs + "/baisha-1.key"),
                                  username: "baisha-1", password: "baisha-secret")
        options.keepalive = 60
        let unit = try MQTTConnection(options)
        let unitLog = EventLog(unit)
        unit.start()
        _ = try await unitLog.connected()
        await unit.stop()
        await commander.stop()
    }
}
