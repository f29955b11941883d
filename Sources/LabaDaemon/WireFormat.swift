// A unit's records as a commander reads them, and reports (SPEC 8); the rest of the JSON is
// LabaControl's WireFormat.

import Foundation
import LabaControl
import LabaCore
import LabaFleet
import LabaStore

extension BroadcastRecord {
    /// A unit's record as a commander received it (SPEC 8's JSON), for reports; nil when its
    /// times or names cannot be read. Its airtime is its wall time (the JSON has no rate).
    init?(fleet json: BroadcastJSON) {
        guard let planned = FleetTime.parse(json.plannedAt) else { return nil }
        self.init(id: json.id, source: json.source.known ?? .fleet, entry: json.entry, message: json.message, output: json.output,
                  zone: json.zone, priority: json.priority.known ?? .manual, plannedLanguages: json.languages.planned,
                  drill: json.drill, plannedAt: planned.microseconds, deadline: nil, requestedBy: json.requestedBy)
        playedLanguages = json.languages.played
        startedAt = json.startedAt.flatMap(FleetTime.parse)?.microseconds
        endedAt = json.endedAt.flatMap(FleetTime.parse)?.microseconds
        state = json.state.known ?? .done
        outcome = json.outcome?.known
        reason = json.reason
        reasonCode = json.reasonCode
        reasonArgs = json.reasonArgs
        frames = json.frames
        xruns = json.xruns
        segments = json.segments.map { $0.map(SegmentFact.init(json:)) }
        if let position = json.position, let at = FleetTime.parse(position.at) {
            positionLat = position.lat
            positionLon = position.lon
            positionAt = at.microseconds
        }
    }
}

extension SegmentFact {
    /// A segment as a unit's JSON carries it.
    init(json s: SegmentJSON) {
        self.init(index: s.index, label: s.label, pass: s.pass, planned: s.plannedFrames, played: s.playedFrames,
                  startedAt: s.startedAt.flatMap(FleetTime.parse)?.microseconds, zone: s.zone, ended: s.ended, heard: s.heard,
                  heardLevelDB: s.heardLevelDB, heardDelayMS: s.heardDelayMS)
    }
}

extension ReportJSON {
    /// Counts and airtime per key, split by outcome, over finished broadcasts. Airtime is what was
    /// played: frames at the output's rate (gaps and chime included); by language, the frames of
    /// that language's segments. A record from before rates were kept counts its wall time.
    ///
    /// - Parameter units: the fleet unit of each record (by unit).
    init(by key: ReportKey, records: [BroadcastRecord], units: [String]? = nil) {
        var rows: [String: Row] = [:]
        for (index, r) in records.enumerated() {
            let wall = Double(max(0, (r.endedAt ?? 0) - (r.startedAt ?? r.endedAt ?? 0))) / 1e6
            let airtime = r.airtime ?? (r.startedAt == nil ? 0 : wall)
            let keys: [String]
            switch key {
            case .language:
                // An upload sent without a language counts as "unknown", so that totals agree across keys.
                let languages = r.playedLanguages.isEmpty ? r.plannedLanguages : r.playedLanguages
                keys = languages.isEmpty ? [r.neutral ? Language.neutral : "unknown"] : languages
            case .message: keys = [r.message]
            case .output: keys = [r.output]
            case .zone: keys = [r.zone]
            case .unit: keys = [units?[index] ?? "local"]
            }
            for k in keys {
                var row = rows[k] ?? Row(key: k, broadcasts: 0, airtimeSeconds: 0, outcomes: [:])
                row.broadcasts += 1
                if key == .language, let rate = r.rate, rate > 0 {
                    // An upload without a language plays under its own label.
                    let frames = r.segmentFrames[k] ?? (keys.count == 1 ? r.segmentFrames.filter { $0.key != "chime" }.values.reduce(0, +) : 0)
                    row.airtimeSeconds += Double(frames) / Double(rate)
                } else {
                    row.airtimeSeconds += airtime / Double(max(1, key == .language ? keys.count : 1))
                }
                row.outcomes[r.outcome?.rawValue ?? "unknown", default: 0] += 1
                rows[k] = row
            }
        }
        self.init(by: key, rows: rows.values.sorted { $0.key < $1.key })
    }

    /// These rows with a fleet report's groups added (the same key's counts and airtime summed).
    func adding(_ groups: [Store.FleetReportRow]) -> ReportJSON {
        var rows = Dictionary(self.rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for group in groups {
            var row = rows[group.key] ?? Row(key: group.key, broadcasts: 0, airtimeSeconds: 0, outcomes: [:])
            row.broadcasts += group.broadcasts
            row.airtimeSeconds += group.airtimeSeconds
            row.outcomes[group.outcome, default: 0] += group.broadcasts
            rows[group.key] = row
        }
        return ReportJSON(by: by, rows: rows.values.sorted { $0.key < $1.key })
    }
}
