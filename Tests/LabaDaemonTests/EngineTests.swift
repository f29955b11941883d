// The engine on a manual clock: nothing fires before its time; it fires at its time; a busy output
// gives up past max_delay; an emergency is never refused; a clock jump plays no burst.

import Foundation
import LabaCore
import LabaDaemon
import LabaStore
import Testing

@Suite(.serialized) struct EngineTests {
    static let config = """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town}
          - {id: van, device: "null", zone: village}
        zones:
          - id: town
            languages: [naxi, mandarin]
            schedule:
              - {id: morning, message: notice, at: "08:00"}
              - {id: late, message: notice, at: "08:01", max_delay: 1min}
              - {id: noon, message: notice, at: "12:00", catch_up: 30min}
          - id: village
            languages: [yi]
        """

    @Test func nothingFiresBeforeItsTimeThenItFiresAndABusyOutputGivesUpPastMaxDelay() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 07:59")
        await f.engine.runSchedule()
        // Nothing is due: the engine asks to be woken at 08:00, and the record is empty.
        #expect(f.timer.last == .some(try f.at("2026-12-02 08:00")))
        #expect(try f.store.broadcasts().isEmpty)

        try await f.advance(to: "2026-12-02 08:00")
        let morning = try await f.ended("the 08:00 broadcast") { $0.entry == "morning" }
        #expect(morning.outcome == .completed && morning.playedLanguages == ["naxi", "mandarin"] && morning.output == "square")
        // The first frame is stamped by the engine's clock, which has not moved.
        #expect(morning.startedAt == (try f.at("2026-12-02 08:00")).microseconds)

        // A manual loop holds the square; the 08:01 entry waits behind it and gives up after a minute.
        let loop = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"]), loop: true))
        _ = try await f.started("the loop") { $0.id == loop.records[0].id }
        try await f.advance(to: "2026-12-02 08:01")
        #expect(await f.engine.status().outputs.first { $0.id == "square" }?.queue.count == 1)
        try await f.advance(to: "2026-12-02 08:02:00.001")
        let late = try await f.ended("the 08:01 broadcast given up") { $0.entry == "late" }
        #expect(late.outcome == .missed && late.startedAt == nil)
        _ = try await f.engine.stop(.all, clear: true)
        let stopped = try await f.ended("the loop stopped") { $0.id == loop.records[0].id }
        #expect(stopped.outcome == .stopped)
        await f.stop()
    }

    @Test func aLoopKeepsAtMostSixtyFourSegmentFactsHoweverManyPassesItPlays() async throws {
        // ALSA's null PCM takes frames as fast as they come: a loop makes passes by the hundred.
        let f = try await EngineFixture(Self.config, start: "2026-12-02 10:00")
        let loop = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"]), loop: true))
        let id = loop.records[0].id
        // Two segments a pass: segment 100 is the 51st pass, well past the 64 facts of 32 passes.
        // Each segment writes the record: on a loaded machine that is seconds, hence the wait.
        _ = try await f.next("the loop's 51st pass", seconds: 180) { event in
            if case .broadcast(let r) = event { return r.id == id && r.segment >= 100 }
            return false
        }
        _ = try await f.engine.stop(.all, clear: true)
        let stopped = try await f.ended("the loop stopped") { $0.id == id }
        #expect(stopped.outcome == .stopped)
        #expect(stopped.segments?.count == 64)
        // The first passes are the ones kept, in order, and what they played is what coverage reads.
        #expect(stopped.segments?.prefix(4).map(\.label) == ["naxi", "mandarin", "naxi", "mandarin"])
        #expect(stopped.playedLanguages == ["naxi", "mandarin"])
        let stored = try #require(try f.store.broadcasts().first { $0.id == id })
        #expect(stored.segments?.count == 64)
        await f.stop()
    }

    @Test func anEmergencyIsNeverRefusedForAFullQueueAndEachOutputIsAdmittedOnItsOwn() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let loop = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"]), loop: true))
        _ = try await f.started("the loop") { $0.id == loop.records[0].id }
        for _ in 0..<Arbiter.queueLimit {
            _ = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        }
        await #expect(throws: Refusal(.queueFull, ["output": "square", "limit": "100"], output: "square")) {
            try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        }
        // Everywhere: the full square refuses, the van takes it.
        let everywhere = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .all))
        #expect(everywhere.records.map(\.output) == ["van"] && everywhere.refused.map(\.output) == ["square"])
        #expect(everywhere.records[0].plannedLanguages == ["yi"] && everywhere.refused[0].code == .queueFull)
        // An emergency cuts in on the full square.
        let emergency = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"]),
                                                                 priority: .emergency))
        #expect(emergency.records.count == 1 && emergency.records[0].source == .emergency && emergency.records[0].deadline == nil)
        let played = try await f.ended("the emergency") { $0.id == emergency.records[0].id }
        #expect(played.outcome == .completed)
        _ = try await f.engine.stop(.all, clear: true)
        await f.stop()
    }

    @Test func aForwardJumpPlaysOneCatchUpAndABackwardJumpNothingTwice() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 07:59")
        await f.engine.runSchedule()
        // Forward past every entry: only `noon` (catch_up 30min) plays, once; the others are missed.
        f.clock.set(try f.at("2026-12-02 12:10"))
        await f.engine.clockChanged()
        _ = try await f.next("the re-walk") { if case .scheduleWalked(_, true) = $0 { true } else { false } }
        let noon = try await f.ended("the catch-up") { $0.entry == "noon" }
        #expect(noon.outcome == .completed)
        let missed = try f.store.broadcasts(outcome: .missed).compactMap(\.entry).sorted()
        #expect(missed == ["late", "morning"])

        // Back an hour, then forward over 12:00 again: the ledger keeps it from playing twice.
        f.clock.set(try f.at("2026-12-02 11:00"))
        await f.engine.clockChanged()
        try await f.advance(to: "2026-12-02 12:05")
        #expect(try f.store.broadcasts(limit: .max).filter { $0.entry == "noon" }.count == 1)
        #expect(f.timer.last == .some(try f.at("2026-12-03 08:00")))
        await f.stop()
    }

    @Test(arguments: [
        ("within 0", AdmissionRequest(content: .message("notice"), target: .zones(["town"]), within: .zero), Refusal.Code.withinNotPositive),
        ("a language twice", AdmissionRequest(content: .message("notice"), target: .zones(["town"]), languages: ["naxi", "naxi"]),
         .languageTwice),
        ("a language the zone does not use", AdmissionRequest(content: .message("notice"), target: .zones(["town"]), languages: ["yi"]),
         .notSpoken),
        ("an unknown zone", AdmissionRequest(content: .message("notice"), target: .zones(["mars"])), .unknownZone),
    ])
    func refusals(_ name: String, _ request: AdmissionRequest, _ code: Refusal.Code) async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        do {
            _ = try await f.engine.admit(request)
            Issue.record("\(name) was admitted")
        } catch {
            #expect(error.code == code, "\(name): \(error)")
        }
        #expect(try f.store.broadcasts().isEmpty, "nothing is stored for a refused request")
        await f.stop()
    }
}
