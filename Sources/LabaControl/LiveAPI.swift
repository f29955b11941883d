// Live talk over the control API (SPEC 14): `POST /v1/live` starts it and answers with a stream
// of JSON lines while it lasts; the client's lost connection, `DELETE /v1/broadcasts/{id}` or
// `laba stop` end it.

import LabaCore

/// `POST /v1/live`.
public struct LiveRequestJSON: Codable, Sendable, Equatable {
    public var zones: [String]?
    public var all: Bool?
    /// `manual` (the default) or `emergency`.
    public var priority: Priority?
    /// The ALSA capture PCM; absent: the configuration's `live.input`.
    public var input: String?
    /// Speak in quiet hours.
    public var force: Bool?

    public init(zones: [String]? = nil, all: Bool? = nil, priority: Priority? = nil, input: String? = nil, force: Bool? = nil) {
        self.zones = zones
        self.all = all
        self.priority = priority
        self.input = input
        self.force = force
    }
}

/// One line of the answer: first `started` (the talk's id, the records, what refused), then
/// `level` lines about four times a second, and last `ended`.
public struct LiveEventJSON: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case started, level, ended
    }

    public var event: Kind
    public var id: String
    public var input: String?
    /// On a commander: the fleet command that sends the talk to the units of the zones.
    public var command: String?
    public var broadcasts: [BroadcastJSON]?
    public var refused: [RefusedJSON]?
    /// Seconds since it started (`level`) or captured in all (`ended`).
    public var seconds: Double?
    /// The input's last peak, 0...1.
    public var level: Double?
    /// Why it ended, in English; `reason_code` and `reason_args` for a reader that renders it.
    public var reason: String?
    public var reasonCode: String?
    public var reasonArgs: [String: String]?
    public var recording: String?
    /// The recording's integrated loudness, LUFS.
    public var loudness: Double?

    enum CodingKeys: String, CodingKey {
        case event, id, input, command, broadcasts, refused, seconds, level, reason
        case reasonCode = "reason_code", reasonArgs = "reason_args", recording, loudness
    }

    public init(event: Kind, id: String, input: String? = nil, command: String? = nil, broadcasts: [BroadcastJSON]? = nil, refused: [RefusedJSON]? = nil,
                seconds: Double? = nil, level: Double? = nil, reason: String? = nil, reasonCode: String? = nil,
                reasonArgs: [String: String]? = nil, recording: String? = nil, loudness: Double? = nil) {
        self.event = event
        self.id = id
        self.input = input
        self.command = command
        self.broadcasts = broadcasts
        self.refused = refused
        self.seconds = seconds
        self.level = level
        self.reason = reason
        self.reasonCode = reasonCode
        self.reasonArgs = reasonArgs
        self.recording = recording
        self.loudness = loudness
    }
}
