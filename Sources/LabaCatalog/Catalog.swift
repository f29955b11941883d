// The words a clerk reads, in English and Simplified Chinese: one plain file per language
// (`en.swift`, `zh-Hans.swift`), each a single `[Key: String]` literal, compiled into the binary
// so that an installed `laba` or `labad` needs no resource files beside it (SwiftPM's
// `Bundle.module` looks only beside the executable on Linux).

import Foundation

/// A language of the catalogue.
public enum CatalogLanguage: String, CaseIterable, Sendable {
    case en
    case zhHans = "zh-Hans"

    /// The language the POSIX locale variables ask for: the first set (non-empty) of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG`, as `setlocale` reads them. Chinese (`zh_CN.UTF-8`, `zh_SG`, `zh`…)
    /// is zh-Hans; anything else, `C` and `POSIX` included, is English.
    public init(environment: [String: String]) {
        let value = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let language = value.prefix { $0 != "_" && $0 != "." && $0 != "@" && $0 != "-" }.lowercased()
        self = language == "zh" ? .zhHans : .en
    }

    /// The language of this process, from its environment.
    public static let current = CatalogLanguage(environment: ProcessInfo.processInfo.environment)

    /// The texts of this language; a key it lacks falls back to English.
    var texts: [Catalog.Key: String] {
        switch self {
        case .en: Catalog.en
        case .zhHans: Catalog.zhHans
        }
    }
}

public enum Catalog {
    /// The text for `key` in `language`, its `{name}` placeholders replaced by `arguments`.
    ///
    /// A placeholder without an argument is left as written, so a mistake shows instead of vanishing.
    public static func text(_ key: Key, _ arguments: [String: String] = [:],
                            in language: CatalogLanguage = .current) -> String {
        let template = language.texts[key] ?? en[key] ?? key.rawValue
        return arguments.isEmpty ? template : fill(template, arguments)
    }

    /// `one` when `count` is 1, else `other`, with `{n}` set to the count (and any other arguments).
    public static func plural(_ count: Int, one: Key, other: Key, _ arguments: [String: String] = [:],
                              in language: CatalogLanguage = .current) -> String {
        text(count == 1 ? one : other, arguments.merging(["n": String(count)]) { a, _ in a }, in: language)
    }

    /// The names of the `{placeholders}` in a text.
    public static func placeholders(in template: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                names.insert(String(name))
            }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    static func fill(_ template: String, _ arguments: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = arguments[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }
}
