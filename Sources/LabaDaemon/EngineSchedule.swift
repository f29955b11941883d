// The engine's side of the schedule: each wake of the scheduling loop hands every occurrence up to
// now to the arbiters, once, through the occurrence ledger.

import LabaCore
import LabaStore

extension Engine {
    /// Handles every occurrence up to now, then arms the timer once for the next wake.
    public func runSchedule() {
        walkSchedule(clockChanged: false)
    }

    /// The wall clock was set (a timerfd cancel): re-walk from the new time, or catch up.
    public func clockChanged() {
        scheduler.clockChanged(now: now())
        walkSchedule(clockChanged: true)
    }

    private func walkSchedule(clockChanged: Bool) {
        let t = now()
        let decisions = scheduler.advance(to: t) { planned, _ in claim(planned) }
        for decision in decisions { apply(decision, at: t) }
        do { try store.setHorizon(t.microseconds) } catch {
            logger.warning("cannot store the scheduler's horizon", metadata: ["error": "\(error)"])
        }
        runAlertRepeats(at: t)
        runPower(at: t)
        // Deadlines of waiting broadcasts.
        for output in Array(arbiters.keys) { feed(output, .tick) }
        if clockChanged {
            logger.notice("schedule walked after the clock was set", metadata: ["decisions": "\(decisions.count)"])
        }
        publish(.scheduleWalked(horizon: t, clockChanged: clockChanged))
        rearm()
    }

    /// Claims an occurrence in the ledger: false when it was handled before (it must not play
    /// again). A claim the disk refuses still plays, and is claimed again when the disk takes it
    /// (SPEC 5's stated exception: a crash before then may play it again; that is logged).
    private func claim(_ planned: PlannedBroadcast) -> Bool {
        do {
            return try store.claim(entry: planned.entry, output: planned.output, plannedAt: planned.time.microseconds,
                                   broadcast: nil, outcome: nil)
        } catch {
            logger.error("cannot record a scheduled occurrence; it plays, and a crash before the disk takes it may play it again",
                         metadata: ["entry": "\(planned.entry)", "output": "\(planned.output)", "error": "\(error)"])
            behindClaims.append(planned)
            return true
        }
    }

    private func apply(_ decision: SchedulerDecision, at t: Instant) {
        var record = BroadcastRecord(id: newID(), decision.planned)
        switch decision.kind {
        case .enqueue(let deadline, _):
            record.deadline = deadline.microseconds
            do {
                try enqueue([record], durable: false)
            } catch {
                finish(&record, outcome: .failed, reason: RecordReason(.notQueued, ["detail": "\(error)"]), at: t)
            }
        case .skip(let reason):
            finish(&record, outcome: BroadcastOutcome(rawValue: reason.outcome) ?? .skipped, reason: reason.reason, at: t)
        case .missed(let reason):
            finish(&record, outcome: .missed, reason: reason, at: t)
        }
    }
}
