// The fleet's topics, under `laba/v1/<name>/` (SPEC 11).

import LabaCore

/// One topic of the fleet, parsed.
public enum FleetTopic: Sendable, Hashable {
    /// Commands for every unit whose current zone is this zone or below it.
    case zoneCommand(zone: String)
    /// Commands for one unit.
    case unitCommand(unit: String)
    /// A unit's retained status; its will sets it `offline`.
    case unitStatus(unit: String)
    /// A unit's answers to commands.
    case unitAck(unit: String)
    /// A unit's finished broadcasts.
    case unitRecord(unit: String)
    /// A retained signed recording, under the KEY_ID of the key that signed it (SPEC 17): each
    /// key has its own topics, so that no key can overwrite another's recording.
    case library(key: String, message: String, language: String)
}

/// Builds and reads the topics of one fleet. Every name in a topic is an id
/// (`[a-z0-9][a-z0-9_-]*`), so none holds `/`, `+` or `#`.
public struct FleetTopics: Sendable, Equatable {
    public static let prefix = "laba/v1"

    /// `fleet.name`.
    public var fleet: String

    public init(fleet: String) { self.fleet = fleet }

    /// `laba/v1/<name>`.
    public var root: String { "\(Self.prefix)/\(fleet)" }

    public func topic(_ topic: FleetTopic) -> String {
        switch topic {
        case .zoneCommand(let zone): "\(root)/zone/\(zone)/command"
        case .unitCommand(let unit): "\(root)/unit/\(unit)/command"
        case .unitStatus(let unit): "\(root)/unit/\(unit)/status"
        case .unitAck(let unit): "\(root)/unit/\(unit)/ack"
        case .unitRecord(let unit): "\(root)/unit/\(unit)/record"
        case .library(let key, let message, let language): "\(root)/library/\(key)/\(message)/\(language)"
        }
    }

    /// What a topic of this fleet is; nil for any other topic.
    public func parse(_ topic: String) -> FleetTopic? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 7, parts[0] == "laba", parts[1] == "v1", parts[2] == fleet, parts[3] == "library",
           parts[4...].allSatisfy(Self.isID) {
            return .library(key: parts[4], message: parts[5], language: parts[6])
        }
        // The layout before keys had topics (`library/<message>/<language>`) is not read: such a
        // recording names no zones, so nothing could keep a key inside its subtrees.
        guard parts.count == 6, parts[0] == "laba", parts[1] == "v1", parts[2] == fleet,
              parts[3...].allSatisfy(Self.isID)
        else { return nil }
        switch (parts[3], parts[5]) {
        case ("zone", "command"): return .zoneCommand(zone: parts[4])
        case ("unit", "command"): return .unitCommand(unit: parts[4])
        case ("unit", "status"): return .unitStatus(unit: parts[4])
        case ("unit", "ack"): return .unitAck(unit: parts[4])
        case ("unit", "record"): return .unitRecord(unit: parts[4])
        default: return nil
        }
    }

    /// The command topics a unit listens to: its own, and each zone its outputs serve now with
    /// every ancestor of those zones (a command for `lijiang` reaches a unit in `xianghe`).
    public func commandSubscriptions(unit: String, zones: some Sequence<String>, tree: ZoneTree) -> Set<String> {
        var out: Set<String> = [topic(.unitCommand(unit: unit))]
        for zone in zones {
            out.insert(topic(.zoneCommand(zone: zone)))
            for ancestor in tree[zone]?.ancestors ?? [] { out.insert(topic(.zoneCommand(zone: ancestor))) }
        }
        return out
    }

    /// What a commander listens to: every unit's status, acks and records.
    public var commanderSubscriptions: [String] {
        ["\(root)/unit/+/status", "\(root)/unit/+/ack", "\(root)/unit/+/record"]
    }

    /// Every recording of the library, under any key; not the layout before keys had topics.
    public var librarySubscription: String { "\(root)/library/+/+/+" }

    /// What a commander's account may publish in the library: its own key's topics only.
    public func libraryPrefix(key: String) -> String { "\(root)/library/\(key)/#" }

    static func isID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        func ok(_ c: Unicode.Scalar, first: Bool) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || (!first && (c == "_" || c == "-"))
        }
        return ok(first, first: true) && text.unicodeScalars.dropFirst().allSatisfy { ok($0, first: false) }
    }
}
