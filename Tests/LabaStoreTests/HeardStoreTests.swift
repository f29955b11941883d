import Foundation
import GRDB
import LabaCore
import Testing
@testable import LabaStore

/// Issue 30: the off-air check's facts (`v11-monitor`), one row per segment beside the record; a
/// state dir of the last release opens with none, and they go with their broadcast when pruned.
@Suite struct HeardStoreTests {
    @Test func aStoreOfTheLastReleaseOpensAndKeepsEachSegmentsWord() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        do {
            let old = try DatabaseQueue(path: t.path)
            try Store.migrator.migrate(old, upTo: "v10-reason-codes")
            let exists = try old.read { try $0.tableExists("broadcast_heard") }
            #expect(!exists)
            try old.close()
        }
        let store = try t.open()
        var r = record("b-1")
        r.state = .done
        r.outcome = .completed
        try store.insert(r)
        #expect(try store.heard(broadcast: "b-1").isEmpty)
        let facts = [SegmentHeard(segment: 0, label: "naxi", heard: .yes, levelDB: 31.5, delayMS: 240),
                     SegmentHeard(segment: 1, label: "yi", heard: .partly, levelDB: 12, delayMS: 240),
                     SegmentHeard(segment: 2, label: "mandarin", heard: .no, levelDB: 0, delayMS: 240)]
        try store.saveHeard(broadcast: "b-1", facts, at: 5)
        #expect(try store.heard(broadcast: "b-1") == facts)
        // A resumed broadcast plays its cut segment again: its word replaces the first.
        try store.saveHeard(broadcast: "b-1", [SegmentHeard(segment: 1, label: "yi", heard: .yes, levelDB: 30, delayMS: 250)], at: 6)
        #expect(try store.heard(broadcasts: ["b-1", "none"])["b-1"]?.map(\.heard) == [.yes, .yes, .no])
        // Pruned with its broadcast.
        _ = try store.pruneBroadcasts(before: Int64.max, keep: nil)
        #expect(try store.heard(broadcast: "b-1").isEmpty)
    }
}
