import Foundation
import LabaCore
import LabaStore
import Testing

/// A database in a fresh temporary folder.
struct TemporaryStore {
    let directory: String
    var path: String { directory + "/laba.sqlite" }

    init() throws {
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("laba-store-XXXXXX")).utf8CString)
        directory = String(cString: mkdtemp(&template)!)
    }

    func open() throws -> Store { try Store(path: path) }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

func record(_ id: String, output: String = "truck-1", zone: String = "xianghe", at planned: Int64 = 1_000,
            priority: Priority = .manual) -> BroadcastRecord {
    BroadcastRecord(id: id, source: .manual, message: "masks", output: output, zone: zone, priority: priority,
                    plannedLanguages: ["naxi", "mandarin"], plannedAt: planned, deadline: planned + 3_600_000_000,
                    requestedBy: .socket(uid: 1000, user: "operator"))
}

@Suite struct StoreTests {
    @Test func broadcastsSurviveAReopenWithEveryField() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        var b = record("b1")
        b.entry = "xianghe#1"
        b.playedLanguages = ["naxi"]
        b.startedAt = 2_000
        b.endedAt = 3_000
        b.state = .done
        b.outcome = .completed
        b.frames = 1_975_040
        b.xruns = 2
        b.segment = 1
        do {
            let store = try tmp.open()
            try store.insert(b)
        }
        let reopened = try tmp.open()
        #expect(try reopened.broadcast(id: "b1") == b)
        #expect(try reopened.integrityCheck() == "ok")
    }

    @Test func unfinishedBroadcastsAreFoundAfterARestart() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        try store.insert(record("late", at: 3_000))
        try store.insert(record("early", at: 1_000))
        var playing = record("playing", at: 2_000)
        playing.state = .playing
        playing.segment = 2
        try store.insert(playing)
        var done = record("done", at: 500)
        done.state = .done
        done.outcome = .completed
        try store.insert(done)
        let again = try tmp.open()
        #expect(try again.unfinished().map(\.id) == ["early", "playing", "late"])
        #expect(try again.unfinished().first { $0.id == "playing" }?.segment == 2)
    }

    @Test func anOccurrenceIsClaimedOnce() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        #expect(try store.claim(entry: "lijiang#1", output: "truck-1", plannedAt: 100, broadcast: "b1", outcome: nil))
        #expect(try !store.claim(entry: "lijiang#1", output: "truck-1", plannedAt: 100, broadcast: "b2", outcome: nil))
        #expect(try store.claim(entry: "lijiang#1", output: "van", plannedAt: 100, broadcast: "b3", outcome: nil))
        #expect(try store.claim(entry: "lijiang#1", output: "truck-1", plannedAt: 200, broadcast: nil, outcome: .missed))
        let reopened = try tmp.open()
        #expect(try !reopened.claim(entry: "lijiang#1", output: "truck-1", plannedAt: 200, broadcast: "b4", outcome: nil))
        #expect(try reopened.lastOccurrences() == ["lijiang#1 truck-1": 200, "lijiang#1 van": 100])
    }

    @Test func historyFilters() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        for (i, zone) in ["xianghe", "shuhe", "xianghe", "yongning"].enumerated() {
            var b = record("b\(i)", output: zone == "yongning" ? "truck-1" : "square", zone: zone, at: Int64(i) * 1000)
            b.state = .done
            b.outcome = i == 2 ? .stopped : .completed
            try store.insert(b)
        }
        #expect(try store.broadcasts(zone: "xianghe").map(\.id) == ["b2", "b0"])
        #expect(try store.broadcasts(outcome: .stopped).map(\.id) == ["b2"])
        #expect(try store.broadcasts(output: "truck-1").map(\.id) == ["b3"])
        #expect(try store.broadcasts(since: 1000, until: 3000).map(\.id) == ["b2", "b1"])
        #expect(try store.broadcasts(limit: 1).map(\.id) == ["b3"])
    }

    @Test func zonesAndLoudnessPersist() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        do {
            let store = try tmp.open()
            try store.setZone("yongning", of: "truck-1", at: 10)
            try store.setZone("daxing", of: "truck-1", at: 20)
            try store.saveLoudness(key: "fnv1a64-abc-10", integrated: -17.2, truePeak: -2.5)
            try store.saveLoudness(key: "fnv1a64-silence-10", integrated: -.infinity, truePeak: -.infinity)
        }
        let store = try tmp.open()
        #expect(try store.outputZones() == ["truck-1": "daxing"])
        let loudness = try store.loudness()
        #expect(loudness["fnv1a64-abc-10"]?.integrated == -17.2 && loudness["fnv1a64-abc-10"]?.truePeak == -2.5)
        #expect(loudness["fnv1a64-silence-10"]?.integrated == -.infinity)
    }

    @Test func anUnopenableFileIsAnError() {
        #expect(throws: (any Error).self) { try Store(path: "/nonexistent/folder/laba.sqlite") }
    }

    /// A ledger written when entries were named by position takes the stable ids once; an
    /// occurrence claimed under the old name stays claimed under the new one.
    @Test func theLedgerAdoptsStableEntryIDsOnce() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        #expect(try store.claim(entry: "town#1", output: "square", plannedAt: 100, broadcast: nil, outcome: nil))
        var b = record("b1")
        b.entry = "town#1"
        try store.insert(b)
        #expect(try store.adoptEntryIDs(["town#1": "morning", "town#2": "town#notice-0000abcd"]))
        #expect(try !store.claim(entry: "morning", output: "square", plannedAt: 100, broadcast: nil, outcome: nil))
        #expect(try store.broadcast(id: "b1")?.entry == "morning")
        // Once only: a later start does not rename again.
        #expect(try !store.adoptEntryIDs(["morning": "elsewhere"]))
        #expect(try store.broadcast(id: "b1")?.entry == "morning")
    }
}
