// Admission: the one place that decides whether, where and how a broadcast that someone asked for
// plays. The control API, the console, fleet commands, alerts and live talk all call `Admission.admit`;
// scheduled broadcasts are decided by the planner through the same `Rules`.

/// A broadcast someone asks for, whatever the way in.
public struct AdmissionRequest: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// A message of the library, played in the zone's (or the requested) languages.
        case message(String)
        /// A recording outside the library (an upload, a live capture, a fleet recording) at `path`;
        /// `name` is what the record calls it. `languages` label it; none is required.
        case recording(path: String, name: String)
    }

    public enum Target: Sendable, Equatable {
        /// Every output whose current zone is one of these or below one of them.
        case zones([String])
        /// Every output.
        case all
    }

    public var content: Content
    public var target: Target
    /// The languages to play, in order; nil: each zone's own.
    public var languages: [String]?
    public var priority: Priority
    public var repeatCount: Int
    public var loop: Bool
    /// Give up if it cannot start within this span; nil: the default for its priority.
    public var within: TimeSpan?
    /// Play a manual broadcast in quiet hours.
    public var force: Bool
    public var source: BroadcastSource
    public var requestedBy: RequestedBy?
    /// An exercise (CAP status Exercise/Test): recorded as a drill.
    public var drill: Bool
    /// `languages` are a preference (an alert's languages): each zone hears those it speaks, in its
    /// own order, and a zone that speaks none of them hears its own languages instead of refusing.
    public var languagesPreferred = false

    public init(content: Content, target: Target, languages: [String]? = nil, priority: Priority = .manual,
                repeatCount: Int = 1, loop: Bool = false, within: TimeSpan? = nil, force: Bool = false,
                source: BroadcastSource? = nil, requestedBy: RequestedBy? = nil, drill: Bool = false) {
        self.content = content
        self.target = target
        self.languages = languages
        self.priority = priority
        self.repeatCount = repeatCount
        self.loop = loop
        self.within = within
        self.force = force
        if let source {
            self.source = source
        } else if case .recording = content {
            self.source = .upload
        } else {
            self.source = priority == .emergency ? .emergency : .manual
        }
        self.requestedBy = requestedBy
        self.drill = drill
    }

    /// The civil-defence signal it names, if it names one (SPEC 18).
    public func sirenPattern(_ sirens: SirensConfig) -> SirenPattern? {
        guard case .message(let id) = content else { return nil }
        return sirens.pattern(forMessage: id)
    }

    /// The message's name in the record.
    public var messageName: String {
        switch content {
        case .message(let id): id
        case .recording(_, let name): name
        }
    }
}

/// One output's part of an admitted request: everything the record and the program need.
public struct AdmittedBroadcast: Sendable, Equatable {
    public var output: String
    /// The zone the output serves now.
    public var zone: String
    public var message: String
    /// The recording played instead of the library's (uploads, live, fleet recordings).
    public var recordingPath: String?
    public var choice: LanguageChoice
    /// The chime message played first, when the zone has one.
    public var chime: String?
    public var priority: Priority
    public var repeatCount: Int
    public var loop: Bool
    public var plannedAt: Instant
    /// Nil: never given up (emergencies).
    public var deadline: Instant?
    public var source: BroadcastSource
    public var requestedBy: RequestedBy?
    public var drill: Bool
}

/// What admission decided: the outputs that take the broadcast, and those that refused it.
public struct Admission: Sendable, Equatable {
    public var admitted: [AdmittedBroadcast]
    public var refused: [Refusal]

    /// The default `within` of a manual broadcast (SPEC 5).
    public static let defaultManualWithin = TimeSpan.seconds(3600)

    /// Everything admission looks at besides the request.
    public struct Context: Sendable {
        public var config: Config
        public var tree: ZoneTree
        public var library: MessageLibrary
        /// The zone each output serves now.
        public var outputZones: [String: String]
        /// Scheduled and manual broadcasts waiting per output (emergencies do not count).
        public var waiting: [String: Int]
        public var now: Instant

        public init(config: Config, tree: ZoneTree, library: MessageLibrary, outputZones: [String: String],
                    waiting: [String: Int], now: Instant) {
            self.config = config
            self.tree = tree
            self.library = library
            self.outputZones = outputZones
            self.waiting = waiting
            self.now = now
        }
    }

    /// Decides a request, output by output.
    ///
    /// A fault of the request itself (an unknown message, zone or language, a bad number) refuses it
    /// whole; what one output refuses (quiet hours, a full queue, no recording in its languages) does
    /// not stop the others. An emergency is never refused for a full queue.
    /// - Throws: the refusal of the whole request, or the first output's refusal when every output
    ///   refused (the others are in its `refused` list only when some output admitted it).
    public static func admit(_ request: AdmissionRequest, in context: Context) throws(Refusal) -> Admission {
        let config = context.config, tree = context.tree, library = context.library
        let message = request.messageName
        // A civil-defence signal plays at the signals' priority, whoever asks (SPEC 18).
        var request = request
        let siren = request.sirenPattern(config.sirens)
        if siren != nil {
            let priority = config.sirens.priorityValue
            if request.source == .manual || request.source == .emergency {
                request.source = priority == .emergency ? .emergency : .manual
            }
            request.priority = priority
        }
        switch request.content {
        case .message(let id) where SirenKind.isReserved(id) && siren == nil:
            throw Refusal.unknown(.unknownMessage, "message", id, among: SirenKind.messageNames)
        case .recording(_, let name) where SirenKind.isReserved(name):
            throw Refusal(.reservedName, ["name": name, "prefix": SirenKind.prefix])
        default: break
        }
        if case .message(let id) = request.content, !library.has(message: id) {
            throw Refusal.unknown(.unknownMessage, "message", id, among: library.messages)
        }
        guard Rules.repeatRange.contains(request.repeatCount) else {
            throw Refusal(.repeatOutOfRange, ["value": String(request.repeatCount), "min": String(Rules.repeatRange.lowerBound),
                                              "max": String(Rules.repeatRange.upperBound)])
        }
        if let within = request.within, within <= .zero {
            throw Refusal(.withinNotPositive, ["value": within.description])
        }
        var seen: Set<String> = []
        for language in request.languages ?? [] {
            guard config.language(language) != nil else {
                throw Refusal.unknown(.unknownLanguage, "language", language, among: config.languages.map(\.id))
            }
            guard seen.insert(language).inserted else { throw Refusal(.languageTwice, ["language": language]) }
        }
        if let languages = request.languages, languages.isEmpty { throw Refusal(.noLanguages) }

        var local = ZoneConverter(config.timeZone)
        let civil = local.civil(context.now)
        if case .message(let id) = request.content, let invalid = Rules.validity(of: config.messageInfo(id), on: civil.date) {
            switch invalid {
            case .messageExpired(let until): throw Refusal(.expired, ["message": id, "until": until.description])
            case .messageNotYetValid(let from): throw Refusal(.notYetValid, ["message": id, "from": from.description])
            default: break
            }
        }

        if case .zones(let named) = request.target, named.isEmpty { throw Refusal(.noTarget) }
        let outputs = try Rules.outputs(for: request.target, config: config, tree: tree, outputZones: context.outputZones)
        guard !outputs.isEmpty else {
            if case .zones(let zones) = request.target { throw Refusal.noOutput(zones) }
            throw Refusal.noOutput(nil)
        }

        var admitted: [AdmittedBroadcast] = []
        var refused: [Refusal] = []
        for output in outputs {
            let zoneID = context.outputZones[output]!
            let zone = tree[zoneID]!
            if request.priority == .manual, !request.force, let quiet = Rules.quietHours(of: zone, at: civil) {
                refused.append(Refusal(.quietHours, ["zone": zoneID, "window": quiet.description], output: output))
                continue
            }
            if !Arbiter.admits(request.priority, waiting: context.waiting[output, default: 0]) {
                refused.append(Refusal(.queueFull, ["output": output, "limit": String(Arbiter.queueLimit)], output: output))
                continue
            }
            let choice: LanguageChoice
            var recordingPath: String?
            switch request.content {
            case .recording(let path, _):
                recordingPath = path
                choice = LanguageChoice(languages: request.languages ?? [], missing: [], neutral: false)
            case .message where siren != nil:
                // A signal has no language: it plays once, whatever the zone speaks.
                choice = Rules.sirenChoice
            case .message(let id):
                // Asked-for languages play where the zone speaks them; the zone's own otherwise.
                var wanted = zone.languages
                if let asked = request.languages, request.languagesPreferred {
                    let spoken = zone.languages.filter(asked.contains)
                    if !spoken.isEmpty { wanted = spoken }
                } else if let asked = request.languages {
                    wanted = asked.filter(zone.languages.contains)
                    if wanted.isEmpty {
                        refused.append(Refusal(.notSpoken, ["zone": zoneID, "languages": Refusal.list(asked),
                                                            "spoken": Refusal.list(zone.languages)], output: output))
                        continue
                    }
                }
                choice = Rules.languages(wanted: wanted, message: id, in: library)
                if choice.isSilent {
                    refused.append(Refusal(.noRecording, ["message": id, "languages": Refusal.list(wanted)], output: output))
                    continue
                }
            }
            // An emergency waits for ever unless the request gives a deadline (an alert's expiry).
            let deadline = request.within.map { context.now + $0 }
                ?? (request.priority == .emergency ? nil : context.now + Self.defaultManualWithin)
            admitted.append(AdmittedBroadcast(
                output: output, zone: zoneID, message: message, recordingPath: recordingPath, choice: choice,
                chime: siren != nil ? nil : Rules.chime(zone.chime) { library.neutral(of: $0) != nil },
                priority: request.priority, repeatCount: request.repeatCount, loop: request.loop,
                plannedAt: context.now, deadline: deadline,
                source: request.source, requestedBy: request.requestedBy, drill: request.drill))
        }
        guard !admitted.isEmpty else { throw refused[0] }
        return Admission(admitted: admitted, refused: refused)
    }
}
