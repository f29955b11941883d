// Why a request, or one output of it, was refused: a code and its arguments, never a sentence.
// Each door renders it for its reader (the API's English `message` for older clients, the
// console's and the CLI's words from the catalogue, the fleet's ack code), so that what a clerk
// reads is in the clerk's language.

/// A refusal of the front door: the whole request's, or one output's of several.
public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The wire names are the API's and the fleet ack's `code`.
    public enum Code: String, Sendable, CaseIterable {
        // The request itself.
        case badRequest = "bad_request"
        case repeatOutOfRange = "repeat_out_of_range"
        case withinNotPositive = "within_not_positive"
        case languageTwice = "language_twice"
        case noLanguages = "no_languages"
        case noTarget = "no_target"
        case zonesAndAll = "zones_and_all"
        case priorityNotAllowed = "priority_not_allowed"
        case unknownMessage = "unknown_message"
        case unknownZone = "unknown_zone"
        case unknownLanguage = "unknown_language"
        case unknownOutput = "unknown_output"
        case reservedName = "reserved_name"
        case expired
        case notYetValid = "not_yet_valid"
        // One output (or every output) of it.
        case noOutput = "no_output"
        case noRecording = "no_recording"
        case notSpoken = "not_spoken"
        case quietHours = "quiet_hours"
        case queueFull = "queue_full"
        // The daemon's state.
        case storageFull = "storage_full"
        case notFound = "not_found"
        case alreadyEnded = "already_ended"
        case notCommander = "not_commander"
        case streamUnavailable = "stream_unavailable"
        /// A talk's stream in plain http without `fleet.stream.insecure` (SPEC 17).
        case streamInsecure = "stream_insecure"
        /// A talk's stream server whose certificate the fleet's CA did not sign (SPEC 17).
        case streamUntrusted = "stream_untrusted"
        case inputUnavailable = "input_unavailable"
        case notAudio = "not_audio"
        case tooLarge = "too_large"
        /// An upload longer than `uploads.max_duration` (`name`, `duration`, `limit`).
        case tooLong = "too_long"
        case commandTooLarge = "command_too_large"
        case fleetRecordingName = "fleet_recording_name"
        case fleetRecordingLanguages = "fleet_recording_languages"
        // Who asks (SPEC 17).
        case outsideZones = "outside_zones"
        case libraryNeedsEverywhere = "library_needs_everywhere"
        /// A loudspeaker's volume outside its `volume_range` (`output`, `value`, `lower`, `upper`).
        case volumeOutOfRange = "volume_out_of_range"
    }

    public var code: Code
    /// The values the texts name, by placeholder: `zone`, `output`, `window`, `message`…
    public var args: [String: String]
    /// The output refused, for a refusal of one output of several.
    public var output: String?

    public init(_ code: Code, _ args: [String: String] = [:], output: String? = nil) {
        self.code = code
        self.args = args
        self.output = output
    }

    /// For logs: the code and its arguments, sorted.
    public var description: String {
        let args = args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return (output.map { "\($0): " } ?? "") + code.rawValue + (args.isEmpty ? "" : " (\(args))")
    }

    /// What only the units can decide, on a commander whose request reaches them: a zone no
    /// output here serves, its quiet hours, languages or queue.
    public var unitsDecide: Bool { [.noOutput, .noRecording, .notSpoken, .quietHours, .queueFull].contains(code) }
}

extension Refusal {
    public static func list(_ values: [String]) -> String { values.joined(separator: ", ") }

    /// An unknown name, with the closest known one when there is one.
    public static func unknown(_ code: Code, _ key: String, _ value: String, among candidates: some Sequence<String>) -> Refusal {
        var args = [key: value]
        if let close = closestMatch(to: value, in: candidates) { args["suggestion"] = close }
        return Refusal(code, args)
    }

    public static func unknownZone(_ zone: String, among zones: some Sequence<String> = [String]()) -> Refusal {
        unknown(.unknownZone, "zone", zone, among: zones)
    }

    public static func unknownOutput(_ output: String) -> Refusal { Refusal(.unknownOutput, ["output": output]) }

    public static func noOutput(_ zones: [String]?) -> Refusal {
        Refusal(.noOutput, zones.map { ["zones": list($0)] } ?? [:])
    }

    public static func storageFull(_ detail: String) -> Refusal { Refusal(.storageFull, ["detail": detail]) }

    public static func notFound(_ id: String) -> Refusal { Refusal(.notFound, ["id": id]) }

    public static func priorityNotAllowed(_ priority: Priority) -> Refusal {
        Refusal(.priorityNotAllowed, ["priority": priority.description])
    }
}
