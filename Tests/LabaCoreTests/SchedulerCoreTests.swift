import Foundation
import Testing
@testable import LabaCore

/// The scheduler on a manual clock: time is an argument, the ledger a set.
@Suite struct SchedulerCoreTests {
    static let yaml = """
        timezone: Asia/Shanghai
        outputs:
          - {id: square, device: hw, zone: town}
          - {id: van, device: hw2, zone: village}
        zones:
          - id: county
            quiet_hours: "22:00-07:00"
            schedule:
              - {message: masks, at: ["06:30", "08:00", "12:00", "18:00"], catch_up: 15min}
          - id: town
            parent: county
            schedule:
              - {message: handwash, at: "*-*-* 09..11:00/30"}
          - id: village
            parent: county
        """

    final class Ledger {
        var claimed: Set<String> = []
        var log: [String] = []

        func claim(_ p: PlannedBroadcast, _ kind: SchedulerDecision.Kind) -> Bool {
            let key = "\(p.entry) \(p.output) \(p.time.microseconds)"
            guard claimed.insert(key).inserted else { return false }
            return true
        }
    }

    static func at(_ text: String) throws -> Instant {
        try TimeParsing.instant(text, in: TimeZone(identifier: "Asia/Shanghai")!, now: Instant(seconds: 0))
    }

    static func describe(_ d: SchedulerDecision) -> String {
        let time = RFC3339.format(d.planned.time, in: TimeZone(identifier: "Asia/Shanghai")!).dropFirst(11).prefix(5)
        let what: String
        switch d.kind {
        case .enqueue(_, let catchUp): what = catchUp ? "catch-up" : "enqueue"
        case .skip(let reason): what = "skip (\(reason))"
        case .missed: what = "missed"
        }
        return "\(time) \(d.planned.output) \(d.planned.message) \(what)"
    }

    func core(horizon: String) throws -> SchedulerCore {
        let config = try #require(load(Self.yaml).config)
        return SchedulerCore(planner: Planner(config: config, library: nil), horizon: try Self.at(horizon))
    }

    /// Runs the scheduler's loop: sleep until the next occurrence, wake 2 ms late, decide.
    func run(_ core: inout SchedulerCore, until end: Instant, ledger: Ledger) -> [String] {
        var out: [String] = []
        while let wake = core.nextWake(), wake <= end {
            let decisions = core.advance(to: wake + .milliseconds(2), claim: ledger.claim)
            out += decisions.map(Self.describe)
        }
        return out
    }

    @Test func throughADay() throws {
        var core = try core(horizon: "2026-11-30 00:00")
        let ledger = Ledger()
        let day = run(&core, until: try Self.at("2026-11-30 23:59"), ledger: ledger)
        #expect(day == [
            "06:30 square masks skip (quiet hours 22:00-07:00)", "06:30 van masks skip (quiet hours 22:00-07:00)",
            "08:00 square masks enqueue", "08:00 van masks enqueue",
            "09:00 square handwash enqueue", "09:30 square handwash enqueue", "10:00 square handwash enqueue",
            "10:30 square handwash enqueue", "11:00 square handwash enqueue", "11:30 square handwash enqueue",
            "12:00 square masks enqueue", "12:00 van masks enqueue",
            "18:00 square masks enqueue", "18:00 van masks enqueue",
        ])
    }

    @Test func aJumpForwardOfADayPlaysNoBurst() throws {
        var core = try core(horizon: "2026-11-30 07:00")
        let ledger = Ledger()
        // The board booted with a wrong clock; NTP sets it a day and ten minutes later.
        let decisions = core.advance(to: try Self.at("2026-12-01 08:10"), claim: ledger.claim).map(Self.describe)
        let played = decisions.filter { $0.hasSuffix("enqueue") || $0.hasSuffix("catch-up") }
        // Only the 08:00 masks (catch_up 15min) play, once per output.
        #expect(played == ["08:00 square masks catch-up", "08:00 van masks catch-up"])
        // The day before: masks 08:00, 12:00, 18:00 on both outputs, handwash six times on the square.
        #expect(decisions.filter { $0.hasSuffix("missed") }.count == 3 * 2 + 6)
        #expect(decisions.filter { $0.contains("skip") }.count == 2)
        #expect(decisions.count == ledger.claimed.count)
    }

    @Test func aJumpBackPlaysNothingTwice() throws {
        var core = try core(horizon: "2026-11-30 07:00")
        let ledger = Ledger()
        let first = run(&core, until: try Self.at("2026-11-30 12:00:01"), ledger: ledger)
        #expect(first.last == "12:00 van masks enqueue")
        // The clock is set back an hour: the same occurrences come round again, and are not played.
        core.clockChanged(now: try Self.at("2026-11-30 11:00:01"))
        let again = run(&core, until: try Self.at("2026-11-30 12:00:01"), ledger: ledger)
        #expect(again.isEmpty)
        let later = run(&core, until: try Self.at("2026-11-30 18:00:01"), ledger: ledger)
        #expect(later == ["18:00 square masks enqueue", "18:00 van masks enqueue"])
    }

    @Test func aRestartWithTheLedgerResumesWhereItStopped() throws {
        let ledger = Ledger()
        var before = try core(horizon: "2026-11-30 07:00")
        _ = run(&before, until: try Self.at("2026-11-30 09:00:01"), ledger: ledger)
        let stoppedAt = before.horizon
        // A power cut from 09:00 to 12:05; the daemon restarts with the persisted horizon.
        var after = try core(horizon: "2026-11-30 07:00")
        after = SchedulerCore(planner: after.planner, horizon: stoppedAt)
        let decisions = after.advance(to: try Self.at("2026-11-30 12:05"), claim: ledger.claim).map(Self.describe)
        #expect(decisions == [
            "09:30 square handwash missed", "10:00 square handwash missed", "10:30 square handwash missed",
            "11:00 square handwash missed", "11:30 square handwash missed",
            "12:00 square masks catch-up", "12:00 van masks catch-up",
        ])
        // Restarting again from an older horizon replays nothing.
        var third = SchedulerCore(planner: after.planner, horizon: try Self.at("2026-11-30 07:00"))
        #expect(third.advance(to: try Self.at("2026-11-30 12:05"), claim: ledger.claim).isEmpty)
    }
}
