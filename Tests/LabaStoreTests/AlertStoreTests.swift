import Foundation
import GRDB
import LabaCore
@testable import LabaStore
import Testing

/// Alert records keep the document as the bytes received, and a state dir of the last release
/// (its alerts kept as text) opens with its alerts readable.
@Suite struct AlertStoreTests {
    /// An ISO-8859-1 alert: `Usulután` with its `á` as the single byte 0xE1, not valid UTF-8.
    static let latin1 = Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><alert><event>Terremoto en Usulut".utf8)
        + Data([0xE1]) + Data("n</event></alert>".utf8)

    @Test func anAlertIsKeptAsTheBytesReceived() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        let store = try tmp.open()
        var alert = AlertRecord(receivedAt: 1_000, via: "file")
        alert.document = Self.latin1
        try store.save(&alert)
        let id = try #require(alert.id)
        let read = try #require(try Store(path: tmp.path).alert(id: id))
        #expect(read.document == Self.latin1)
    }

    @Test func aStateDirOfTheLastReleaseOpensWithItsAlertsReadable() throws {
        let tmp = try TemporaryStore()
        defer { tmp.remove() }
        // The last release's database: every migration up to v7, an alert kept as text.
        do {
            let pool = try DatabasePool(path: tmp.path)
            try Store.migrator.migrate(pool, upTo: "v7-alert-forwarding")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO alert (identifier, sender, received_at, via, zones, broadcasts, refused, notes, drill, cancels,
                                       repeats_left, next_at, xml)
                    VALUES ('CN-1', 'office', 5, 'file', '[]', '[]', '[]', '[]', 0, '[]', 2, 99, '<alert>地震</alert>')
                    """)
            }
        }
        let store = try tmp.open()
        let old = try #require(try store.alert(identifier: "CN-1"))
        #expect(old.document == Data("<alert>地震</alert>".utf8))
        #expect(old.repeatsLeft == 2 && old.nextAt == 99)
        #expect(try store.alertsWithRepeats().map(\.identifier) == ["CN-1"])
    }
}
