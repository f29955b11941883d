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
