import Foundation
import GRDB
import LabaCore
import Testing
@testable import LabaStore

/// Issue 26: records keep their reason as a code and its arguments (`v10-reason-codes`) beside
/// the English words; a state dir of the last release opens with its records' words as they were.
@Suite struct ReasonCodesMigrationTests {
    @Test func aRecordOfTheLastReleaseKeepsItsWordsAndANewOneItsCode() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        do {
            let old = try DatabaseQueue(path: t.path)
            try Store.migrator.migrate(old, upTo: "v9-command-marks")
            try old.write { db in
                #expect(try !db.columns(in: "broadcast").contains { $0.name == "reason_code" })
                try db.execute(sql: """
                    INSERT INTO broadcast (id, source, message, output, zone, priority, planned_languages, played_languages,
                                           repeat_count, loop, planned_at, state, segment, outcome, reason, frames, xruns)
                    VALUES ('old-1', 'manual', 'tongzhi', 'truck-1', 'xianghe', 'manual', '[]', '[]', 1, 0, 1000, 'done', 0,
                            'stopped', 'cleared', 0, 0)
                    """)
            }
            try old.close()
        }

        let store = try t.open()
        let old = try #require(try store.broadcast(id: "old-1"))
        #expect(old.reason == "cleared" && old.reasonCode == nil && old.reasonArgs == nil)

        var new = record("new-1")
        new.state = .done
        new.outcome = .preempted
        new.reason = "interrupted by e; its deadline passed"
        new.reasonCode = RecordReason(.interruptedDeadline).code.rawValue
        new.reasonArgs = ["by": "e"]
        try store.insert(new)
        let read = try #require(try store.broadcast(id: "new-1"))
        #expect(read.reasonCode == "interrupted_deadline" && read.reasonArgs == ["by": "e"] && read.reason == new.reason)
    }
}
