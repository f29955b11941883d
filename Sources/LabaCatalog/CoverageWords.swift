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

    /// The monitors' word on a coverage line (SPEC 16, 18): heard, partly heard, not heard, or not
    /// monitored; nil when nothing is said about hearing: no monitor in scope (`monitored` false),
    /// or a line that did not play (missing, not planned then).
    ///
    /// - Parameters:
    ///   - heard: `yes`, `partly`, `no` (the API's words); nil: not monitored.
    ///   - state: the line's state (the API's names).
    public static func coverageHeard(_ heard: String?, state: String, monitored: Bool, levelDB: Double? = nil, delayMS: Double? = nil,
                                     in language: CatalogLanguage = .current) -> String? {
        guard monitored, ["played", "partial", "played_extent_unknown"].contains(state) else { return nil }
        let words: String
        switch heard {
        case "yes": words = text(.coverageHeard, in: language)
        case "partly": words = text(.coverageHeardPartly, in: language)
        case "no": words = text(.coverageNotHeard, in: language)
        case nil: return text(.coverageNotMonitored, in: language)
        case let other?: return other
        }
        guard let levelDB, let delayMS, heard != "no" else { return words }
        return text(.coverageHeardLevel, ["heard": words, "level": String(format: "%.0f", levelDB), "delay": String(Int(delayMS.rounded()))],
                    in: language)
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
