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
