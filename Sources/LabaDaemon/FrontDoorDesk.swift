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
        // The office's own loudspeakers are on the overview already: the units are the others.
        return await fleet.units(only: only).filter { $0.unit != fleet.unitID }
    }

    /// On a commander, its units' ids (the record page's filter); nil on a daemon that commands none.
    public func fleetUnitIDs() async -> [String]? {
        guard let fleet, await fleet.isCommander else { return nil }
        let own = fleet.unitID
        return await fleet.unitIDs().filter { $0 != own }
    }

    /// On a commander, how far each recording it published has spread; nil elsewhere.
    public func librarySpread() async -> [LibrarySpread]? {
        guard let fleet, await fleet.isCommander else { return nil }
        return await fleet.librarySpread()
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
        // One indexed look-up a unit (not a grouping of every record a commander keeps).
        let last = (try? store.lastFleetRecords(units: rows.map(\.unit))) ?? [:]
        return rows.map { unitJSON($0, last: last[$0.unit]) }
    }

    /// The ids of the units known here, in order.
    func unitIDs() -> [String] {
        guard isCommander else { return [] }
        return ((try? store.units()) ?? []).map(\.unit)
    }

    /// Each recording published under this commander's key, and the units that hold, refused or
    /// miss it: a unit should hold it when a zone of its last status lies in `command_zones`.
    func librarySpread() -> [LibrarySpread] {
        guard isCommander, let key = setup.signingKey?.id else { return [] }
        let statuses = ((try? store.units()) ?? []).filter { $0.unit != unit }.compactMap { row in
            (try? FleetJSON.decode(UnitStatus.self, from: Array(row.status))).map { (row.unit, $0) }
        }
        var out: [LibrarySpread] = []
        for (name, version) in libraryVersions.sorted(by: { $0.key < $1.key }) {
            let parts = name.split(separator: "/").map(String.init)
            guard parts.count == 3, parts[0] == key else { continue }
            let (message, language) = (parts[1], parts[2])
            var holders: [String] = [], refused: [LibrarySpread.Refused] = [], missing: [String] = []
            for (id, status) in statuses.sorted(by: { $0.0 < $1.0 }) {
                if status.library?.contains(where: { $0.key == key && $0.message == message && $0.language == language && $0.version >= version }) == true {
                    holders.append(id)
                } else if let refusal = status.libraryRefusals?.first(where: {
                    $0.key == key && $0.message == message && $0.language == language && ($0.version ?? version) >= version
                }) {
                    refused.append(.init(unit: id, code: refusal.code, reason: refusal.reason))
                } else if status.zones.contains(where: { zone in setup.commandZones.contains { tree.zone(zone, isWithin: $0) } }) {
                    missing.append(id)
                }
            }
            out.append(LibrarySpread(message: message, language: language, version: version, holders: holders, refused: refused,
                                     missing: missing))
        }
        return out
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
