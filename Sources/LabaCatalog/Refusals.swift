// A refusal's words from its wire code and arguments (`{"code": "quiet_hours", "args": {...}}`),
// so that the API (English, for older clients), the console and the CLI render the front door's
// refusals the same way, in their reader's language.

/// `quiet_hours` → `QuietHours`: a wire code as the tail of a catalogue key.
func camelCase(_ code: String) -> String {
    code.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
}

extension Catalog {
    /// The text of refusal `code` with its `args`; nil for a code this version does not know (a
    /// newer daemon's), whose own message the caller shows instead.
    public static func refusal(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        let camel = code.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard var key = Key(rawValue: "refusal" + camel) else { return nil }
        if key == .refusalNoOutput, args["zones"] == nil { key = .refusalNoOutputAll }
        if key == .refusalTooLarge, args["size"] != nil { key = .refusalTooLargeSized }
        var args = args
        // An upload that is not audio: the kind of problem in words, not the decoder's English.
        if key == .refusalNotAudio, args["name"] != nil, let problem = args["problem"],
           let words = Key(rawValue: "audioProblem" + camelCase(problem)) {
            key = .refusalNotAudioProblem
            args["problem"] = Catalog.text(words, in: language)
        }
        var text = Catalog.text(key, args, in: language)
        if let suggestion = args["suggestion"] { text += Catalog.text(.didYouMean, ["suggestion": suggestion], in: language) }
        return text
    }
}

extension Catalog {
    /// Why a file is not a recording Laba can play (`ProbeFailure.problem`: `unrecognised_format`,
    /// ...), in `language`. A problem without a code (or one this version does not know) is the
    /// decoder's English `detail` to an English reader, and a plain "cannot be read" to others.
    public static func audioProblem(code: String?, detail: String?, in language: CatalogLanguage = .current) -> String {
        if let code, let key = Key(rawValue: "audioProblem" + camelCase(code)) { return Catalog.text(key, in: language) }
        if language == .en, let detail, !detail.isEmpty { return detail }
        return Catalog.text(.audioProblemUnreadable, in: language)
    }
}

extension Catalog {
    /// The text of a configuration diagnostic's `code` (`file_missing`, ...) with its `args`; nil
    /// for a code this version does not know, whose English message the caller shows instead.
    public static func diagnostic(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        let camel = code.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard let key = Key(rawValue: "diagnostic" + camel) else { return nil }
        var args = args
        // A typing slip: the character's name in the reader's language.
        if let slip = args["slip"], let name = Key(rawValue: "slip" + camelCase(slip)) { args["what"] = Catalog.text(name, in: language) }
        // A mapping named in words (`a zone`): in the reader's words; one named by its key as it is.
        if let section = args["section"], let name = Key(rawValue: "section" + camelCase(section)) {
            args["where"] = Catalog.text(name, in: language)
            args["what"] = args["where"]
        }
        // Kinds of YAML value (`list`, `mapping`), formats (`host_port`) and choices in words.
        for (name, prefix) in [("kind", "kind"), ("found", "kind"), ("format", "format"), ("ring", "ring")] {
            if let code = args[name], let words = Key(rawValue: prefix + camelCase(code)) {
                args[name] = Catalog.text(words, in: language)
            }
        }
        // A problem wrapped by another (an operator's entry that is disabled for it).
        if let inner = args["inner_code"] {
            args["problem"] = diagnostic(code: inner, args: args.filter { $0.key != "inner_code" }, in: language)
                ?? args["inner_message"] ?? ""
        }
        var text = Catalog.text(key, args, in: language)
        if args["inner_code"] != nil { return text }
        // A library's own words (libyaml's, libsndfile's, the calendar parser's) are English: said
        // to an English reader only.
        if language == .en, let detail = args["detail"], !Catalog.placeholders(in: Catalog.text(key, in: language)).contains("detail") {
            text += ": " + detail
        }
        if let suggestion = args["suggestion"], !Catalog.placeholders(in: Catalog.text(key, in: language)).contains("suggestion") {
            text += Catalog.text(.didYouMean, ["suggestion": suggestion], in: language)
        }
        if let example = args["example"], !Catalog.placeholders(in: Catalog.text(key, in: language)).contains("example") {
            text += Catalog.text(.diagnosticSuchAs, ["example": example], in: language)
        }
        return text
    }

    /// The words of a CAP alert's problem (`CAPError.Problem`'s code) with its `args`; nil for a
    /// code this version does not know.
    public static func capProblem(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        let camel = code.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard let key = Key(rawValue: "cap" + camel) else { return nil }
        return Catalog.text(key, args, in: language)
    }
}

extension Catalog {
    /// The text of a record's reason `code` (`RecordReason`'s wire name: `cleared`, ...) with its
    /// `args`; nil for a code this version does not know (a newer unit's), whose English `reason`
    /// the caller shows instead.
    public static func reason(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        let camel = code.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard let key = Key(rawValue: "reason" + camel) else { return nil }
        return Catalog.text(key, args, in: language)
    }

    /// A record's reason as its reader reads it: from its code when it has one this version
    /// knows, else its words as sent (an older unit's prose).
    public static func reason(code: String?, args: [String: String]?, words: String?,
                              in language: CatalogLanguage = .current) -> String? {
        code.flatMap { reason(code: $0, args: args ?? [:], in: language) } ?? words
    }
}

extension Catalog {
    /// Why a unit refused a fleet command (`FleetRefusalCode`'s wire name: `bad_signature`, ...),
    /// in `language`; nil for a code this version does not know, or one of the front door's
    /// refusals (whose arguments a fleet ack does not carry), whose English words the caller shows.
    public static func fleetRefusal(code: String, in language: CatalogLanguage = .current) -> String? {
        Key(rawValue: "fleetRefusal" + camelCase(code)).map { Catalog.text($0, in: language) }
    }
}

extension Catalog {
    /// Why a horn cannot be checked (`MonitorProblem`'s wire name) in `language`: for `laba status`
    /// (naming `output`) or the console's overview (`web`, under the output's card); nil without a
    /// code or for one this version does not know.
    public static func monitorProblem(_ code: String?, output: String = "", web: Bool = false,
                                      in language: CatalogLanguage = .current) -> String? {
        let key: Key? = switch code {
        case "input_unavailable": web ? .webMonitorInputUnavailable : .statusMonitorInputUnavailable
        case "capture_failed": web ? .webMonitorCaptureFailed : .statusMonitorCaptureFailed
        default: nil
        }
        return key.map { text($0, ["output": output], in: language) }
    }
}

extension Catalog {
    /// Why an alert plays nothing (the planner's code without `alert_`: `expired`, `no_info`...)
    /// in `language`; nil for a code this version does not know.
    public static func alertReason(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        Key(rawValue: "alertReason" + camelCase(code)).map { text($0, args, in: language) }
    }
}

extension Catalog {
    /// Why an amplifier cannot be switched (`command_exited`, `chip_missing`...) in `language`;
    /// nil for a code this version does not know.
    public static func powerProblem(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        code.isEmpty ? nil : Key(rawValue: "powerProblem" + camelCase(code)).map { text($0, args, in: language) }
    }
}

extension Catalog {
    /// A note on an alert (`forwarded`, `no_recording`...) in `language`; nil for a code this
    /// version does not know.
    public static func alertNote(code: String, args: [String: String], in language: CatalogLanguage = .current) -> String? {
        code.isEmpty ? nil : Key(rawValue: "alertNote" + camelCase(code)).map { text($0, args, in: language) }
    }
}

extension Catalog {
    /// The off-air check's word (`yes`, `partly`, `no`) in `language`; an unknown one as it is.
    public static func heardName(_ heard: String, in language: CatalogLanguage = .current) -> String {
        Key(rawValue: "heard" + camelCase(heard)).map { text($0, in: language) } ?? heard
    }
}
