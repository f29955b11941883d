// The control API's places (SPEC 13): where a broadcast started, what a following output knows of
// its position, and the record of CAP alerts (`GET /v1/alerts`, `POST /v1/alerts`).

import Foundation
import LabaCore

/// Where a following output was when a broadcast started: the last fix and its own time.
public struct PositionJSON: Codable, Sendable, Equatable {
    public var lat: Double
    public var lon: Double
    /// The fix's time, RFC 3339.
    public var at: String

    public init(lat: Double, lon: Double, at: String) {
        self.lat = lat
        self.lon = lon
        self.at = at
    }
}

/// What an output that follows GPS knows of its position (`gps` of an output in `GET /v1/status`).
public struct GPSStatusJSON: Codable, Sendable, Equatable {
    /// A zone the unit is in and has been since `since`, before it switches.
    public struct Entering: Codable, Sendable, Equatable {
        public var zone: String
        public var since: String

        public init(zone: String, since: String) {
            self.zone = zone
            self.since = since
        }
    }

    /// "no fix", "gpsd unreachable", "outside every area" or "in ZONE", in English.
    public var status: String
    /// `no_fix`, `unreachable`, `outside` or `inside` (with `here`); absent from an older daemon.
    public var code: String?
    /// The deepest zone whose area holds the last fix, if any.
    public var here: String?
    /// The last fix (kept when the fix is lost).
    public var position: PositionJSON?
    public var entering: Entering?

    public init(status: String, code: String? = nil, here: String?, position: PositionJSON?, entering: Entering?) {
        self.status = status
        self.code = code
        self.here = here
        self.position = position
        self.entering = entering
    }
}

/// One CAP alert received and what came of it.
/// One refusal of an alert's broadcast (issue 26): the output (or the zones of a request refused as
/// a whole), and the refusal's code and arguments.
public struct AlertRefusalJSON: Codable, Sendable, Equatable {
    public var output: String?
    public var zone: String?
    public var code: String
    public var args: [String: String]?

    public init(output: String?, zone: String?, code: String, args: [String: String]?) {
        self.output = output
        self.zone = zone
        self.code = code
        self.args = args
    }
}

/// A note on an alert as a code (`AlertNoteText`'s) and its arguments (issue 26).
public struct AlertNoteJSON: Codable, Sendable, Equatable {
    public var code: String
    public var args: [String: String]?

    public init(code: String, args: [String: String]?) {
        self.code = code
        self.args = args
    }
}

public struct AlertJSON: Codable, Sendable, Equatable {
    public var id: Int64
    public var identifier: String?
    public var sender: String?
    public var sent: String?
    public var status: String?
    public var msgType: String?
    public var event: String?
    public var message: String?
    public var priority: String?
    public var drill: Bool
    public var receivedAt: String
    /// `file`, `api` or `fleet`.
    public var via: String
    public var file: String?
    public var zones: [String]
    public var broadcasts: [String]
    public var refused: [String]
    /// `refused` as codes with arguments, in the same order; absent from records kept before them.
    public var refusals: [AlertRefusalJSON]?
    /// Why nothing (more) plays.
    public var reason: String?
    /// `reason` as a code (`AlertReason`) and its arguments; absent when only words are kept.
    public var reasonCode: String?
    public var reasonArgs: [String: String]?
    public var notes: [String]
    /// `notes` as codes with arguments, in the same order; absent from records kept before them.
    public var noteCodes: [AlertNoteJSON]?
    public var cancels: [String]
    public var cancelledBy: String?
    public var repeatsLeft: Int
    public var nextAt: String?
    public var expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case id, identifier, sender, sent, status, msgType = "msg_type", event, message, priority, drill
        case receivedAt = "received_at", via, file, zones, broadcasts, refused, refusals, reason, notes, cancels
        case reasonCode = "reason_code", reasonArgs = "reason_args", noteCodes = "note_codes"
        case cancelledBy = "cancelled_by", repeatsLeft = "repeats_left", nextAt = "next_at", expiresAt = "expires_at"
    }

    public init(id: Int64, identifier: String?, sender: String?, sent: String?, status: String?, msgType: String?,
                event: String?, message: String?, priority: String?, drill: Bool, receivedAt: String, via: String,
                file: String?, zones: [String], broadcasts: [String], refused: [String], reason: String?, notes: [String],
                cancels: [String], cancelledBy: String?, repeatsLeft: Int, nextAt: String?, expiresAt: String?) {
        self.id = id
        self.identifier = identifier
        self.sender = sender
        self.sent = sent
        self.status = status
        self.msgType = msgType
        self.event = event
        self.message = message
        self.priority = priority
        self.drill = drill
        self.receivedAt = receivedAt
        self.via = via
        self.file = file
        self.zones = zones
        self.broadcasts = broadcasts
        self.refused = refused
        self.reason = reason
        self.notes = notes
        self.cancels = cancels
        self.cancelledBy = cancelledBy
        self.repeatsLeft = repeatsLeft
        self.nextAt = nextAt
        self.expiresAt = expiresAt
    }
}

/// `GET /v1/alerts`.
public struct AlertList: Codable, Sendable, Equatable {
    public var alerts: [AlertJSON]
    public init(alerts: [AlertJSON]) { self.alerts = alerts }
}
