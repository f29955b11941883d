// Where someone may act (SPEC 17): an operator's account may carry zones, an account without them
// acts within the configuration's `operators.zones`, a control-socket user acts as the account of
// its login name. The front door asks these rules for every broadcast, stop, talk, upload, move
// and schedule change, whatever door it came through.

/// Where a requester may act: everywhere, or inside some subtrees of the zone tree.
public enum Reach: Hashable, Sendable {
    case everywhere
    /// These zones and every zone below them.
    case within([String])
}

extension Rules {
    /// Where `requester` may act.
    ///
    /// - Parameters:
    ///   - account: the console account of a console requester, or of a socket user's login name
    ///     (ignored when its name is not the requester's).
    ///   - operatorsZones: the configuration's `operators.zones`.
    ///   - editingSchedule: a change to the operators' schedule, where `operators.zones` binds
    ///     socket users without an account as it always has.
    public static func reach(of requester: RequestedBy?, account: ConsoleAccount?, operatorsZones: [String]?,
                             editingSchedule: Bool = false) -> Reach {
        let configured: Reach = operatorsZones.map { .within($0) } ?? .everywhere
        let own: ConsoleAccount?
        switch requester {
        case nil, .fleet, .alert:
            // The daemon's own sources; a fleet key's trust is checked where commands arrive.
            return .everywhere
        case .socket(let uid, let user):
            if uid == 0 { return .everywhere }
            guard let user, let account, account.name == user else {
                // The control group is the grant.
                return editingSchedule ? configured : .everywhere
            }
            own = account
        case .console(let user):
            // An account removed while its request was on its way acts as one without zones.
            own = account?.name == user ? account : nil
        }
        guard let own else { return configured }
        // Admins manage accounts, their own zones included: a limit on them would hold nothing.
        if own.role == .admin { return .everywhere }
        switch own.zones {
        case .configured: return configured
        case .everywhere: return .everywhere
        case .only(let zones): return .within(zones)
        }
    }

    /// The zones of `zones` that lie outside `reach`; a zone the tree does not know is left to
    /// admission, which names it (and its closest match) as unknown.
    public static func outside(_ zones: [String], reach: Reach, tree: ZoneTree) -> [String] {
        guard case .within(let allowed) = reach else { return [] }
        return zones.filter { zone in tree[zone] != nil && !allowed.contains { tree.zone(zone, isWithin: $0) } }
    }

    /// A request's target inside `reach`: `all` from a limited requester is all of its zones.
    ///
    /// - Throws: `.outsideZones` naming the zones asked outside it and the zones allowed.
    public static func target(_ target: AdmissionRequest.Target, within reach: Reach, tree: ZoneTree)
        throws(Refusal) -> AdmissionRequest.Target {
        guard case .within(let allowed) = reach else { return target }
        switch target {
        case .all:
            guard !allowed.isEmpty else { throw outsideZones(zones(of: .all, in: tree), allowed: allowed) }
            return .zones(allowed)
        case .zones(let zones):
            try check(zones, within: reach, tree: tree)
            return target
        }
    }

    /// - Throws: `.outsideZones` when one of `zones` lies outside `reach`.
    public static func check(_ zones: [String], within reach: Reach, tree: ZoneTree) throws(Refusal) {
        guard case .within(let allowed) = reach else { return }
        let outside = outside(zones, reach: reach, tree: tree)
        guard outside.isEmpty else { throw outsideZones(outside, allowed: allowed) }
    }

    /// The library of recordings is shared by every zone: only who may act everywhere changes it.
    ///
    /// - Throws: `.libraryNeedsEverywhere` naming the zones allowed.
    public static func checkLibraryChange(by reach: Reach) throws(Refusal) {
        guard case .within(let allowed) = reach else { return }
        throw Refusal(.libraryNeedsEverywhere, ["allowed": allowedText(allowed)])
    }

    static func outsideZones(_ zones: [String], allowed: [String]) -> Refusal {
        Refusal(.outsideZones, ["zones": Refusal.list(zones), "allowed": allowedText(allowed)])
    }

    static func allowedText(_ allowed: [String]) -> String { allowed.isEmpty ? "-" : Refusal.list(allowed) }
}
