// One-tap buttons (issue 27), kept in the state dir's database beside the console's accounts.

import Foundation
import GRDB
import LabaCore

extension OneTapButton: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "one_tap_button"
}

extension Store {
    static func migrateButtons(_ db: Database) throws {
        try db.create(table: "one_tap_button") { t in
            t.primaryKey("id", .text)
            t.column("title", .text).notNull()
            t.column("message", .text).notNull()
            t.column("zones", .text)
            t.column("priority", .text).notNull()
            t.column("repeat_count", .integer).notNull()
            t.column("created_by", .text).notNull()
            t.column("created_at", .integer).notNull()
        }
    }

    /// The buttons, oldest first (the order the overview shows them in).
    public func buttons() throws -> [OneTapButton] {
        try database.read { try OneTapButton.order(Column("created_at"), Column("id")).fetchAll($0) }
    }

    /// - Throws: `ButtonError.full` past `OneTapButton.limit`.
    public func addButton(_ button: OneTapButton) throws {
        try database.write { db in
            if try OneTapButton.fetchCount(db) >= OneTapButton.limit { throw ButtonError.full }
            try button.insert(db)
        }
    }

    public func removeButton(_ id: String) throws {
        try database.write { db in _ = try OneTapButton.deleteOne(db, key: id) }
    }
}

public enum ButtonError: Error {
    case full
}
