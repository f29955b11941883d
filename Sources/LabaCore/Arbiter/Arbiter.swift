// One output's queue, preemption and resume, as a state machine that returns actions
// (as SwiftNIO's handshake state machines do); the player and the store carry them out.

/// Who asked, and so who may interrupt whom: `scheduled` < `manual` < `emergency`.
public enum Priority: Int, Comparable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case scheduled = 0
    case manual = 1
    case emergency = 2

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .scheduled: "scheduled"
        case .manual: "manual"
        case .emergency: "emergency"
        }
    }

    public init?(name: String) {
        guard let p = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = p
    }
}

/// How a broadcast ended (SPEC 5).
public enum BroadcastOutcome: String, Sendable, Codable, CaseIterable {
    case completed, preempted, stopped, failed, skipped, missed, expired
}

/// A broadcast as the arbiter sees it.
public struct ArbiterItem: Equatable, Sendable {
    public var id: String
    public var priority: Priority
    /// Orders items of equal priority: earlier first.
    public var plannedAt: Instant
    /// Give up if it cannot (re)start by then; nil: never (emergencies).
    public var deadline: Instant?
    /// The segment to start from: 0, or the language version that was cut.
    public var segment: Int
    /// Whether it waits again after a higher priority cut it; a civil-defence signal does not
    /// (half a signal heard later means something else, SPEC 18).
    public var resumes: Bool

    public init(id: String, priority: Priority, plannedAt: Instant, deadline: Instant?, segment: Int = 0,
                resumes: Bool = true) {
        self.id = id
        self.priority = priority
        self.plannedAt = plannedAt
        self.deadline = deadline
        self.segment = segment
        self.resumes = resumes
    }

    /// Higher priority first; then the earlier planned time; then the id, for a stable order.
    func comesBefore(_ other: ArbiterItem) -> Bool {
        if priority != other.priority { return priority > other.priority }
        if plannedAt != other.plannedAt { return plannedAt < other.plannedAt }
        return id < other.id
    }

    func hasExpired(at now: Instant) -> Bool { deadline.map { now > $0 } ?? false }
}

/// The per-output arbiter. Pure: no clocks, threads or I/O; `now` comes with every event.
public struct Arbiter: Sendable {
    /// At most this many broadcasts wait per output (SPEC 8: 503 beyond it).
    public static let queueLimit = 100

    public enum Event: Equatable, Sendable {
        case enqueue(ArbiterItem)
        /// The player reached a segment of the playing broadcast.
        case segmentStarted(id: String, segment: Int)
        /// The program ran to its end.
        case completed(id: String)
        /// The player stopped as asked; `segment` is where a resume would start.
        case cancelled(id: String, segment: Int)
        /// The device failed at `segment`.
        case deviceFailed(id: String, segment: Int)
        /// Stop what plays; with `clear`, cancel what waits too.
        case stop(clear: Bool)
        /// Cancel one broadcast, waiting or playing; the reason goes in its record.
        case cancel(id: String, reason: RecordReason? = nil)
        /// Time passed: drop waiting broadcasts whose deadline has gone.
        case tick
        case deviceBack
    }

    public enum Action: Equatable, Sendable {
        /// Play this broadcast from this segment.
        case start(id: String, segment: Int)
        /// Fade out and stop what plays (answered by `.cancelled`).
        case fadeStop(id: String)
        /// The broadcast is done with this outcome.
        case record(id: String, outcome: BroadcastOutcome, reason: RecordReason?)
        /// The broadcast waits again, to resume at `segment` (persist it).
        case requeue(id: String, segment: Int)
        /// Refused: the queue is full.
        case reject(id: String, reason: RecordReason)
    }

    /// Why the playing broadcast is being stopped.
    enum Stopping: Equatable, Sendable {
        case preempted(by: String)
        case stopped
    }

    public private(set) var queue: [ArbiterItem] = []
    public private(set) var playing: ArbiterItem?
    var stopping: Stopping?
    public private(set) var available = true

    public init(available: Bool = true) { self.available = available }

    public var isIdle: Bool { playing == nil }

    /// Feeds one event; returns what to do, in order.
    public mutating func handle(_ event: Event, now: Instant) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .enqueue(let item):
            guard Self.admits(item.priority, waiting: waiting) else {
                return [.reject(id: item.id, reason: RecordReason(.queueFull, ["limit": String(Self.queueLimit)]))]
            }
            insert(item)
            if let current = playing, stopping == nil, item.priority > current.priority {
                stopping = .preempted(by: item.id)
                actions.append(.fadeStop(id: current.id))
            }

        case .segmentStarted(let id, let segment):
            if playing?.id == id { playing?.segment = segment }

        case .completed(let id):
            guard playing?.id == id else { return [] }
            let stop = stopping
            playing = nil
            stopping = nil
            // A stop that came too late to cut anything still counts as a stop.
            actions.append(.record(id: id, outcome: stop == .stopped ? .stopped : .completed, reason: nil))

        case .cancelled(let id, let segment):
            guard var current = playing, current.id == id else { return [] }
            playing = nil
            let why = stopping
            stopping = nil
            switch why {
            case .preempted(let by)? where !current.resumes:
                actions.append(.record(id: id, outcome: .preempted, reason: RecordReason(.interruptedSignal, ["by": by])))
            case .preempted(let by)?:
                current.segment = segment
                actions.append(requeueOrEnd(current, now: now, outcome: .preempted,
                                            reason: RecordReason(.interruptedDeadline, ["by": by])))
            case .stopped?, nil:
                actions.append(.record(id: id, outcome: .stopped, reason: nil))
            }

        case .deviceFailed(let id, let segment):
            available = false
            guard var current = playing, current.id == id else { break }
            playing = nil
            stopping = nil
            current.segment = segment
            actions.append(requeueOrEnd(current, now: now, outcome: .failed,
                                        reason: RecordReason(.deviceFailedDeadline)))

        case .stop(let clear):
            if clear {
                for item in queue { actions.append(.record(id: item.id, outcome: .stopped, reason: RecordReason(.cleared))) }
                queue.removeAll()
            }
            if let current = playing, stopping != .stopped {
                stopping = .stopped
                actions.append(.fadeStop(id: current.id))
            }

        case .cancel(let id, let reason):
            if let i = queue.firstIndex(where: { $0.id == id }) {
                queue.remove(at: i)
                actions.append(.record(id: id, outcome: .stopped, reason: reason ?? RecordReason(.cancelled)))
            } else if playing?.id == id, stopping != .stopped {
                stopping = .stopped
                actions.append(.fadeStop(id: id))
            }

        case .tick:
            break

        case .deviceBack:
            available = true
        }
        actions += dropExpired(now: now)
        if playing == nil, available, !queue.isEmpty {
            let next = queue.removeFirst()
            playing = next
            actions.append(.start(id: next.id, segment: next.segment))
        }
        return actions
    }

    /// Whether a broadcast of `priority` may join a queue where `waiting` scheduled and manual
    /// broadcasts wait: the limit holds for them; an emergency is never refused.
    public static func admits(_ priority: Priority, waiting: Int) -> Bool {
        priority == .emergency || waiting < queueLimit
    }

    /// The scheduled and manual broadcasts waiting (what the queue limit counts).
    public var waiting: Int { queue.count { $0.priority < .emergency } }

    /// The earliest deadline among waiting broadcasts: when to send `.tick`.
    public var nextDeadline: Instant? { queue.compactMap(\.deadline).min() }

    /// An interrupted broadcast waits again to resume at its segment, unless its deadline passed.
    private mutating func requeueOrEnd(_ item: ArbiterItem, now: Instant, outcome: BroadcastOutcome,
                                       reason: RecordReason) -> Action {
        if item.hasExpired(at: now) { return .record(id: item.id, outcome: outcome, reason: reason) }
        insert(item)
        return .requeue(id: item.id, segment: item.segment)
    }

    private mutating func insert(_ item: ArbiterItem) {
        let index = queue.firstIndex { item.comesBefore($0) } ?? queue.endIndex
        queue.insert(item, at: index)
    }

    private mutating func dropExpired(now: Instant) -> [Action] {
        var actions: [Action] = []
        queue.removeAll { item in
            guard item.hasExpired(at: now) else { return false }
            let outcome: BroadcastOutcome = item.segment > 0 ? .preempted : .missed
            actions.append(.record(id: item.id, outcome: outcome, reason: RecordReason(.deadlinePassedWaiting)))
            return true
        }
        return actions
    }
}
