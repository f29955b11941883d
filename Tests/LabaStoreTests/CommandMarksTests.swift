import Foundation
import GRDB
import LabaCore
import Testing
@testable import LabaStore

/// SPEC 17: seen ids keyed by (key, id), each key's mark kept across restarts and moved only by
/// claims that say so, and ids pruned once a life behind the mark.
@Suite struct CommandMarksTests {
    let ack = (topic: "laba/v1/lijiang/unit/truck-1/ack", payload: Data("{}".utf8))

    @Test func anIdClaimedUnderOneKeyDoesNotBlockAnotherKey() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        #expect(try store.acceptCommand(.init(key: "township", id: "c1", issuedAt: 1_000, expiresAt: 5_000), at: 1_000,
                                        broadcasts: [], ack: ack))
        #expect(try store.hasSeenCommand("c1", key: "township"))
        #expect(try !store.hasSeenCommand("c1", key: "county"))
        #expect(try store.acceptCommand(.init(key: "county", id: "c1", issuedAt: 1_000, expiresAt: 5_000), at: 1_100,
                                        broadcasts: [], ack: ack))
        #expect(try !store.acceptCommand(.init(key: "county", id: "c1", issuedAt: 1_000, expiresAt: 5_000), at: 1_200,
                                         broadcasts: [], ack: ack))
    }

    @Test func theMarkMovesOnlyUpAndOnlyWithClaimsThatPassedOnASetClock() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        do {
            let store = try tmp.open()
            _ = try store.acceptCommand(.init(key: "county", id: "a", issuedAt: 5_000, expiresAt: 9_000, advancesMark: true),
                                        at: 5_000, broadcasts: [], ack: ack)
            _ = try store.acceptCommand(.init(key: "county", id: "b", issuedAt: 3_000, expiresAt: 9_000, advancesMark: true),
                                        at: 5_100, broadcasts: [], ack: ack)
            // A clock never set: obeyed, no mark.
            _ = try store.acceptCommand(.init(key: "county", id: "c", issuedAt: 90_000, expiresAt: 99_000, advancesMark: false),
                                        at: 5_200, broadcasts: [], ack: ack)
            _ = try store.acceptCommand(.init(key: "township", id: "d", issuedAt: 1_000, expiresAt: 9_000), at: 5_300,
                                        broadcasts: [], ack: ack)
        }
        let store = try tmp.open()
        #expect(try store.commandMarks() == ["county": 5_000])

        // One life (here 2,500) behind the mark: forgotten, as the mark refuses them anyway.
        #expect(try store.pruneSeenCommands(key: "county", issuedBefore: 5_000 - 2_500) == 0)
        #expect(try store.pruneSeenCommands(key: "county", issuedBefore: 4_000) == 1)
        #expect(try !store.hasSeenCommand("b", key: "county"))
        #expect(try store.hasSeenCommand("a", key: "county") && store.hasSeenCommand("c", key: "county"))
        #expect(try store.hasSeenCommand("d", key: "township"))
    }

    /// A state dir of the last release: its seen ids keep refusing their replays, whoever signs
    /// them, until they expire; marks start empty.
    @Test func seenIdsOfTheLastReleaseStillRefuseTheirReplays() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        do {
            let old = try DatabaseQueue(path: tmp.path)
            try Store.migrator.migrate(old, upTo: "v8-account-zones")
            try old.write { db in
                try db.execute(sql: "INSERT INTO fleet_seen (command, seen_at, expires_at) VALUES ('old-1', 10, 9000)")
            }
            try old.close()
        }
        let store = try tmp.open()
        #expect(try store.hasSeenCommand("old-1", key: "county"))
        #expect(try store.commandMarks().isEmpty)
        #expect(try !store.acceptCommand(.init(id: "old-1", expiresAt: 9_000), at: 20, broadcasts: [], ack: ack))
        #expect(try store.pruneSeenCommands(expiredBefore: 9_001) == 1)
        #expect(try !store.hasSeenCommand("old-1", key: "county"))
    }
}
