import Foundation
import LabaControl
import LabaCore
import LabaFleet
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

    /// Issue 25: a commander's report over its units' records is counted by SQLite (none read into
    /// memory) and agrees with the same records counted one by one, whatever the key; times with
    /// offsets, records not started, several languages and an outcome of a newer release included.
    @Test(arguments: ReportKey.allCases)
    func unitsRecordsCountedBySQLiteAgreeWithThemCountedOneByOne(_ key: ReportKey) throws {
        let dir = NSTemporaryDirectory() + "laba-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/laba.sqlite")
        var wire = WireFormat(TimeZone(identifier: "Asia/Shanghai")!)
        var jsons: [(BroadcastJSON, String)] = []
        for i in 0..<40 {
            var r = Self.record("r\(i)", languages: [["naxi"], ["naxi", "mandarin"], [], ["yi"]][i % 4], upload: i % 4 == 2,
                                seconds: Int64(3 + i % 5))
            r.plannedAt = 1_800_000_000_000_000 + Int64(i) * 60_000_000
            r.startedAt = i % 7 == 0 ? nil : r.plannedAt + 1_000_000
            r.endedAt = r.plannedAt + Int64(4 + i % 5) * 1_000_000 + 250_000
            r.outcome = [.completed, .preempted, .completed, .expired][i % 4]
            r.zone = ["east", "west"][i % 2]
            var json = wire.broadcast(r)
            if i == 5 { json.outcome = .unknown("a-newer-outcome") }
            jsons.append((json, ["unit-\(i % 3)", "truck-1"][i % 2]))
        }
        for (json, unit) in jsons {
            try store.saveFleetRecord(FleetRecordRow(unit: unit, id: json.id, command: nil, zone: json.zone, message: json.message,
                                                     output: json.output, outcome: json.outcome?.description,
                                                     plannedAt: FleetTime.parse(json.plannedAt)!.microseconds,
                                                     record: Data(FleetJSON.encode(json)), receivedAt: 0))
        }
        let since = FleetTime.parse(jsons[3].0.plannedAt)!.microseconds, until = FleetTime.parse(jsons[37].0.plannedAt)!.microseconds
        let inRange = jsons.filter { FleetTime.parse($0.0.plannedAt)!.microseconds >= since && FleetTime.parse($0.0.plannedAt)!.microseconds < until }
        let oneByOne = ReportJSON(by: key, records: inRange.map { BroadcastRecord(fleet: $0.0)! }, units: inRange.map(\.1))
        let grouping = Store.FleetReportKey(rawValue: key.rawValue)!
        let bySQL = ReportJSON(by: key, records: []).adding(try store.fleetReport(by: grouping, since: since, until: until,
                                                                                   outcomes: BroadcastOutcome.allCases.map(\.rawValue)))
        #expect(bySQL.rows.map(\.key) == oneByOne.rows.map(\.key))
        #expect(bySQL.rows.map(\.broadcasts) == oneByOne.rows.map(\.broadcasts))
        #expect(bySQL.rows.map(\.outcomes) == oneByOne.rows.map(\.outcomes))
        for (a, b) in zip(bySQL.rows, oneByOne.rows) {
            #expect(abs(a.airtimeSeconds - b.airtimeSeconds) < 0.01, "\(a.key): \(a.airtimeSeconds) vs \(b.airtimeSeconds)")
        }
        #expect(oneByOne.rows.map(\.broadcasts).reduce(0, +) >= 34)
    }
}
