// The `fleet:` section (SPEC 11): this daemon as a unit of a fleet, and as a commander when it
// holds a signing key.

import Foundation
import Yams

/// Where the broker is: `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]`.
public struct BrokerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `mqtts`: TLS.
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Reads a broker URL; the message says what is wrong.
    public init(parsing text: String) throws(FleetConfigError) {
        let form = "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"
        let rest: Substring
        if text.hasPrefix("mqtt://") {
            tls = false
            rest = text.dropFirst(7)
        } else if text.hasPrefix("mqtts://") {
            tls = true
            rest = text.dropFirst(8)
        } else {
            throw FleetConfigError("broker '\(text)': \(form)")
        }
        if rest.contains("@") {
            throw FleetConfigError("broker '\(text)': put the user name in 'username' and the password in 'password_file'")
        }
        if rest.contains("/") || rest.contains("?") || rest.contains("#") {
            throw FleetConfigError("broker '\(text)': \(form) (no path)")
        }
        var hostPart = rest
        var portPart: Substring?
        if rest.hasPrefix("[") {  // [IPv6]:PORT
            guard let close = rest.firstIndex(of: "]") else { throw FleetConfigError("broker '\(text)': unclosed '['") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw FleetConfigError("broker '\(text)': \(form)") }
                portPart = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw FleetConfigError("broker '\(text)': the host is missing") }
        host = String(hostPart)
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else {
                throw FleetConfigError("broker '\(text)': the port must be a number from 1 to 65535")
            }
            port = p
        } else {
            port = tls ? 8883 : 1883
        }
    }

    public var description: String {
        "\(tls ? "mqtts" : "mqtt")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

public struct FleetConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `fleet.tls`: files for TLS to the broker, absolute.
public struct FleetTLSConfig: Sendable {
    /// The certificate authorities to trust; nil: the system's.
    public var ca: Located<String>?
    /// The client certificate and its key, for brokers that ask for one.
    public var cert: Located<String>?
    public var key: Located<String>?

    static let keys = ["ca", "cert", "key"]
}

/// An Icecast server: `https://HOST[:PORT]` (port 443 when not said), or `http://HOST[:PORT]`
/// (port 8000, Icecast's), plain, only with `fleet.stream.insecure`.
public struct StreamAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `https`: TLS, the server's certificate checked against the fleet's CA.
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    public init(parsing text: String) throws(FleetConfigError) {
        let form = "expected https://HOST[:PORT] or http://HOST[:PORT] (an Icecast server)"
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), let components = URLComponents(string: text),
              let host = components.host, !host.isEmpty,
              components.path.isEmpty || components.path == "/", components.query == nil, components.user == nil else {
            throw FleetConfigError("stream server '\(text)': \(form)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw FleetConfigError("stream server '\(text)': the port must be a number from 1 to 65535")
        }
        // (Foundation keeps an IPv6 address's brackets; `description` puts them back.)
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        tls = components.scheme == "https"
        port = components.port ?? (tls ? 443 : 8000)
    }

    /// Whether the host is an IP address rather than a name.
    public var hostIsAddress: Bool {
        host.contains(":") || (!host.isEmpty && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    public var description: String { "\(tls ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// `fleet.stream`: the Icecast server that carries a commander's live talks to its units (SPEC 14).
public struct FleetStreamConfig: Sendable {
    /// Where the commander sends its talk (as Icecast's source).
    public var server: Located<StreamAddress>
    /// A file whose first line is Icecast's source password, absolute.
    public var passwordFile: Located<String>
    /// Where units fetch it, when they reach the server by another address; nil: `server`.
    public var listen: Located<StreamAddress>?

    static let keys = ["server", "password_file", "listen", "insecure", "ca"]
}

/// One `fleet.trust` entry: a commander's public key and the subtrees it may command here.
public struct FleetTrustConfig: Sendable {
    /// The `.pub` file, absolute.
    public var key: Located<String>
    public var zones: [Located<String>]
    /// The only `issuer` the key's commands may name; nil: the one the `.pub` file's comment names
    /// (`issuer=NAME`), else unchecked.
    public var issuer: Located<String>?
    /// A key rotated out: its commands are refused.
    public var revoked: Located<Bool>?
    public var location: SourceLocation

    public init(key: Located<String>, zones: [Located<String>], issuer: Located<String>? = nil, revoked: Located<Bool>? = nil,
                location: SourceLocation) {
        self.key = key
        self.zones = zones
        self.issuer = issuer
        self.revoked = revoked
        self.location = location
    }

    static let keys = ["key", "zones", "issuer", "revoked"]
}

public struct FleetConfig: Sendable {
    /// The topic root: `laba/v1/<name>/`.
    public var name: Located<String>
    public var broker: Located<BrokerAddress>
    /// This daemon's id in the fleet; nil: from the host name (`unitID(hostName:)`).
    public var unit: Located<String>?
    public var tls: FleetTLSConfig?
    public var username: Located<String>?
    /// A file whose first line is the broker password, absolute.
    public var passwordFile: Located<String>?
    public var trust: [FleetTrustConfig]
    /// This daemon's secret key, absolute: it is a commander.
    public var signKey: Located<String>?
    /// The subtrees it may command.
    public var commandZones: [Located<String>]
    /// Where a commander's live talks go to its units.
    public var stream: FleetStreamConfig?
    /// `fleet.stream.insecure`: plain http streams are sent (a commander) and taken (a unit).
    public var streamInsecure: Located<Bool>?
    /// `fleet.stream.ca`, absolute: the fleet's CA for the stream when the broker is reached without
    /// TLS (a commander on the broker's machine, through the loopback); nil: `tls.ca`.
    public var streamCA: Located<String>?
    /// The longest life (`expires_at − issued_at`) of a command obeyed here.
    public var maxCommandLife: Located<TimeSpan>?
    /// How far ahead of a synced clock a command may be issued.
    public var maxSkew: Located<TimeSpan>?
    /// `records_per_unit`: the most records a commander keeps for one unit, oldest out first.
    public var recordsPerUnit: Located<Int>?
    /// `keepalive`: how long this unit may be silent on its broker connection; silent half as long
    /// again, the broker publishes its will and commanders show it offline from then.
    public var keepalive: Located<TimeSpan>?
    public var location: SourceLocation

    public static let defaultRecordsPerUnit = 2_000_000
    /// `records_per_unit`, or its default.
    public var recordsPerUnitValue: Int { recordsPerUnit?.value ?? Self.defaultRecordsPerUnit }

    public static let defaultKeepalive = TimeSpan.seconds(60)
    /// MQTT's keepalive is whole seconds, at least 5 (libmosquitto's floor), at most 65535.
    public static let keepaliveRange: ClosedRange<Int64> = 5...65_535
    /// `keepalive` in seconds, or its default.
    public var keepaliveSeconds: Int { Int((keepalive?.value ?? Self.defaultKeepalive).microseconds / 1_000_000) }

    /// Whether this daemon signs commands.
    public var isCommander: Bool { signKey != nil && !commandZones.isEmpty }

    /// `unit`, or the host name made into an id (`Gucheng-Office.local` → `gucheng-office`).
    public func unitID(hostName: String) -> String {
        if let unit { return unit.value }
        let first = hostName.split(separator: ".").first.map(String.init) ?? hostName
        var id = String(first.lowercased().unicodeScalars.map {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" ? Character($0) : "-"
        })
        while let c = id.first, c == "-" || c == "_" { id.removeFirst() }
        return id.isEmpty ? "unit" : id
    }

    static let keys = ["name", "broker", "unit", "tls", "username", "password_file", "trust", "sign_key", "command_zones", "stream",
                       "records_per_unit", "max_command_life", "max_skew", "keepalive"]
}

extension ConfigLoader {
    /// Reads `fleet:`; relative paths resolve against `directory`, zones are checked against `zones`.
    static func readFleet(_ node: Node, zones: [ZoneConfig], directory: String, _ reader: inout NodeReader) -> FleetConfig? {
        guard let f = reader.mapping(node, "fleet", known: FleetConfig.keys) else { return nil }
        func path(_ node: Node, _ what: String) -> Located<String>? {
            guard let text = reader.string(node, what) else { return nil }
            if text.value.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("\(what) is empty", at: text.location, code: "empty_value", what: what)
                return nil
            }
            let absolute = text.value.hasPrefix("/") ? text.value : (directory as NSString).appendingPathComponent(text.value)
            return Located((absolute as NSString).standardizingPath, at: text.location)
        }
        let zoneIDs = Set(zones.map(\.id.value))
        func existingZones(_ node: Node, _ what: String) -> [Located<String>] {
            let list = reader.idList(node, what)?.value ?? []
            for zone in list where !zoneIDs.contains(zone.value) {
                reader.error("unknown zone '\(zone.value)'\(didYouMean(zone.value, zoneIDs))", at: zone.location, code: "unknown_zone",
                             suggested(["value": zone.value], zone.value, zoneIDs.sorted()))
            }
            return list.filter { zoneIDs.contains($0.value) }
        }

        let name = f["name"].flatMap { reader.id($0, "fleet.name") }
        if f["name"] == nil {
            reader.error("fleet needs a name (the topic root laba/v1/<name>/)", at: f.location, code: "missing_key", what: "fleet", ["key": "name"])
        }

        var broker: Located<BrokerAddress>?
        if let n = f["broker"] {
            if let text = reader.string(n, "fleet.broker") {
                do {
                    broker = Located(try BrokerAddress(parsing: text.value), at: text.location)
                } catch {
                    reader.error(error.message, at: text.location, code: "invalid_broker", ["value": text.value, "detail": error.message])
                }
            }
        } else {
            reader.error("fleet needs a broker (mqtt://HOST[:PORT] or mqtts://HOST[:PORT])", at: f.location, code: "missing_key", what: "fleet",
                         ["key": "broker"])
        }
        let unit = f["unit"].flatMap { reader.id($0, "fleet.unit") }

        var tls: FleetTLSConfig?
        if let n = f["tls"], let t = reader.mapping(n, "fleet.tls", known: FleetTLSConfig.keys) {
            var config = FleetTLSConfig()
            config.ca = t["ca"].flatMap { path($0, "fleet.tls.ca") }
            config.cert = t["cert"].flatMap { path($0, "fleet.tls.cert") }
            config.key = t["key"].flatMap { path($0, "fleet.tls.key") }
            if (t["cert"] == nil) != (t["key"] == nil) {
                reader.error(t["cert"] == nil ? "fleet.tls.key needs cert (the client certificate)"
                                              : "fleet.tls.cert needs key (the certificate's private key)", at: t.location,
                             code: "missing_key", what: "fleet.tls", ["key": t["cert"] == nil ? "cert" : "key"])
            }
            if let broker, !broker.value.tls {
                reader.error("fleet.tls needs an mqtts:// broker", at: t.location, code: "tls_needs_mqtts")
            }
            tls = config
        }

        let username = f["username"].flatMap { reader.string($0, "fleet.username") }
        let passwordFile = f["password_file"].flatMap { path($0, "fleet.password_file") }
        if let passwordFile, username == nil {
            reader.error("fleet.password_file needs username", at: passwordFile.location, code: "missing_key", what: "fleet", ["key": "username"])
        }

        var trust: [FleetTrustConfig] = []
        if let n = f["trust"], let items = reader.sequence(n, "fleet.trust") {
            for item in items {
                guard let t = reader.mapping(item, "a trust entry", known: FleetTrustConfig.keys) else { continue }
                let key = t["key"].flatMap { path($0, "trust key") }
                if t["key"] == nil {
                    reader.error("a trust entry needs key (a commander's .pub file)", at: t.location, code: "missing_key",
                                 what: "a trust entry", ["key": "key"])
                }
                var entryZones: [Located<String>] = []
                if let z = t["zones"] {
                    entryZones = existingZones(z, "trust zones")
                    if reader.isNull(z) || z.sequence?.isEmpty == true {
                        reader.error("trust zones is empty: name the subtrees this key may command", at: reader.location(z), code: "empty_list",
                                     what: "zones")
                    }
                } else {
                    reader.error("a trust entry needs zones (the subtrees this key may command)", at: t.location, code: "missing_key",
                                 what: "a trust entry", ["key": "zones"])
                }
                var revoked: Located<Bool>?
                if let n = t["revoked"], let text = reader.string(n, "trust revoked") {
                    switch text.value {
                    case "true", "yes": revoked = Located(true, at: text.location)
                    case "false", "no": revoked = Located(false, at: text.location)
                    default: reader.reject(text, "trust revoked must be true or false, found '\(text.value)'", code: "must_be_choice",
                                           what: "revoked", ["choices": "true, false", "value": text.value])
                    }
                }
                let issuer = t["issuer"].flatMap { reader.id($0, "trust issuer") }
                // Without issuer, the key file's comment may name one (`issuer=NAME`): FleetSetup
                // reads it and warns when neither does.
                if let key {
                    trust.append(FleetTrustConfig(key: key, zones: entryZones, issuer: issuer, revoked: revoked, location: t.location))
                }
            }
        }

        let signKey = f["sign_key"].flatMap { path($0, "fleet.sign_key") }
        let commandZones = f["command_zones"].map { existingZones($0, "command_zones") } ?? []
        if let n = f["command_zones"], signKey == nil, f["sign_key"] == nil {
            reader.error("command_zones needs sign_key (this daemon's secret key, from laba fleet keygen)", at: reader.location(n),
                         code: "command_zones_need_sign_key")
        }
        if let signKey, f["command_zones"] == nil {
            reader.warning("sign_key without command_zones: this daemon may command no zone", at: signKey.location, code: "sign_key_without_zones")
        }

        var stream: FleetStreamConfig?
        var streamInsecure: Located<Bool>?
        var streamCA: Located<String>?
        if let n = f["stream"], let m = reader.mapping(n, "fleet.stream", known: FleetStreamConfig.keys) {
            func address(_ key: String) -> Located<StreamAddress>? {
                guard let text = m[key].flatMap({ reader.string($0, "fleet.stream.\(key)") }) else { return nil }
                do {
                    return Located(try StreamAddress(parsing: text.value), at: text.location)
                } catch {
                    reader.error(error.message, at: text.location, code: "invalid_stream_address", what: "fleet.stream.\(key)",
                                 ["value": text.value, "detail": error.message])
                    return nil
                }
            }
            if let n = m["insecure"], let text = reader.string(n, "fleet.stream.insecure") {
                switch text.value {
                case "true", "yes": streamInsecure = Located(true, at: text.location)
                case "false", "no": streamInsecure = Located(false, at: text.location)
                default: reader.reject(text, "fleet.stream.insecure must be true or false, found '\(text.value)'", code: "must_be_choice",
                                       what: "fleet.stream.insecure", ["choices": "true, false", "value": text.value])
                }
            }
            let insecure = streamInsecure?.value == true
            streamCA = m["ca"].flatMap { path($0, "fleet.stream.ca") }
            if let streamInsecure, insecure {
                reader.warning("fleet.stream.insecure: live talks may go as plain http, which anyone on the way can listen to "
                               + "or replace (with the talk's secret mount and, from a commander, Icecast's source password); "
                               + "keep it only while units of an older release remain", at: streamInsecure.location, code: "stream_insecure")
            }
            let server = address("server")
            let listen = address("listen")
            let password = m["password_file"].flatMap { path($0, "fleet.stream.password_file") }
            // A unit (or a commander that sends no talk) may hold only `insecure`.
            if m["server"] != nil || m["password_file"] != nil || m["listen"] != nil {
                if m["server"] == nil {
                    reader.error("fleet.stream needs server (https://HOST:PORT of the Icecast server)", at: m.location, code: "missing_key",
                                 what: "fleet.stream", ["key": "server"])
                }
                if m["password_file"] == nil {
                    reader.error("fleet.stream needs password_file (a file holding Icecast's source password)", at: m.location, code: "missing_key",
                                 what: "fleet.stream", ["key": "password_file"])
                }
                if signKey == nil {
                    reader.warning("fleet.stream is used by a commander only (this daemon has no sign_key)", at: m.location, code: "stream_commander_only")
                }
            }
            if signKey != nil {
                for case let (key, address?) in [("server", server), ("listen", listen)] {
                    if !address.value.tls, !insecure {
                        reader.warning("fleet.stream.\(key) is plain http: live talks are refused, since anyone on the way could "
                                       + "listen to them or replace them; use https:// (checked against the fleet's CA), or set "
                                       + "fleet.stream.insecure: true while units of an older release remain", at: address.location,
                                       code: "stream_plain_http", ["key": "fleet.stream.\(key)"])
                    }
                }
                if let server, server.value.tls, server.value.hostIsAddress {
                    reader.error("fleet.stream.server: libshout checks a certificate's host names only: name the Icecast "
                                 + "server by a host name its certificate carries, not by the address \(server.value.host)",
                                 at: server.location, code: "stream_host_is_address", ["host": server.value.host])
                }
            }
            if let server, let password { stream = FleetStreamConfig(server: server, passwordFile: password, listen: listen) }
        }

        func limit(_ key: String) -> Located<TimeSpan>? {
            guard let n = f[key], let span = reader.timeSpan(n, "fleet.\(key)") else { return nil }
            guard span.value.microseconds > 0 else {
                reader.error("fleet.\(key) must be longer than zero", at: span.location, code: "must_be_positive", what: "fleet.\(key)")
                return nil
            }
            return span
        }
        let maxCommandLife = limit("max_command_life")
        let maxSkew = limit("max_skew")
        let recordsPerUnit = f["records_per_unit"].flatMap { reader.integer($0, "fleet.records_per_unit", in: 1...1_000_000_000) }
        var keepalive = f["keepalive"].flatMap { reader.timeSpan($0, "fleet.keepalive") }
        if let span = keepalive, !FleetConfig.keepaliveRange.contains(span.value.microseconds / 1_000_000)
            || span.value.microseconds % 1_000_000 != 0 {
            reader.error("fleet.keepalive must be between 5s and 65535s in whole seconds, found \(span.value)", at: span.location,
                         code: "out_of_range", what: "fleet.keepalive", ["min": "5s", "max": "65535s", "value": "\(span.value)"])
            keepalive = nil
        }

        guard let name, let broker else { return nil }
        return FleetConfig(name: name, broker: broker, unit: unit, tls: tls, username: username, passwordFile: passwordFile,
                           trust: trust, signKey: signKey, commandZones: commandZones, stream: stream,
                           streamInsecure: streamInsecure, streamCA: streamCA, maxCommandLife: maxCommandLife, maxSkew: maxSkew, recordsPerUnit: recordsPerUnit, keepalive: keepalive, location: f.location)
    }
}
