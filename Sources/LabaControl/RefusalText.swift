// Where refusals are spoken in English: the API's `message`, a fleet ack's `message`, the log.
// Readers with the code render it in their own language.

import LabaCatalog
import LabaCore

extension Refusal {
    /// The refusal in English, from the catalogue.
    public var english: String { Catalog.refusal(code: code.rawValue, args: args, in: .en) ?? description }
}

extension CAPError {
    /// Why the alert was refused, in words from the catalogue: where (the file when it came as one,
    /// line, column, the element) and what.
    public func words(file: String? = nil, in language: CatalogLanguage = .current) -> String {
        var args = self.args
        args["element"] = args["element"] ?? element
        let what = Catalog.capProblem(code: problem.rawValue, args: args, in: language) ?? problem.rawValue
        let position = ["line": String(line), "column": String(column), "element": element ?? ""]
        var place = Catalog.text(element == nil ? .capWhere : .capWhereInElement, position, in: language)
        if let file { place = Catalog.text(.capInFile, ["file": file, "where": place], in: language) }
        return Catalog.text(.capRefused, ["where": place, "what": what], in: language)
    }

    /// The same in English: the record's reason, the API's and a fleet ack's message, the log.
    public func english(file: String? = nil) -> String { words(file: file, in: .en) }
}

extension CAPError {
    /// The error as an alert record's reason arguments (code `AlertReason.cap`): its own, and
    /// where it is (`problem`, `line`, `column`, `element`, `file`).
    public func reasonArgs(file: String?) -> [String: String] {
        var out = args
        out["problem"] = problem.rawValue
        out["line"] = String(line)
        out["column"] = String(column)
        if let element { out["element"] = element }
        if let file { out["file"] = file }
        return out
    }

    /// Read back from `reasonArgs`; nil for a problem this version does not know.
    public init?(reasonArgs a: [String: String]) {
        guard let problem = a["problem"].flatMap(Problem.init(rawValue:)) else { return nil }
        var args = a
        for key in ["problem", "line", "column", "file"] { args[key] = nil }
        let element = a["element"]
        self.init(line: Int(a["line"] ?? "") ?? 1, column: Int(a["column"] ?? "") ?? 1, element: element, problem, args)
    }
}

/// Why an alert plays nothing (more), as an alert record's `reason_code` (issue 26).
public enum AlertReason {
    /// The document was refused (too large, not CAP 1.2...): a CAPError in the arguments.
    public static let cap = "cap"
    /// The same identifier and sender were received before (`at`).
    public static let repeated = "alert_repeated"
    /// Every output refused its broadcasts (the refusals say why).
    public static let noOutput = "alert_no_output"

    /// The reason in `language`; nil for a code this version does not know.
    ///
    /// - Parameter time: how `at` is shown (the console's clerk time); as it is by default.
    public static func words(code: String, args: [String: String], time: (String) -> String = { $0 },
                             in language: CatalogLanguage = .current) -> String? {
        switch code {
        case cap:
            return CAPError(reasonArgs: args).map { $0.words(file: args["file"], in: language) }
        case repeated:
            return Catalog.text(.alertReasonRepeated, ["at": time(args["at"] ?? "")], in: language)
        case noOutput:
            return Catalog.text(.alertReasonNoOutput, in: language)
        default:
            // The planner's reasons (`alert_expired`...): `alertReason` and the code in the catalogue.
            guard code.hasPrefix("alert_") else { return nil }
            var args = args
            if let at = args["at"] { args["at"] = time(at) }
            return Catalog.alertReason(code: String(code.dropFirst("alert_".count)), args: args, in: language)
        }
    }
}

extension AlertJSON {
    /// Why it plays nothing (more), in `language`: from its code, or its words as kept (an
    /// older record, or a reason not yet given a code).
    public func reasonWords(time: (String) -> String = { $0 }, in language: CatalogLanguage = .current) -> String? {
        if let reasonCode, let text = AlertReason.words(code: reasonCode, args: reasonArgs ?? [:], time: time, in: language) {
            return text
        }
        return reason
    }

    /// What each output (or zone) refused, with the place named by `place`: from the codes, or
    /// the words as kept (an older record).
    public func refusedWords(place: (String?, String?) -> String, in language: CatalogLanguage = .current) -> [String] {
        guard let refusals, refusals.count == refused.count else { return refused }
        return refusals.map { r in
            let why = Catalog.refusal(code: r.code, args: r.args ?? [:], in: language) ?? r.code
            return Catalog.text(.webSpreadRefused, ["unit": place(r.output, r.zone), "reason": why], in: language)
        }
    }
}

/// An alert record's notes as codes (issue 26): the planner's (`language_unmapped`,
/// `no_recording`, `geocodes_other_kind`, `geocodes_bad_length`, `outside_key`) and the daemon's
/// (`fleet_command`, `forwarded`, `not_forwarded` with a refusal's code in `refusal`,
/// `repeat_not_played` with an alert reason's code in `reason_code`, `beyond_key`,
/// `beyond_key_kept`, `outside_go_on`).
public enum AlertNoteText {
    /// The note in `language`; nil for a code this version does not know.
    public static func words(code: String, args: [String: String], time: (String) -> String = { $0 },
                             in language: CatalogLanguage = .current) -> String? {
        switch code {
        case "not_forwarded":
            var refusal = args
            guard let code = refusal.removeValue(forKey: "refusal"),
                  let why = Catalog.refusal(code: code, args: refusal, in: language) else { return nil }
            return Catalog.text(.alertNoteNotForwarded, ["reason": why], in: language)
        case "repeat_not_played":
            var reason = args
            guard let code = reason.removeValue(forKey: "reason_code"),
                  let why = AlertReason.words(code: code, args: reason, time: time, in: language) else { return nil }
            return Catalog.text(.alertNoteRepeatNotPlayed, ["reason": why], in: language)
        case "geocodes_other_kind" where (Int(args["more"] ?? "") ?? 0) > 0:
            return Catalog.text(.alertNoteGeocodesOtherKindMore, args, in: language)
        default:
            return Catalog.alertNote(code: code, args: args, in: language)
        }
    }
}

extension AlertJSON {
    /// Its notes in `language`: from their codes (one unknown to this version in its words as
    /// kept), or the words as kept (an older record).
    public func noteWords(time: (String) -> String = { $0 }, in language: CatalogLanguage = .current) -> [String] {
        guard let noteCodes, noteCodes.count == notes.count else { return notes }
        return zip(noteCodes, notes).map { note, english in
            AlertNoteText.words(code: note.code, args: note.args ?? [:], time: time, in: language) ?? english
        }
    }
}

extension PowerJSON {
    /// The problem in `language`: from its code, or the switch's words (an older daemon, a code
    /// this version does not know).
    public func problemWords(in language: CatalogLanguage = .current) -> String? {
        if let problemCode, let words = Catalog.powerProblem(code: problemCode, args: problemArgs ?? [:], in: language) { return words }
        return problem
    }
}

extension PowerStatus {
    /// The problem in `language`, as `PowerJSON.problemWords`.
    public func problemWords(in language: CatalogLanguage = .current) -> String? {
        if let problemCode, let words = Catalog.powerProblem(code: problemCode, args: problemArgs, in: language) { return words }
        return problem
    }
}

extension RecordReason {
    /// The reason in English, from the catalogue: a record's `reason` for older readers, the log.
    public var english: String { Catalog.reason(code: code.rawValue, args: args, in: .en) ?? description }
}

extension BroadcastRecord {
    /// The record's reason as a code and its arguments; setting it writes the English words too.
    /// Nil for a record with no reason or only prose (an older version's).
    public var recordReason: RecordReason? {
        get { reasonCode.flatMap(RecordReason.Code.init(rawValue:)).map { RecordReason($0, reasonArgs ?? [:]) } }
        set {
            reasonCode = newValue?.code.rawValue
            reasonArgs = newValue.flatMap { $0.args.isEmpty ? nil : $0.args }
            reason = newValue?.english
        }
    }
}

extension CommandJSON.Answer {
    /// Why the unit refused, in `language`: a front door refusal from its code and arguments, a
    /// fleet code in the catalogue's words; what a unit of an older version sent (or a row kept
    /// before acks kept their arguments), its English words as they are.
    public func words(in language: CatalogLanguage = .current) -> String {
        if let code, let args, let text = Catalog.refusal(code: code, args: args, in: language) { return text }
        if let code, let text = Catalog.fleetRefusal(code: code, in: language) { return text }
        return message ?? code ?? ""
    }
}

extension FleetRefusalJSON {
    /// The refusal in `language`: a fleet code in the catalogue's words, a front door refusal from
    /// its code and the arguments a unit of this version sends with it; the English `message`
    /// (with its details) to an English reader, and for what a unit of an older version sent.
    public func words(in language: CatalogLanguage = .current) -> String {
        if language == .en { return message }
        if let args, let text = Catalog.refusal(code: code, args: args, in: language) { return text }
        return Catalog.fleetRefusal(code: code, in: language) ?? message
    }
}
