// What the daemon answers every door: an output's and the engine's status, and the outcomes of
// the front door's requests (SPEC 15). Plain values, so that the console and the API render them
// without knowing the daemon.

/// One output as the status shows it.
public struct OutputStatus: Sendable {
    public var id: String
    public var device: String
    public var zone: String
    public var available: Bool
    public var playing: BroadcastRecord?
    /// The waiting broadcasts' ids, in the order they will play.
    public var queue: [String]
    public var next: PlannedBroadcast?
    /// For an output that follows GPS: what it knows of its position.
    public var gps: GPSStatus? = nil
    /// For an output with `power:`: its amplifier (SPEC 18).
    public var power: PowerStatus? = nil
    /// For an output with `monitor:`: the off-air check (SPEC 18).
    public var monitor: MonitorStatus? = nil
    /// The operators' volume and the range they may set it in (issue 27).
    public var volume: VolumeStatus? = nil

    public init(id: String, device: String, zone: String, available: Bool, playing: BroadcastRecord? = nil, queue: [String], next: PlannedBroadcast? = nil, gps: GPSStatus? = nil) {
        self.id = id
        self.device = device
        self.zone = zone
        self.available = available
        self.playing = playing
        self.queue = queue
        self.next = next
        self.gps = gps
    }
}

/// A loudspeaker's operators' volume: dB from its `volume_db`, and the range operators may set.
public struct VolumeStatus: Sendable, Equatable {
    public var db: Double
    public var range: VolumeRange

    public init(db: Double, range: VolumeRange) {
        self.db = db
        self.range = range
    }
}

public struct EngineStatus: Sendable {
    public var outputs: [OutputStatus]
    /// Records the state dir has not taken yet (a full disk): they are kept in memory.
    public var recordsBehind: Int
    public var warnings: [Diagnostic]

    public init(outputs: [OutputStatus], recordsBehind: Int, warnings: [Diagnostic]) {
        self.outputs = outputs
        self.recordsBehind = recordsBehind
        self.warnings = warnings
    }
}

/// The status of a following output: what it knows of its position.
public struct GPSStatus: Sendable, Equatable {
    public var follower: Follower

    public init(follower: Follower) {
        self.follower = follower
    }
}

/// A live broadcast under way.
public struct LiveStarted: Sendable {
    /// The talk's id: `DELETE /v1/broadcasts/{id}` and `stopLive` end it.
    public var id: String
    public var records: [BroadcastRecord]
    public var refused: [Refusal]
    public var input: String
    public var recording: String

    public init(id: String, records: [BroadcastRecord], refused: [Refusal], input: String, recording: String) {
        self.id = id
        self.records = records
        self.refused = refused
        self.input = input
        self.recording = recording
    }
}

/// The fleet command a request issued on a commander, and the zones it is for.
public struct IssuedCommand: Sendable, Equatable {
    public var id: String
    public var zones: [String]

    public init(id: String, zones: [String]) {
        self.id = id
        self.zones = zones
    }
}

/// What became of a broadcast request: what plays here, what each other output refused, and on a
/// commander the command its units got.
public struct Broadcasts: Sendable {
    public var records: [BroadcastRecord]
    public var refused: [Refusal]
    public var command: IssuedCommand?

    public init(records: [BroadcastRecord], refused: [Refusal], command: IssuedCommand? = nil) {
        self.records = records
        self.refused = refused
        self.command = command
    }
}

/// What a stop reached: the outputs here, and on a commander the command its units got.
public struct Stopped: Sendable {
    public var outputs: [String]
    public var command: IssuedCommand?

    public init(outputs: [String], command: IssuedCommand? = nil) {
        self.outputs = outputs
        self.command = command
    }
}

/// A talk under way here, and on a commander the command that sends it to the units.
public struct TalkStarted: Sendable {
    public var started: LiveStarted
    public var command: IssuedCommand?

    public init(started: LiveStarted, command: IssuedCommand? = nil) {
        self.started = started
        self.command = command
    }
}

