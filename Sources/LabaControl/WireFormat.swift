// The daemon's values in the control API's JSON (SPEC 8): built here, at the edge, not in the
// engine; the console serves the same JSON and CSV.

import Foundation
import LabaCore

/// Writes times in the configuration's zone. Public for the web console, which serves the same JSON.
public struct WireFormat {
    var converter: ZoneConverter

    public init(_ zone: TimeZone) { converter = ZoneConverter(zone) }

    public mutating func time(_ us: Int64?) -> String? {
        us.map { RFC3339.format(Instant(microseconds: $0), converter: &converter, fractionDigits: 3) }
    }

    public mutating func broadcast(_ r: BroadcastRecord) -> BroadcastJSON {
        var json = BroadcastJSON(
            id: r.id, source: r.source, drill: r.drill, entry: r.entry, message: r.message, output: r.output, zone: r.zone,
            priority: r.priority, languages: .init(planned: r.plannedLanguages, played: r.playedLanguages),
            plannedAt: time(r.plannedAt)!, startedAt: time(r.startedAt), endedAt: time(r.endedAt), state: r.state,
            outcome: r.outcome, reason: r.reason, requestedBy: r.requestedBy, frames: r.frames, xruns: r.xruns,
            position: position(r))
        json.reasonCode = r.reasonCode
        json.reasonArgs = r.reasonArgs
        json.segments = r.segments.map { facts in
            facts.map { f in
                SegmentJSON(index: f.index, label: f.label, pass: f.pass, plannedFrames: f.planned, playedFrames: f.played,
                            startedAt: time(f.startedAt), zone: f.zone, ended: f.ended, heard: f.heard,
                            heardLevelDB: f.heardLevelDB, heardDelayMS: f.heardDelayMS)
            }
        }
        if r.source == .live {
            json.recording = r.uploadPath
            json.loudness = r.loudness
        }
        return json
    }

    public mutating func list(_ records: [BroadcastRecord]) -> BroadcastList {
        BroadcastList(broadcasts: records.map { broadcast($0) })
    }

    /// The answer of a broadcast request: its records, what each other output refused, and on a
    /// commander the command its units got.
    public mutating func list(_ outcome: Broadcasts) -> BroadcastList {
        BroadcastList(broadcasts: outcome.records.map { broadcast($0) }, refused: outcome.refused.map(Self.refused),
                      command: outcome.command?.id, commandZones: outcome.command?.zones)
    }

    /// One output's refusal: its code and arguments, and its English words for older readers.
    public static func refused(_ refusal: Refusal) -> RefusedJSON {
        RefusedJSON(output: refusal.output, code: refusal.code.rawValue, args: refusal.args.isEmpty ? nil : refusal.args,
                    message: refusal.english)
    }

    public mutating func status(_ s: EngineStatus, configPath: String, loadedAt: Instant, fleet: FleetStateJSON? = nil) -> StatusJSON {
        let outputs = s.outputs.map { o in
            var output = StatusJSON.Output(
                id: o.id, zone: o.zone, state: !o.available ? .unavailable : o.playing == nil ? .idle : .playing,
                playing: o.playing.map { broadcast($0) }, queue: o.queue,
                next: o.next.map { "\(RFC3339.format($0.time, converter: &converter)) \($0.message)" })
            output.gps = o.gps.map { gps($0) }
            output.power = o.power.map { PowerJSON(state: PowerJSON.State(wireName: $0.state).map(Open.known) ?? .unknown($0.state), problem: $0.problem,
                                                   problemCode: $0.problemCode, problemArgs: $0.problemArgs.isEmpty ? nil : $0.problemArgs) }
            output.monitor = o.monitor.map { MonitorJSON(heard: $0.heard?.rawValue, unheard: $0.unheard, silent: $0.silent,
                                                        problemCode: $0.problemCode?.rawValue, problem: $0.problem) }
            output.volume = o.volume.map { VolumeJSON(volumeDB: $0.db, lowerDB: $0.range.lower, upperDB: $0.range.upper) }
            return output
        }
        var json = StatusJSON(version: LabaVersion.string, api: ControlProtocol.version, config: configPath,
                              loadedAt: RFC3339.format(loadedAt, converter: &converter), outputs: outputs,
                              recordsBehind: s.recordsBehind, warnings: s.warnings.map(\.description), fleet: fleet)
        json.warningDetails = s.warnings.map(DiagnosticJSON.init)
        return json
    }

    public func output(_ o: OutputStatus) -> OutputJSON {
        OutputJSON(id: o.id, device: o.device, zone: o.zone, available: o.available)
    }

    public mutating func schedule(_ planned: [PlannedBroadcast]) -> ScheduleList {
        ScheduleList(schedule: planned.map { ScheduleItem($0, converter: &converter) })
    }

    public mutating func position(_ r: BroadcastRecord) -> PositionJSON? {
        guard let lat = r.positionLat, let lon = r.positionLon, let at = r.positionAt else { return nil }
        return PositionJSON(lat: lat, lon: lon, at: time(at)!)
    }

    public mutating func gps(_ s: GPSStatus) -> GPSStatusJSON {
        let f = s.follower
        var here: String?
        if case .inside(let zone) = f.status { here = zone }
        return GPSStatusJSON(
            status: f.statusText, code: f.statusCode, here: here,
            position: f.lastFix.map { PositionJSON(lat: $0.position.lat, lon: $0.position.lon, at: time($0.time.microseconds)!) },
            entering: f.candidate.map { .init(zone: $0.zone, since: time($0.since.microseconds)!) })
    }

}
