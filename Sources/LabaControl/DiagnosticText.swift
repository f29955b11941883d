// A configuration's diagnostics in the reader's language: those with a code (a file the
// configuration names) from the catalogue, the others as LabaCore wrote them.

import LabaCatalog
import LabaCore

extension Diagnostic {
    /// The message in `language`: in English, LabaCore's own words, which keep each site's hint
    /// (`(an ALSA PCM name; laba devices lists them)`); in another language, the catalogue's.
    public func text(in language: CatalogLanguage = .current) -> String {
        if language == .en { return message }
        return code.flatMap { Catalog.diagnostic(code: $0, args: Self.shown(arguments, in: language), in: language) } ?? message
    }

    /// `FILE:LINE:COL: error: MESSAGE` with the message in `language`.
    public func line(in language: CatalogLanguage = .current) -> String {
        let text = text(in: language)
        if let location { return "\(location): \(severity.rawValue): \(text)" }
        return "\(severity.rawValue): \(text)"
    }
}

/// A diagnostic as the API sends it beside its English line: its place, code and arguments, so
/// that a reader renders it in its own language (issue 26).
public struct DiagnosticJSON: Codable, Sendable, Equatable {
    public var severity: String
    /// `FILE:LINE:COL`, when it has a place.
    public var location: String?
    /// In English.
    public var message: String
    public var code: String?
    public var args: [String: String]?

    public init(_ d: Diagnostic) {
        severity = d.severity.rawValue
        location = d.location?.description
        message = d.message
        code = d.code
        args = d.arguments.isEmpty ? nil : d.arguments
    }

    /// The text alone in `language` (the English message for a code this version does not know).
    public func text(in language: CatalogLanguage = .current) -> String {
        language == .en ? message
            : code.flatMap { Catalog.diagnostic(code: $0, args: Diagnostic.shown(args ?? [:], in: language), in: language) } ?? message
    }

    /// `FILE:LINE:COL: warning: TEXT` with the text in `language` (the English message for a code
    /// this version does not know).
    public func line(in language: CatalogLanguage = .current) -> String {
        (location.map { "\($0): " } ?? "") + "\(severity): \(text(in: language))"
    }
}

extension Diagnostic {
    /// Arguments as a reader sees them: a `time` as a clerk says it, outside English.
    static func shown(_ args: [String: String], in language: CatalogLanguage) -> [String: String] {
        guard language != .en, let time = args["time"] else { return args }
        var args = args
        args["time"] = ClerkTime.format(time, in: language)
        return args
    }
}
