// SPEC 17 at the front door itself, on the engine's manual clock: a control-socket user whose
// login name is a limited console account broadcasts, stops, cancels, talks, moves, schedules and
// changes the library only inside that account's zones; root and a socket user without an account
// act everywhere; an account without zones acts within operators.zones.

import Foundation
import LabaControl
import LabaCore
import LabaDaemon
import LabaStore
import Logging
import Testing

@Suite(.serialized) struct FrontDoorZonesTests {
    static let config = """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town}
          - {id: van, device: "null", zone: village}
          - {id: cart, device: "null", zone: hills}
        zones:
          - id: town
            languages: [mandarin]
          - {id: village, parent: town}
          - id: hills
            languages: [mandarin]
        operators: {schedule: true, zones: [hills]}
        """

    static func door(_ f: EngineFixture) -> FrontDoor {
        let logger = Logger(label: "test")
        return FrontDoor(engine: f.engine, fleet: nil, store: f.store,
                         editor: ScheduleEditor(engine: f.engine, store: f.store, stateDirectory: f.dir, logger: logger),
                         stateDirectory: f.dir, reload: { ReloadJSON(reloaded: true, diagnostics: []) }, logger: logger)
    }

    static func expectOutside(_ what: String, zones: String, _ body: () async throws(Refusal) -> Void) async {
        do {
            try await body()
            Issue.record("\(what) was taken")
        } catch {
            #expect(error == Refusal(.outsideZones, ["zones": zones, "allowed": "village"]), "\(what): \(error)")
        }
    }

    @Test func aSocketUserNamedAfterALimitedAccountActsOnlyInsideItsZones() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        try f.store.addAccount(ConsoleAccount(name: "li", role: .operator, passwordHash: "x", createdAt: 0, zones: .only(["village"])))
        let door = Self.door(f)
        let li = RequestedBy.socket(uid: 1000, user: "li")
        func notice(_ target: AdmissionRequest.Target, by who: RequestedBy?) -> AdmissionRequest {
            AdmissionRequest(content: .message("notice"), target: target, languages: ["mandarin"], loop: true, requestedBy: who)
        }

        await Self.expectOutside("a broadcast in the hills", zones: "hills") { () async throws(Refusal) in
            _ = try await door.broadcast(notice(.zones(["hills"]), by: li))
        }
        await Self.expectOutside("a broadcast in the town above its village", zones: "town") { () async throws(Refusal) in
            _ = try await door.broadcast(notice(.zones(["town"]), by: li))
        }
        // "All" is all of its zones: the van in the village, not the square or the cart.
        let mine = try await door.broadcast(notice(.all, by: li))
        #expect(mine.records.map(\.output) == ["van"])

        // Root's loop in the hills: li may neither stop it nor cancel it.
        let roots = try await door.broadcast(notice(.zones(["hills"]), by: .socket(uid: 0, user: "root")))
        let cart = try #require(roots.records.first)
        await Self.expectOutside("a stop in the hills", zones: "hills") { () async throws(Refusal) in
            _ = try await door.stop(.zones(["hills"]), clear: true, from: .manual, by: li)
        }
        await Self.expectOutside("a cancel of the hills' broadcast", zones: "hills") { () async throws(Refusal) in
            _ = try await door.cancel(cart.id, by: li)
        }
        // Its own stop reaches its own output only.
        #expect(try await door.stop(.all, clear: true, from: .manual, by: li).outputs == ["van"])
        #expect(await f.engine.record(id: cart.id)?.outcome == nil, "the hills' broadcast plays on")

        // A talk is judged before any input is opened.
        await Self.expectOutside("a talk in the hills", zones: "hills") { () async throws(Refusal) in
            _ = try await door.talk(LiveRequest(target: .zones(["hills"]), input: "null", requestedBy: li))
        }

        // A move needs both the output's zone and the new one.
        await Self.expectOutside("the van moved to the hills", zones: "hills") { () async throws(Refusal) in
            _ = try await door.move(output: "van", to: "hills", by: li)
        }
        await Self.expectOutside("the cart moved from the hills", zones: "hills") { () async throws(Refusal) in
            _ = try await door.move(output: "cart", to: "village", by: li)
        }
        #expect(await f.engine.status().outputs.map(\.zone) == ["town", "village", "hills"])

        // The schedule: refused with the same refusal, its code and arguments kept for the readers.
        do {
            _ = try await door.changeSchedule(.add, id: nil, request: ScheduleEntryRequest(message: "notice", zone: "hills", at: ["10:00"]),
                                              baseVersion: nil, requester: li, dryRun: false)
            Issue.record("a schedule entry in the hills was taken")
        } catch {
            #expect(error.code == .forbidden && error.body.error.refusal == "outside_zones"
                    && error.body.error.args == ["zones": "hills", "allowed": "village"], "\(error.body)")
        }
        let added = try await door.changeSchedule(.add, id: nil, request: ScheduleEntryRequest(message: "notice", zone: "village", at: ["10:00"]),
                                                  baseVersion: nil, requester: li, dryRun: true)
        #expect(added.entry?.zone == "village")

        // The library is every zone's.
        await #expect(throws: Refusal(.libraryNeedsEverywhere, ["allowed": "village"])) {
            try await door.checkLibraryChange(by: li)
        }
        #expect(await door.offeredZones(to: li) == ["village"])
        _ = try await door.stop(.all, clear: true, from: .manual, by: nil)
        await f.stop()
    }

    @Test func rootAndASocketUserWithoutAnAccountActEverywhereAndAnAccountWithoutZonesWithinOperatorsZones() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        try f.store.addAccount(ConsoleAccount(name: "wang", role: .operator, passwordHash: "x", createdAt: 0))
        try f.store.addAccount(ConsoleAccount(name: "li", role: .operator, passwordHash: "x", createdAt: 0, zones: .only(["village"])))
        let door = Self.door(f)
        #expect(await door.reach(of: .socket(uid: 0, user: "li")) == .everywhere)
        #expect(await door.reach(of: .socket(uid: 1001, user: "zhao")) == .everywhere)
        #expect(await door.reach(of: .socket(uid: 1001, user: "zhao"), editingSchedule: true) == .within(["hills"]))
        #expect(await door.reach(of: .console(user: "wang")) == .within(["hills"]))
        #expect(await door.reach(of: .socket(uid: 1002, user: "wang")) == .within(["hills"]))
        #expect(await door.offeredZones(to: .console(user: "zhang")) == ["hills"])

        let everywhere = try await door.broadcast(AdmissionRequest(content: .message("notice"), target: .all, languages: ["mandarin"],
                                                                   loop: true, requestedBy: .socket(uid: 1001, user: "zhao")))
        #expect(Set(everywhere.records.map(\.output)) == ["square", "van", "cart"])
        // The account's zones are read at each request: set now, they bind at once.
        try f.store.setZones("wang", zones: .everywhere)
        #expect(try await door.stop(.all, clear: true, from: .manual, by: .console(user: "wang")).outputs.count == 3)
        await f.stop()
    }
}
