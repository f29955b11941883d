// The daemon's composition: configuration, store, engine, players, scheduling loop, signals,
// systemd notification. `labad` parses its flags and calls `Daemon.run`.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaStore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

public struct DaemonOptions: Sendable {
    public var configPath: String
    public var stateDirectory: String
    public var socketPath: String

    public init(configPath: String, stateDirectory: String, socketPath: String) {
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
    }
}

public enum DaemonError: Error, CustomStringConvertible {
    /// The configuration is invalid; its diagnostics are attached (exit 78).
    case invalidConfig([Diagnostic])
    case state(String)

    public var description: String {
        switch self {
        case .invalidConfig(let diagnostics): diagnostics.map(\.description).joined(separator: "\n")
        case .state(let message): message
        }
    }
}

/// Loads and checks a configuration with its recordings, as `laba check` does.
public func loadSetup(path: String, now: Instant) throws(DaemonError) -> Setup {
    let loaded = ConfigLoader.load(path: path)
    guard let config = loaded.config else { throw .invalidConfig(loaded.diagnostics) }
    let library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
    let check = ConfigCheck(config: config, library: library, now: now)
    let diagnostics = (loaded.diagnostics + check.diagnostics).sortedByLocation()
    if diagnostics.hasErrors { throw .invalidConfig(diagnostics) }
    return Setup(config: config, library: library)
}

public enum Daemon {
    /// Runs until SIGTERM or SIGINT: fades out, persists, returns.
    ///
    /// - Throws: `DaemonError.invalidConfig` before anything starts when the file is invalid.
    public static func run(_ options: DaemonOptions, logger: Logger) async throws {
        let notifier = Notifier()
        let setup = try loadSetup(path: options.configPath, now: Instant(Date()))
        if setup.config.outputs.isEmpty { logger.warning("no outputs are configured: nothing will play") }
        do {
            try FileManager.default.createDirectory(atPath: options.stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw DaemonError.state("cannot create the state directory \(options.stateDirectory): \(error.localizedDescription)")
        }
        let store = try Store(path: StateLayout(directory: options.stateDirectory).database)
        let loudness = LoudnessCache(try store.loudness().mapValues { LoudnessMeasurement(integrated: $0.integrated, truePeak: $0.truePeak) })
        let clock = WallClock()
        let engine = try Engine(setup: setup, store: store, loudness: loudness, logger: logger) { clock.now() }
        let loop = try SchedulerLoop(engine: engine, clock: clock, notifier: notifier, logger: logger)
        await engine.setRescheduleHandler { loop.rearm($0) }
        try await engine.start()
        loop.start()
        warmLoudness(setup.library, cache: loudness, store: store, logger: logger)

        // Trap SIGHUP before anything can send one: a reload must never kill the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let outputs = setup.config.outputs.count
        let reloader = Reloader(engine: engine, configPath: options.configPath, notifier: notifier, logger: logger)
        let server = try ControlServer.build(
            engine: engine, socketPath: options.socketPath, group: setup.config.control.groupName,
            configPath: options.configPath, stateDirectory: options.stateDirectory,
            loadedAt: { reloader.loadedAt }, reload: { await reloader.reload() }, logger: logger,
            onListening: {
                notifier.send("READY=1\nSTATUS=Playing on \(outputs) output\(outputs == 1 ? "" : "s") from \(options.configPath)")
                logger.notice("labad \(LabaVersion.string) ready", metadata: [
                    "config": "\(options.configPath)", "outputs": "\(outputs)", "socket": "\(options.socketPath)",
                ])
            })
        let signals = SignalService(hangups: hangups, reloader: reloader)
        var services: [any Service] = [server, signals]
        if clock.offsetFile != nil {
            logger.warning("test clock: SIGUSR2 re-reads the offset from \(clock.offsetFile ?? "")")
            services.append(TestClockService(signals: await UnixSignalsSequence(trapping: .sigusr2), clock: clock, loop: loop,
                                             logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(atPath: options.socketPath)

        notifier.send("STOPPING=1\nSTATUS=Stopping")
        loop.stop()
        await engine.shutdown()
        // Let the players' fades (30 ms) reach the device.
        try? await Task.sleep(for: .milliseconds(100))
        for (key, m) in loudness.snapshot { try? store.saveLoudness(key: key, integrated: m.integrated, truePeak: m.truePeak) }
        logger.notice("labad stopped")
    }
}

/// Measures every recording not yet in the loudness cache, on a thread of its own, so that no
/// broadcast waits for a measurement when it starts (an emergency least of all).
func warmLoudness(_ library: MessageLibrary, cache: LoudnessCache, store: Store, logger: Logger) {
    let recordings = library.recordings.values.flatMap(\.values).map(\.path)
    let thread = Thread {
        var measured = 0
        for path in recordings {
            guard let (m, key, fresh) = try? cache.measurement(path: path), fresh else { continue }
            try? store.saveLoudness(key: key, integrated: m.integrated, truePeak: m.truePeak)
            measured += 1
        }
        if measured > 0 { logger.info("loudness measured", metadata: ["recordings": "\(measured)"]) }
    }
    thread.name = "laba-loudness"
    thread.start()
}

/// Re-reads the configuration for SIGHUP and `POST /v1/reload`; an invalid file leaves the running
/// configuration in force.
final class Reloader: Sendable {
    let engine: Engine
    let configPath: String
    let notifier: Notifier
    let logger: Logger
    private let loaded = Mutex<Instant>(Instant(Date()))

    init(engine: Engine, configPath: String, notifier: Notifier, logger: Logger) {
        self.engine = engine
        self.configPath = configPath
        self.notifier = notifier
        self.logger = logger
    }

    var loadedAt: Instant { loaded.withLock { $0 } }

    func reload() async -> ReloadJSON {
        notifier.send("RELOADING=1\nSTATUS=Reloading \(configPath)")
        defer { notifier.send("READY=1\nSTATUS=Running") }
        do {
            let setup = try loadSetup(path: configPath, now: Instant(Date()))
            await engine.reload(setup)
            warmLoudness(setup.library, cache: await engine.loudness, store: await engine.store, logger: logger)
            loaded.withLock { $0 = Instant(Date()) }
            logger.notice("configuration reloaded", metadata: ["config": "\(configPath)"])
            return ReloadJSON(reloaded: true, diagnostics: [])
        } catch {
            logger.error("the new configuration is invalid; the running one stays in force\n\(error)")
            if case .invalidConfig(let diagnostics) = error {
                return ReloadJSON(reloaded: false, diagnostics: diagnostics.map(\.description))
            }
            return ReloadJSON(reloaded: false, diagnostics: ["\(error)"])
        }
    }
}

/// Waits for SIGHUP until the service group shuts down.
struct SignalService: Service {
    let hangups: UnixSignalsSequence
    let reloader: Reloader

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await reloader.reload()
        }
    }
}

/// Logs to standard error; with `<N>` priority prefixes when journald reads the stream.
public struct DaemonLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let journal: Bool
    let label: String

    public init(label: String, level: Logger.Level, journal: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil) {
        self.label = label
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let priority: Int
        switch event.level {
        case .trace, .debug: priority = 7
        case .info: priority = 6
        case .notice: priority = 5
        case .warning: priority = 4
        case .error: priority = 3
        case .critical: priority = 2
        }
        let prefix = journal ? "<\(priority)>" : "\(event.level): "
        FileHandle.standardError.write(Data((prefix + "\(event.message)\(fields)\n").utf8))
    }
}

/// Tests only: SIGUSR2 moves the daemon's clock to the offset in LABA_TEST_CLOCK_OFFSET_FILE.
struct TestClockService: Service {
    let signals: UnixSignalsSequence
    let clock: WallClock
    let loop: SchedulerLoop
    let logger: Logger

    func run() async {
        for await _ in signals.cancelOnGracefulShutdown() {
            clock.reloadOffset()
            logger.notice("test clock set", metadata: ["now": "\(RFC3339.format(clock.now(), in: TimeZone(identifier: "UTC")!))"])
            loop.clockWasSet()
        }
    }
}
