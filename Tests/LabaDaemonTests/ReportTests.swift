import LabaControl
import LabaCore
@testable import LabaDaemon
import LabaStore
import Testing

/// The report's totals agree whatever it is grouped by: an upload sent without a language counts
/// under "unknown" instead of vanishing from the report by language.
@Suite struct ReportTests {
    static func record(_ id: String, languages: [String], upload: Bool, seconds: Int64) -> BroadcastRecord {
        var r = BroadcastRecord(id: id, source: upload ? .upload : .manual, message: upload ? "fresh" : "masks",
                                uploadPath: upload ? "/state/uploads/1.flac" : nil, output: "square", zone: "town",
                                priority: .manual, plannedLanguages: languages, plannedAt: 0, deadline: nil)
        r.playedLanguages = languages
        r.startedAt = 0
        r.endedAt = seconds * 1_000_000
        r.state = .done
        r.outcome = .completed
        return r
    }

    @Test func totalsAgreeAcrossKeys() {
        let records = [Self.record("a", languages: ["naxi", "mandarin"], upload: false, seconds: 10),
                       Self.record("b", languages: [], upload: true, seconds: 4)]
        func totals(_ key: ReportKey) -> (Int, Double) {
            let rows = ReportJSON(by: key, records: records).rows
            return (rows.map { $0.outcomes["completed"] ?? 0 }.reduce(0, +), rows.map(\.airtimeSeconds).reduce(0, +))
        }
        let byLanguage = ReportJSON(by: .language, records: records)
        #expect(byLanguage.rows.map(\.key) == ["mandarin", "naxi", "unknown"])
        #expect(totals(.language).1 == totals(.message).1 && totals(.message).1 == totals(.zone).1)
        #expect(totals(.message).0 == 2 && totals(.zone).0 == 2)
    }

    /// Airtime is what was played, not wall time: three hours played into an instant PCM in 2.7 s
    /// count three hours; by language, each language its own segments.
    @Test func airtimeIsFramesAtTheOutputsRate() {
        var r = Self.record("c", languages: ["naxi", "mandarin"], upload: false, seconds: 0)
        r.endedAt = 2_700_000
        r.rate = 48_000
        r.segmentFrames = ["chime": 48_000, "naxi": 48_000 * 3_600, "mandarin": 48_000 * 7_000]
        r.frames = 48_000 * 10_800
        #expect(ReportJSON(by: .zone, records: [r]).rows.first?.airtimeSeconds == 10_800)
        let byLanguage = Dictionary(uniqueKeysWithValues: ReportJSON(by: .language, records: [r]).rows.map { ($0.key, $0.airtimeSeconds) })
        #expect(byLanguage == ["naxi": 3_600, "mandarin": 7_000])
    }
}
