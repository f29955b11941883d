// Where a requester may act (SPEC 17), judged here for every door: a console account's zones, a
// socket user's as the account of its login name, `operators.zones` for an account without
// zones of its own. LabaCore's rules decide; this finds the account and the zone tree.

import LabaCore
import LabaStore

extension FrontDoor {
    /// Where `requester` may act now.
    ///
    /// - Parameter editingSchedule: a change to the operators' schedule (SPEC 17's rules for it).
    public func reach(of requester: RequestedBy?, editingSchedule: Bool = false) async -> Reach {
        Self.reach(of: requester, store: store, operators: await engine.configuration.operators, editingSchedule: editingSchedule)
    }

    /// The same, with the account looked up in `store`.
    static func reach(of requester: RequestedBy?, store: Store, operators: OperatorsConfig, editingSchedule: Bool) -> Reach {
        let name: String? = switch requester {
        case .socket(let uid, let user) where uid != 0: user
        case .console(let user): user
        default: nil
        }
        // A store that cannot be read leaves a socket user to its group's grant, and a console
        // account to `operators.zones`.
        let account = name.flatMap { (try? store.account($0)) ?? nil }
        return Rules.reach(of: requester, account: account, operatorsZones: operators.zones?.value.map(\.value),
                           editingSchedule: editingSchedule)
    }

    /// `target` inside the requester's zones (`all`: all of them).
    ///
    /// - Throws: `.outsideZones`.
    func confine(_ target: AdmissionRequest.Target, by requester: RequestedBy?) async throws(Refusal) -> AdmissionRequest.Target {
        let reach = await reach(of: requester)
        guard reach != .everywhere else { return target }
        return try Rules.target(target, within: reach, tree: await engine.zoneTree)
    }

    /// - Throws: `.outsideZones` when one of `zones` is outside the requester's.
    func check(_ zones: [String], by requester: RequestedBy?) async throws(Refusal) {
        let reach = await reach(of: requester)
        guard reach != .everywhere else { return }
        try Rules.check(zones, within: reach, tree: await engine.zoneTree)
    }

    /// The library of recordings is every zone's: changing it needs a requester that may act everywhere.
    ///
    /// - Throws: `.libraryNeedsEverywhere`.
    public func checkLibraryChange(by requester: RequestedBy?) async throws(Refusal) {
        try Rules.checkLibraryChange(by: await reach(of: requester))
    }

    /// The zones the console offers `requester`, in tree order: its zones and those below them;
    /// nil: every zone.
    public func offeredZones(to requester: RequestedBy?) async -> [String]? {
        guard case .within(let allowed) = await reach(of: requester) else { return nil }
        let tree = await engine.zoneTree
        return tree.ids.filter { zone in allowed.contains { tree.zone(zone, isWithin: $0) } }
    }
}
