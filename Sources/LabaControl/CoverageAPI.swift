// BroadcastCoverage in the control API's JSON (SPEC 16): `GET /v1/coverage`, `laba coverage --format json`.

import Foundation
import LabaCore

public struct CoverageJSON: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// A language, or `chime`, `siren`, `neutral`, `upload` (which count for the zone).
        public var label: String
        /// `language` or `zone`.
        public var kind: String
        /// played, partial, missing, played_extent_unknown, not_planned_then.
        public var state: Open<BroadcastCoverage.State>
        /// The best pass's share of its frames (0…1); null when unknown.
        public var fraction: Double?
        /// The monitors' word on the passes that played (SPEC 18): `yes` when a monitored pass was
        /// heard, else `partly`, else `no`; null when no pass was monitored; absent when the
        /// coverage is not `monitored` (no monitor in scope: nothing is said about hearing).
        public var heard: Heard?
        /// The level (dB above the room) and delay (ms) of the pass that gave `heard`.
        public var heardLevelDB: Double?
        public var heardDelayMS: Double?
        /// Whether `heard` is said (the coverage's `monitored`).
        public var monitored = false
        public var unit: String?
        public var output: String?
        public var record: String?
        public var at: String?
        public var position: Position?

        public struct Position: Codable, Sendable, Equatable {
            public var lat: Double
            public var lon: Double
        }

        enum CodingKeys: String, CodingKey {
            case label, kind, state, fraction, heard, unit, output, record, at, position
            case heardLevelDB = "heard_level_db", heardDelayMS = "heard_delay_ms"
        }

        public init(label: String, kind: String, state: Open<BroadcastCoverage.State>, fraction: Double?, heard: Heard?,
                    heardLevelDB: Double? = nil, heardDelayMS: Double? = nil, monitored: Bool = false,
                    unit: String?, output: String?, record: String?, at: String?, position: Position?) {
            self.label = label
            self.kind = kind
            self.state = state
            self.fraction = fraction
            self.heard = heard
            self.heardLevelDB = heardLevelDB
            self.heardDelayMS = heardDelayMS
            self.monitored = monitored
            self.unit = unit
            self.output = output
            self.record = record
            self.at = at
            self.position = position
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            label = try c.decode(String.self, forKey: .label)
            kind = try c.decode(String.self, forKey: .kind)
            state = try c.decode(Open<BroadcastCoverage.State>.self, forKey: .state)
            fraction = try c.decodeIfPresent(Double.self, forKey: .fraction)
            monitored = c.contains(.heard)
            heard = (try? c.decodeIfPresent(String.self, forKey: .heard)).flatMap { $0.flatMap(Heard.init(rawValue:)) }
            heardLevelDB = try? c.decodeIfPresent(Double.self, forKey: .heardLevelDB)
            heardDelayMS = try? c.decodeIfPresent(Double.self, forKey: .heardDelayMS)
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
            output = try c.decodeIfPresent(String.self, forKey: .output)
            record = try c.decodeIfPresent(String.self, forKey: .record)
            at = try c.decodeIfPresent(String.self, forKey: .at)
            position = try c.decodeIfPresent(Position.self, forKey: .position)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(kind, forKey: .kind)
            try c.encode(state, forKey: .state)
            try c.encode(fraction, forKey: .fraction)
            if monitored {
                try c.encode(heard, forKey: .heard)
                try c.encodeIfPresent(heardLevelDB, forKey: .heardLevelDB)
                try c.encodeIfPresent(heardDelayMS, forKey: .heardDelayMS)
            }
            try c.encode(unit, forKey: .unit)
            try c.encode(output, forKey: .output)
            try c.encode(record, forKey: .record)
            try c.encode(at, forKey: .at)
            try c.encode(position, forKey: .position)
        }
    }

    public struct Zone: Codable, Sendable, Equatable {
        public var zone: String
        public var name: String
        public var aimed: Bool
        /// The worst state of its entries.
        public var state: Open<BroadcastCoverage.State>
        public var entries: [Entry]
    }

    public var message: String?
    public var alert: Int64?
    public var since: String?
    public var until: String?
    public var zone: String?
    /// Records read (the commander's own and its units').
    public var records: Int
    /// Whether hearing is said at all (SPEC 16, 18): an output in scope has a monitor, or a
    /// record says a pass was monitored. Absent (false) from an older daemon.
    public var monitored: Bool
    public var zones: [Zone]

    enum CodingKeys: String, CodingKey {
        case message, alert, since, until, zone, records, monitored, zones
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        alert = try c.decodeIfPresent(Int64.self, forKey: .alert)
        since = try c.decodeIfPresent(String.self, forKey: .since)
        until = try c.decodeIfPresent(String.self, forKey: .until)
        zone = try c.decodeIfPresent(String.self, forKey: .zone)
        records = try c.decode(Int.self, forKey: .records)
        monitored = try c.decodeIfPresent(Bool.self, forKey: .monitored) ?? false
        zones = try c.decode([Zone].self, forKey: .zones)
    }

    public init(message: String?, alert: Int64?, since: String?, until: String?, zone: String?, records: Int,
                monitored: Bool = false, zones: [Zone]) {
        self.message = message
        self.alert = alert
        self.since = since
        self.until = until
        self.zone = zone
        self.records = records
        self.monitored = monitored
        self.zones = zones
    }
}

extension WireFormat {
    public mutating func coverage(_ c: BroadcastCoverage, message: String?, alert: Int64?, since: Int64?, until: Int64?, zone: String?,
                                  records: Int, names: (String) -> String) -> CoverageJSON {
        CoverageJSON(message: message, alert: alert, since: time(since), until: time(until), zone: zone, records: records,
                     monitored: c.monitored,
                     zones: c.zones.map { z in
                         CoverageJSON.Zone(zone: z.zone, name: names(z.zone), aimed: z.aimed, state: .known(z.worst),
                                           entries: z.entries.map { e in
                                               CoverageJSON.Entry(
                                                   label: e.label, kind: e.isLanguage ? "language" : "zone", state: .known(e.state),
                                                   fraction: e.fraction.map { ($0 * 1000).rounded() / 1000 },
                                                   heard: c.monitored ? e.heard : nil,
                                                   heardLevelDB: c.monitored ? e.heardLevelDB : nil,
                                                   heardDelayMS: c.monitored ? e.heardDelayMS : nil, monitored: c.monitored,
                                                   unit: e.evidence?.unit, output: e.evidence?.output, record: e.evidence?.record,
                                                   at: time(e.evidence?.at),
                                                   position: e.evidence.flatMap { ev in
                                                       ev.lat.flatMap { lat in ev.lon.map { CoverageJSON.Entry.Position(lat: lat, lon: $0) } }
                                                   })
                                           })
                     })
    }
}

/// BroadcastCoverage as CSV, one line per zone and language (or part): the API's field names and values.
public func coverageCSV(_ c: CoverageJSON) -> String {
    // The heard columns only when a monitor is in scope; empty: that pass was not monitored.
    let heard = c.monitored
    let header = ["zone", "zone_name", "aimed", "label", "kind", "state", "fraction", "unit", "output", "record", "at", "lat", "lon"]
        + (heard ? ["heard", "heard_level_db", "heard_delay_ms"] : [])
    var rows = [header]
    for z in c.zones {
        for e in z.entries {
            var row: [String] = [z.zone, z.name, z.aimed ? "true" : "false", e.label, e.kind, e.state.description]
            row.append(e.fraction.map { String(format: "%.3f", $0) } ?? "")
            row += [e.unit ?? "", e.output ?? "", e.record ?? "", e.at ?? ""]
            row += [e.position.map { String($0.lat) } ?? "", e.position.map { String($0.lon) } ?? ""]
            if heard {
                let level: String = e.heardLevelDB.map { String($0) } ?? ""
                let delay: String = e.heardDelayMS.map { String(Int($0)) } ?? ""
                row += [e.heard?.rawValue ?? "", level, delay]
            }
            rows.append(row)
        }
    }
    return csv(rows)
}
