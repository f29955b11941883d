import Foundation
import GRDB
import LabaCore
import Testing
@testable import LabaStore

/// SPEC 17: accounts gain zones (`v8-account-zones`); a state dir made by the last release opens,
/// its accounts acting as `operators.zones` says and their sessions going on.
@Suite struct AccountZonesMigrationTests {
    @Test func anAccountOfTheLastReleaseOpensWithoutZonesAndKeepsItsSession() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        // The database as the last release left it: every migration up to v7, an account and its session.
        do {
            let old = try DatabaseQueue(path: t.path)
            try Store.migrator.migrate(old, upTo: "v7-alert-forwarding")
            try old.write { db in
                #expect(try !db.columns(in: "console_account").contains { $0.name == "zones" })
                try db.execute(sql: """
                    INSERT INTO console_account (name, role, password_hash, language, created_at)
                    VALUES ('li', 'operator', '$2b$10$abcdefghijklmnopqrstuu', 'zh-Hans', 1);
                    INSERT INTO console_session (token_hash, account, csrf, created_at, expires_at)
                    VALUES ('hash', 'li', 'csrf', 1, 9000000000000000);
                    """)
            }
            try old.close()
        }

        let store = try t.open()
        let li = try #require(try store.account("li"))
        #expect(li.zones == .configured && li.role == .operator && li.language == "zh-Hans")
        #expect(try store.session(tokenHash: "hash", now: 2)?.1.name == "li")

        try store.setZones("li", zones: .only(["village", "market"]))
        try store.addAccount(ConsoleAccount(name: "wang", role: .operator, passwordHash: "x", createdAt: 3, zones: .everywhere))
        let reopened = try t.open()
        #expect(try reopened.accounts().map(\.zones) == [.only(["village", "market"]), .everywhere])
        // Setting zones ends no session: each request asks where anew.
        #expect(try reopened.session(tokenHash: "hash", now: 2) != nil)
        #expect(throws: AccountError.notFound("zhao")) { try reopened.setZones("zhao", zones: .everywhere) }
    }
}
