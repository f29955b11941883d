// Live talks in the engine: admitted as any broadcast, fed from a LiveFeed, ended by the feed,
// by `stopLive`, or by no output carrying them; recorded with the recording's loudness.

import Foundation
import LabaAudio
import Synchronization
import LabaCore
import LabaDaemon
import LabaStore
import Testing

@Suite(.serialized) struct LiveEngineTests {
    static let config = """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town}
          - {id: van, device: "null", zone: village}
        zones:
          - id: town
            languages: [naxi, mandarin]
          - id: village
            languages: [yi]
        live: {max: 30min, silence: 10min}
        """

    static func tone(_ frames: Int) -> [Float] {
        (0..<frames).map { 0.5 * Float(sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
    }

    @Test func aFedTalkPlaysOnTheZonesOutputsAndEndsWithTheFeed() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let feed = LiveFeed()
        let started = try await f.engine.startLive(LiveRequest(target: .zones(["town"]), input: "console", feed: feed,
                                                               requestedBy: .console(user: "li")))
        #expect(started.records.map(\.output) == ["square"] && started.records.allSatisfy { $0.source == .live })
        #expect(started.recording.hasSuffix("/live/\(started.id).flac"))
        feed.push(Self.tone(24_000))
        _ = try await f.started("the talk on square") { $0.source == .live }
        feed.finish(reason: RecordReason(.stoppedFromConsole, ["who": "li"]))
        let record = try await f.ended("the talk") { $0.source == .live && $0.loudness != nil }
        #expect(record.outcome == .completed && record.reasonCode == "stopped_from_console"
                && record.reasonArgs == ["who": "li"] && record.reason == "stopped from the console by li", "\(record)")
        #expect(record.uploadPath == started.recording && FileManager.default.fileExists(atPath: started.recording))
        #expect(record.requestedBy == .console(user: "li"))
        let progress = try #require(await f.engine.liveProgress(started.id))
        // The tone, and any 10 ms of silence counted while the feed waited for its first frames.
        #expect((progress.summary?.frames ?? 0) >= 24_000)
        await f.stop()
    }

    @Test func stoppingTheOnlyOutputEndsTheTalkAndAnUnknownTalkIsSaid() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let feed = LiveFeed()
        let started = try await f.engine.startLive(LiveRequest(target: .zones(["village"]), feed: feed))
        _ = try await f.started("the talk on van") { $0.source == .live }
        feed.push(Self.tone(4_800))
        let stopped = try await f.engine.stop(.zones(["village"]), clear: false)
        #expect(stopped == ["van"])
        let record: BroadcastRecord
        do {
            record = try await f.ended("the stopped talk") { $0.source == .live }
        } catch {
            // Seen twice in about six runs of every suite beside stress-ng, never alone: what the
            // engine held when the stop did not end the talk, for the next one to read.
            let van = await f.engine.status(withNext: false).outputs.first { $0.id == "van" }
            Issue.record("the stop did not end the talk: van playing \(String(describing: van?.playing)), queue \(van?.queue ?? [])")
            throw error
        }
        #expect(record.outcome == .stopped)
        // No output carries it any more: the capture ends, and says why.
        _ = try await f.next("the talk's end written to its record") { event in
            if case .broadcast(let r) = event { r.source == .live && r.state == .done } else { false }
        }
        let summary = try #require(await f.engine.liveProgress(started.id)?.summary)
        #expect(summary.end.reason == RecordReason(.noOutputCarriesTalk, ["outcome": "stopped", "output": "van"]), "\(summary.end)")
        #expect(await f.engine.stopLive("nosuchid", reason: RecordReason(.stoppedThroughAPI)) == false)
        await f.stop()
    }

    /// Stopping one of two outputs leaves the talk on the other; an emergency mutes it there; the
    /// talk ending while muted ends that record with the talk's reason, and frees the output.
    @Test func aTalkGoesOnWhereItIsNotStoppedAndEndsWhileMuted() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let feed = LiveFeed()
        let started = try await f.engine.startLive(LiveRequest(target: .zones(["town", "village"]), feed: feed))
        #expect(Set(started.records.map(\.output)) == ["square", "van"])
        // Both outputs start it, in either order.
        let seen = Mutex<Set<String>>([])
        _ = try await f.started("the talk on square and van") { r in
            r.source == .live && seen.withLock { $0.insert(r.output); return $0.count == 2 }
        }
        _ = try await f.engine.stop(.zones(["village"]), clear: false)
        let van = try await f.ended("the talk on van") { $0.source == .live && $0.output == "van" }
        #expect(van.outcome == .stopped)
        #expect(await f.engine.liveProgress(started.id)?.summary == nil)  // still under way on square
        // An emergency on the square: the talk waits there, muted, under a loop.
        let alarm = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["town"]),
                                                              priority: .emergency, loop: true))
        _ = try await f.started("the emergency") { $0.id == alarm.records[0].id }
        feed.finish(reason: RecordReason(.consoleConnectionClosed))
        let square = try await f.ended("the muted talk") { $0.source == .live && $0.output == "square" }
        #expect(square.reasonCode == "console_connection_closed" && square.reason?.hasPrefix("the console's connection was closed") == true,
                "\(square)")
        #expect(await f.engine.status().outputs.first { $0.id == "square" }?.queue.isEmpty == true)
        _ = try await f.engine.stop(.all, clear: true)
        await f.stop()
    }

    @Test func aTalkToAZoneNobodyServesIsRefusedAndNothingIsCaptured() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        await #expect(throws: Refusal.self) { try await f.engine.startLive(LiveRequest(target: .zones(["nowhere"]), feed: LiveFeed())) }
        #expect(try f.store.broadcasts().isEmpty)
        await f.stop()
    }

    /// A commander's talk for its units: no output here serves the zone, yet the talk is admitted
    /// (what only the units decide does not refuse it), its capture feeds a tap (the fleet's
    /// stream), and it runs until it is stopped; the same talk without the fleet is refused.
    @Test func aTalkForTheFleetsUnitsNeedsNoOutputHere() async throws {
        let config = Self.config.replacingOccurrences(of: "live: {", with: "  - id: hills\nlive: {")
        let f = try await EngineFixture(config, start: "2026-12-02 09:00")
        await #expect(throws: Refusal.self) { try await f.engine.startLive(LiveRequest(target: .zones(["hills"]), feed: LiveFeed())) }
        let feed = LiveFeed()
        let started = try await f.engine.startLive(LiveRequest(target: .zones(["hills"]), feed: feed, toFleet: true))
        #expect(started.records.isEmpty && started.refused.map(\.code) == [.noOutput], "\(started.refused)")
        let ring = try #require(await f.engine.tapLive(started.id, "fleet-stream"))
        feed.push(Self.tone(4_800))
        var heard = 0
        var block = [Float](repeating: 0, count: 4_800)
        let deadline = Date().addingTimeInterval(10)
        while heard < 4_800, Date() < deadline {
            heard += block.withUnsafeMutableBufferPointer { ring.read(into: $0.baseAddress!, max: $0.count, timeout: 0.1) } ?? 0
        }
        #expect(heard >= 4_800)
        #expect(await f.engine.stopLive(started.id, reason: RecordReason(.stoppedBy, ["who": "li"])))
        while await f.engine.liveProgress(started.id)?.summary == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await f.engine.liveProgress(started.id)?.summary?.end == .stopped(RecordReason(.stoppedBy, ["who": "li"])))
        #expect(await f.engine.tapLive(started.id, "fleet-stream") == nil)
        #expect(try f.store.broadcasts().isEmpty)
        await f.stop()
    }
}
