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
    private let loaded: Mutex<Instant>

    init(engine: Engine, configPath: String, stateDirectory: String, clock: WallClock, notifier: Notifier, logger: Logger) {
        self.engine = engine
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
            warmLoudness(setup.library, cache: engine.loudness, store: engine.store, logger: logger)
            loaded.withLock { $0 = clock.now() }
            for warning in setup.warnings { logger.warning("\(warning)") }
            logger.notice("configuration reloaded", metadata: ["config": "\(configPath)"])
            return ReloadJSON(reloaded: true, diagnostics: setup.warnings.map(\.description))
        } catch {
            logger.error("the new configuration is invalid; the running one stays in force\n\(error)")
            if case .invalidConfig(let diagnostics) = error {
                return ReloadJSON(reloaded: false, diagnostics: diagnostics.map(\.description))
            }
            return ReloadJSON(reloaded: false, diagnostics: ["\(error)"])
        }
    }
}
