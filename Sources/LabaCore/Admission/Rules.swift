// The rules every broadcast obeys, whatever asked for it: which languages play, whether the message
// is valid today, whether quiet hours hold, which outputs serve a zone. The planner (scheduled
// broadcasts), admission (every other source) and `laba check` all decide through these.

/// What a broadcast of a message plays, from the languages asked for and the recordings present.
public struct LanguageChoice: Hashable, Sendable {
    /// The languages that play, in order (those with a recording).
    public var languages: [String]
    /// Languages asked for that have no recording.
    public var missing: [String]
    /// The language-neutral recording plays, because no language version does.
    public var neutral: Bool

    public init(languages: [String], missing: [String], neutral: Bool) {
        self.languages = languages
        self.missing = missing
        self.neutral = neutral
    }

    /// Nothing would play.
    public var isSilent: Bool { languages.isEmpty && !neutral }
}

public enum Rules {
    /// The languages of `message` that play when `wanted` are asked for.
    ///
    /// - Parameter recorded: the message's recorded languages and whether it has a neutral
    ///   recording; nil plans every language as if recorded (no library at hand).
    public static func languages(wanted: [String], recorded: (languages: Set<String>, neutral: Bool)?) -> LanguageChoice {
        guard let recorded else { return LanguageChoice(languages: wanted, missing: [], neutral: false) }
        let present = wanted.filter(recorded.languages.contains)
        let missing = wanted.filter { !recorded.languages.contains($0) }
        return LanguageChoice(languages: present, missing: missing, neutral: present.isEmpty && recorded.neutral)
    }

    /// The choice for a message of a library. A civil-defence signal is language-neutral: it
    /// plays once, whatever the zone speaks, and no language is missing.
    public static func languages(wanted: [String], message: String, in library: MessageLibrary) -> LanguageChoice {
        if SirenKind(messageName: message) != nil { return sirenChoice }
        return languages(wanted: wanted, recorded: (library.languages(of: message), library.neutral(of: message) != nil))
    }

    /// What a signal plays: its synthesised, language-neutral sound.
    public static let sirenChoice = LanguageChoice(languages: [], missing: [], neutral: true)

    /// Why a message may not play on `date`, if it may not.
    public static func validity(of info: MessageInfo?, on date: LocalDate) -> SkipReason? {
        guard let info else { return nil }
        if let from = info.validFrom?.value, date < from { return .messageNotYetValid(from) }
        if let until = info.validUntil?.value, date > until { return .messageExpired(until) }
        return nil
    }

    /// The zone's quiet hours, when `civil` falls inside them.
    public static func quietHours(of zone: ResolvedZone, at civil: CivilTime) -> QuietHours? {
        guard let quiet = zone.quietHours,
              quiet.contains(minuteOfDay: Double(civil.hour * 60 + civil.minute) + Double(civil.microsecond) / 60e6)
        else { return nil }
        return quiet
    }

    /// The outputs, in file order, whose current zone is one of `zones` or lies below one of them.
    public static func outputs(serving zones: [String], config: Config, tree: ZoneTree,
                               outputZones: [String: String]) -> [String] {
        config.outputs.map(\.id.value).filter { output in
            guard let current = outputZones[output] else { return false }
            return zones.contains { tree.zone(current, isWithin: $0) }
        }
    }
}

/// The rules of a request that every door obeys, written once: which priorities a request may
/// ask for, the repeat range, what `all` reaches, whether a chime plays, how a yes/no reads.
extension Rules {
    /// How many times a program may be asked to repeat.
    public static let repeatRange = 1...100

    /// The priority a request asks for, defaulted and checked: every door (the API, the console,
    /// a fleet command, live talk) takes manual (the default) or emergency; scheduled belongs to
    /// the schedule alone.
    public static func requestedPriority(_ priority: Priority?) throws(Refusal) -> Priority {
        let p = priority ?? .manual
        guard p != .scheduled else { throw .priorityNotAllowed(p) }
        return p
    }

    /// The same, from a priority's name on the wire or in a form (`manual`, `emergency`).
    public static func requestedPriority(named name: String?) throws(Refusal) -> Priority {
        guard let name, !name.isEmpty else { return .manual }
        guard let p = Priority(name: name) else { throw Refusal(.priorityNotAllowed, ["priority": name]) }
        return try requestedPriority(p)
    }

    /// A request's target from its zones and its `all` flag: one of the two, not both, not neither.
    public static func target(zones: [String]?, all: Bool?) throws(Refusal) -> AdmissionRequest.Target {
        if all == true {
            guard zones?.isEmpty ?? true else { throw Refusal(.zonesAndAll) }
            return .all
        }
        guard let zones, !zones.isEmpty else { throw Refusal(.noTarget) }
        return .zones(zones)
    }

    /// The zones a target names: `all` is every root of the tree, so that every output (each
    /// serves a zone below a root) is reached.
    public static func zones(of target: AdmissionRequest.Target, in tree: ZoneTree) -> [String] {
        switch target {
        case .all: tree.zones.filter { $0.parent == nil }.map(\.id)
        case .zones(let zones): zones
        }
    }

    /// The outputs a target reaches now.
    /// - Throws: `.unknownZone` for a zone the tree does not have.
    public static func outputs(for target: AdmissionRequest.Target, config: Config, tree: ZoneTree,
                               outputZones: [String: String]) throws(Refusal) -> [String] {
        if case .zones(let zones) = target {
            for zone in zones where tree[zone] == nil { throw Refusal.unknownZone(zone, among: tree.ids) }
        }
        return outputs(serving: zones(of: target, in: tree), config: config, tree: tree, outputZones: outputZones)
    }

    /// A zone's chime plays only when it has a language-neutral recording (`laba check` warns
    /// otherwise); nil: no library at hand, every chime counts as recorded.
    public static func chime(_ chime: String?, recorded: (String) -> Bool) -> String? {
        guard let chime, recorded(chime) else { return nil }
        return chime
    }

    /// A yes/no value of a query or a form: `true`, `1`, `yes`, `on` (a checked box) or `false`,
    /// `0`, `no`, `off`; nil for anything else.
    public static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off", "": false
        default: nil
        }
    }
}
