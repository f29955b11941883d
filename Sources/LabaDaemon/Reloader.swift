// Re-reads the configuration for SIGHUP and `POST /v1/reload`; an invalid file leaves the running
// configuration in force.

import LabaControl
import LabaCore
import Logging
import Synchronization

final class Reloader: Sendable {
    let engine: Engine
    let configPath: String
    let stateDirectory: String
    let clock: WallClock
    let notifier: Notifier
    let logger: Logger
    /// The fleet's service, which takes the new keys and zones.
    let fleet: FleetService?
    /// The configuration the services were started with: a change to what they read only at
    /// start needs a restart.
    let started: Config
    private let loaded: Mutex<Instant>
    /// The restart last logged as needed, so that the log says it once.
    private let restartLogged = Mutex<[String]>([])

    init(engine: Engine, configPath: String, stateDirectory: String, clock: WallClock, notifier: Notifier,
         fleet: FleetService? = nil, started: Config, logger: Logger) {
        self.engine = engine
        self.fleet = fleet
        self.started = started
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.clock = clock
        self.notifier = notifier
        self.logger = logger
        loaded = Mutex(clock.now())
    }

    var loadedAt: Instant { loaded.withLock { $0 } }

    /// Reloads; the answer carries the new file's errors (refused) or its warnings (taken).
    func reload() async -> ReloadJSON {
        notifier.send("RELOADING=1\nSTATUS=Reloading \(configPath)")
        defer { notifier.send("READY=1\nSTATUS=Running") }
        do {
            let setup = try loadSetup(path: configPath, stateDirectory: stateDirectory, now: clock.now())
            await engine.reload(setup)
            var restart = Self.restartNeeded(started: started, new: setup.config)
            if let fleet {
                restart += await fleet.reconfigure(setup.config)
            } else if setup.config.fleet != nil {
                restart.append("fleet")
            }
            warmLoudness(setup.library, cache: engine.loudness, store: engine.store, logger: logger)
            loaded.withLock { $0 = clock.now() }
            for warning in setup.warnings { logger.warning("\(warning)") }
            logger.notice("configuration reloaded", metadata: ["config": "\(configPath)"])
            let news = restartLogged.withLock { logged in
                defer { logged = restart }
                return restart != logged
            }
            if news, !restart.isEmpty {
                logger.warning("restart labad for these changes to take effect: \(restart.joined(separator: ", "))")
            }
            return ReloadJSON(reloaded: true, diagnostics: setup.warnings.map(\.description), restartNeeded: restart)
        } catch {
            logger.error("the new configuration is invalid; the running one stays in force\n\(error)")
            if case .invalidConfig(let diagnostics) = error {
                return ReloadJSON(reloaded: false, diagnostics: diagnostics.map(\.description))
            }
            return ReloadJSON(reloaded: false, diagnostics: ["\(error)"])
        }
    }
}

extension Reloader {
    /// The settings outside `fleet:` that services read only at start (the console, metrics, the
    /// control socket's group, the alert folder, gpsd) and that differ in `new`.
    static func restartNeeded(started: Config, new: Config) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ key: String, _ value: (Config) -> T) {
            if value(started) != value(new) { out.append(key) }
        }
        compare("console.listen") { $0.console?.listen.value }
        compare("console.tls") { [$0.console?.tlsCertificate, $0.console?.tlsKey] }
        compare("console.language") { $0.console?.language }
        compare("metrics.listen") { $0.metrics?.listen.value }
        compare("metrics.token_file") { $0.metrics?.tokenFile }
        compare("control.group") { $0.control.groupName }
        compare("alerts.watch") { $0.alerts?.watch?.value }
        compare("gps.gpsd") { $0.gps?.address }
        return out
    }
}
