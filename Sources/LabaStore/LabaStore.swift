// LabaStore: durable state under the state dir (history, queue, occurrence ledger, loudness cache).
// The SQLite schema arrives with the daemon; until then this target holds the state-dir layout.

import Foundation

/// Where Laba keeps its files.
public struct StateLayout: Sendable {
    public static let defaultDirectory = "/var/lib/laba"

    public var directory: String

    public init(directory: String) { self.directory = directory }

    public var database: String { (directory as NSString).appendingPathComponent("laba.sqlite") }
    public var uploads: String { (directory as NSString).appendingPathComponent("uploads") }
}
