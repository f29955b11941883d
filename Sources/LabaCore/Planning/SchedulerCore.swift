// Which scheduled occurrences to enqueue, skip or record as missed, as time (or the clock) moves.
// Pure: the daemon's scheduler service passes `now` and the occurrence ledger.

/// What to do with one occurrence on one output.
public struct SchedulerDecision: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Queue it; give up if it cannot start by `deadline`.
        case enqueue(deadline: Instant, catchUp: Bool)
        /// Record it without playing (quiet hours, an expired message, nothing recorded).
        case skip(SkipReason)
        /// Record it as missed: its time passed while the clock jumped or the daemon was down.
        case missed(reason: RecordReason)
    }

    public var planned: PlannedBroadcast
    public var kind: Kind
}

public struct SchedulerCore: Sendable {
    /// A wake-up this late is still on time; later means a clock jump or a restart.
    public static let onTimeGrace = TimeSpan.seconds(5)

    public private(set) var planner: Planner
    /// Occurrences up to this instant have been handled.
    public private(set) var horizon: Instant {
        didSet { if horizon != oldValue { cachedWake = nil } }
    }
    /// The next occurrence after the horizon, kept until the plan or the horizon changes (finding
    /// it builds the plan's heap).
    private var cachedWake: Instant??

    /// - Parameter horizon: the instant handled last (persisted), or now on a first start: an
    ///   occurrence before it is never considered again.
    public init(planner: Planner, horizon: Instant) {
        self.planner = planner
        self.horizon = horizon
    }

    /// When the next occurrence falls: the instant to sleep until.
    public mutating func nextWake() -> Instant? {
        if let cachedWake { return cachedWake }
        var sequence = planner.broadcasts(after: horizon)
        let wake = sequence.next()?.time
        cachedWake = .some(wake)
        return wake
    }

    /// An output now serves another zone: its schedule changes from now on.
    public mutating func setZone(_ zone: String, of output: String) {
        planner.outputZones[output] = zone
        cachedWake = nil
    }

    /// Decides every occurrence in (horizon, now] and moves the horizon to `now`.
    ///
    /// On time (within `onTimeGrace`): enqueue. Late: an entry with `catch_up` plays its latest
    /// occurrence once if it is within the window; every other late occurrence is missed. So a
    /// clock jump or a power cut never plays a burst.
    /// - Parameter claim: records the occurrence in the ledger; false when it was handled before
    ///   (a backward jump, a restart), and it is then left out.
    public mutating func advance(to now: Instant, claim: (PlannedBroadcast, SchedulerDecision.Kind) -> Bool) -> [SchedulerDecision] {
        guard now > horizon else { return [] }
        let due = planner.occurrences(after: horizon, through: now)
        horizon = now
        // The latest late occurrence of each (entry, output) within its catch-up window.
        var catchUp: [String: Instant] = [:]
        for p in due where p.skip == nil && now - p.time > Self.onTimeGrace && now - p.time <= p.catchUp {
            catchUp["\(p.entry) \(p.output)"] = p.time
        }
        var decisions: [SchedulerDecision] = []
        for p in due {
            let late = now - p.time
            let kind: SchedulerDecision.Kind
            if let skip = p.skip {
                kind = .skip(skip)
            } else if late <= Self.onTimeGrace {
                kind = .enqueue(deadline: p.deadline, catchUp: false)
            } else if catchUp["\(p.entry) \(p.output)"] == p.time {
                kind = .enqueue(deadline: now + (p.deadline - p.time), catchUp: true)
            } else {
                kind = .missed(reason: RecordReason(.missedWhileDown, ["late": late.description]))
            }
            if claim(p, kind) { decisions.append(SchedulerDecision(planned: p, kind: kind)) }
        }
        return decisions
    }

    /// The wall clock was set: a backward step re-walks from the new time (the ledger keeps what
    /// was handled from playing twice); a forward step is handled by the next `advance`.
    public mutating func clockChanged(now: Instant) {
        if now < horizon { horizon = now }
    }
}
