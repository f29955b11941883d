// BroadcastCoverage (SPEC 16) for every door: the control API, the CLI through it, the console.

import Foundation
import LabaControl
import LabaCore
import LabaFleet
import LabaStore

extension FrontDoor {
    /// BroadcastCoverage of a message or an alert, from the commander's own records and its units'.
    ///
    /// - Throws: `.badRequest` without a message or an alert, `.notFound` for an alert or zone
    ///   not known here.
    public func coverage(_ request: CoverageRequest) async throws(Refusal) -> (coverage: BroadcastCoverage, records: Int) {
        let config = await engine.configuration
        let tree = ZoneTree(config)
        if let zone = request.zone, tree[zone] == nil { throw Refusal.unknownZone(zone, among: tree.ids) }
        var aimed: [String] = []
        let subject: CoverageSubject
        if let id = request.alert {
            guard let alert = try? store.alert(id: id) else { throw Refusal.notFound("\(id)") }
            aimed = alert.sentZones ?? alert.zones
            subject = .alert(commands: alert.command.map { [$0] } ?? [], broadcasts: alert.broadcasts)
        } else if let message = request.message {
            aimed = (try? store.aimedZones(message: message, since: request.since, until: request.until)) ?? []
            subject = .message(message)
        } else {
            throw Refusal(.badRequest)
        }
        let own: [BroadcastRecord]
        let units: [CoverageRecord]
        do {
            own = try store.coverageRecords(subject, ownOnly: true, since: request.since, until: request.until).own
            units = try store.coverageFleetRecords(subject, since: request.since, until: request.until)
        } catch {
            throw Refusal.storageFull("\(error)")
        }
        let records = own.map { CoverageRecord(unit: fleet?.unitID, record: $0) } + units
        // The commander's own broadcasts were aimed at its outputs' zones.
        for r in own where !aimed.contains(r.zone) { aimed.append(r.zone) }
        let outputs = await engine.status(withNext: false).outputs
        var placed = Set(outputs.map(\.zone))
        // Where a monitor hears a horn (SPEC 18): the commander's outputs and its units'.
        var monitored = Set(outputs.filter { $0.monitor != nil }.map(\.zone))
        if let fleet {
            let units = await fleet.unitZones()
            placed.formUnion(units.placed)
            monitored.formUnion(units.monitored)
        }
        let query = CoverageQuery(aimed: aimed, placed: placed, within: request.zone, monitored: monitored)
        let coverage = BroadcastCoverage.compute(records, query: query, tree: tree)
        return (coverage, records.count)
    }
}

extension FleetService {
    /// The zones the known units' outputs are in (and the zones they named), and those of their
    /// outputs with a monitor (a unit says `unheard` for those), from their last statuses.
    func unitZones() -> (placed: Set<String>, monitored: Set<String>) {
        var zones: Set<String> = []
        var monitored: Set<String> = []
        for row in (try? store.units()) ?? [] {
            guard let status = try? FleetJSON.decode(UnitStatus.self, from: Array(row.status)) else { continue }
            zones.formUnion(status.zones)
            zones.formUnion((status.outputs ?? []).map(\.zone))
            monitored.formUnion((status.outputs ?? []).filter { $0.unheard != nil }.map(\.zone))
        }
        return (zones, monitored)
    }
}
