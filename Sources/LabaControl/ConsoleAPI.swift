// The values the web console exchanges with the front door (SPEC 15) beyond the API's own:
// a talk from the browser's microphone and a recording placed from the console.

import LabaCore

/// A talk asked for from the browser's microphone.
public struct ConsoleTalkRequest: Sendable {
    public var target: AdmissionRequest.Target
    public var priority: Priority
    /// What the input is called in the record (the account's microphone).
    public var input: String
    public var requestedBy: RequestedBy

    public init(target: AdmissionRequest.Target, priority: Priority, input: String, requestedBy: RequestedBy) {
        self.target = target
        self.priority = priority
        self.input = input
        self.requestedBy = requestedBy
    }
}

/// A talk under way, fed from the browser: 16-bit mono frames in, `finish` ends it.
public struct ConsoleTalk: Sendable {
    public var started: TalkStarted
    /// Takes 16-bit little-endian mono samples at the talk's rate (48 kHz).
    public var push: @Sendable (UnsafeRawBufferPointer) -> Void
    /// Ends the talk with a reason for its record.
    public var finish: @Sendable (RecordReason) -> Void

    public init(started: TalkStarted, push: @escaping @Sendable (UnsafeRawBufferPointer) -> Void,
                finish: @escaping @Sendable (RecordReason) -> Void) {
        self.started = started
        self.push = push
        self.finish = finish
    }
}

/// Where a talk stands: its length and level, and once it has ended, why.
public struct TalkProgress: Sendable {
    public var seconds: Double
    public var level: Double
    /// Set once it has ended.
    public var endReason: RecordReason?

    public init(seconds: Double, level: Double, endReason: RecordReason?) {
        self.seconds = seconds
        self.level = level
        self.endReason = endReason
    }
}

/// An uploaded recording held back until the clerk has listened to it (the console's confirm
/// step): converted if a phone made it, trimmed and measured, kept an hour under the state dir.
public struct StagedRecording: Sendable {
    /// 32 hex digits: names it for the player and the confirmation.
    public var token: String
    public var seconds: Double
    public var lufs: Double
    /// The phone format it was converted from (`m4a`, `aac`, `amr`); nil when libsndfile read it.
    public var convertedFrom: String?

    public init(token: String, seconds: Double, lufs: Double, convertedFrom: String?) {
        self.token = token
        self.seconds = seconds
        self.lufs = lufs
        self.convertedFrom = convertedFrom
    }

    /// Whether `text` can be a token (and so a file name under the state dir).
    public static func isToken(_ text: String) -> Bool {
        text.count == 32 && text.allSatisfy { $0.isHexDigit && ($0.isNumber || $0.isLowercase) }
    }
}

/// A recording placed in the library from the console (trimmed, measured).
public struct SavedRecording: Sendable {
    public var path: String
    public var seconds: Double
    public var lufs: Double
    /// Kept under the state dir (the service may not write `audio_dir`).
    public var inStateDirectory: Bool
    /// Whether the configuration was reloaded to take it (false: the reload was refused).
    public var reloaded: Bool
    /// On a commander: the command zones it was published to for the fleet's units, or why it
    /// could not be (it is saved here all the same).
    public var publishedTo: [String]?
    public var notPublished: Refusal?

    public init(path: String, seconds: Double, lufs: Double, inStateDirectory: Bool, reloaded: Bool) {
        self.path = path
        self.seconds = seconds
        self.lufs = lufs
        self.inStateDirectory = inStateDirectory
        self.reloaded = reloaded
    }
}

