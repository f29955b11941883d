// Coverage's states and parts in a clerk's words (SPEC 16), for the CLI and the console alike.

import Foundation

extension Catalog {
    /// A coverage state (`played`, `partial`…, the API's names) in words; a partial one with its share.
    public static func coverageState(_ state: String, fraction: Double?, in language: CatalogLanguage = .current) -> String {
        switch state {
        case "played": text(.coveragePlayed, in: language)
        case "partial": text(.coveragePartial, ["percent": fraction.map { "\(Int(($0 * 100).rounded(.down))) %" } ?? "?"], in: language)
        case "missing": text(.coverageMissing, in: language)
        case "played_extent_unknown": text(.coveragePlayedExtentUnknown, in: language)
        case "not_planned_then": text(.coverageNotPlannedThen, in: language)
        default: state
        }
    }

    /// A monitor's word, or nil when none said (nothing is shown then).
    public static func coverageHeard(_ heard: Bool?, in language: CatalogLanguage = .current) -> String? {
        heard.map { text($0 ? .coverageHeard : .coverageNotHeard, in: language) }
    }

    /// What a coverage line is about: a language as configured (its name), or the zone's chime,
    /// signal, language-neutral or uploaded recording in words.
    public static func coveragePart(_ label: String, languageName: (String) -> String = { $0 },
                                    in language: CatalogLanguage = .current) -> String {
        switch label {
        case "chime": text(.coverageChime, in: language)
        case "siren": text(.coverageSiren, in: language)
        case "neutral": text(.neutral, in: language)
        case "upload": text(.coverageUpload, in: language)
        default: languageName(label)
        }
    }
}
