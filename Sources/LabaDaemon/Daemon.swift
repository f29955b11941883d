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
    return Setup(config: config, library: library, warnings: diagnostics)
}

public enum Daemon {
    /// Runs until SIGTERM or SIGINT: fades out, persists, returns.
    ///
    /// - Throws: `DaemonError.invalidConfig` before anything starts when the file is invalid.
    public static func run(_ options: DaemonOptions, logger: Logger) async throws {
        let notifier = Notifier()
        let clock = WallClock()
        let setup = try loadSetup(path: options.configPath, now: clock.now())
        if setup.config.outputs.isEmpty { logger.warning("no outputs are configured: nothing will play") }
        for warning in setup.warnings { logger.warning("\(warning)") }
        do {
            try FileManager.default.createDirectory(atPath: options.stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw DaemonError.state("cannot create the state directory \(options.stateDirectory): \(error.localizedDescription)")
        }
        let store = try Store(path: StateLayout(directory: options.stateDirectory).database)
        let loudness = LoudnessCache(try store.loudness().mapValues { LoudnessMeasurement(integrated: $0.integrated, truePeak: $0.truePeak) })
        let timer = try ClockTimer(clock: clock, logger: logger)
        let players = PlayerPool(logger: logger)
        let engine = try Engine(setup: setup, store: store, loudness: loudness, players: players, timer: timer,
                                logger: logger) { clock.now() }
        warmLoudness(setup.library, cache: loudness, store: store, logger: logger)

        // Trap SIGHUP before anything can send one: a reload must never kill the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let outputs = setup.config.outputs.count
        let reloader = Reloader(engine: engine, configPath: options.configPath, clock: clock, notifier: notifier, logger: logger)
        let server = try ControlServer.build(
            engine: engine, socketPath: options.socketPath, group: setup.config.control.groupName,
            configPath: options.configPath, stateDirectory: options.stateDirectory, reloader: reloader, logger: logger,
            onListening: {
                notifier.send("READY=1\nSTATUS=Playing on \(outputs) output\(outputs == 1 ? "" : "s") from \(options.configPath)")
                logger.notice("labad \(LabaVersion.string) ready", metadata: [
                    "config": "\(options.configPath)", "outputs": "\(outputs)", "socket": "\(options.socketPath)",
                ])
            })
        // Started in this order, stopped in reverse: the API first, the players last.
        var services: [any Service] = [
            EngineService(engine: engine, players: players),
            SchedulerService(engine: engine, timer: timer, notifier: notifier, logger: logger),
            server,
            SignalService(hangups: hangups, reloader: reloader),
        ]
        services += placesServices(setup.config, engine: engine, logger: logger)
        if clock.offsetFile != nil {
            logger.warning("test clock: SIGUSR2 re-reads the offset from \(clock.offsetFile ?? "")")
            services.append(TestClockService(signals: await UnixSignalsSequence(trapping: .sigusr2), clock: clock, timer: timer,
                                             logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        notifier.send("STATUS=Starting")
        try await group.run()
        try? FileManager.default.removeItem(atPath: options.socketPath)
        notifier.send("STOPPING=1\nSTATUS=Stopping")
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
