// `GET /v1/broadcasts` with units' records (SPEC 17): answered in pages, so that no answer passes
// what a client reads (the CLI's 64 MiB), however many and however large the records kept.

import LabaControl
import LabaCore

/// Where a page of units' records ended: the last record's planned time, unit and id. Records are
/// in that order, newest first; the next page starts after it. On the wire `MICROS:UNIT:ID`.
struct HistoryCursor: Sendable, Equatable, Comparable, CustomStringConvertible {
    var plannedAt: Int64
    var unit: String
    var id: String

    init(plannedAt: Int64, unit: String, id: String) {
        self.plannedAt = plannedAt
        self.unit = unit
        self.id = id
    }

    /// nil for text that is not a cursor.
    init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let planned = Int64(parts[0]), !parts[2].isEmpty else { return nil }
        self.init(plannedAt: planned, unit: String(parts[1]), id: String(parts[2]))
    }

    var description: String { "\(plannedAt):\(unit):\(id)" }

    static func < (a: Self, b: Self) -> Bool { (a.plannedAt, a.unit, a.id) < (b.plannedAt, b.unit, b.id) }
}

enum HistoryPaging {
    /// What one answer may hold, in bytes of JSON: well under the CLI's 64 MiB.
    static let pageBytes = 8 << 20
    /// A record alone larger than this (kept before records had a limit) is left out of answers.
    static let recordBytes = 1 << 20

    /// The page of `items` (any order) after `before`, newest first: at most `limit` records and
    /// `bytes` of JSON, the size of each record measured by `size`; `next` is set when more follow.
    static func page<Item>(_ items: [(cursor: HistoryCursor, json: Item)], before: HistoryCursor?, limit: Int,
                           bytes: Int = pageBytes, size: (Item) -> Int) -> (broadcasts: [Item], next: HistoryCursor?) {
        let sorted = items.filter { before == nil || $0.cursor < before! }.sorted { $0.cursor > $1.cursor }
        var out: [Item] = []
        var total = 0
        for (index, item) in sorted.enumerated() {
            let n = size(item.json)
            if n > recordBytes { continue }
            if out.count == limit || (!out.isEmpty && total + n > bytes) {
                // More remain: the next page starts after the last one given (or skipped).
                return (out, sorted[index - 1].cursor)
            }
            out.append(item.json)
            total += n
        }
        return (out, nil)
    }
}
