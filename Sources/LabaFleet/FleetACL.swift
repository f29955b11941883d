// The broker's ACL (mosquitto's acl_file format) from a configuration (SPEC 17): every unit
// publishes only under `unit/<its id>/`, every commander only its own library prefix and the
// command topics of the zones its key is trusted for.

import LabaCore

/// One commander's account on the broker.
public struct ACLCommander: Sendable, Equatable {
    /// Its user name on the broker: its `fleet.unit`, the issuer its commands name.
    public var account: String
    /// Its key's id: its library prefix `library/<key id>/`.
    public var keyID: String
    /// The subtrees its key is trusted for.
    public var zones: [String]

    public init(account: String, keyID: String, zones: [String]) {
        self.account = account
        self.keyID = keyID
        self.zones = zones
    }
}

public enum FleetACL {
    /// The commanders a configuration knows: each trust entry (its account is its `issuer:`, else
    /// the issuer its `.pub` file's comment names, else that comment; one without either is left out and listed in `withoutAccount`) and this
    /// daemon when it signs (its account is its unit id, its zones `command_zones`). An account
    /// named twice keeps every zone.
    public static func commanders(trust: [(key: FleetPublicKey, zones: [String], issuer: String?)], own: (account: String, key: FleetPublicKey,
                                  zones: [String])?) -> (commanders: [ACLCommander], withoutAccount: [String]) {
        var out: [ACLCommander] = []
        var withoutAccount: [String] = []
        func add(_ account: String, _ keyID: String, _ zones: [String]) {
            if let i = out.firstIndex(where: { $0.account == account && $0.keyID == keyID }) {
                for zone in zones where !out[i].zones.contains(zone) { out[i].zones.append(zone) }
            } else {
                out.append(ACLCommander(account: account, keyID: keyID, zones: zones))
            }
        }
        if let own { add(own.account, own.key.id, own.zones) }
        for entry in trust {
            // The trust entry's `issuer:` names the account its commands come from; else the issuer
            // the key's comment names (`issuer=NAME`), else the comment itself (keys made before).
            guard let account = entry.issuer ?? entry.key.issuer ?? entry.key.comment, FleetTopics.isID(account) else {
                withoutAccount.append(entry.key.id)
                continue
            }
            add(account, entry.key.id, entry.zones)
        }
        return (out, withoutAccount)
    }

    /// The ACL file's text.
    public static func render(topics: FleetTopics, commanders: [ACLCommander], tree: ZoneTree) -> String {
        let root = topics.root
        var lines = [
            "# laba fleet acl: \(topics.fleet)",
            "pattern read \(root)/zone/+/command",
            "pattern read \(root)/unit/%u/command",
            "pattern read \(root)/library/#",
            "pattern write \(root)/unit/%u/status",
            "pattern write \(root)/unit/%u/ack",
            "pattern write \(root)/unit/%u/record",
        ]
        for commander in commanders {
            lines += ["", "user \(commander.account)"]
            var zones: [String] = []
            for top in commander.zones {
                for zone in tree.subtree(of: top) where !zones.contains(zone) { zones.append(zone) }
            }
            lines += zones.map { "topic write \(topics.topic(.zoneCommand(zone: $0)))" }
            lines += [
                // A command for one unit (`laba fleet move`): the unit checks the key's trust over its zones.
                "topic write \(root)/unit/+/command",
                "topic write \(root)/library/\(commander.keyID)/#",
                "topic read \(root)/unit/+/status",
                "topic read \(root)/unit/+/ack",
                "topic read \(root)/unit/+/record",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
