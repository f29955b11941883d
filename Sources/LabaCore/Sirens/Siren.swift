// The civil-defence signals (SPEC 18): content named by a reserved message name, `siren:KIND`,
// synthesised by the player rather than read from a recording. Here: which names are signals,
// and each signal's pattern of sounding and silent steps, in seconds. Pure.

/// One of the national civil-defence signals.
public enum SirenKind: String, Sendable, CaseIterable, Codable {
    /// 预先警报: 36 s on, 24 s off, three times.
    case preliminary
    /// 空袭警报: 6 s on, 6 s off, fifteen times.
    case airRaid = "air-raid"
    /// 解除警报: one steady tone, 3 min.
    case allClear = "all-clear"
    /// 灾情警报: set locally (`sirens.disaster`).
    case disaster

    /// The prefix every signal's message name starts with; no message id can (ids have no `:`).
    public static let prefix = "siren:"

    /// `siren:air-raid`: the name a broadcast, a schedule entry or an alert mapping gives it.
    public var messageName: String { Self.prefix + rawValue }

    /// The signal a message name stands for; nil for a name that is not in `siren:`'s namespace
    /// or names no signal.
    public init?(messageName: String) {
        guard messageName.hasPrefix(Self.prefix),
              let kind = SirenKind(rawValue: String(messageName.dropFirst(Self.prefix.count)))
        else { return nil }
        self = kind
    }

    /// Whether a name is in the reserved `siren:` namespace (a signal or a misspelt one).
    public static func isReserved(_ name: String) -> Bool { name.hasPrefix(prefix) }

    /// Every signal's message name, for suggestions and lists.
    public static var messageNames: [String] { allCases.map(\.messageName) }
}

/// What a signal sounds: when it sounds and silences, and the tone while it sounds.
public struct SirenPattern: Hashable, Sendable {
    /// One sounding part and the silence after it, in seconds.
    public struct Step: Hashable, Sendable {
        public var on: Double
        public var off: Double

        public init(on: Double, off: Double) {
            self.on = on
            self.off = off
        }
    }

    /// The tone of the sounding parts.
    public enum Tone: Hashable, Sendable {
        /// A sine whose frequency goes linearly from `low` up to `high` and back down in `period`
        /// seconds, starting at `low` at the start of each sounding part.
        case sweep(low: Double, high: Double, period: Double)
        /// A sine at one frequency.
        case steady(Double)
    }

    public var kind: SirenKind
    /// One cycle's steps; the cycle plays `count` times.
    public var steps: [Step]
    public var count: Int
    public var tone: Tone

    public init(kind: SirenKind, steps: [Step], count: Int, tone: Tone) {
        self.kind = kind
        self.steps = steps
        self.count = count
        self.tone = tone
    }

    /// The whole signal, the last silence included (so that a repeated signal keeps its rhythm).
    public var duration: Double { steps.reduce(0) { $0 + $1.on + $1.off } * Double(count) }

    /// The sounding parts, as (start, end) in seconds from the start of the signal.
    public var soundings: [(start: Double, end: Double)] {
        var out: [(Double, Double)] = []
        var t = 0.0
        for _ in 0..<count {
            for step in steps {
                if step.on > 0 { out.append((t, t + step.on)) }
                t += step.on + step.off
            }
        }
        return out
    }

    /// The tone's frequency `t` seconds into a sounding part.
    public func frequency(atSoundingTime t: Double) -> Double {
        switch tone {
        case .steady(let f):
            return f
        case .sweep(let low, let high, let period):
            var phase = (t / period).truncatingRemainder(dividingBy: 1)
            if phase < 0 { phase += 1 }
            let triangle = phase < 0.5 ? 2 * phase : 2 - 2 * phase
            return low + (high - low) * triangle
        }
    }
}

/// `sirens:`: the tones of the signals, the locally set disaster signal, and their priority.
public struct SirensConfig: Sendable {
    public var low: Located<Double>?
    public var high: Located<Double>?
    public var sweep: Located<TimeSpan>?
    public var steady: Located<Double>?
    /// `disaster: {steps: [{on: 15s, off: 15s}], count: 6}`.
    public var disasterSteps: Located<[SirenPattern.Step]>?
    public var disasterCount: Located<Int>?
    /// The priority every signal plays at; absent: emergency.
    public var priority: Located<Priority>?

    public static let defaultLow = 600.0
    public static let defaultHigh = 1200.0
    public static let defaultSweep = TimeSpan.seconds(4)
    public static let defaultSteady = 900.0
    public static let defaultDisasterSteps = [SirenPattern.Step(on: 15, off: 15)]
    public static let defaultDisasterCount = 6

    public init() {}

    public var lowValue: Double { low?.value ?? Self.defaultLow }
    public var highValue: Double { high?.value ?? Self.defaultHigh }
    public var sweepValue: TimeSpan { sweep?.value ?? Self.defaultSweep }
    public var steadyValue: Double { steady?.value ?? Self.defaultSteady }
    public var priorityValue: Priority { priority?.value ?? .emergency }

    /// The pattern of a signal under this configuration.
    public func pattern(_ kind: SirenKind) -> SirenPattern {
        let sweep = SirenPattern.Tone.sweep(low: lowValue, high: highValue, period: sweepValue.seconds)
        switch kind {
        case .preliminary:
            return SirenPattern(kind: kind, steps: [.init(on: 36, off: 24)], count: 3, tone: sweep)
        case .airRaid:
            return SirenPattern(kind: kind, steps: [.init(on: 6, off: 6)], count: 15, tone: sweep)
        case .allClear:
            return SirenPattern(kind: kind, steps: [.init(on: 180, off: 0)], count: 1, tone: .steady(steadyValue))
        case .disaster:
            return SirenPattern(kind: kind, steps: disasterSteps?.value ?? Self.defaultDisasterSteps,
                                count: disasterCount?.value ?? Self.defaultDisasterCount, tone: sweep)
        }
    }

    /// The pattern a message name stands for, if it names a signal.
    public func pattern(forMessage name: String) -> SirenPattern? {
        SirenKind(messageName: name).map(pattern)
    }

    static let keys = ["low", "high", "sweep", "steady", "disaster", "priority"]
    static let disasterKeys = ["steps", "count"]
    static let stepKeys = ["on", "off"]
}
