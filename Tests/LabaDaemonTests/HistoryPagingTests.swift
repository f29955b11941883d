import Testing
@testable import LabaDaemon

struct PagingCase: CustomTestStringConvertible, Sendable {
    var name: String
    var before: String?
    var limit: Int
    var bytes: Int
    var page: [String]
    var next: String?
    var testDescription: String { name }
}

/// SPEC 17: units' history comes in pages, none larger than what a client reads.
@Suite struct HistoryPagingTests {
    /// id → (planned, unit, size in bytes).
    static let items: [(cursor: HistoryCursor, json: String)] = [
        ("a1", 10, "a", 100), ("b1", 10, "b", 100), ("a2", 20, "a", 300), ("c1", 5, "c", 2_000_000), ("c2", 1, "c", 100),
    ].map { (HistoryCursor(plannedAt: Int64($0.1), unit: $0.2, id: $0.0), "\($0.0):\($0.3)") }

    static let cases: [PagingCase] = [
        .init(name: "everything fits", limit: 10, bytes: 10_000, page: ["a2:300", "b1:100", "a1:100", "c2:100"]),
        .init(name: "the limit cuts the page", limit: 2, bytes: 10_000, page: ["a2:300", "b1:100"], next: "10:b:b1"),
        .init(name: "the next page starts after the cursor", before: "10:b:b1", limit: 2, bytes: 10_000, page: ["a1:100", "c2:100"]),
        .init(name: "the bytes cut the page", limit: 10, bytes: 450, page: ["a2:300", "b1:100"], next: "10:b:b1"),
        .init(name: "one record larger than a page still comes alone", limit: 10, bytes: 50, page: ["a2:300"], next: "20:a:a2"),
        .init(name: "a record over the record limit is left out", before: "10:a:a1", limit: 10, bytes: 10_000, page: ["c2:100"]),
    ]

    @Test(arguments: cases) func pages(_ c: PagingCase) throws {
        let before = try c.before.map { try #require(HistoryCursor(parsing: $0)) }
        let page = HistoryPaging.page(Self.items, before: before, limit: c.limit, bytes: c.bytes) {
            Int($0.split(separator: ":")[1])!
        }
        #expect(page.broadcasts == c.page)
        #expect(page.next?.description == c.next)
    }

    @Test func aCursorReadsBackAndJunkIsNoCursor() {
        #expect(HistoryCursor(parsing: "1700000000000000:baisha-1:b:1") == HistoryCursor(plannedAt: 1_700_000_000_000_000, unit: "baisha-1", id: "b:1"))
        for junk in ["", "x:a:b", "10:a", "10:a:"] { #expect(HistoryCursor(parsing: junk) == nil) }
    }
}
