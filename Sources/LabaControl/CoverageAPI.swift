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
        /// A monitor's word; absent until a monitor said (SPEC 18).
        public var heard: Bool?
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
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(kind, forKey: .kind)
            try c.encode(state, forKey: .state)
            try c.encode(fraction, forKey: .fraction)
            try c.encodeIfPresent(heard, forKey: .heard)
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
    public var zones: [Zone]

    public init(message: String?, alert: Int64?, since: String?, until: String?, zone: String?, records: Int, zones: [Zone]) {
        self.message = message
        self.alert = alert
        self.since = since
        self.until = until
        self.zone = zone
        self.records = records
        self.zones = zones
    }
}

extension WireFormat {
    public mutating func coverage(_ c: BroadcastCoverage, message: String?, alert: Int64?, since: Int64?, until: Int64?, zone: String?,
                                  records: Int, names: (String) -> String) -> CoverageJSON {
        CoverageJSON(message: message, alert: alert, since: time(since), until: time(until), zone: zone, records: records,
                     zones: c.zones.map { z in
                         CoverageJSON.Zone(zone: z.zone, name: names(z.zone), aimed: z.aimed, state: .known(z.worst),
                                           entries: z.entries.map { e in
                                               CoverageJSON.Entry(
                                                   label: e.label, kind: e.isLanguage ? "language" : "zone", state: .known(e.state),
                                                   fraction: e.fraction.map { ($0 * 1000).rounded() / 1000 }, heard: e.heard,
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
    let heard = c.zones.contains { $0.entries.contains { $0.heard != nil } }
    let header = ["zone", "zone_name", "aimed", "label", "kind", "state", "fraction", "unit", "output", "record", "at", "lat", "lon"]
        + (heard ? ["heard"] : [])
    var rows = [header]
    for z in c.zones {
        for e in z.entries {
            rows.append([z.zone, z.name, z.aimed ? "true" : "false", e.label, e.kind, e.state.description,
                         e.fraction.map { String(format: "%.3f", $0) } ?? "", e.unit ?? "", e.output ?? "", e.record ?? "",
                         e.at ?? "", e.position.map { String($0.lat) } ?? "", e.position.map { String($0.lon) } ?? ""]
                        + (heard ? [e.heard.map { $0 ? "true" : "false" } ?? ""] : []))
        }
    }
    return csv(rows)
}
