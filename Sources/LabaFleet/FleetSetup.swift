// From the `fleet:` section to what the daemon runs: the unit's id and topics, the connection's
// options, the trusted keys and the signing key, with every file read once and every problem at
// the place in the configuration that names the file.

import Foundation
import LabaCore

/// Everything a unit (and a commander) needs from its configuration, files read.
public struct FleetSetup: Sendable {
    /// This daemon's id in the fleet.
    public var unit: String
    public var topics: FleetTopics
    /// How to reach the broker; the will is this unit's `offline` status.
    public var options: MQTTOptions
    public var trust: FleetTrust
    /// Present on a commander.
    public var signingKey: FleetSigningKey?
    /// The `issuer` a commander's commands and recordings carry: the one its signing key's comment
    /// names (`issuer=NAME`), else its unit id (what every commander signed as before issuers
    /// were bound to keys).
    public var issuer: String { signingKey?.issuer ?? unit }
    /// What `laba check` and labad's start say of the files read (a trust entry that binds no
    /// issuer, an `issuer:` that differs from its key's).
    public var warnings: [Diagnostic] = []
    /// The subtrees a commander may command.
    public var commandZones: [String]
    /// Where a commander's live talks go (`fleet.stream`), its password read.
    public var stream: Stream?
    /// The certificate authorities an https stream's server is checked against, both by a
    /// commander sending a talk and by a unit receiving one: the fleet's CA (`fleet.stream.ca`,
    /// else `fleet.tls.ca`, the broker's); nil: the system's.
    public var streamCA: String?
    /// `fleet.stream.insecure`: plain http streams are sent and taken.
    public var streamInsecure = false
    /// `fleet.max_command_life`.
    public var maxCommandLife: TimeSpan = CommandClock.defaultMaxLife
    /// `fleet.max_skew`.
    public var maxSkew: TimeSpan = CommandClock.defaultMaxSkew
    /// `fleet.records_per_unit`: the most records a commander keeps for one unit.
    public var recordsPerUnit = FleetConfig.defaultRecordsPerUnit

    /// `fleet.stream` with its password.
    public struct Stream: Sendable, Equatable {
        public var server: StreamAddress
        public var password: String
        /// Where units fetch it.
        public var listen: StreamAddress
    }

    /// Reads the key and password files `fleet` names.
    ///
    /// - Parameter hostName: the unit's id when `fleet.unit` is not given.
    /// - Returns: the setup, or the problems (errors at the configuration's `FILE:LINE:COL`).
    public static func load(_ fleet: FleetConfig, hostName: String) -> Result<FleetSetup, FleetSetupError> {
        var diagnostics: [Diagnostic] = []
        let unit = fleet.unitID(hostName: hostName)
        let topics = FleetTopics(fleet: fleet.name.value)

        func use<T>(_ key: String, _ file: Located<String>, _ read: (String) throws(FileProblem) -> T) -> T? {
            do {
                return try read(file.value)
            } catch {
                diagnostics.append(.file(error, key: key, path: file.value, at: file.location))
                return nil
            }
        }
        var keys: [FleetTrust.Entry] = []
        var warnings: [Diagnostic] = []
        for entry in fleet.trust {
            if let key = use("fleet.trust.key", entry.key, FleetKeyFile.publicKey) {
                let revoked = entry.revoked?.value ?? false
                keys.append(FleetTrust.Entry(key: key, zones: entry.zones.map(\.value), issuer: entry.issuer?.value ?? key.issuer,
                                             revoked: revoked))
                guard !revoked else { continue }
                if let named = entry.issuer, let own = key.issuer, named.value != own {
                    warnings.append(Diagnostic(.warning, at: named.location,
                                               "trust issuer '\(named.value)' is not the issuer its key names ('\(own)', in "
                                               + "\(entry.key.value)): commands signed as '\(own)' are refused",
                                               code: "trust_issuer_differs",
                                               arguments: ["issuer": named.value, "own": own, "path": entry.key.value]))
                } else if entry.issuer == nil, key.issuer == nil {
                    warnings.append(Diagnostic(.warning, at: entry.location,
                                               "a trust entry without issuer, and \(entry.key.value) names none (its comment is not "
                                               + "issuer=NAME): its key's commands may name any commander as their issuer and are "
                                               + "recorded with the key's id (issuer: the name its commander signs as binds them)",
                                               code: "trust_no_issuer", arguments: ["path": entry.key.value]))
                }
            }
        }
        let signingKey = fleet.signKey.flatMap { use("fleet.sign_key", $0, FleetKeyFile.secretKey) }
        let password = fleet.passwordFile.flatMap { use("fleet.password_file", $0, ConfigFiles.firstLine) }
        let stream = fleet.stream.flatMap { s in
            use("fleet.stream.password_file", s.passwordFile, ConfigFiles.firstLine).map {
                Stream(server: s.server.value, password: $0, listen: s.listen?.value ?? s.server.value)
            }
        }
        var tls: MQTTOptions.TLS?
        if fleet.broker.value.tls {
            tls = MQTTOptions.TLS(caFile: fleet.tls?.ca?.value, certFile: fleet.tls?.cert?.value, keyFile: fleet.tls?.key?.value)
            // libmosquitto reads them at each connect: a file it cannot use must stop the start, not every connect.
            let files: [(String, Located<String>?, ConfigFiles.PEMKind)] = [
                ("fleet.tls.ca", fleet.tls?.ca, .certificate), ("fleet.tls.cert", fleet.tls?.cert, .certificate),
                ("fleet.tls.key", fleet.tls?.key, .privateKey),
            ]
            for case let (key, file?, kind) in files {
                _ = use(key, file) { path throws(FileProblem) in try ConfigFiles.pem(path, kind) }
            }
        }
        if let ca = fleet.streamCA {
            _ = use("fleet.stream.ca", ca) { path throws(FileProblem) in try ConfigFiles.pem(path, .certificate) }
        }
        guard diagnostics.isEmpty else { return .failure(FleetSetupError(diagnostics: diagnostics)) }

        let will = MQTTOptions.Will(topic: topics.topic(.unitStatus(unit: unit)), payload: FleetJSON.encode(UnitStatus.offline(unit: unit)))
        // The unit id is the session's name on the broker, and the ACL's %u when the account is named after it.
        var options = MQTTOptions(host: fleet.broker.value.host, port: fleet.broker.value.port, clientID: unit, tls: tls,
                                  username: fleet.username?.value, password: password, will: will)
        options.maximumSize = FleetLimits.sizeCheck(topics)
        options.keepalive = fleet.keepaliveSeconds
        var setup = FleetSetup(unit: unit, topics: topics, options: options, trust: FleetTrust(entries: keys),
                               signingKey: signingKey, commandZones: fleet.commandZones.map(\.value), stream: stream)
        setup.recordsPerUnit = fleet.recordsPerUnitValue
        setup.streamCA = fleet.streamCA?.value ?? (fleet.broker.value.tls ? fleet.tls?.ca?.value : nil)
        setup.streamInsecure = fleet.streamInsecure?.value ?? false
        setup.warnings = warnings
        setup.maxCommandLife = fleet.maxCommandLife?.value ?? CommandClock.defaultMaxLife
        setup.maxSkew = fleet.maxSkew?.value ?? CommandClock.defaultMaxSkew
        return .success(setup)
    }
}

/// The files of `fleet:` that could not be used.
public struct FleetSetupError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Every file the configuration names that labad could not use at start: `laba check`, labad's
/// start and its reloads all call this, so that a checked configuration starts.
public func configFileProblems(_ config: Config, hostName: String = ProcessInfo.processInfo.hostName) -> [Diagnostic] {
    var out = ConfigFiles.problems(config)
    if let fleet = config.fleet {
        switch FleetSetup.load(fleet, hostName: hostName) {
        case .success(let setup): out += setup.warnings
        case .failure(let error): out += error.diagnostics
        }
    }
    return out
}
