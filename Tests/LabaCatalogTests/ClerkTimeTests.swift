import Foundation
import Testing
@testable import LabaCatalog

/// Times as a clerk reads them (issue 26): relative to now in the offset the answer carries.
@Suite struct ClerkTimeTests {
    /// 2026-12-07 10:00 in Lijiang (UTC+8).
    static let now = Date(timeIntervalSince1970: 1_796_608_800)

    @Test(arguments: [
        ("2026-12-07T18:00:00+08:00", CatalogLanguage.zhHans, false, "今天 18:00"),
        ("2026-12-07T07:30:05.123+08:00", .zhHans, false, "今天 07:30"),
        ("2026-12-07T07:30:05.123+08:00", .zhHans, true, "今天 07:30:05"),
        ("2026-12-06T23:59:00+08:00", .zhHans, false, "昨天 23:59"),
        ("2026-12-08T06:00:00+08:00", .zhHans, false, "明天 06:00"),
        ("2026-12-01T18:00:00+08:00", .zhHans, false, "12月1日 18:00"),
        ("2025-12-07T18:00:00+08:00", .zhHans, false, "2025年12月7日 18:00"),
        ("2026-12-07T18:00:00+08:00", .en, false, "today 18:00"),
        ("2026-12-01T18:00:00+08:00", .en, false, "12/1 18:00"),
        ("2025-03-04T08:05:00+08:00", .en, false, "2025/3/4 08:05"),
        // The day is the answer's own: 01:30 on the 8th in UTC+8 is still the 7th in UTC.
        ("2026-12-07T17:30:00Z", .zhHans, false, "今天 17:30"),
        ("2026-12-08T01:30:00+08:00", .zhHans, false, "明天 01:30"),
        // Not a time: shown as it is.
        ("soon", .zhHans, false, "soon"),
        ("2026-13-07T18:00:00+08:00", .zhHans, false, "2026-13-07T18:00:00+08:00"),
        ("2026-12-07T18:00:00", .zhHans, false, "2026-12-07T18:00:00"),
    ])
    func aTimeReadsAsAClerkWouldSayIt(text: String, language: CatalogLanguage, seconds: Bool, expected: String) {
        #expect(ClerkTime.format(text, now: Self.now, in: language, seconds: seconds) == expected)
    }
}
