// Retention on the manual clock: a busy unit's year of records, uploads and talk recordings is cut
// to the limits, and a broadcast plays as usual while a pass runs.

import Foundation
import LabaCore
import LabaDaemon
import LabaStore
import Logging
import Testing

@Suite(.serialized) struct RetentionServiceTests {
    static let config = """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town}
        zones:
          - {id: town, languages: [naxi, mandarin]}
        retention:
          records: {max_age: 180d, max_count: 10000}
          uploads: {max_age: 30d, max_size: 3MB}
          talk_recordings: {max_age: 60d, max_size: 2MB}
        """

    static let day: Int64 = 86_400_000_000

    /// Files of `size` bytes, one every `everyDays` over the past year, dated by the manual clock.
    func writeFiles(_ folder: String, count: Int, everyDays: Int64, size: Int, now: Instant) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let bytes = Data(count: size)
        for i in 0..<count {
            let path = "\(folder)/\(i).flac"
            try bytes.write(to: URL(fileURLWithPath: path))
            let at = now.microseconds - Int64(i) * everyDays * Self.day - 1_000_000
            var times = [timespec(tv_sec: Int(at / 1_000_000), tv_nsec: 0), timespec(tv_sec: Int(at / 1_000_000), tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
    }

    func files(_ folder: String) -> [(size: Int64, modified: Int64)] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap { name in
            var s = stat()
            guard stat(folder + "/" + name, &s) == 0 else { return nil }
            return (Int64(s.st_size), Int64(s.st_mtim.tv_sec) * 1_000_000)
        }
    }

    /// Plays a manual broadcast to its end (completed, as ever) and returns the pass it brought.
    func playAManualBroadcast(_ f: EngineFixture, passes: inout AsyncStream<RetentionReport>.AsyncIterator) async throws
        -> RetentionReport? {
        let admitted = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"])))
        let id = try #require(admitted.records.first?.id)
        let played = try await f.ended("the manual broadcast") { $0.id == id }
        #expect(played.outcome == .completed && played.frames > 0 && played.playedLanguages == ["naxi", "mandarin"])
        let report = await passes.next()
        #expect(try f.store.broadcast(id: id)?.outcome == .completed)
        return report
    }

    @Test func aBusyYearIsCutToTheLimitsAndPlaybackGoesOn() async throws {
        let f = try await EngineFixture(Self.config, start: "2027-06-01 10:00")
        let now = f.clock.now
        // A busy unit's year: 100 broadcasts a day, done.
        var records: [BroadcastRecord] = []
        for i in 0..<36_500 {
            let planned = now.microseconds - Int64(i) * Self.day / 100 - 60_000_000
            var r = BroadcastRecord(id: String(format: "old%05d", i), source: .schedule, entry: "town#notice", message: "notice",
                                    output: "square", zone: "town", priority: .scheduled, plannedLanguages: ["naxi"],
                                    plannedAt: planned, deadline: planned + 600_000_000)
            r.state = .done
            r.outcome = .completed
            r.startedAt = planned
            r.endedAt = planned + 30_000_000
            records.append(r)
        }
        try f.store.insert(records)
        // An upload every 3 days (200 kB) and a talk every 5 days (100 kB).
        try writeFiles(f.dir + "/uploads", count: 122, everyDays: 3, size: 200_000, now: now)
        try writeFiles(f.dir + "/live", count: 73, everyDays: 5, size: 100_000, now: now)

        let retention = RetentionService(engine: f.engine, store: f.store, stateDirectory: f.dir, logger: Logger(label: "test"),
                                         now: { f.clock.now })
        var passes = retention.reports.makeAsyncIterator()
        let events = await f.engine.follow()
        let service = Task { await retention.run(following: events) }
        defer { service.cancel() }

        // A broadcast plays while the first pass waits for its end; the pass then cuts the year to
        // the limits (the new record is the newest: it stays).
        let first = try #require(try await playAManualBroadcast(f, passes: &passes))
        #expect(first.records.count == 36_500 + 1 - 10_000)
        let kept = try f.store.broadcasts(limit: .max)
        #expect(kept.count == 10_000)
        #expect(kept.allSatisfy { $0.plannedAt >= now.microseconds - 180 * Self.day })
        let uploads = files(f.dir + "/uploads")
        #expect(uploads.reduce(0) { $0 + $1.size } <= 3_000_000)
        #expect(uploads.allSatisfy { $0.modified >= now.microseconds - 30 * Self.day })
        #expect(uploads.count == 10 && first.uploads.count == 112)
        let talks = files(f.dir + "/live")
        #expect(talks.reduce(0) { $0 + $1.size } <= 2_000_000)
        #expect(talks.allSatisfy { $0.modified >= now.microseconds - 60 * Self.day })
        #expect(talks.count == 12)

        // Two hours on, another broadcast; its end brings the next pass, which finds the limits
        // held but for one record.
        f.clock.set(Instant(microseconds: now.microseconds + 2 * 3_600_000_000))
        let second = try #require(try await playAManualBroadcast(f, passes: &passes))
        #expect(second.records.count == 1 && second.uploads.isEmpty && second.talkRecordings.isEmpty)
        #expect(try f.store.count(table: "broadcast") == 10_000)
        await f.stop()
    }
}
