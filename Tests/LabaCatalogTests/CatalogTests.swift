import Testing
@testable import LabaCatalog

@Suite struct CatalogTests {
    @Test(arguments: CatalogLanguage.allCases)
    func everyKeyHasATextInEveryLanguage(_ language: CatalogLanguage) {
        let missing = Catalog.Key.allCases.filter { language.texts[$0] == nil }
        #expect(missing.isEmpty, "\(language.rawValue) lacks \(missing.map(\.rawValue))")
        let empty = language.texts.filter { $0.value.isEmpty && $0.key != .errorPrefix && $0.key != .usagePrefix }.map(\.key.rawValue)
        #expect(empty.isEmpty, "\(language.rawValue) has empty texts: \(empty)")
    }

    @Test(arguments: Catalog.Key.allCases)
    func placeholdersAreTheSameInEveryLanguage(_ key: Catalog.Key) {
        let english = Catalog.placeholders(in: Catalog.en[key] ?? "")
        for language in CatalogLanguage.allCases {
            #expect(Catalog.placeholders(in: language.texts[key] ?? "") == english,
                    "\(language.rawValue) \(key.rawValue): \(language.texts[key] ?? "-")")
        }
    }

    struct LocaleCase: Sendable, CustomTestStringConvertible {
        var environment: [String: String]
        var language: CatalogLanguage
        var testDescription: String { "\(environment) → \(language.rawValue)" }
    }

    static let locales: [LocaleCase] = [
        .init(environment: [:], language: .en),
        .init(environment: ["LANG": "C.UTF-8"], language: .en),
        .init(environment: ["LANG": "POSIX"], language: .en),
        .init(environment: ["LANG": "zh_CN.UTF-8"], language: .zhHans),
        .init(environment: ["LANG": "zh_CN"], language: .zhHans),
        .init(environment: ["LANG": "zh"], language: .zhHans),
        .init(environment: ["LANG": "zh_SG.UTF-8"], language: .zhHans),
        .init(environment: ["LANG": "en_US.UTF-8"], language: .en),
        .init(environment: ["LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"], language: .en),
        .init(environment: ["LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"], language: .zhHans),
        .init(environment: ["LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "C"], language: .en),
        .init(environment: ["LC_ALL": "zh_CN.UTF-8", "LANG": "C"], language: .zhHans),
        // An empty variable counts as unset, as setlocale(3) reads it.
        .init(environment: ["LC_ALL": "", "LANG": "zh_CN.UTF-8"], language: .zhHans),
        .init(environment: ["LANG": "zh_CN@pinyin"], language: .zhHans),
        .init(environment: ["LANG": "fr_FR.UTF-8"], language: .en),
    ]

    @Test(arguments: locales)
    func theLocaleVariablesChooseTheLanguage(_ c: LocaleCase) {
        #expect(CatalogLanguage(environment: c.environment) == c.language)
    }

    @Test func placeholdersAreFilledAndMissingOnesStayVisible() {
        #expect(Catalog.text(.zoneMoved, ["output": "truck-1", "zone": "baisha"], in: .en) == "truck-1 now serves baisha")
        #expect(Catalog.text(.zoneMoved, ["output": "truck-1", "zone": "baisha"], in: .zhHans) == "truck-1 现在服务于 baisha")
        #expect(Catalog.text(.zoneMoved, ["output": "truck-1"], in: .en) == "truck-1 now serves {zone}")
        // An argument's own braces are not read as placeholders.
        #expect(Catalog.text(.zoneMoved, ["output": "{zone}", "zone": "x"], in: .en) == "{zone} now serves x")
    }

    @Test func pluralsChooseByCount() {
        #expect(Catalog.plural(1, one: .errorsOne, other: .errorsOther, in: .en) == "1 error")
        #expect(Catalog.plural(0, one: .errorsOne, other: .errorsOther, in: .en) == "0 errors")
        #expect(Catalog.plural(3, one: .warningsOne, other: .warningsOther, in: .zhHans) == "3 个警告")
    }
}
