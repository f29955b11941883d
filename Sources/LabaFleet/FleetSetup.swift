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
    /// The subtrees a commander may command.
    public var commandZones: [String]
    /// Where a commander's live talks go (`fleet.stream`), its password read.
    public var stream: Stream?

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

        var keys: [(key: FleetPublicKey, zones: [String])] = []
        for entry in fleet.trust {
            do {
                keys.append((try FleetKeyFile.readPublic(entry.key.value), entry.zones.map(\.value)))
            } catch {
                diagnostics.append(.error("trust key \(error)", at: entry.key.location))
            }
        }
        var signingKey: FleetSigningKey?
        if let path = fleet.signKey {
            do {
                signingKey = try FleetKeyFile.readSecret(path.value)
            } catch {
                diagnostics.append(.error("sign_key \(error)", at: path.location))
            }
        }
        func firstLine(_ file: Located<String>, _ what: String) -> String? {
            guard let data = FileManager.default.contents(atPath: file.value), let text = String(data: data, encoding: .utf8) else {
                diagnostics.append(.error("\(what) \(file.value) cannot be read", at: file.location))
                return nil
            }
            return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        let password = fleet.passwordFile.flatMap { firstLine($0, "password_file") }
        let stream = fleet.stream.flatMap { s in
            firstLine(s.passwordFile, "stream password_file").map {
                Stream(server: s.server.value, password: $0, listen: s.listen?.value ?? s.server.value)
            }
        }
        var tls: MQTTOptions.TLS?
        if fleet.broker.value.tls {
            tls = MQTTOptions.TLS(caFile: fleet.tls?.ca?.value, certFile: fleet.tls?.cert?.value, keyFile: fleet.tls?.key?.value)
            for file in [fleet.tls?.ca, fleet.tls?.cert, fleet.tls?.key].compactMap({ $0 }) where access(file.value, R_OK) != 0 {
                diagnostics.append(.error("\(file.value) cannot be read: \(String(cString: strerror(errno)))", at: file.location))
            }
        }
        guard diagnostics.isEmpty else { return .failure(FleetSetupError(diagnostics: diagnostics)) }

        let will = MQTTOptions.Will(topic: topics.topic(.unitStatus(unit: unit)), payload: FleetJSON.encode(UnitStatus.offline(unit: unit)))
        // The unit id is the session's name on the broker, and the ACL's %u when the account is named after it.
        let options = MQTTOptions(host: fleet.broker.value.host, port: fleet.broker.value.port, clientID: unit, tls: tls,
                                  username: fleet.username?.value, password: password, will: will)
        return .success(FleetSetup(unit: unit, topics: topics, options: options, trust: FleetTrust(keys),
                                   signingKey: signingKey, commandZones: fleet.commandZones.map(\.value), stream: stream))
    }
}

/// The files of `fleet:` that could not be used.
public struct FleetSetupError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
