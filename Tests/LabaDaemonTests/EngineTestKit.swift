// The engine on a manual clock, over ALSA's `null` PCM: tests move time and wait for the engine's
// own events, never for the wall clock.

import Foundation
import LabaAudio
import LabaCore
import LabaDaemon
import LabaStore
import Logging
import Synchronization

/// A clock that moves only when the test says so.
final class ManualClock: Sendable {
    private let current: Mutex<Instant>

    init(_ start: Instant) { current = Mutex(start) }

    var now: Instant { current.withLock { $0 } }

    func set(_ instant: Instant) { current.withLock { $0 = instant } }
}

/// Remembers every wake the engine asks for.
final class RecordingTimer: WakeTimer {
    private let arms = Mutex<[Instant?]>([])

    func arm(_ wake: Instant?) { arms.withLock { $0.append(wake) } }

    var last: Instant?? { arms.withLock { $0.last } }
    var count: Int { arms.withLock { $0.count } }
}

struct EngineTestError: Error, CustomStringConvertible {
    var description: String
}

/// An engine with its store and recordings in a temporary folder.
final class EngineFixture: @unchecked Sendable {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    let dir: String
    let clock: ManualClock
    let timer = RecordingTimer()
    let store: Store
    let engine: Engine
    private var events: AsyncStream<EngineEvent>.AsyncIterator
    private let reports: Task<Void, Never>

    /// - Parameters:
    ///   - yaml: the configuration; `audio_dir: audio` holds one tone per language of `notice`.
    ///   - start: local time in Asia/Shanghai, `YYYY-MM-DD HH:MM[:SS]`.
    init(_ yaml: String, start: String) async throws {
        var template = Array((NSTemporaryDirectory() + "/laba-engine-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw EngineTestError(description: "mkdtemp failed") }
        dir = String(cString: made)
        for (language, frequency) in [("naxi", 440.0), ("yi", 550.0), ("mandarin", 660.0)] {
            try Self.writeTone(dir + "/audio/notice/\(language).wav", frequency: frequency)
        }
        try yaml.write(toFile: dir + "/laba.yaml", atomically: true, encoding: .utf8)
        clock = ManualClock(try TimeParsing.instant(start, in: Self.zone, now: Instant(seconds: 0)))
        let loaded = ConfigLoader.load(path: dir + "/laba.yaml")
        guard let config = loaded.config, !loaded.diagnostics.hasErrors else {
            throw EngineTestError(description: loaded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
        store = try Store(path: dir + "/laba.sqlite")
        let logger = Logger(label: "test")
        let players = PlayerPool(logger: logger)
        let clock = self.clock
        engine = try Engine(setup: Setup(config: config, library: library), store: store, loudness: LoudnessCache([:]),
                            players: players, timer: timer, logger: logger) { clock.now }
        events = await engine.follow().makeAsyncIterator()
        let engine = self.engine
        reports = Task {
            for await report in players.reports { await engine.playerReported(report) }
        }
        try await engine.start()
    }

    deinit {
        reports.cancel()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func stop() async {
        await engine.shutdown()
    }

    /// Local time in Asia/Shanghai.
    func at(_ text: String) throws -> Instant { try TimeParsing.instant(text, in: Self.zone, now: clock.now) }

    /// Moves the clock and lets the scheduler handle what became due.
    func advance(to text: String) async throws {
        clock.set(try at(text))
        await engine.runSchedule()
    }

    /// The next event that satisfies `predicate`; fails after `seconds` (a broken engine, not a slow
    /// one: `make test` runs every suite at once, and on two busy cores an event can take over 20 s).
    func next(_ what: String, seconds: Double = 60, where predicate: @escaping @Sendable (EngineEvent) -> Bool) async throws -> EngineEvent {
        var iterator = events
        defer { events = iterator }
        // A bound for a broken engine: shutting it down ends the event stream.
        let engine = self.engine
        let watchdog = Task {
            try await Task.sleep(for: .seconds(seconds))
            await engine.shutdown()
        }
        defer { watchdog.cancel() }
        while let event = await iterator.next() {
            if predicate(event) { return event }
        }
        throw EngineTestError(description: "no event: \(what)")
    }

    /// Waits for a broadcast to end, matched by a predicate on its record.
    func ended(_ what: String, where predicate: @escaping @Sendable (BroadcastRecord) -> Bool) async throws -> BroadcastRecord {
        let event = try await next(what) { event in
            if case .broadcast(let r) = event { return r.state == .done && predicate(r) }
            return false
        }
        guard case .broadcast(let record) = event else { throw EngineTestError(description: what) }
        return record
    }

    func started(_ what: String, where predicate: @escaping @Sendable (BroadcastRecord) -> Bool) async throws -> BroadcastRecord {
        let event = try await next(what) { event in
            if case .broadcast(let r) = event { return r.state == .playing && r.startedAt != nil && predicate(r) }
            return false
        }
        guard case .broadcast(let record) = event else { throw EngineTestError(description: what) }
        return record
    }

    /// A 16-bit mono WAV of a sine tone (0.05 s at 8 kHz): enough for the engine to play.
    static func writeTone(_ path: String, frequency: Double, seconds: Double = 0.05, rate: Int = 8000) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let frames = Int(seconds * Double(rate))
        var data = Data()
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); le(UInt32(36 + frames * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); le(UInt32(16)); le(UInt16(1)); le(UInt16(1))
        le(UInt32(rate)); le(UInt32(rate * 2)); le(UInt16(2)); le(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); le(UInt32(frames * 2))
        for i in 0..<frames { le(Int16(8000 * sin(2 * .pi * frequency * Double(i) / Double(rate)))) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
