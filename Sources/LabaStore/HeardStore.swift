// The off-air check's facts (SPEC 18, issue 30): per segment of a broadcast, whether it was heard
// at the horn, how far above the room's noise, and the delay. A table of its own keyed by the
// broadcast and the segment's program-wide index, beside the record (which older readers keep
// reading as they did).

import Foundation
import GRDB
import LabaCore

/// One segment's word from the monitor, as kept.
public struct HeardRow: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "broadcast_heard"

    public var broadcast: String
    /// The segment's program-wide index (passes laid end to end).
    public var segment: Int
    public var label: String
    /// `yes`, `partly` or `no`.
    public var heard: String
    /// dB above the room's noise; nil when the segment had no sound.
    public var levelDB: Double?
    /// Program → microphone, ms; nil when the capture did not follow the program.
    public var delayMS: Double?
    /// When the check was made (µs).
    public var at: Int64

    enum CodingKeys: String, CodingKey {
        case broadcast, segment, label, heard, levelDB = "level_db", delayMS = "delay_ms", at
    }

    public init(broadcast: String, _ s: SegmentHeard, at: Int64) {
        self.broadcast = broadcast
        segment = s.segment
        label = s.label
        heard = s.heard.rawValue
        levelDB = s.levelDB
        delayMS = s.delayMS
        self.at = at
    }

    public var fact: SegmentHeard {
        SegmentHeard(segment: segment, label: label, heard: Heard(rawValue: heard) ?? .no, levelDB: levelDB, delayMS: delayMS)
    }
}

extension Store {
    /// v11: the off-air check's facts, one row per segment of a monitored broadcast.
    static func registerMonitorMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v11-monitor") { db in
            try db.create(table: "broadcast_heard") { t in
                t.column("broadcast", .text).notNull()
                t.column("segment", .integer).notNull()
                t.column("label", .text).notNull()
                t.column("heard", .text).notNull()
                t.column("level_db", .double)
                t.column("delay_ms", .double)
                t.column("at", .integer).notNull()
                t.primaryKey(["broadcast", "segment"])
            }
        }
    }

    /// Keeps the monitor's word on a broadcast's segments (a segment judged again replaces its row:
    /// a resumed broadcast plays its cut segment anew).
    public func saveHeard(broadcast: String, _ segments: [SegmentHeard], at: Int64) throws {
        try database.write { db in
            for s in segments { try HeardRow(broadcast: broadcast, s, at: at).save(db) }
        }
    }

    /// The monitor's word on the segments of `broadcast`, by index.
    public func heard(broadcast: String) throws -> [SegmentHeard] {
        try database.read { db in
            try HeardRow.filter(Column("broadcast") == broadcast).order(Column("segment")).fetchAll(db).map(\.fact)
        }
    }

    /// The same for several broadcasts at once (a page of the record).
    public func heard(broadcasts ids: [String]) throws -> [String: [SegmentHeard]] {
        guard !ids.isEmpty else { return [:] }
        return try database.read { db in
            let rows = try HeardRow.filter(ids.contains(Column("broadcast"))).order(Column("broadcast"), Column("segment")).fetchAll(db)
            return Dictionary(grouping: rows, by: \.broadcast).mapValues { $0.map(\.fact) }
        }
    }
}
