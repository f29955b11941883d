// Retention (issue 31): old records, talk recordings, uploads and a commander's copies of its units'
// records go, by age and size, on the daemon's clock. It runs after a broadcast ends (at most once
// per `retention.every`), never on a timer: an idle daemon has nothing new to remove
// and stays asleep. The work runs on NIO's thread pool in short transactions, so neither the event
// loops nor the players wait for it.

import Foundation
import LabaCore
import LabaStore
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// What one retention pass removed, per kind.
public struct RetentionReport: Sendable, Equatable {
    public var records = PrunedRecords()
    public var fleetRecords = PrunedRecords()
    public var talkRecordings: [RetainedFile] = []
    public var uploads: [RetainedFile] = []

    public var isEmpty: Bool {
        records.count == 0 && fleetRecords.count == 0 && talkRecordings.isEmpty && uploads.isEmpty
    }
}

public final class RetentionService: Service, Sendable {
    let engine: Engine
    let store: Store
    let stateDirectory: String
    let now: @Sendable () -> Instant
    let logger: Logger
    private let last = Mutex<Instant?>(nil)
    /// Each finished pass, for tests that wait for one (never read by the daemon itself).
    private let passes: AsyncStream<RetentionReport>.Continuation
    public let reports: AsyncStream<RetentionReport>

    public init(engine: Engine, store: Store, stateDirectory: String, logger: Logger, now: @escaping @Sendable () -> Instant) {
        self.engine = engine
        self.store = store
        self.stateDirectory = stateDirectory
        self.now = now
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: RetentionReport.self, bufferingPolicy: .bufferingNewest(8))
        reports = stream
        passes = continuation
    }

    public func run() async throws {
        // No pass at start: the daemon's start (the socket, the schedule's first wake) is left alone;
        // the first broadcast to end brings the first pass.
        await run(following: await engine.follow())
    }

    /// The service on a stream of the engine's events taken by the caller (a test takes it before
    /// the broadcast whose end it waits for).
    public func run(following events: AsyncStream<EngineEvent>) async {
        for await event in events.cancelOnGracefulShutdown() {
            guard case .broadcast(let record) = event, record.state == .done else { continue }
            await runIfDue()
        }
        passes.finish()
    }

    /// A pass when the last one is at least `retention.every` ago on the daemon's clock.
    func runIfDue() async {
        let t = now()
        let every = await engine.configuration.retention.every
        let due = last.withLock { last -> Bool in
            guard Retention.isDue(last: last, now: t, every: every) else { return false }
            last = t
            return true
        }
        if due { _ = await pass() }
    }

    /// One pass now, whatever the last one was.
    @discardableResult
    public func pass() async -> RetentionReport {
        let policy = await engine.configuration.retention
        let commander = await engine.configuration.fleet?.isCommander ?? false
        let t = now()
        let store = self.store
        let layout = StateLayout(directory: stateDirectory)
        let live = (stateDirectory as NSString).appendingPathComponent("live")
        let report: RetentionReport
        do {
            report = try await NIOThreadPool.singleton.runIfActive {
                try Self.apply(policy, commander: commander, store: store, uploads: layout.uploads, live: live, now: t)
            }
        } catch {
            logger.error("retention failed", metadata: ["error": "\(error)"])
            return RetentionReport()
        }
        log(report)
        passes.yield(report)
        return report
    }

    /// Blocking: runs on a pool thread.
    static func apply(_ policy: RetentionConfig, commander: Bool, store: Store, uploads: String, live: String,
                      now: Instant) throws -> RetentionReport {
        var report = RetentionReport()
        report.records = try store.pruneBroadcasts(before: Retention.ageCutoff(policy.records, now: now)?.microseconds,
                                                   keep: policy.records.maxCount)
        if commander {
            report.fleetRecords = try store.pruneFleetRecords(
                before: Retention.ageCutoff(policy.fleetRecords, now: now)?.microseconds, keep: policy.fleetRecords.maxCount)
        }
        let inUse = try store.recordingsInUse()
        report.talkRecordings = removeFiles(in: live, policy.talkRecordings, now: now, keep: inUse)
        report.uploads = removeFiles(in: uploads, policy.uploads, now: now, keep: inUse)
        return report
    }

    /// Removes what `Retention.filesToRemove` picks among a folder's finished files (not those
    /// being written: dot files); returns what went.
    static func removeFiles(in folder: String, _ limit: RetentionLimit, now: Instant, keep: Set<String>) -> [RetainedFile] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var files: [RetainedFile] = []
        for name in names where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            var s = stat()
            guard lstat(path, &s) == 0, (s.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Int64(s.st_mtim.tv_sec) * 1_000_000 + Int64(s.st_mtim.tv_nsec) / 1000
            files.append(RetainedFile(path: path, modified: Instant(microseconds: modified), size: Int64(s.st_size)))
        }
        return Retention.filesToRemove(files, limit: limit, now: now, keep: keep).filter { unlink($0.path) == 0 }
    }

    func log(_ report: RetentionReport) {
        guard !report.isEmpty else { return }
        func span(_ p: PrunedRecords) -> String {
            guard let oldest = p.oldest, let newest = p.newest else { return "" }
            return "\(Instant(microseconds: oldest)) … \(Instant(microseconds: newest))"
        }
        for (kind, pruned) in [("records", report.records), ("fleet_records", report.fleetRecords)] where pruned.count > 0 {
            logger.notice("retention removed \(pruned.count) \(kind)", metadata: ["kind": "\(kind)", "planned": "\(span(pruned))"])
        }
        for (kind, files) in [("talk_recordings", report.talkRecordings), ("uploads", report.uploads)] where !files.isEmpty {
            let bytes = files.reduce(Int64(0)) { $0 + $1.size }
            logger.notice("retention removed \(files.count) \(kind) (\(ByteSize(bytes: bytes)))", metadata: [
                "kind": "\(kind)", "files": "\(files.map { ($0.path as NSString).lastPathComponent }.joined(separator: " "))",
            ])
        }
    }
}
