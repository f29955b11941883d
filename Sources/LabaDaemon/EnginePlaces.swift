// The engine's places (SPEC 13): outputs that follow their GPS position, the position each of
// their broadcasts starts at, and the zones' map. The decisions are LabaCore's (`Follower`,
// `ZoneMap`); the engine carries them out: a switch is the same move as `laba zone`.

import Foundation
import LabaControl
import LabaCore
import LabaStore
import Logging

/// What gpsd says, as the GPS service hands it on.
public enum GPSReport: Sendable, Equatable {
    /// A position with its own time (a TPV of mode 2 or 3).
    case fix(GPSFix)
    /// The receiver has no fix (a TPV of mode 0 or 1).
    case noFix
    /// gpsd cannot be reached, or the connection ended.
    case gone
}

/// Why an output moved.
public enum MoveCause: Sendable, Equatable {
    case `operator`
    /// Its position: the fix that completed the dwell, and since when (fix time) it was in the zone.
    case gps(GPSFix, since: Instant)
}

/// The places part of the engine's state.
struct PlacesState {
    var map: ZoneMap
    /// The following outputs, by id.
    var followers: [String: Follower] = [:]
    /// Alerts with plays still to come: record id → when the next is due.
    var repeats: [Int64: Instant] = [:]
    /// What the services were started with (they do not follow a reload).
    var services: String

    init(config: Config, tree: ZoneTree, outputZones: [String: String], keeping old: [String: Follower] = [:]) {
        map = ZoneMap(config, tree: tree)
        services = "\(config.outputs.contains { $0.follow != nil } ? config.gps?.address ?? GPSConfig.defaultAddress : "-") "
            + (config.alerts?.watch?.value ?? "-")
        let dwell = config.gps?.dwellSpan ?? GPSConfig.defaultDwell
        for output in config.outputs where output.follow != nil {
            let id = output.id.value
            let zone = outputZones[id] ?? output.zone.value
            var follower = Follower(zone: zone, dwell: dwell, validFrom: LabaVersion.buildDate)
            // A reload keeps what the unit knows of its position.
            if let previous = old[id], let fix = previous.lastFix {
                _ = follower.handle(fix, map: map)
                if previous.status == .noFix || previous.status == .unreachable { follower.lost(unreachable: previous.status == .unreachable) }
            }
            followers[id] = follower
        }
    }

    var nextRepeat: Instant? { repeats.values.min() }
}

extension Engine {
    /// Takes one gpsd report: each following output's follower decides, and a switch moves the
    /// output as `laba zone` does, recorded with the position.
    public func gps(_ report: GPSReport) {
        for id in places.followers.keys.sorted() {
            guard var follower = places.followers[id] else { continue }
            let decision: Follower.Decision
            switch report {
            case .fix(let fix):
                decision = follower.handle(fix, map: places.map)
            case .noFix, .gone:
                if follower.status != .noFix && follower.status != .unreachable {
                    logger.notice("gps: no fix; the zone stays", metadata: ["output": "\(id)", "zone": "\(follower.zone)",
                                                                            "why": "\(report == .gone ? "gpsd unreachable" : "no fix")"])
                }
                follower.lost(unreachable: report == .gone)
                decision = .stay
            }
            let was = places.followers[id]?.status
            places.followers[id] = follower
            if follower.status == .outside, was != .outside {
                logger.info("gps: outside every area; the zone stays", metadata: ["output": "\(id)", "zone": "\(follower.zone)"])
            }
            if case .switchTo(let zone, let fix, let since) = decision {
                do {
                    _ = try move(output: id, to: zone, cause: .gps(fix, since: since))
                } catch {
                    logger.error("gps: cannot move the output", metadata: ["output": "\(id)", "zone": "\(zone)", "error": "\(error)"])
                }
            }
        }
    }

    /// The GPS status of each following output.
    func gpsStatus(of output: String) -> GPSStatus? {
        places.followers[output].map(GPSStatus.init)
    }

    /// Writes where a following output is into a broadcast's record as it starts: the last fix, and
    /// the zone it is heard in (it may have moved while the broadcast waited).
    func stampPosition(_ record: inout BroadcastRecord) {
        guard record.positionAt == nil, let follower = places.followers[record.output] else { return }
        record.zone = follower.zone
        guard let fix = follower.lastFix else { return }
        record.positionLat = fix.position.lat
        record.positionLon = fix.position.lon
        record.positionAt = fix.time.microseconds
    }

    /// Rebuilds the map and the followers after a reload, keeping what each unit knows.
    func reloadPlaces() {
        let started = places.services
        places = PlacesState(config: setup.config, tree: builder.tree, outputZones: scheduler.planner.outputZones,
                             keeping: places.followers).with(repeats: places.repeats)
        if places.services != started {
            logger.warning("the new gps or alerts.watch settings take effect when labad restarts")
            places.services = started
        }
    }

    /// Records a move, and tells a follower moved by someone else.
    func noteMove(output: String, from: String?, to zone: String, cause: MoveCause, at t: Instant) {
        var move = ZoneMoveRecord(output: output, fromZone: from, toZone: zone, at: t.microseconds, cause: "operator")
        switch cause {
        case .operator:
            places.followers[output]?.moved(to: zone)
        case .gps(let fix, _):
            move.cause = "gps"
            move.lat = fix.position.lat
            move.lon = fix.position.lon
            move.fixAt = fix.time.microseconds
        }
        do { try store.recordMove(move) } catch {
            logger.warning("cannot record the move", metadata: ["output": "\(output)", "error": "\(error)"])
        }
    }
}

extension PlacesState {
    func with(repeats: [Int64: Instant]) -> PlacesState {
        var copy = self
        copy.repeats = repeats
        return copy
    }
}

extension Engine {
    /// The log's words for a move: a move by position names the fix.
    func moveMetadata(output: String, from: String?, to zone: String, cause: MoveCause) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["output": "\(output)", "from": "\(from ?? "")", "zone": "\(zone)"]
        if case .gps(let fix, let since) = cause {
            var converter = ZoneConverter(setup.config.timeZone)
            metadata["cause"] = "gps"
            metadata["position"] = "\(fix.position)"
            metadata["fix"] = "\(RFC3339.format(fix.time, converter: &converter, fractionDigits: 3))"
            metadata["since"] = "\(RFC3339.format(since, converter: &converter, fractionDigits: 3))"
        }
        return metadata
    }
}
