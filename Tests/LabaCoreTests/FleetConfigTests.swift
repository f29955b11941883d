import Testing
@testable import LabaCore

let fleetZones = """
    outputs: [{id: horn, device: hw, zone: gucheng}]
    zones:
      - id: lijiang
      - {id: gucheng, parent: lijiang}
    fleet:

    """

@Suite struct FleetConfigTests {
    @Test func aFullFleetSectionIsRead() throws {
        let result = load(fleetZones + """
              name: lijiang
              broker: "mqtts://broker.lijiang.example:8884"
              unit: gucheng-office
              tls: {ca: certs/ca.crt, cert: /etc/laba/unit.crt, key: unit.key}
              username: gucheng-office
              password_file: fleet.password
              trust:
                - {key: keys/lijiang.pub, zones: [lijiang], issuer: lijiang-office}
                - {key: keys/gucheng.pub, zones: gucheng, issuer: gucheng-office}
              sign_key: keys/gucheng.key
              command_zones: [gucheng]
            """)
        #expect(errorLines(result) == [])
        #expect(result.diagnostics.isEmpty)
        let fleet = try #require(result.config?.fleet)
        #expect(fleet.name.value == "lijiang")
        #expect(fleet.broker.value == BrokerAddress(host: "broker.lijiang.example", port: 8884, tls: true))
        #expect(fleet.unitID(hostName: "ignored") == "gucheng-office")
        #expect(fleet.tls?.ca?.value == "/cfg/certs/ca.crt")
        #expect(fleet.tls?.cert?.value == "/etc/laba/unit.crt")
        #expect(fleet.tls?.key?.value == "/cfg/unit.key")
        #expect(fleet.passwordFile?.value == "/cfg/fleet.password")
        #expect(fleet.trust.map(\.key.value) == ["/cfg/keys/lijiang.pub", "/cfg/keys/gucheng.pub"])
        #expect(fleet.trust.map { $0.zones.map(\.value) } == [["lijiang"], ["gucheng"]])
        #expect(fleet.signKey?.value == "/cfg/keys/gucheng.key")
        #expect(fleet.commandZones.map(\.value) == ["gucheng"])
        #expect(fleet.isCommander)
        #expect(fleet.trust[0].key.location == SourceLocation(file: "t.yaml", line: 13, column: 13))
    }

    @Test func aUnitNeedsOnlyANameAndABroker() throws {
        let result = load(fleetZones + "  name: lijiang\n  broker: mqtt://127.0.0.1\n")
        #expect(result.diagnostics.isEmpty)
        let fleet = try #require(result.config?.fleet)
        #expect(fleet.broker.value == BrokerAddress(host: "127.0.0.1", port: 1883, tls: false))
        #expect(!fleet.isCommander)
        #expect(fleet.trust.isEmpty)
        #expect(fleet.unitID(hostName: "Gucheng_Office.lan") == "gucheng_office")
        #expect(fleet.unitID(hostName: "-x.y") == "x")
        #expect(load(minimalZones).config?.fleet == nil)
        #expect(fleet.recordsPerUnitValue == 2_000_000)
        let kept = load(fleetZones + "  name: lijiang\n  broker: mqtt://127.0.0.1\n  records_per_unit: 5000\n")
        #expect(kept.diagnostics.isEmpty && kept.config?.fleet?.recordsPerUnitValue == 5000)
    }

    @Test(arguments: [
        ("mqtt://broker", BrokerAddress(host: "broker", port: 1883, tls: false)),
        ("mqtts://broker", BrokerAddress(host: "broker", port: 8883, tls: true)),
        ("mqtt://[::1]:1884", BrokerAddress(host: "::1", port: 1884, tls: false)),
        ("mqtts://10.0.0.2:18883", BrokerAddress(host: "10.0.0.2", port: 18883, tls: true)),
    ])
    func brokerAddresses(_ text: String, _ expected: BrokerAddress) throws {
        #expect(try BrokerAddress(parsing: text) == expected)
    }

    static let errors: [ExpectedDiagnostic] = [
        .init(name: "unknown key", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  brokr: x\n", line: 8, column: 3,
              severity: .error, message: "unknown key 'brokr' in fleet; did you mean 'broker'?"),
        .init(name: "no name", yaml: fleetZones + "  broker: mqtt://b\n", line: 6, column: 3, severity: .error,
              message: "fleet needs a name (the topic root laba/v1/<name>/)"),
        .init(name: "name not an id", yaml: fleetZones + "  name: Li Jiang\n  broker: mqtt://b\n", line: 6, column: 9, severity: .error,
              message: "fleet.name 'Li Jiang' is not a valid id (lower-case letters, digits, '_' and '-', starting with a letter or digit)"),
        .init(name: "no broker", yaml: fleetZones + "  name: l\n", line: 6, column: 3, severity: .error,
              message: "fleet needs a broker (mqtt://HOST[:PORT] or mqtts://HOST[:PORT])"),
        .init(name: "broker of another scheme", yaml: fleetZones + "  name: l\n  broker: tcp://b:1883\n", line: 7, column: 11,
              severity: .error, message: "broker 'tcp://b:1883': expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"),
        .init(name: "broker with a path", yaml: fleetZones + "  name: l\n  broker: mqtt://b/laba\n", line: 7, column: 11,
              severity: .error, message: "broker 'mqtt://b/laba': expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (no path)"),
        .init(name: "broker with a bad port", yaml: fleetZones + "  name: l\n  broker: mqtt://b:70000\n", line: 7, column: 11,
              severity: .error, message: "broker 'mqtt://b:70000': the port must be a number from 1 to 65535"),
        .init(name: "broker with credentials", yaml: fleetZones + "  name: l\n  broker: mqtt://u:p@b\n", line: 7, column: 11,
              severity: .error, message: "broker 'mqtt://u:p@b': put the user name in 'username' and the password in 'password_file'"),
        .init(name: "tls on plain mqtt", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  tls: {ca: ca.crt}\n", line: 8, column: 8,
              severity: .error, message: "fleet.tls needs an mqtts:// broker"),
        .init(name: "tls cert without key", yaml: fleetZones + "  name: l\n  broker: mqtts://b\n  tls: {cert: u.crt}\n", line: 8, column: 8,
              severity: .error, message: "fleet.tls.cert needs key (the certificate's private key)"),
        .init(name: "unknown tls key", yaml: fleetZones + "  name: l\n  broker: mqtts://b\n  tls: {cafile: ca.crt}\n", line: 8, column: 9,
              severity: .error, message: "unknown key 'cafile' in fleet.tls"),
        .init(name: "password file without user", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  password_file: p\n",
              line: 8, column: 18, severity: .error, message: "fleet.password_file needs username"),
        .init(name: "trust of an unknown zone", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - {key: k.pub, zones: [gucheg]}\n",
              line: 9, column: 28, severity: .error, message: "unknown zone 'gucheg'; did you mean 'gucheng'?"),
        .init(name: "trust without zones", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - key: k.pub\n",
              line: 9, column: 7, severity: .error, message: "a trust entry needs zones (the subtrees this key may command)"),
        .init(name: "trust with no zone", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - {key: k.pub, zones: []}\n",
              line: 9, column: 27, severity: .error, message: "trust zones is empty: name the subtrees this key may command"),
        .init(name: "trust without key", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - zones: [lijiang]\n",
              line: 9, column: 7, severity: .error, message: "a trust entry needs key (a commander's .pub file)"),
        .init(name: "unknown trust key", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - {key: k.pub, zones: [lijiang], until: 2027-01-01}\n",
              line: 9, column: 38, severity: .error, message: "unknown key 'until' in a trust entry"),
        .init(name: "trust revoked not a boolean", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - {key: k.pub, zones: [lijiang], revoked: maybe}\n",
              line: 9, column: 47, severity: .error, message: "trust revoked must be true or false, found 'maybe'"),
        .init(name: "trust issuer not an id", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  trust:\n    - {key: k.pub, zones: [lijiang], issuer: \"Li Jiang\"}\n",
              line: 9, column: 46, severity: .error, message: "trust issuer 'Li Jiang' is not a valid id (lower-case letters, digits, '_' and '-', starting with a letter or digit)"),
        .init(name: "a command life of zero", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  max_command_life: 0s\n",
              line: 8, column: 21, severity: .error, message: "fleet.max_command_life must be longer than zero"),
        .init(name: "a skew that is not a time span", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  max_skew: soon\n",
              line: 8, column: 13, severity: .error, message: "fleet.max_skew: invalid time span 'soon': expected a number at 'soon'"),
        .init(name: "command zones without a key", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  command_zones: [gucheng]\n",
              line: 8, column: 18, severity: .error,
              message: "command_zones needs sign_key (this daemon's secret key, from laba fleet keygen)"),
        .init(name: "command zone unknown", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [dali]\n",
              line: 9, column: 19, severity: .error, message: "unknown zone 'dali'"),
        .init(name: "an empty sign key path", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: \"\"\n",
              line: 8, column: 13, severity: .error, message: "fleet.sign_key is empty"),
        .init(name: "sign key without command zones", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n",
              line: 8, column: 13, severity: .warning, message: "sign_key without command_zones: this daemon may command no zone"),
        .init(name: "stream server not http", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [gucheng]\n"
              + "  stream: {server: \"icecast://s:8000\", password_file: s.pw}\n",
              line: 10, column: 20, severity: .error,
              message: "stream server 'icecast://s:8000': expected https://HOST[:PORT] or http://HOST[:PORT] (an Icecast server)"),
        .init(name: "stream plain on a commander", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [gucheng]\n"
              + "  stream: {server: \"http://s:8000\", password_file: s.pw}\n",
              line: 10, column: 20, severity: .warning,
              message: "fleet.stream.server is plain http: live talks are refused, since anyone on the way could listen to them or "
                + "replace them; use https:// (checked against the fleet's CA), or set fleet.stream.insecure: true while units of "
                + "an older release remain"),
        .init(name: "stream listened to in plain", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [gucheng]\n"
              + "  stream: {server: \"https://s\", password_file: s.pw, listen: \"http://s:8000\"}\n",
              line: 10, column: 62, severity: .warning,
              message: "fleet.stream.listen is plain http: live talks are refused, since anyone on the way could listen to them or "
                + "replace them; use https:// (checked against the fleet's CA), or set fleet.stream.insecure: true while units of "
                + "an older release remain"),
        .init(name: "stream over TLS named by its address", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [gucheng]\n"
              + "  stream: {server: \"https://10.0.0.2:8443\", password_file: s.pw}\n",
              line: 10, column: 20, severity: .error,
              message: "fleet.stream.server: libshout checks a certificate's host names only: name the Icecast server by a host name "
                + "its certificate carries, not by the address 10.0.0.2"),
        .init(name: "stream insecure", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  stream: {insecure: true}\n",
              line: 8, column: 22, severity: .warning,
              message: "fleet.stream.insecure: live talks may go as plain http, which anyone on the way can listen to or replace "
                + "(with the talk's secret mount and, from a commander, Icecast's source password); keep it only while units of "
                + "an older release remain"),
        .init(name: "stream insecure not a boolean", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  stream: {insecure: perhaps}\n",
              line: 8, column: 22, severity: .error, message: "fleet.stream.insecure must be true or false, found 'perhaps'"),
        .init(name: "stream with a password and no server", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [gucheng]\n"
              + "  stream: {password_file: s.pw}\n",
              line: 10, column: 11, severity: .error, message: "fleet.stream needs server (https://HOST:PORT of the Icecast server)"),
        .init(name: "stream without its password", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  sign_key: k.key\n  command_zones: [gucheng]\n"
              + "  stream: {server: \"http://s:8000\"}\n",
              line: 10, column: 11, severity: .error, message: "fleet.stream needs password_file (a file holding Icecast's source password)"),
        .init(name: "records per unit not a number", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  records_per_unit: many\n",
              line: 8, column: 21, severity: .error, message: "fleet.records_per_unit must be a whole number, found 'many'"),
        .init(name: "no record kept per unit", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  records_per_unit: 0\n",
              line: 8, column: 21, severity: .error,
              message: "fleet.records_per_unit must be between 1 and 1000000000, found 0"),
        .init(name: "stream on a unit", yaml: fleetZones + "  name: l\n  broker: mqtt://b\n  stream: {server: \"http://s\", password_file: s.pw}\n",
              line: 8, column: 11, severity: .warning, message: "fleet.stream is used by a commander only (this daemon has no sign_key)"),
    ]

    /// SPEC 17: a trust entry's issuer and revocation, and the limits on a command's times.
    @Test func issuersRevocationsAndCommandLimitsAreRead() throws {
        let result = load(fleetZones + """
              name: lijiang
              broker: mqtt://b
              trust:
                - {key: keys/lijiang.pub, zones: [lijiang], issuer: lijiang-office}
                - {key: keys/old.pub, zones: [lijiang], revoked: true}
              max_command_life: 2h
              max_skew: 30s
            """)
        #expect(result.diagnostics.isEmpty)
        let fleet = try #require(result.config?.fleet)
        #expect(fleet.trust.map { $0.issuer?.value } == ["lijiang-office", nil])
        #expect(fleet.trust.map { $0.revoked?.value } == [nil, true])
        #expect(fleet.maxCommandLife?.value == .seconds(7200))
        #expect(fleet.maxSkew?.value == .seconds(30))
        #expect(fleet.maxSkew?.location == SourceLocation(file: "t.yaml", line: 12, column: 13))
    }

    @Test func aStreamSectionIsRead() throws {
        let result = load(fleetZones + """
              name: lijiang
              broker: mqtt://b
              sign_key: k.key
              command_zones: [gucheng]
              stream: {server: "https://stream.lijiang", password_file: icecast.source, listen: "https://10.0.0.2:8443"}
            """)
        #expect(result.diagnostics.isEmpty)
        let stream = try #require(result.config?.fleet?.stream)
        #expect(stream.server.value == StreamAddress(host: "stream.lijiang", port: 443, tls: true))
        #expect(stream.listen?.value == StreamAddress(host: "10.0.0.2", port: 8443, tls: true))
        #expect(stream.passwordFile.value == "/cfg/icecast.source")
        #expect(stream.listen?.value.description == "https://10.0.0.2:8443")
        #expect(result.config?.fleet?.streamInsecure == nil)
    }

    /// `fleet.stream.insecure` (SPEC 17): plain http streams allowed, said once as a warning (labad
    /// logs it at start); a unit holds it without a server of its own; `false` says nothing.
    @Test(arguments: [
        ("  stream: {insecure: true}\n", true, 1),
        ("  stream: {insecure: yes, server: \"http://10.0.0.2\", password_file: s.pw}\n  sign_key: k.key\n  command_zones: [gucheng]\n", true, 1),
        ("  stream: {insecure: false}\n", false, 0),
        ("", nil, 0),
    ] as [(String, Bool?, Int)])
    func theInsecureStreamSettingIsReadAndWarnedOf(_ fleet: String, _ insecure: Bool?, _ warnings: Int) throws {
        let result = load(fleetZones + "  name: l\n  broker: mqtt://b\n" + fleet)
        #expect(errorLines(result) == [])
        #expect(result.config?.fleet?.streamInsecure?.value == insecure)
        let found = result.diagnostics.filter { $0.severity == .warning }
        #expect(found.count == warnings, "\(found)")
        #expect(found.allSatisfy { $0.message.hasPrefix("fleet.stream.insecure: live talks may go as plain http") }, "\(found)")
    }

    @Test(arguments: [
        ("https://stream.lijiang", StreamAddress(host: "stream.lijiang", port: 443, tls: true)),
        ("https://stream.lijiang:8443/", StreamAddress(host: "stream.lijiang", port: 8443, tls: true)),
        ("http://10.0.0.2", StreamAddress(host: "10.0.0.2", port: 8000, tls: false)),
        ("https://[fd00::2]:8443", StreamAddress(host: "fd00::2", port: 8443, tls: true)),
    ])
    func streamAddressesAreRead(_ text: String, _ expected: StreamAddress) throws {
        #expect(try StreamAddress(parsing: text) == expected)
    }

    @Test(arguments: errors) func diagnostic(_ expected: ExpectedDiagnostic) {
        let result = load(expected.yaml)
        let found = result.diagnostics.filter { $0.severity == expected.severity }
        #expect(found.map { "\($0.location!.line):\($0.location!.column) \($0.message)" }
                == ["\(expected.line):\(expected.column) \(expected.message)"])
    }
}
