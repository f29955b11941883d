// What a reload cannot apply to services that read their settings at start: it answers that a
// restart is needed, naming each changed setting, and applies nothing of it silently.

import Foundation
import LabaCore
@testable import LabaDaemon
import Testing

@Suite struct ReloadRestartTests {
    static let base = """
        outputs: [{id: square, device: hw, zone: town}]
        zones: [{id: town}]
        console: {listen: "127.0.0.1:8080", language: zh-Hans}
        metrics: {listen: "127.0.0.1:9464"}
        alerts: {watch: /var/spool/laba-alerts}

        """

    struct Case: Sendable, CustomTestStringConvertible {
        var change: (String, String)?
        var restart: [String]
        var testDescription: String { restart.isEmpty ? "no change" : restart.joined(separator: ", ") }
    }

    static let cases: [Case] = [
        .init(change: nil, restart: []),
        .init(change: ("127.0.0.1:8080", "0.0.0.0:8443"), restart: ["console.listen"]),
        .init(change: ("language: zh-Hans", "language: en"), restart: ["console.language"]),
        .init(change: ("127.0.0.1:9464", "127.0.0.1:9465"), restart: ["metrics.listen"]),
        .init(change: ("/var/spool/laba-alerts", "/srv/alerts"), restart: ["alerts.watch"]),
        .init(change: ("zones: [{id: town}]", "zones: [{id: town}]\ncontrol: {group: staff}"), restart: ["control.group"]),
    ]

    func config(_ yaml: String) throws -> Config {
        let loaded = ConfigLoader.parse(yaml: yaml, file: "laba.yaml", directory: "/etc/laba")
        return try #require(loaded.config, "\(loaded.diagnostics)")
    }

    @Test(arguments: cases)
    func settingsReadAtStartAskForARestart(_ c: Case) throws {
        let started = try config(Self.base)
        let new = try config(c.change.map { Self.base.replacingOccurrences(of: $0.0, with: $0.1) } ?? Self.base)
        #expect(Reloader.restartNeeded(started: started, new: new) == c.restart)
    }
}
