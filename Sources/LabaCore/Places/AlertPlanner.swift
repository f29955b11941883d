// A CAP alert → what plays where (SPEC 13). Pure: the daemon admits the plan's requests through
// `Admission`, stops what the plan cancels, and keeps the repeats.

/// What an alert asks for.
public struct AlertPlan: Equatable, Sendable {
    /// The zones its areas and geocodes reach (the top-most of each branch, in file order).
    public var zones: [String] = []
    /// One request per zone, so that what a zone refuses is recorded for it; empty when nothing plays.
    public var requests: [AdmissionRequest] = []
    /// How many times it plays in all (the first now, the others every `every`).
    public var plays = 1
    public var every: TimeSpan?
    /// Its deadline (`<expires>`): nothing of it starts after this.
    public var expires: Instant?
    /// Identifiers of earlier alerts whose broadcasts and repeats stop (Update and Cancel).
    public var cancels: [String] = []
    /// Why nothing plays, when nothing does (English, for older readers and the log).
    public var reason: String?
    /// The same as a code and its arguments (issue 26), for the catalogue: `cancel`, `msg_type`,
    /// `status_system`, `status_draft`, `drill_off`, `no_alerts_section`, `no_info`,
    /// `no_event_mapping`, `expired`, `zones_unknown`, `area_no_zone`, `outside_key`.
    public var reasonCode: String?
    public var reasonArgs: [String: String] = [:]

    /// Plays nothing, for this reason.
    mutating func refuse(_ code: String, _ args: [String: String] = [:], _ english: String) {
        reasonCode = code
        reasonArgs = args
        reason = english
    }
    /// Status Exercise or Test.
    public var drill = false
    /// The event matched and the message it plays.
    public var event: String?
    public var message: String?
    public var priority: Priority?
    /// What the plan left out and why (languages not mapped, geocodes of another kind), in English.
    public var notes: [String] = []
    /// `notes` as codes with arguments (issue 26), one per note in the same order.
    public var noteCodes: [AlertNoteCode] = []

    /// Notes `english` (once) with its code and arguments.
    mutating func note(_ note: AlertNoteCode, _ english: String) {
        guard !notes.contains(english) else { return }
        notes.append(english)
        noteCodes.append(note)
    }

    /// The instants of the plays after the first, up to `expires`.
    public func repeats(after first: Instant) -> [Instant] {
        guard plays > 1, let every else { return [] }
        return (1..<plays).map { first + TimeSpan(microseconds: every.microseconds * Int64($0)) }
            .filter { instant in expires.map { instant < $0 } ?? true }
    }
}

/// A note on an alert as a code and its arguments (issue 26): `language_unmapped`, `no_recording`,
/// `geocodes_other_kind`, `geocodes_bad_length`, `outside_key`; the daemon adds its own
/// (`fleet_command`, `forwarded`, `not_forwarded`, `repeat_not_played`, `beyond_key`...).
public struct AlertNoteCode: Equatable, Sendable {
    public var code: String
    public var args: [String: String]

    public init(_ code: String, _ args: [String: String] = [:]) {
        self.code = code
        self.args = args
    }
}

public enum AlertPlanner {
    /// Decides an alert: which message, where, in which languages, how urgent, until when.
    ///
    /// - Parameters:
    ///   - library: the recordings, so that an `<info>`'s language plays only where it is recorded.
    ///   - now: the daemon's clock, against `<expires>`.
    ///   - zones: the zones a commander signed for the alert (SPEC 15): it plays there, and its
    ///     areas are not matched again; nil: where its areas and geocodes reach.
    public static func plan(_ alert: CAPAlert, config: Config, map: ZoneMap, library: MessageLibrary, now: Instant,
                            zones given: [String]? = nil) -> AlertPlan {
        var plan = AlertPlan()
        let settings = config.alerts
        if [.update, .cancel].contains(alert.msgType) {
            plan.cancels = alert.references.map(\.identifier)
        }
        plan.drill = alert.status == .exercise || alert.status == .test
        switch alert.msgType {
        case .cancel:
            plan.refuse("cancel", ["alerts": plan.cancels.joined(separator: ", ")], "a Cancel: it stops \(plan.cancels.joined(separator: ", ")) and plays nothing")
            return plan
        case .ack, .error:
            plan.refuse("msg_type", ["msg_type": alert.msgType.rawValue], "msgType \(alert.msgType.rawValue): nothing to play")
            return plan
        case .alert, .update:
            break
        }
        switch alert.status {
        case .system:
            plan.refuse("status_system", [:], "status System: a message for alerting systems, not the public")
            return plan
        case .draft:
            plan.refuse("status_draft", [:], "status Draft: not to be acted on")
            return plan
        case .exercise, .test:
            if !(settings?.playsDrills ?? false) {
                plan.refuse("drill_off", ["status": alert.status.rawValue], "status \(alert.status.rawValue): a drill, and alerts.drills is false")
                return plan
            }
        case .actual:
            break
        }
        guard let settings else {
            plan.refuse("no_alerts_section", [:], "the configuration has no alerts section")
            return plan
        }
        guard !alert.infos.isEmpty else {
            plan.refuse("no_info", [:], "the alert has no <info>")
            return plan
        }
        // The first <info> whose event or event code is mapped.
        var matched: (CAPAlert.Info, AlertEvent)?
        for info in alert.infos {
            if let mapping = settings.events.first(where: { mapped in
                mapped.event.value == info.event || info.eventCodes.contains { $0.value == mapped.event.value }
            }) {
                matched = (info, mapping)
                break
            }
        }
        guard let (info, mapping) = matched else {
            let events = Array(Set(alert.infos.map(\.event))).sorted().joined(separator: "', '")
            plan.refuse("no_event_mapping", ["events": events], "no mapping for event '\(events)' in alerts.events")
            return plan
        }
        plan.event = mapping.event.value
        plan.message = mapping.message.value
        plan.expires = alert.infos.compactMap(\.expires).min()
        if let expires = plan.expires, expires <= now {
            plan.refuse("expired", ["at": RFC3339.format(expires, in: config.timeZone)], "expired at \(RFC3339.format(expires, in: config.timeZone))")
            return plan
        }
        plan.priority = mapping.priority?.value
            ?? (info.severity == "Extreme" || info.urgency == "Immediate" ? .emergency : .manual)

        let tree = map.tree
        if let given {
            plan.zones = given.filter { tree[$0] != nil }
            guard !plan.zones.isEmpty else {
                plan.refuse("zones_unknown", ["zones": given.joined(separator: ", ")],
                            "none of the zones it was sent for (\(given.joined(separator: ", "))) is in this configuration")
                return plan
            }
            return planned(&plan, alert: alert, mapping: mapping, settings: settings, library: library, now: now)
        }
        let reach = zones(reachedBy: alert, map: map, geocodes: settings.acceptedGeocodes)
        plan.zones = reach.zones
        for (note, english) in zip(reach.codes, reach.notes) { plan.note(note, english) }
        guard !plan.zones.isEmpty else {
            let described = alert.infos.flatMap(\.areas).map(\.description)
            plan.refuse("area_no_zone", ["areas": described.joined(separator: "; ")], "its area (\(described.joined(separator: "; "))) reaches no zone")
            return plan
        }
        return planned(&plan, alert: alert, mapping: mapping, settings: settings, library: library, now: now)
    }

    /// The requests of a plan whose zones are known: languages, repeats and one request per zone.
    private static func planned(_ plan: inout AlertPlan, alert: CAPAlert, mapping: AlertEvent, settings: AlertsConfig,
                                library: MessageLibrary, now: Instant) -> AlertPlan {
        // Languages: each <info>'s tag through alerts.languages.
        var mapped: [String] = []
        for tagged in alert.infos {
            guard let language = language(for: tagged.language, in: settings) else {
                plan.note(AlertNoteCode("language_unmapped", ["language": tagged.language]),
                          "language \(tagged.language) is not in alerts.languages")
                continue
            }
            if !mapped.contains(language) { mapped.append(language) }
        }
        plan.plays = mapping.plays
        plan.every = mapping.repeatEvery?.value
        let within = plan.expires.map { $0 - now }
        // Those without a recording of the message are left out; each zone hears the rest that it
        // speaks, or its own languages when it speaks none of them (Admission).
        // A civil-defence signal has no language: nothing is missing, each zone hears it once.
        let siren = SirenKind(messageName: mapping.message.value) != nil
        let recorded = library.languages(of: mapping.message.value)
        let languages = mapped.filter(recorded.contains)
        for language in mapped where !recorded.contains(language) && !siren {
            plan.note(AlertNoteCode("no_recording", ["message": mapping.message.value, "language": language]),
                      "message \(mapping.message.value) has no \(language) recording")
        }
        for zone in plan.zones {
            var request = AdmissionRequest(
                content: .message(mapping.message.value), target: .zones([zone]), languages: languages.isEmpty ? nil : languages,
                priority: plan.priority!, within: within, source: .alert,
                requestedBy: .alert(identifier: alert.identifier), drill: plan.drill)
            request.languagesPreferred = true
            plan.requests.append(request)
        }
        return plan
    }

    /// The deepest zones an alert's areas (polygons, circles) and geocodes reach, with notes on
    /// what could not be read: where a commander forwards it, whether or not it plays here.
    ///
    /// - Parameter geocodes: the kinds of `<geocode>` that are area codes (`alerts.geocodes`); the
    ///   others are left out, with one note for the whole alert, however many `<info>`s repeat them.
    public static func zones(reachedBy alert: CAPAlert, map: ZoneMap,
                             geocodes kinds: [GeocodeKind] = GeocodeKind.chineseAdministrative)
        -> (zones: [String], notes: [String], codes: [AlertNoteCode]) {
        var shapes: [AlertShape] = []
        var geocoded: [String] = []
        // Left out, by value name, each value once.
        var otherKinds: [(name: String, values: [String])] = []
        var badLengths: [String] = []
        for area in alert.infos.flatMap(\.areas) {
            shapes += area.polygons.map { .polygon(Area([Polygon(outer: $0)])) }
            shapes += area.circles.map { .circle($0) }
            for code in area.geocodes {
                if kinds.contains(where: { $0.accepts(valueName: code.valueName, value: code.value) }) {
                    geocoded += map.zones(matchingGeocode: code.value)
                } else if let kind = kinds.first(where: { $0.isNamed(code.valueName) }) {
                    let text = "\(kind.valueName)=\(code.value)"
                    if !badLengths.contains(text) { badLengths.append(text) }
                } else if let i = otherKinds.firstIndex(where: { $0.name == code.valueName }) {
                    if !otherKinds[i].values.contains(code.value) { otherKinds[i].values.append(code.value) }
                } else {
                    otherKinds.append((code.valueName, [code.value]))
                }
            }
        }
        var notes: [String] = []
        var codes: [AlertNoteCode] = []
        if !otherKinds.isEmpty {
            let accepted = kinds.map(\.valueName).joined(separator: ", ")
            let listed = otherKinds.map { kind in
                let shown = kind.values.prefix(3).joined(separator: ", ")
                return "\(kind.name) \(shown)" + (kind.values.count > 3 ? " and \(kind.values.count - 3) more" : "")
            }
            notes.append("geocodes left out, their value name is not in alerts.geocodes (\(accepted.isEmpty ? "none" : accepted)): "
                         + listed.joined(separator: "; "))
            // The value names and codes as in the document, for a technician; how many more in `more`.
            let more = otherKinds.reduce(0) { $0 + max(0, $1.values.count - 3) }
            codes.append(AlertNoteCode("geocodes_other_kind", [
                "accepted": accepted.isEmpty ? "—" : accepted,
                "geocodes": otherKinds.map { "\($0.name) \($0.values.prefix(3).joined(separator: ", "))" }.joined(separator: "; "),
                "more": String(more),
            ]))
        }
        if !badLengths.isEmpty {
            notes.append("geocodes left out, not a code of the digits alerts.geocodes gives: " + badLengths.joined(separator: ", "))
            codes.append(AlertNoteCode("geocodes_bad_length", ["geocodes": badLengths.joined(separator: ", ")]))
        }
        let reached = map.reach(shapes) + geocoded
        let tree = map.tree
        let zones = tree.ids.filter { id in
            reached.contains(id) && !reached.contains { $0 != id && tree.zone(id, isWithin: $0) }
        }
        return (zones, notes, codes)
    }

    /// The language a CAP tag maps to: the tag itself (any case), else its primary subtag (`zh` for `zh-CN`).
    static func language(for tag: String, in settings: AlertsConfig) -> String? {
        let lower = tag.lowercased()
        if let exact = settings.languages.first(where: { $0.tag.value.lowercased() == lower }) { return exact.language.value }
        let primary = lower.split(separator: "-").first.map(String.init) ?? lower
        return settings.languages.first { $0.tag.value.lowercased() == primary }?.language.value
    }
}

extension AlertPlan {
    /// The plan cut to the subtrees a fleet key may command (its trust `scope`): a zone inside one
    /// stays, a zone above one narrows to it, a zone beside them goes, with a note; when nothing is
    /// left, the reason says so. An alert carried by the fleet reaches no further than the key
    /// that signed it, however wide its areas.
    public func restricted(to scope: [String], in tree: ZoneTree) -> AlertPlan {
        // The top-most subtrees only: a zone above two nested ones narrows to the outer one, once.
        let scope = scope.filter { inner in !scope.contains { $0 != inner && tree.zone(inner, isWithin: $0) } }
        func cut(_ zone: String) -> [String] {
            if scope.contains(where: { tree.zone(zone, isWithin: $0) }) { return [zone] }
            return scope.filter { tree.zone($0, isWithin: zone) }
        }
        func unique(_ zones: [String]) -> [String] {
            var seen = Set<String>()
            return zones.filter { seen.insert($0).inserted }
        }
        var plan = self
        plan.zones = unique(zones.flatMap(cut))
        let outside = zones.filter { cut($0).isEmpty }
        var covered = Set<String>()
        plan.requests = requests.flatMap { request -> [AdmissionRequest] in
            let wanted: [String] = switch request.target {
            case .zones(let zones): zones.flatMap(cut)
            case .all: scope.filter { tree[$0] != nil }
            }
            return wanted.filter { covered.insert($0).inserted }.map { zone in
                var narrowed = request
                narrowed.target = .zones([zone])
                return narrowed
            }
        }
        if !outside.isEmpty {
            plan.note(AlertNoteCode("outside_key", ["scope": scope.joined(separator: ", "), "zones": outside.joined(separator: ", ")]),
                      "outside the commanding key's zones (\(scope.joined(separator: ", "))), not played: "
                      + outside.joined(separator: ", "))
        }
        if plan.reason == nil, plan.requests.isEmpty, !requests.isEmpty {
            plan.refuse("outside_key", ["zones": scope.joined(separator: ", ")],
                        "every zone it reaches is outside the zones the commanding key may command (\(scope.joined(separator: ", ")))")
        }
        return plan
    }
}
