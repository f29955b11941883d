// Retention of records, the online backup, and the health probe's write check (issue 31).

import Foundation
import GRDB
import LabaCore

/// What one pruning removed from a table.
public struct PrunedRecords: Sendable, Equatable {
    public var count = 0
    /// The oldest and newest planned instants removed (µs), for the log.
    public var oldest: Int64?
    public var newest: Int64?

    public init() {}

    mutating func add(count: Int, oldest: Int64?, newest: Int64?) {
        guard count > 0 else { return }
        self.count += count
        if let oldest { self.oldest = min(self.oldest ?? oldest, oldest) }
        if let newest { self.newest = max(self.newest ?? newest, newest) }
    }
}

extension Store {
    /// Rows removed per transaction: each write holds the database only briefly, so that the
    /// engine's own writes (a broadcast starting) wait milliseconds at most.
    static let pruneBatch = 2_000

    /// Removes done broadcasts planned before `cutoff`, then the oldest done ones beyond `keep`,
    /// in short transactions; queued and playing ones always stay. Old occurrence-ledger rows go
    /// with the age limit, except each entry's latest on each output (where the scheduler resumes).
    ///
    /// Blocks: call it off the event loops.
    public func pruneBroadcasts(before cutoff: Int64?, keep: Int?) throws -> PrunedRecords {
        let pruned = try prune(table: "broadcast", key: "id", doneOnly: true, before: cutoff, keep: keep)
        if pruned.count > 0 {
            // The off-air check's facts go with their broadcasts.
            try database.write { db in
                try db.execute(sql: "DELETE FROM broadcast_heard WHERE broadcast NOT IN (SELECT id FROM broadcast)")
            }
        }
        if let cutoff {
            try database.write { db in
                try db.execute(sql: """
                    DELETE FROM occurrence WHERE planned_at < ? AND planned_at <
                      (SELECT MAX(o.planned_at) FROM occurrence o WHERE o.entry = occurrence.entry AND o.output = occurrence.output)
                    """, arguments: [cutoff])
            }
        }
        return pruned
    }

    /// A commander's copies of its units' records: the same limits, by planned time.
    ///
    /// Blocks: call it off the event loops.
    public func pruneFleetRecords(before cutoff: Int64?, keep: Int?) throws -> PrunedRecords {
        try prune(table: "fleet_record", key: "rowid", doneOnly: false, before: cutoff, keep: keep)
    }

    private func prune(table: String, key: String, doneOnly: Bool, before cutoff: Int64?, keep: Int?) throws -> PrunedRecords {
        var pruned = PrunedRecords()
        let done = doneOnly ? "state = 'done' AND " : ""
        /// Deletes what `select` (`k`, `planned_at`, at most `pruneBatch` rows) picks, one batch per
        /// transaction; returns how many went.
        func batch(_ select: String, _ arguments: StatementArguments) throws -> Int {
            let (count, oldest, newest) = try database.write { db -> (Int, Int64?, Int64?) in
                let rows = try Row.fetchAll(db, sql: select, arguments: arguments)
                guard !rows.isEmpty else { return (0, nil, nil) }
                let keys: [DatabaseValue] = rows.map { $0["k"] }
                let times: [Int64] = rows.map { $0["planned_at"] }
                let marks = Array(repeating: "?", count: keys.count).joined(separator: ",")
                try db.execute(sql: "DELETE FROM \(table) WHERE \(key) IN (\(marks))", arguments: StatementArguments(keys))
                return (rows.count, times.min(), times.max())
            }
            pruned.add(count: count, oldest: oldest, newest: newest)
            return count
        }
        if let cutoff {
            while try batch("SELECT \(key) AS k, planned_at FROM \(table) WHERE \(done)planned_at < ? "
                            + "ORDER BY planned_at LIMIT \(Self.pruneBatch)", [cutoff]) == Self.pruneBatch {}
        }
        if let keep {
            let total = try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table) WHERE \(done)1") ?? 0 }
            var excess = total - keep
            while excess > 0 {
                let n = min(excess, Self.pruneBatch)
                let removed = try batch("SELECT \(key) AS k, planned_at FROM \(table) WHERE \(done)1 ORDER BY planned_at LIMIT \(n)", [])
                if removed < n { break }
                excess -= removed
            }
        }
        return pruned
    }

    /// How many rows a table holds (the retention test, the log).
    public func count(table: String) throws -> Int {
        try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// The recordings waiting or playing broadcasts need (an upload, a live talk's file).
    public func recordingsInUse() throws -> Set<String> {
        Set(try unfinished().compactMap(\.uploadPath))
    }

    /// A consistent copy of the whole database at `path` (SQLite's online backup), taken while the
    /// daemon goes on writing: one read transaction, so the copy is the database at one instant.
    ///
    /// Blocks: call it off the event loops.
    public func backup(to path: String) throws {
        let target = try DatabaseQueue(path: path)
        try database.backup(to: target)
        try target.close()
    }

    /// A consistent copy of the database at `source` into `path`, read through a read-only
    /// connection of its own: `laba backup` beside a running daemon.
    public static func backup(database source: String, to path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let reader = try DatabaseQueue(path: source, configuration: configuration)
        let target = try DatabaseQueue(path: path)
        try reader.backup(to: target)
        try target.close()
        try reader.close()
    }
}

/// Whether a folder takes a new file now: writes, syncs and removes a small probe file. The health
/// check's "store writable" (a read-only remount, a full disk).
///
/// Blocks: call it off the event loops.
public func directoryIsWritable(_ directory: String) -> Bool {
    let path = (directory as NSString).appendingPathComponent(".laba-health-\(getpid())")
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return false }
    defer {
        close(fd)
        unlink(path)
    }
    let byte: [UInt8] = [0x0A]
    return write(fd, byte, 1) == 1 && fsync(fd) == 0
}
