// What a commander's console shows of its fleet (SPEC 16, the county's desk): its units as their
// last statuses say, the ids of those that change as statuses arrive, and their records.

import LabaControl
import LabaFleet
import LabaCore
import LabaStore

extension FrontDoor {
    /// This daemon's id in the fleet; nil without a `fleet:` section.
    public var fleetUnitID: String? { fleet?.unitID }

    /// On a commander, its units (`only`: those of them), by id; nil on a daemon that commands none.
    public func fleetUnits(only: Set<String>?) async -> [UnitJSON]? {
        guard let fleet, await fleet.isCommander else { return nil }
        return await fleet.units(only: only)
    }

    /// On a commander, the id of each unit whose status or records are stored, from now on; nil
    /// on a daemon that commands none. It ends at shutdown.
    public func unitChanges() async -> AsyncStream<String>? {
        guard let fleet, await fleet.isCommander else { return nil }
        return await fleet.followUnits()
    }

    /// Units' records (`unit` nil: every unit's), newest first, those after `before` (planned
    /// time, unit, id) when given; a record that cannot be read is left out.
    public func unitRecords(unit: String?, _ filter: BroadcastFilter,
                            before: (plannedAt: Int64, unit: String, id: String)?) async -> [DeskRecord] {
        guard let fleet else { return [] }
        return await fleet.deskRecords(unit: unit, filter, before: before)
    }
}

extension FleetService {
    /// The units known here (`only`: those of them), as `GET /v1/fleet` lists them.
    func units(only: Set<String>?) -> [UnitJSON] {
        guard isCommander else { return [] }
        let rows = ((try? store.units()) ?? []).filter { only?.contains($0.unit) ?? true }
        let last = (try? store.lastFleetRecords(units: only.map { Array($0) })) ?? [:]
        return rows.map { unitJSON($0, last: last[$0.unit]) }
    }

    func deskRecords(unit: String?, _ filter: BroadcastFilter, before: (plannedAt: Int64, unit: String, id: String)?) -> [DeskRecord] {
        ((try? store.fleetRecords(unit: unit, filter, before: before)) ?? []).compactMap { row in
            guard let json = try? FleetJSON.decode(BroadcastJSON.self, from: Array(row.record)),
                  var record = BroadcastRecord(fleet: json) else { return nil }
            record.positionLat = json.position?.lat
            record.positionLon = json.position?.lon
            record.positionAt = json.position.flatMap { FleetTime.parse($0.at) }?.microseconds
            return DeskRecord(unit: row.unit, record: record)
        }
    }
}
