// One output's amplifier power as the engine drives it (SPEC 18): pure, on the daemon's clock, so
// that its rules are table-tested apart from relays and GPIO lines.

/// The phases of an amplifier with `power:`, and the switching they ask for.
public struct Amplifier: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case off
        /// Switched on; sound may start at `until`.
        case warming(until: Instant)
        case on
        /// Nothing to play: switched off at `until` unless something comes first.
        case holding(until: Instant)
    }

    public enum Switching: Sendable, Equatable { case on, off }

    public private(set) var phase: Phase = .off
    public var warmup: TimeSpan
    public var hold: TimeSpan
    /// A scheduled broadcast it was switched on for ahead of time: held at least until then.
    private var awaited: Instant?

    public init(warmup: TimeSpan, hold: TimeSpan) {
        self.warmup = warmup
        self.hold = hold
    }

    /// Something is to play from `t`: when its first frame may go out, and whether to switch on.
    /// An amplifier already on (or holding) plays at once; one warming up plays when it is warm.
    public mutating func need(at t: Instant) -> (ready: Instant, switching: Switching?) {
        switch phase {
        case .off:
            phase = .warming(until: t + warmup)
            return (t + warmup, .on)
        case .warming(let until):
            return (max(until, t), nil)
        case .on:
            return (t, nil)
        case .holding:
            phase = .on
            return (t, nil)
        }
    }

    /// A scheduled broadcast is due at `due` (within the warm-up from `now`): an amplifier that is
    /// off warms up from now; one holding holds at least until then (and its hold after).
    public mutating func expect(at due: Instant, now t: Instant) -> Switching? {
        switch phase {
        case .off:
            phase = .warming(until: t + warmup)
            awaited = due
            return .on
        case .holding(let until) where until < due + hold:
            phase = .holding(until: due + hold)
            return nil
        default:
            return nil
        }
    }

    /// The switch reported on at `t` (a relay's command may take a while): the warm-up counts from
    /// then, so that the amplifier has all of it before the first frame.
    public mutating func switchedOn(at t: Instant) {
        if case .warming(let until) = phase, until < t + warmup { phase = .warming(until: t + warmup) }
    }

    /// The output has nothing to play from `t`: the hold begins (after the warm-up, when it was
    /// switched on for something that did not come).
    public mutating func idle(at t: Instant) {
        if case .on = phase { phase = .holding(until: t + hold) }
    }

    /// Time has come to `t`: a warm-up that ended makes the amplifier on (holding, when nothing
    /// plays), a hold that ended switches it off.
    public mutating func tick(at t: Instant, busy: Bool) -> Switching? {
        switch phase {
        case .warming(let until) where until <= t:
            phase = busy ? .on : .holding(until: max(until, awaited ?? until) + hold)
            awaited = nil
            if case .holding(let end) = phase, end <= t {
                phase = .off
                return .off
            }
            return nil
        case .holding(let until) where until <= t:
            phase = .off
            return .off
        default:
            return nil
        }
    }

    /// When `tick` has something to do.
    public var nextWake: Instant? {
        switch phase {
        case .warming(let until), .holding(let until): until
        case .off, .on: nil
        }
    }

    /// What people read of it: off, warming, on or holding.
    public var name: String {
        switch phase {
        case .off: "off"
        case .warming: "warming"
        case .on: "on"
        case .holding: "holding"
        }
    }
}

/// An output's amplifier as its status shows it.
public struct PowerStatus: Sendable, Equatable {
    /// `off`, `warming`, `on` or `holding`.
    public var state: String
    /// The last switching that failed (its error, in a technician's words), until one succeeds.
    public var problem: String?
    /// The same as a code with arguments (issue 26), for the catalogue.
    public var problemCode: String?
    public var problemArgs: [String: String]

    public init(state: String, problem: String? = nil, problemCode: String? = nil, problemArgs: [String: String] = [:]) {
        self.state = state
        self.problem = problem
        self.problemCode = problemCode
        self.problemArgs = problemArgs
    }

    public init(state: String, problem: PowerProblem?) {
        self.init(state: state, problem: problem?.detail, problemCode: problem?.code, problemArgs: problem?.args ?? [:])
    }
}

/// Why an amplifier could not be switched (issue 26): a code with arguments for the catalogue,
/// and the switch's own words (the command's stderr, the kernel's error) for a technician.
///
/// Codes: `command_cannot_start`, `command_not_found`, `command_exited` (`status`),
/// `command_killed` (`signal`), each with `command`; `chip_missing`, `chip_cannot_open` (`chip`);
/// `line_missing`, `line_busy`, `line_cannot_take`, `line_cannot_set` (`chip`, `line`).
public struct PowerProblem: Sendable, Equatable {
    public var code: String
    public var args: [String: String]
    public var detail: String

    public init(_ code: String, _ args: [String: String], detail: String) {
        self.code = code
        self.args = args
        self.detail = detail
    }
}
