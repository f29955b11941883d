import Testing
@testable import LabaCore

/// The request rules every door obeys (SPEC 15), written once in LabaCore: one table each.
@Suite struct RequestRulesTests {
    struct PriorityCase: Sendable, CustomTestStringConvertible {
        var asked: String?
        var priority: Priority?
        var testDescription: String { "\(asked ?? "nil") → \(priority.map(\.description) ?? "refused")" }
    }

    @Test(arguments: [
        PriorityCase(asked: nil, priority: .manual),
        PriorityCase(asked: "", priority: .manual),
        PriorityCase(asked: "manual", priority: .manual),
        PriorityCase(asked: "emergency", priority: .emergency),
        PriorityCase(asked: "scheduled", priority: nil),
        PriorityCase(asked: "urgent", priority: nil),
    ])
    func aDoorAsksForManualOrEmergencyOnly(_ c: PriorityCase) {
        #expect((try? Rules.requestedPriority(named: c.asked)) == c.priority)
        if c.priority == nil {
            #expect(throws: Refusal.self) { try Rules.requestedPriority(named: c.asked) }
        }
    }

    @Test func scheduledIsTheScheduleAlone() throws {
        #expect(throws: Refusal.priorityNotAllowed(.scheduled)) { try Rules.requestedPriority(Priority.scheduled) }
        #expect(try Rules.requestedPriority(nil as Priority?) == .manual)
    }

    struct TargetCase: Sendable, CustomTestStringConvertible {
        var zones: [String]?
        var all: Bool?
        var target: AdmissionRequest.Target?
        var refused: Refusal.Code?
        var testDescription: String { "zones \(zones ?? []) all \(all.map(String.init) ?? "nil")" }
    }

    @Test(arguments: [
        TargetCase(zones: ["a"], all: nil, target: .zones(["a"])),
        TargetCase(zones: ["a", "b"], all: false, target: .zones(["a", "b"])),
        TargetCase(zones: nil, all: true, target: .all),
        TargetCase(zones: [], all: true, target: .all),
        TargetCase(zones: ["a"], all: true, refused: .zonesAndAll),
        TargetCase(zones: [], all: nil, refused: .noTarget),
        TargetCase(zones: nil, all: false, refused: .noTarget),
    ])
    func aTargetIsZonesOrAllNotBothNotNeither(_ c: TargetCase) {
        do {
            let target = try Rules.target(zones: c.zones, all: c.all)
            #expect(target == c.target)
        } catch {
            #expect(error.code == c.refused)
        }
    }

    @Test(arguments: [(0, false), (1, true), (100, true), (101, false)])
    func repeatsAreOneToAHundred(_ n: Int, _ allowed: Bool) {
        #expect(Rules.repeatRange.contains(n) == allowed)
    }

    @Test(arguments: [("chime", true, "chime"), ("chime", false, nil), (nil, true, nil)] as [(String?, Bool, String?)])
    func aChimePlaysOnlyWhenRecorded(_ chime: String?, _ recorded: Bool, _ played: String?) {
        #expect(Rules.chime(chime) { _ in recorded } == played)
    }

    @Test(arguments: [
        ("true", true), ("1", true), ("yes", true), ("on", true), ("ON", true),
        ("false", false), ("0", false), ("no", false), ("off", false), ("", false),
        ("maybe", nil), ("2", nil),
    ] as [(String, Bool?)])
    func yesAndNoReadTheSameAtEveryDoor(_ text: String, _ value: Bool?) {
        #expect(Rules.flag(text) == value)
    }

    /// `all` is every root of the tree: every output serves a zone below one.
    @Test func allIsEveryRootZone() throws {
        let loaded = load("""
            outputs:
              - {id: square, device: "null", zone: east}
              - {id: hall, device: "null", zone: hills}
            zones:
              - {id: county}
              - {id: east, parent: county}
              - {id: hills}
            """)
        let config = try #require(loaded.config, "\(loaded.diagnostics)")
        let tree = ZoneTree(config)
        #expect(Rules.zones(of: .all, in: tree) == ["county", "hills"])
        let outputs = try Rules.outputs(for: .all, config: config, tree: tree, outputZones: ["square": "east", "hall": "hills"])
        #expect(outputs == ["square", "hall"])
        #expect(throws: Refusal.unknownZone("mars", among: tree.ids)) {
            try Rules.outputs(for: .zones(["mars"]), config: config, tree: tree, outputZones: [:])
        }
    }
}
