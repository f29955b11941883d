// A commander's side of delivery, as pure functions: which zones of a request it may command,
// which topics carry the command, which units must answer it, and when it is done.

import LabaCore

public enum CommandDelivery {
    /// The part of `zones` that a commander with `commandZones` commands, in the order given: a
    /// zone inside a command zone stays; a zone above command zones narrows to them (a request for
    /// the county reaches the townships the commander commands); a zone beside them goes.
    public static func commandable(_ zones: [String], commandZones: [String], tree: ZoneTree) -> [String] {
        let roots = commandZones.filter { inner in tree[inner] != nil && !commandZones.contains { $0 != inner && tree.zone(inner, isWithin: $0) } }
        var out: [String] = []
        for zone in zones where tree[zone] != nil {
            let part = roots.contains { tree.zone(zone, isWithin: $0) } ? [zone] : roots.filter { tree.zone($0, isWithin: zone) }
            for z in part where !out.contains(z) { out.append(z) }
        }
        // A zone inside another one of the answer is carried by that one already.
        return out.filter { inner in !out.contains { $0 != inner && tree.zone(inner, isWithin: $0) } }
    }

    /// The zone topics that carry a command for `zones`: one per zone none of whose ancestors is
    /// also named (a unit below both listens to the ancestor's topic already, and would otherwise
    /// receive the command twice).
    public static func topics(zones: [String], tree: ZoneTree, topics: FleetTopics) -> [String] {
        var out: [String] = []
        for zone in zones where !zones.contains(where: { $0 != zone && tree.zone(zone, isWithin: $0) }) {
            let topic = topics.topic(.zoneCommand(zone: zone))
            if !out.contains(topic) { out.append(topic) }
        }
        return out
    }

    /// The units a command for `zones` must be answered by: every unit known (by its last status)
    /// to serve a zone inside one of them, the commander itself excepted.
    ///
    /// - Parameter units: unit → the zones its outputs serve.
    public static func awaited(zones: [String], units: [String: [String]], except commander: String,
                               tree: ZoneTree) -> Set<String> {
        var out: Set<String> = []
        for (unit, served) in units where unit != commander {
            if served.contains(where: { zone in zones.contains { target in zone == target || tree.zone(zone, isWithin: target) } }) {
                out.insert(unit)
            }
        }
        return out
    }

    /// Whether a command may leave the outbox: some unit was awaited and every one has answered.
    /// With no unit known in its zones, it stays until it expires, so that a unit whose status
    /// the commander has not seen yet still gets it after a reconnect.
    public static func isComplete(awaited: Set<String>, answered: Set<String>) -> Bool {
        !awaited.isEmpty && awaited.isSubset(of: answered)
    }
}
