// The places' services in the daemon's group: the gpsd client when an output follows GPS, the
// watched folder of CAP files when `alerts.watch` is set.

import LabaCore
import Logging
import ServiceLifecycle

extension Daemon {
    /// The services SPEC 13 adds; a folder that cannot be watched is logged and left out.
    static func placesServices(_ config: Config, engine: Engine, door: FrontDoor, logger: Logger) -> [any Service] {
        var services: [any Service] = []
        if config.outputs.contains(where: { $0.follow?.value == .gps }) {
            let (host, port) = config.gps?.hostAndPort ?? GPSConfig.split(GPSConfig.defaultAddress)!
            services.append(GPSService(engine: engine, client: GPSClient(host: host, port: port, logger: logger)))
        }
        if let watch = config.alerts?.watch?.value {
            do {
                services.append(AlertWatchService(door: door, watcher: try FolderWatcher(path: watch), logger: logger))
                logger.info("alerts: watching \(watch)")
            } catch {
                logger.error("alerts: cannot watch \(watch): \(error); alerts still come through the API and the fleet")
            }
        }
        return services
    }
}
