// The schedule editing API (`/v1/schedule/entries`, `/v1/schedule/log`): entries of both layers,
// changes to the operators' schedule with their effect on the plan, and the audit log.

import Foundation
import LabaCore

/// `POST /v1/schedule/entries` (every field but `base_version` describes the entry) and
/// `PUT /v1/schedule/entries/{id}` (fields given replace the entry's; an empty text or list clears
/// an optional one).
public struct ScheduleEntryRequest: Codable, Sendable, Equatable {
    public var message: String?
    public var zone: String?
    public var at: [String]?
    public var every: String?
    public var from: String?
    public var until: String?
    public var `repeat`: Int?
    public var languages: [String]?
    public var catchUp: String?
    public var maxDelay: String?
    /// The schedule version the change is based on: an older one is refused (409 `conflict`).
    public var baseVersion: Int?

    public init(message: String? = nil, zone: String? = nil, at: [String]? = nil, every: String? = nil, from: String? = nil,
                until: String? = nil, repeat: Int? = nil, languages: [String]? = nil, catchUp: String? = nil,
                maxDelay: String? = nil, baseVersion: Int? = nil) {
        self.message = message
        self.zone = zone
        self.at = at
        self.every = every
        self.from = from
        self.until = until
        self.repeat = `repeat`
        self.languages = languages
        self.catchUp = catchUp
        self.maxDelay = maxDelay
        self.baseVersion = baseVersion
    }

    enum CodingKeys: String, CodingKey {
        case message, zone, at, every, from, until, `repeat`, languages, catchUp = "catch_up", maxDelay = "max_delay"
        case baseVersion = "base_version"
    }
}

/// One schedule entry of either layer, in `GET /v1/schedule/entries`.
public struct ScheduleEntryJSON: Codable, Sendable, Equatable {
    public var id: String
    /// `technician` (the configuration file) or `operator` (the operators' schedule).
    public var origin: String
    /// FILE:LINE:COL of the entry.
    public var location: String?
    public var zone: String
    public var message: String
    public var at: [String]
    public var every: String?
    public var from: String?
    public var until: String?
    public var `repeat`: Int?
    public var languages: [String]?
    public var catchUp: String?
    public var maxDelay: String?
    public var paused: Bool
    /// Why an operator's entry does not play (its zone or message is gone), or nil.
    public var disabled: String?
    /// The same with its code, for a reader that renders it; absent from an older daemon.
    public var disabledDetail: DiagnosticJSON?
    public var addedBy: String?
    public var addedAt: String?
    public var changedBy: String?
    public var changedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, origin, location, zone, message, at, every, from, until, `repeat`, languages, catchUp = "catch_up"
        case maxDelay = "max_delay", paused, disabled, disabledDetail = "disabled_detail", addedBy = "added_by", addedAt = "added_at"
        case changedBy = "changed_by", changedAt = "changed_at"
    }

    public init(operator e: OperatorEntry, location: String?, disabled: String?) {
        id = e.id
        origin = "operator"
        self.location = location
        zone = e.zone
        message = e.message
        at = e.at
        every = e.every
        from = e.from
        until = e.until
        self.repeat = e.repeat
        languages = e.languages
        catchUp = e.catchUp
        maxDelay = e.maxDelay
        paused = e.paused
        self.disabled = disabled
        addedBy = e.addedBy
        addedAt = e.addedAt
        changedBy = e.changedBy
        changedAt = e.changedAt
    }

    public init(technician e: ScheduleEntry) {
        id = e.id
        origin = "technician"
        location = e.location.description
        zone = e.zone
        message = e.message.value
        at = e.at.map(\.value)
        every = e.everyDays.map { "\($0.value)d" }
        from = e.from?.value.description
        until = e.until?.value.description
        self.repeat = e.repeatCount?.value
        languages = e.languages?.value.map(\.value)
        catchUp = e.catchUp?.value.description
        maxDelay = e.maxDelay?.value.description
        paused = false
    }
}

/// `GET /v1/schedule/entries`.
public struct ScheduleEntriesJSON: Codable, Sendable, Equatable {
    public struct Operators: Codable, Sendable, Equatable {
        /// Whether operators may change the schedule (`operators.schedule`).
        public var allowed: Bool
        /// The zones (subtrees) they may schedule in; nil: every zone.
        public var zones: [String]?
        public init(allowed: Bool, zones: [String]?) {
            self.allowed = allowed
            self.zones = zones
        }
    }

    /// The operators' schedule's version, for `base_version`.
    public var version: Int
    /// The operators' schedule file.
    public var file: String
    public var operators: Operators
    public var entries: [ScheduleEntryJSON]

    public init(version: Int, file: String, operators: Operators, entries: [ScheduleEntryJSON]) {
        self.version = version
        self.file = file
        self.operators = operators
        self.entries = entries
    }
}

/// What a configuration change adds, removes, moves and changes in the next 24 hours.
public struct PlanDiffJSON: Codable, Sendable, Equatable {
    public struct Move: Codable, Sendable, Equatable {
        public var old: ScheduleItem
        public var new: ScheduleItem
    }

    public var from: String
    public var added: [ScheduleItem]
    public var removed: [ScheduleItem]
    public var moved: [Move]
    public var changed: [Move]

    public init(_ diff: PlanDiff, from: Instant, timeZone: TimeZone) {
        var converter = ZoneConverter(timeZone)
        func item(_ b: PlannedBroadcast) -> ScheduleItem { ScheduleItem(b, converter: &converter) }
        func move(_ m: PlanDiff.Move) -> Move { Move(old: item(m.old), new: item(m.new)) }
        self.from = RFC3339.format(Instant(microseconds: from.microseconds - from.microseconds % 1_000_000),
                                   converter: &converter, fractionDigits: -1)
        added = diff.added.map(item)
        removed = diff.removed.map(item)
        moved = diff.moved.map(move)
        changed = diff.changed.map(move)
    }
}

/// The answer to a change: the new version, the entry as it is now (nil once removed), its effect
/// on the next 24 hours, and the warnings of the new configuration.
public struct ScheduleChangeJSON: Codable, Sendable, Equatable {
    public var version: Int
    public var action: String
    public var entry: ScheduleEntryJSON?
    public var diff: PlanDiffJSON
    public var warnings: [String]
    /// The same with their codes, for a reader that renders them; absent from an older daemon.
    public var warningDetails: [DiagnosticJSON]?
    /// The entry's next instants (RFC 3339 in the configuration's zone), whichever outputs play
    /// it; nil once removed, empty when it never fires again.
    public var next: [String]?
    /// True for a dry run (`?dry_run=1`): checked and worked out, nothing written; the version and
    /// a new entry's id are what saving would give now.
    public var dryRun: Bool?

    enum CodingKeys: String, CodingKey {
        case version, action, entry, diff, warnings, next, dryRun = "dry_run", warningDetails = "warning_details"
    }

    public init(version: Int, action: String, entry: ScheduleEntryJSON?, diff: PlanDiffJSON, warnings: [String],
                next: [String]? = nil, dryRun: Bool? = nil) {
        self.version = version
        self.action = action
        self.entry = entry
        self.diff = diff
        self.warnings = warnings
        self.next = next
        self.dryRun = dryRun
    }
}

/// One change in the audit log (`GET /v1/schedule/log`).
public struct ScheduleLogItem: Codable, Sendable, Equatable {
    public var id: Int64
    /// RFC 3339 in the configuration's time zone.
    public var at: String
    public var version: Int
    /// add, change, pause, resume or remove.
    public var action: String
    public var entry: String
    public var before: OperatorEntry?
    public var after: OperatorEntry?
    public var requestedBy: RequestedBy?
    /// `cli` (the control socket) or `console`.
    public var via: String

    enum CodingKeys: String, CodingKey {
        case id, at, version, action, entry, before, after, requestedBy = "requested_by", via
    }

    public init(id: Int64, at: String, version: Int, action: String, entry: String, before: OperatorEntry?,
                after: OperatorEntry?, requestedBy: RequestedBy?, via: String) {
        self.id = id
        self.at = at
        self.version = version
        self.action = action
        self.entry = entry
        self.before = before
        self.after = after
        self.requestedBy = requestedBy
        self.via = via
    }
}

public struct ScheduleLogJSON: Codable, Sendable, Equatable {
    public var changes: [ScheduleLogItem]
    public init(changes: [ScheduleLogItem]) { self.changes = changes }
}

/// A refused change: the error, and the configuration's diagnostics (422 `invalid_config`) or the
/// changes made since the request's base version (409 `conflict`).
public struct ScheduleRefusalJSON: Codable, Sendable, Equatable {
    public var error: ErrorJSON.Body
    public var diagnostics: [String]?
    /// The same with their codes; absent from an older daemon.
    public var diagnosticDetails: [DiagnosticJSON]?
    public var changes: [ScheduleLogItem]?

    enum CodingKeys: String, CodingKey {
        case error, diagnostics, diagnosticDetails = "diagnostic_details", changes
    }

    public init(_ code: APIErrorCode, _ message: String, diagnostics: [String]? = nil, changes: [ScheduleLogItem]? = nil) {
        error = ErrorJSON.Body(code: code.rawValue, message: message)
        self.diagnostics = diagnostics
        self.changes = changes
    }
}

extension RequestedBy {
    /// `cli` for the control socket, `console`, `fleet` or `alert`.
    public var via: String {
        switch self {
        case .socket: "cli"
        case .console: "console"
        case .fleet: "fleet"
        case .alert: "alert"
        }
    }
}

/// A change to the operators' schedule.
public enum ScheduleAction: String, Sendable {
    case add, change, pause, resume, remove
}

/// A refused change: the HTTP status and the JSON body.
public struct ScheduleRefusal: Error {
    public var code: APIErrorCode
    public var body: ScheduleRefusalJSON

    public init(_ code: APIErrorCode, _ message: String, diagnostics: [String]? = nil, changes: [ScheduleLogItem]? = nil) {
        self.code = code
        body = ScheduleRefusalJSON(code, message, diagnostics: diagnostics, changes: changes)
    }

    /// Refused for these diagnostics: their English lines, and their codes for readers that render them.
    public init(_ code: APIErrorCode, _ message: String, diagnostics: [Diagnostic]) {
        self.init(code, message, diagnostics: diagnostics.map(\.description))
        body.diagnosticDetails = diagnostics.map(DiagnosticJSON.init)
    }

    /// A refusal of the front door's rules (a zone outside the requester's): forbidden, with
    /// its English words for older clients and its code and arguments for those that render it.
    public init(forbidden refusal: Refusal) {
        code = .forbidden
        body = ScheduleRefusalJSON(.forbidden, refusal.english)
        body.error.refusal = refusal.code.rawValue
        body.error.args = refusal.args
    }
}

