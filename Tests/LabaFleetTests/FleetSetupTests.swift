// From configuration files to a working fleet: keys from `laba fleet keygen`-style files, accounts
// on a real mosquitto with the shipped ACL, and a signed command from a commander verified by a unit.

import Foundation
import LabaCore
import LabaFleet
import LabaTestSupport
import Testing

@Suite struct FleetSetupTests {
    /// A config file in `folder` with a fleet section; returns its loaded config.
    func config(_ folder: TemporaryFolder, _ fleet: String) throws -> Config {
        try folder.write("laba.yaml", """
            outputs: [{id: horn, device: hw, zone: xianghe}]
            zones:
              - id: lijiang
              - {id: gucheng, parent: lijiang}
              - {id: xianghe, parent: gucheng}
            fleet:
            \(fleet)
            """)
        let result = ConfigLoader.load(path: folder.file("laba.yaml"))
        #expect(result.diagnostics.errors.isEmpty, "\(result.diagnostics)")
        return try #require(result.config)
    }

    @Test func missingFilesAreErrorsAtTheLinesThatNameThem() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let loaded = try config(folder, """
              name: lijiang
              broker: mqtts://127.0.0.1
              tls: {ca: ca.crt}
              username: xianghe-1
              password_file: fleet.password
              trust:
                - {key: keys/lijiang.pub, zones: [lijiang]}
              sign_key: keys/gucheng.key
              command_zones: [gucheng]
            """)
        guard case .failure(let error) = FleetSetup.load(loaded.fleet!, hostName: "h") else {
            Issue.record("loaded without its files")
            return
        }
        let file = folder.file("laba.yaml")
        #expect(error.diagnostics.map(\.description) == [
            "\(file):13:13: error: fleet.trust.key: \(folder.path)/keys/lijiang.pub does not exist",
            "\(file):14:13: error: fleet.sign_key: \(folder.path)/keys/gucheng.key does not exist",
            "\(file):11:18: error: fleet.password_file: \(folder.path)/fleet.password does not exist",
            "\(file):9:13: error: fleet.tls.ca: \(folder.path)/ca.crt does not exist",
        ])
    }

    /// `fleet.stream`'s password is read at start: missing, an error at its line; present, its
    /// first line, with units fetching from the server itself unless `listen` says otherwise.
    @Test func theStreamPasswordIsReadOrNamedWhereItIsMissing() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("keys"), withIntermediateDirectories: true)
        _ = try FleetKeyFile.generate(at: folder.file("keys/gucheng"), comment: "gucheng")
        let section = """
              name: lijiang
              broker: mqtt://127.0.0.1
              sign_key: keys/gucheng.key
              command_zones: [gucheng]
              stream: {server: "http://10.0.0.2:8000", password_file: icecast.source}
            """
        let missing = try config(folder, section)
        guard case .failure(let error) = FleetSetup.load(missing.fleet!, hostName: "h") else {
            Issue.record("loaded without the stream's password")
            return
        }
        #expect(error.diagnostics.map(\.description) == [
            "\(folder.file("laba.yaml")):11:59: error: fleet.stream.password_file: \(folder.path)/icecast.source does not exist",
        ])
        try folder.write("icecast.source", "source-secret\nignored\n")
        let setup = try FleetSetup.load(try config(folder, section).fleet!, hostName: "h").get()
        let stream = try #require(setup.stream)
        #expect(stream.server == StreamAddress(host: "10.0.0.2", port: 8000) && stream.listen == stream.server)
        #expect(stream.password == "source-secret")
        #expect(setup.streamCA == nil && !setup.streamInsecure)
    }

    /// The stream's server is checked against the fleet's CA, the one that checks the broker
    /// (SPEC 17), by a commander and by a unit alike; `fleet.stream.insecure` reaches the setup.
    @Test func theStreamIsCheckedAgainstTheBrokersCA() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try run(repositoryRoot + "/Scripts/fleet-test-ca.sh", [folder.file("certs"), "localhost"])
        let setup = try FleetSetup.load(try config(folder, """
              name: lijiang
              broker: mqtts://localhost
              tls: {ca: certs/ca.crt}
              stream: {insecure: true}
            """).fleet!, hostName: "h").get()
        #expect(setup.streamCA == folder.file("certs/ca.crt"))
        #expect(setup.streamInsecure)
        #expect(setup.stream == nil)
        // A commander reaching the broker through the loopback without TLS names the CA itself.
        let loopback = try FleetSetup.load(try config(folder, """
              name: lijiang
              broker: mqtt://127.0.0.1
              stream: {ca: certs/ca.crt}
            """).fleet!, hostName: "h").get()
        #expect(loopback.streamCA == folder.file("certs/ca.crt") && !loopback.streamInsecure)
        let missing = try config(folder, """
              name: lijiang
              broker: mqtt://127.0.0.1
              stream: {ca: certs/nothing.crt}
            """)
        guard case .failure(let error) = FleetSetup.load(missing.fleet!, hostName: "h") else {
            Issue.record("loaded without the stream's CA")
            return
        }
        #expect(error.diagnostics.map(\.description) == [
            "\(folder.file("laba.yaml")):9:16: error: fleet.stream.ca: \(folder.path)/certs/nothing.crt does not exist",
        ])
    }

    @Test func aCommanderSignsAndAUnitWithItsOwnAccountObeys() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("keys"), withIntermediateDirectories: true)
        let countyKey = try FleetKeyFile.generate(at: folder.file("keys/lijiang"), comment: "lijiang")
        try folder.write("unit.password", "pw-xianghe-1\n")
        try folder.write("office.password", "pw-gucheng-office\n")
        let passwords = folder.file("passwd")
        try run("mosquitto_passwd", ["-c", "-b", passwords, "xianghe-1", "pw-xianghe-1"])
        try run("mosquitto_passwd", ["-b", passwords, "gucheng-office", "pw-gucheng-office"])
        let broker = try MosquittoBroker(settings: """
            allow_anonymous false
            password_file \(passwords)
            acl_file \(repositoryRoot)/Config/fleet/laba.acl
            """)
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }

        let unitConfig = try config(folder, """
              name: lijiang
              broker: "mqtt://127.0.0.1:\(broker.port)"
              username: xianghe-1
              password_file: unit.password
              trust:
                - {key: keys/lijiang.pub, zones: [lijiang]}
            """)
        let unitSetup = try FleetSetup.load(unitConfig.fleet!, hostName: "Xianghe-1.lan").get()
        #expect(unitSetup.unit == "xianghe-1")
        #expect(unitSetup.options.will?.topic == "laba/v1/lijiang/unit/xianghe-1/status")
        #expect(unitSetup.trust[countyKey.id]?.zones == ["lijiang"])
        #expect(unitSetup.signingKey == nil)

        let officeConfig = try config(folder, """
              name: lijiang
              broker: "mqtt://127.0.0.1:\(broker.port)"
              unit: gucheng-office
              username: gucheng-office
              password_file: office.password
              sign_key: keys/lijiang.key
              command_zones: [lijiang]
            """)
        let officeSetup = try FleetSetup.load(officeConfig.fleet!, hostName: "ignored").get()
        #expect(officeSetup.signingKey?.id == countyKey.id)
        #expect(officeSetup.commandZones == ["lijiang"])

        // The unit listens where its output serves, and above.
        let tree = ZoneTree(unitConfig)
        let unit = try MQTTConnection(unitSetup.options)
        let unitLog = EventLog(unit)
        defer { Task { await unit.stop() } }
        let subscriptions = unitSetup.topics.commandSubscriptions(unit: unitSetup.unit, zones: ["xianghe"], tree: tree)
        for topic in subscriptions { unit.subscribe(topic) }
        unit.start()
        for _ in subscriptions { #expect(try await unitLog.subscribed() == [1]) }

        let office = try MQTTConnection(officeSetup.options)
        let officeLog = EventLog(office)
        defer { Task { await office.stop() } }
        office.start()
        _ = try await officeLog.connected()
        let now = Instant(Date())
        let order = FleetCommand(issuer: officeSetup.unit, issuedAt: now, expiresAt: now + .seconds(600),
                                 body: .broadcast(BroadcastCommand(message: "masks", zones: ["lijiang"], priority: "emergency")))
        let id = try office.publish(topic: officeSetup.topics.topic(.zoneCommand(zone: "lijiang")),
                                    payload: SignedEnvelope(signing: order, with: officeSetup.signingKey!).bytes,
                                    expiry: (order.expiresAt, now))
        #expect(try await officeLog.acknowledged(id) == 0)

        let delivered = try await unitLog.message()
        let verdict = CommandVerifier.verify(delivered.payload, trust: unitSetup.trust, zones: tree, now: Instant(Date()),
                                             context: CommandContext(unit: unitSetup.unit, outputZones: [:],
                                                                     clock: CommandClock(buildDate: Instant(seconds: 0)),
                                                                     mark: { _ in nil }, seen: { _, _ in false }))
        guard case .accepted(let verified) = verdict else { Issue.record("\(verdict)"); return }
        #expect(verified.command == order)
        #expect(verified.key == countyKey.id)
    }
}

/// Issue 25: the issuer a trust entry binds, from its `issuer:` or its key's comment when that says
/// `issuer=NAME` (`laba fleet keygen --issuer`), and the one a commander signs as. Keys made before
/// (comment: the file name) keep working when either side is upgraded.
@Suite struct FleetIssuerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The comment of the commander's key files.
        var comment: String?
        /// The unit's trust entry's `issuer:`, if any.
        var trustIssuer: String?
        /// The issuer the unit binds to the key (nil: unchecked).
        var bound: String?
        /// The issuer the commander signs as.
        var signs: String
        /// Whether `laba check` warns about the unit's entry.
        var warns: Bool
        /// Whether the unit obeys the commander's command.
        var obeyed: Bool = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "a key of the last release (comment: its file name), no issuer: unchecked, as before",
              comment: "county", bound: nil, signs: "office", warns: true),
        .init(name: "a key of the last release, issuer: the commander's unit id", comment: "county", trustIssuer: "office",
              bound: "office", signs: "office", warns: false),
        .init(name: "a key of the last release, issuer: another name", comment: "county", trustIssuer: "city-office",
              bound: "city-office", signs: "office", warns: false, obeyed: false),
        .init(name: "a key without comment", comment: nil, bound: nil, signs: "office", warns: true),
        .init(name: "a key made with --issuer: bound with nothing to write", comment: "issuer=county-office",
              bound: "county-office", signs: "county-office", warns: false),
        .init(name: "a key made with --issuer, the same issuer: written", comment: "issuer=county-office",
              trustIssuer: "county-office", bound: "county-office", signs: "county-office", warns: false),
        .init(name: "a key made with --issuer, another issuer: written (warned)", comment: "issuer=county-office",
              trustIssuer: "office", bound: "office", signs: "county-office", warns: true, obeyed: false),
        .init(name: "a comment issuer= that is not an id names no issuer", comment: "issuer=Li Jiang",
              bound: nil, signs: "office", warns: true),
    ]

    @Test(arguments: cases)
    func theIssuerComesFromTheTrustEntryElseAnExplicitKeyComment(_ c: Case) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("keys"), withIntermediateDirectories: true)
        let key = try FleetKeyFile.generate(at: folder.file("keys/county"), comment: c.comment)
        func load(_ fleet: String) throws -> FleetSetup {
            try folder.write("laba.yaml", """
                outputs: [{id: horn, device: hw, zone: east}]
                zones: [{id: county}, {id: east, parent: county}]
                fleet:
                \(fleet)
                """)
            let loaded = ConfigLoader.load(path: folder.file("laba.yaml"))
            let config = try #require(loaded.config, "\(loaded.diagnostics)")
            #expect(loaded.diagnostics.warnings.isEmpty, "\(loaded.diagnostics)")
            return try FleetSetup.load(config.fleet!, hostName: "h").get()
        }
        let issuer = c.trustIssuer.map { ", issuer: \($0)" } ?? ""
        let unit = try load("""
              name: t
              broker: mqtt://127.0.0.1
              unit: east-1
              trust:
                - {key: keys/county.pub, zones: [county]\(issuer)}
            """)
        let office = try load("""
              name: t
              broker: mqtt://127.0.0.1
              unit: office
              sign_key: keys/county.key
              command_zones: [county]
            """)
        #expect(unit.trust[key.id]?.issuer == c.bound)
        #expect(office.issuer == c.signs)
        #expect(!unit.warnings.isEmpty == c.warns, "\(unit.warnings)")
        // Checked by `laba check` (and labad's start) with the files.
        let config = try #require(ConfigLoader.load(path: folder.file("laba.yaml")).config)
        #expect(configFileProblems(config).allSatisfy { $0.severity == .warning })

        let now = Instant(seconds: 1_800_000_000)
        let order = FleetCommand(issuer: office.issuer, issuedAt: now, expiresAt: now + .seconds(600),
                                 body: .broadcast(BroadcastCommand(message: "masks", zones: ["east"])))
        let tree = ZoneTree(try #require(ConfigLoader.parse(yaml: "zones: [{id: county}, {id: east, parent: county}]",
                                                             file: "t.yaml", directory: "/").config))
        let verdict = CommandVerifier.verify(SignedEnvelope(signing: order, with: office.signingKey!).bytes, trust: unit.trust,
                                             zones: tree, now: now,
                                             context: CommandContext(unit: "east-1", outputZones: ["horn": "east"],
                                                                     clock: CommandClock(buildDate: now - .seconds(86_400)),
                                                                     mark: { _ in nil }, seen: { _, _ in false }))
        switch verdict {
        case .accepted(let verified):
            #expect(c.obeyed, "obeyed")
            #expect(verified.key == key.id && verified.command.issuer == c.signs)
        case .refused(let refusal, _):
            #expect(!c.obeyed, "\(refusal)")
            #expect(refusal.code == .wrongIssuer)
        }
    }

    @Test func aRevokedEntryIsNotWarnedAbout() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("keys"), withIntermediateDirectories: true)
        _ = try FleetKeyFile.generate(at: folder.file("keys/old"), comment: "old")
        try folder.write("laba.yaml", """
            outputs: [{id: horn, device: hw, zone: east}]
            zones: [{id: county}, {id: east, parent: county}]
            fleet:
              name: t
              broker: mqtt://127.0.0.1
              trust:
                - {key: keys/old.pub, zones: [county], revoked: true}
            """)
        let config = try #require(ConfigLoader.load(path: folder.file("laba.yaml")).config)
        #expect(try FleetSetup.load(config.fleet!, hostName: "h").get().warnings.isEmpty)
    }

    @Test func aWarningNamesTheLineOfTheEntryAndTheKeyFile() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("keys"), withIntermediateDirectories: true)
        _ = try FleetKeyFile.generate(at: folder.file("keys/county"), comment: "county")
        try folder.write("laba.yaml", """
            outputs: [{id: horn, device: hw, zone: east}]
            zones: [{id: county}, {id: east, parent: county}]
            fleet:
              name: t
              broker: mqtt://127.0.0.1
              trust:
                - {key: keys/county.pub, zones: [county]}
            """)
        let config = try #require(ConfigLoader.load(path: folder.file("laba.yaml")).config)
        #expect(configFileProblems(config, hostName: "h").map(\.code) == ["trust_no_issuer"])
        let warnings = configFileProblems(config, hostName: "h").map(\.description)
        #expect(warnings == ["\(folder.file("laba.yaml")):7:7: warning: a trust entry without issuer, and \(folder.path)/keys/county.pub "
                             + "names none (its comment is not issuer=NAME): its key's commands may name any commander as their "
                             + "issuer and are recorded with the key's id (issuer: the name its commander signs as binds them)"])
    }
}
