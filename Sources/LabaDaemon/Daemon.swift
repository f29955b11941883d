// The daemon's composition: configuration, store, engine, players, scheduling loop, signals,
// systemd notification. `labad` parses its flags and calls `Daemon.run`.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaFleet
import LabaStore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

public struct DaemonOptions: Sendable {
    public var configPath: String
    public var stateDirectory: String
    public var socketPath: String
    /// More services on the same engine (the web console), started after the control server.
    public var services: [DaemonServiceFactory] = []

    public init(configPath: String, stateDirectory: String, socketPath: String) {
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
    }
}

/// What a service beside the control API gets: the front door, through which it reaches
/// everything else (SPEC 15), and the configuration it starts with.
public struct DaemonContext: Sendable {
    /// Every request's way in.
    public let door: FrontDoor
    public let config: Config
    public let logger: Logger
}

/// Builds a service from the daemon's context; nil when the configuration does not ask for it.
public typealias DaemonServiceFactory = @Sendable (DaemonContext) throws -> (any Service)?

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

/// Loads and checks a configuration with its recordings, as `laba check` does; with a state dir,
/// the operators' schedule in it is merged in (its broken entries disabled with a warning).
public func loadSetup(path: String, stateDirectory: String? = nil, now: Instant) throws(DaemonError) -> Setup {
    let loaded = ConfigLoader.load(path: path)
    guard let config = loaded.config else { throw .invalidConfig(loaded.diagnostics) }
    // The keys, passwords and certificates it names, read as the services will read them.
    let diagnostics = loaded.diagnostics + configFileProblems(config)
    let library = scanLibrary(config, stateDirectory: stateDirectory)
    let operators = stateDirectory.map { OperatorScheduleLoad.load(stateDirectory: $0) }
        ?? .none(OperatorSchedule.fileName)
    if diagnostics.hasErrors { throw .invalidConfig(diagnostics.sortedByLocation()) }
    return try mergeSetup(technician: config, technicianDiagnostics: diagnostics, library: library,
                          operators: operators, now: now)
}

/// The technician's configuration and the operators' schedule, merged and checked as a whole.
///
/// - Parameter strict: operators' entries whose problems are errors (the one a change is about)
///   rather than warnings that disable them.
/// - Throws: `.invalidConfig` with every error and warning.
func mergeSetup(technician: Config, technicianDiagnostics: [Diagnostic], library: MessageLibrary,
                operators: OperatorScheduleLoad, strict: Set<String> = [], now: Instant) throws(DaemonError) -> Setup {
    let merged = MergedConfig(technician: technician, operators: operators, library: library, strict: strict)
    let check = ConfigCheck(config: merged.config, library: library, now: now)
    let diagnostics = (technicianDiagnostics + merged.diagnostics + check.diagnostics).sortedByLocation()
    if diagnostics.hasErrors { throw .invalidConfig(diagnostics) }
    var setup = Setup(config: merged.config, configDiagnostics: technicianDiagnostics + merged.diagnostics, library: library, now: now)
    setup.technician = technician
    setup.operators = operators
    setup.disabled = merged.disabled
    setup.disabledDiagnostics = merged.disabledDiagnostics
    return setup
}

/// The recordings of `audio_dir`, and for a fleet unit those received from its commanders.
public func scanLibrary(_ config: Config, stateDirectory: String?) -> MessageLibrary {
    var library = MessageLibrary.scan(directory: config.audioDirectory, probe: SndFileProbe())
    if let fleet = config.fleet, let stateDirectory {
        let files = FleetLibraryFiles(directory: StateLayout(directory: stateDirectory).library)
        let (recordings, problems) = files.recordings(trust: libraryTrust(fleet), probe: SndFileProbe())
        for recording in recordings { library.add(fleet: recording) }
        library.addProblems(of: problems)
    }
    return library
}

/// KEY_ID → the subtrees a unit trusts the key for, as far as the library goes: `fleet.trust`
/// less its revoked keys,
/// and a commander's own key for its `command_zones` (its own recordings play at home too).
/// A key file that cannot be read trusts nothing (labad refuses to start with it anyway).
func libraryTrust(_ fleet: FleetConfig) -> [String: [String]] {
    guard case .success(let setup) = FleetSetup.load(fleet, hostName: ProcessInfo.processInfo.hostName) else { return [:] }
    // A revoked key's recordings play nowhere (the next key's, or audio_dir's, play instead).
    var out = setup.trust.entries.filter { !$0.value.revoked }.mapValues(\.zones)
    if let own = setup.signingKey, out[own.id] == nil { out[own.id] = setup.commandZones }
    return out
}

public enum Daemon {
    /// Runs until SIGTERM or SIGINT: fades out, persists, returns.
    ///
    /// - Throws: `DaemonError.invalidConfig` before anything starts when the file is invalid.
    public static func run(_ options: DaemonOptions, logger: Logger) async throws {
        let notifier = Notifier()
        let clock = WallClock()
        let setup = try loadSetup(path: options.configPath, stateDirectory: options.stateDirectory, now: clock.now())
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
        try await engine.start()
        warmLoudness(setup.library, cache: loudness, store: store, logger: logger)

        // A fleet unit (SPEC 11): its connection to the broker, which never holds up local playback.
        var fleet: FleetService?
        if setup.config.fleet != nil {
            let service = try FleetService(config: setup.config, engine: engine, store: store, stateDirectory: options.stateDirectory,
                                           configPath: options.configPath, now: { clock.now() }, logger: logger)
            await engine.setReporter(service.reporter(timeZone: setup.config.timeZone))
            fleet = service
        }

        // Trap SIGHUP before anything can send one: a reload must never kill the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let outputs = setup.config.outputs.count
        let ready = ReadyFlag()
        let reloader = Reloader(engine: engine, configPath: options.configPath, stateDirectory: options.stateDirectory,
                                clock: clock, notifier: notifier, fleet: fleet, started: setup.config, logger: logger)
        // One editor for every client of the operators' schedule (the API; the console's page).
        let editor = ScheduleEditor(engine: engine, store: store, stateDirectory: options.stateDirectory, logger: logger)
        // Every way in goes through one door (SPEC 15): the API, the console, the fleet's commands, alerts.
        let door = FrontDoor(engine: engine, fleet: fleet, store: store, editor: editor, stateDirectory: options.stateDirectory,
                             reload: { await reloader.reload() }, logger: logger)
        await fleet?.attach(door)
        let server = try ControlServer.build(
            door: door, engine: engine, fleet: fleet, socketPath: options.socketPath, group: setup.config.control.groupName,
            configPath: options.configPath, stateDirectory: options.stateDirectory, reloader: reloader,
            logger: logger,
            onListening: {
                ready.set()
                notifier.send("READY=1\nSTATUS=Playing on \(outputs) output\(outputs == 1 ? "" : "s") from \(options.configPath)")
                logger.notice("labad \(LabaVersion.string) ready", metadata: [
                    "config": "\(options.configPath)", "outputs": "\(outputs)", "socket": "\(options.socketPath)",
                ])
            })
        // Started in this order, stopped in reverse: the API first, the players last.
        var services: [any Service] = [
            EngineService(engine: engine, players: players),
            SchedulerService(engine: engine, timer: timer, notifier: notifier, logger: logger),
        ]
        if let fleet { services.append(fleet) }
        services += [
            server,
            SignalService(hangups: hangups, reloader: reloader),
        ]
        let context = DaemonContext(door: door, config: setup.config, logger: logger)
        for factory in options.services {
            if let service = try factory(context) { services.insert(service, at: 3) }
        }
        services += placesServices(setup.config, engine: engine, door: door, logger: logger)
        // Operations (issue 31): retention always (its defaults keep an SD card from filling), the
        // metrics server when `metrics:` asks for it.
        services.append(RetentionService(engine: engine, store: store, stateDirectory: options.stateDirectory, logger: logger,
                                         now: { clock.now() }))
        if let settings = setup.config.metrics {
            services.append(try MetricsService(settings: settings, engine: engine, store: store, fleet: fleet,
                                               stateDirectory: options.stateDirectory, metrics: DaemonMetrics(), ready: ready,
                                               logger: logger))
        }
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
