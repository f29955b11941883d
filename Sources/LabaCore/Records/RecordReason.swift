// Why a broadcast ended as it did, or what a record notes: a code and its arguments, never a
// sentence (issue 26). The record keeps both the code (`reason_code`, `reason_args`) and, for
// older readers and the log, the English words the catalogue makes of it (`reason`).

/// A record's reason or note.
public struct RecordReason: Hashable, Sendable {
    /// The wire names are the API's `reason_code` and the store's column.
    public enum Code: String, Sendable, CaseIterable {
        // The arbiter.
        case queueFull = "queue_full"                         // limit
        case interruptedSignal = "interrupted_signal"         // by
        case interruptedDeadline = "interrupted_deadline"     // by
        case deviceFailedDeadline = "device_failed_deadline"
        case cleared
        case cancelled
        case deadlinePassedWaiting = "deadline_passed_waiting"
        // The engine.
        case outputRemoved = "output_removed"
        case outputNotConfigured = "output_not_configured"
        case outputMoved = "output_moved"                     // from, to
        case notRecorded = "not_recorded"
        case notQueued = "not_queued"                         // detail
        case unplayable                                       // detail
        case labadStopped = "labad_stopped"
        case labadStoppedDuringLive = "labad_stopped_during_live"
        case talkEnded = "talk_ended"
        case noOutputCarriesTalk = "no_output_carries_talk"   // outcome, output
        case alertCancelled = "alert_cancelled"               // alert
        case nothingPlayed = "nothing_played"
        case notPlayed = "not_played"                         // segments
        case commandExpired = "command_expired"               // command, at
        // The schedule.
        case skipQuietHours = "skip_quiet_hours"              // window
        case skipNotYetValid = "skip_not_yet_valid"           // date
        case skipExpired = "skip_expired"                     // date
        case skipNoRecording = "skip_no_recording"
        case missedWhileDown = "missed_while_down"            // late
        // Who stopped a talk, and how it ended.
        case stoppedBy = "stopped_by"                         // who
        case stoppedThroughAPI = "stopped_through_api"
        case stoppedFromConsole = "stopped_from_console"      // who
        case consoleConnectionClosed = "console_connection_closed"
        case consoleConnectionFailed = "console_connection_failed" // detail
        case commanderEnded = "commander_ended"
        case endedHere = "ended_here"
        case streamLost = "stream_lost"                       // seconds, detail
        case connectionClosed = "connection_closed"
        case connectionLost = "connection_lost"
        case fleetStreamFailed = "fleet_stream_failed"        // detail
        case liveMaximum = "live_maximum"                     // span
        case liveSilence = "live_silence"                     // span
        case inputEnded = "input_ended"
        case inputFailed = "input_failed"                     // detail
        case stopped
    }

    public var code: Code
    /// The values the texts name, by placeholder.
    public var args: [String: String]

    public init(_ code: Code, _ args: [String: String] = [:]) {
        self.code = code
        self.args = args
    }

    /// For logs and tests: the code and its arguments, sorted.
    public var description: String {
        let args = args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return code.rawValue + (args.isEmpty ? "" : " (\(args))")
    }
}

extension SkipReason {
    /// The record's reason for this skip.
    public var reason: RecordReason {
        switch self {
        case .quietHours(let q): RecordReason(.skipQuietHours, ["window": "\(q)"])
        case .messageNotYetValid(let d): RecordReason(.skipNotYetValid, ["date": "\(d)"])
        case .messageExpired(let d): RecordReason(.skipExpired, ["date": "\(d)"])
        case .noRecording: RecordReason(.skipNoRecording)
        }
    }
}
