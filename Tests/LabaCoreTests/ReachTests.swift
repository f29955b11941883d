import Testing
@testable import LabaCore

/// SPEC 17: where a requester may act, and what a request inside or outside it becomes. One table each.
@Suite struct ReachTests {
    static func account(_ name: String, _ role: ConsoleRole = .operator, _ zones: AccountZones = .configured) -> ConsoleAccount {
        ConsoleAccount(name: name, role: role, passwordHash: "", createdAt: 0, zones: zones)
    }

    struct ReachCase: Sendable, CustomTestStringConvertible {
        var name: String
        var requester: RequestedBy?
        var account: ConsoleAccount?
        var operators: [String]?
        var schedule = false
        var reach: Reach
        var testDescription: String { name }
    }

    @Test(arguments: [
        ReachCase(name: "an operator with zones acts in them, whatever operators.zones says",
                  requester: .console(user: "li"), account: account("li", .operator, .only(["village"])), operators: ["town"],
                  reach: .within(["village"])),
        ReachCase(name: "an operator without zones acts within operators.zones",
                  requester: .console(user: "li"), account: account("li"), operators: ["town"], reach: .within(["town"])),
        ReachCase(name: "an operator without zones acts everywhere when operators.zones is unset",
                  requester: .console(user: "li"), account: account("li"), operators: nil, reach: .everywhere),
        ReachCase(name: "an operator set to everywhere ignores operators.zones",
                  requester: .console(user: "li"), account: account("li", .operator, .everywhere), operators: ["town"], reach: .everywhere),
        ReachCase(name: "a viewer's zones bind it too",
                  requester: .console(user: "zhao"), account: account("zhao", .viewer, .only(["hills"])), operators: nil,
                  reach: .within(["hills"])),
        ReachCase(name: "an admin acts everywhere, its zones and operators.zones notwithstanding",
                  requester: .console(user: "zhang"), account: account("zhang", .admin, .only(["hills"])), operators: ["town"],
                  reach: .everywhere),
        ReachCase(name: "a console account removed on the way acts as one without zones",
                  requester: .console(user: "gone"), account: nil, operators: ["town"], reach: .within(["town"])),
        ReachCase(name: "another account than the requester's is not its",
                  requester: .console(user: "li"), account: account("wang", .operator, .everywhere), operators: ["town"],
                  reach: .within(["town"])),
        ReachCase(name: "a socket user acts as the account of its login name",
                  requester: .socket(uid: 1000, user: "li"), account: account("li", .operator, .only(["village"])), operators: nil,
                  reach: .within(["village"])),
        ReachCase(name: "a socket user whose account has no zones acts within operators.zones",
                  requester: .socket(uid: 1000, user: "li"), account: account("li"), operators: ["town"], reach: .within(["town"])),
        ReachCase(name: "a socket user without an account acts everywhere: the control group is the grant",
                  requester: .socket(uid: 1000, user: "wang"), account: nil, operators: ["town"], reach: .everywhere),
        ReachCase(name: "a socket user without a login name acts everywhere",
                  requester: .socket(uid: 1234, user: nil), account: account("li", .operator, .only(["village"])), operators: nil,
                  reach: .everywhere),
        ReachCase(name: "a socket user without an account schedules within operators.zones, as before",
                  requester: .socket(uid: 1000, user: "wang"), account: nil, operators: ["town"], schedule: true, reach: .within(["town"])),
        ReachCase(name: "root acts everywhere, even under a limited account's name",
                  requester: .socket(uid: 0, user: "li"), account: account("li", .operator, .only(["village"])), operators: ["town"],
                  schedule: true, reach: .everywhere),
        ReachCase(name: "a fleet command is judged by its key's trust, not here",
                  requester: .fleet(unit: "county", command: "c1"), account: nil, operators: ["town"], reach: .everywhere),
        ReachCase(name: "an alert acts where its areas are",
                  requester: .alert(identifier: "a1"), account: nil, operators: ["town"], reach: .everywhere),
        ReachCase(name: "the daemon's own requests act everywhere", requester: nil, account: nil, operators: ["town"], reach: .everywhere),
    ])
    func whereARequesterMayAct(_ c: ReachCase) {
        #expect(Rules.reach(of: c.requester, account: c.account, operatorsZones: c.operators, editingSchedule: c.schedule) == c.reach)
    }

    static let tree: ZoneTree = {
        let yaml = """
            zones:
              - id: town
              - {id: village, parent: town}
              - {id: market, parent: village}
              - id: hills
            """
        return ZoneTree(ConfigLoader.parse(yaml: yaml, file: "laba.yaml", directory: "/").config!)
    }()

    struct TargetCase: Sendable, CustomTestStringConvertible {
        var name: String
        var target: AdmissionRequest.Target
        var reach: Reach
        var result: AdmissionRequest.Target?
        var refusedZones: String? = nil
        var allowed: String? = nil
        var testDescription: String { name }
    }

    @Test(arguments: [
        TargetCase(name: "everywhere takes any target", target: .zones(["hills"]), reach: .everywhere, result: .zones(["hills"])),
        TargetCase(name: "everywhere keeps all as all", target: .all, reach: .everywhere, result: .all),
        TargetCase(name: "a zone of one's own", target: .zones(["village"]), reach: .within(["village"]), result: .zones(["village"])),
        TargetCase(name: "a zone below one's own", target: .zones(["market"]), reach: .within(["village"]), result: .zones(["market"])),
        TargetCase(name: "all from a limited requester is all of its zones", target: .all, reach: .within(["village", "hills"]),
                   result: .zones(["village", "hills"])),
        TargetCase(name: "a zone above one's own is outside it", target: .zones(["town"]), reach: .within(["village"]), result: nil,
                   refusedZones: "town", allowed: "village"),
        TargetCase(name: "another subtree is outside it", target: .zones(["market", "hills"]), reach: .within(["village"]), result: nil,
                   refusedZones: "hills", allowed: "village"),
        TargetCase(name: "an unknown zone is left to admission, which names it", target: .zones(["vilage"]), reach: .within(["village"]),
                   result: .zones(["vilage"])),
        TargetCase(name: "no zones at all refuses all", target: .all, reach: .within([]), result: nil, refusedZones: "town, hills",
                   allowed: "-"),
    ])
    func aTargetInsideOrOutsideTheRequestersZones(_ c: TargetCase) {
        do {
            let result = try Rules.target(c.target, within: c.reach, tree: Self.tree)
            #expect(result == c.result)
        } catch {
            #expect(c.result == nil)
            #expect(error.code == .outsideZones && error.args["zones"] == c.refusedZones && error.args["allowed"] == c.allowed,
                    "\(error)")
        }
    }

    @Test func theLibraryIsChangedOnlyByWhoMayActEverywhere() throws {
        try Rules.checkLibraryChange(by: .everywhere)
        #expect(throws: Refusal(.libraryNeedsEverywhere, ["allowed": "village, hills"])) {
            try Rules.checkLibraryChange(by: .within(["village", "hills"]))
        }
    }

    struct StoredCase: Sendable, CustomTestStringConvertible {
        var zones: AccountZones
        var stored: String?
        var testDescription: String { stored ?? "NULL" }
    }

    @Test(arguments: [
        StoredCase(zones: .configured, stored: nil),
        StoredCase(zones: .everywhere, stored: "*"),
        StoredCase(zones: .only(["village"]), stored: "village"),
        StoredCase(zones: .only(["village", "hills"]), stored: "village,hills"),
    ])
    func anAccountsZonesAreStoredAsOneColumn(_ c: StoredCase) {
        #expect(c.zones.stored == c.stored)
        #expect(AccountZones(stored: c.stored) == c.zones)
    }
}
