// Places in the control API's JSON: positions, the GPS status of an output, alert records.

import LabaControl
import LabaCore
import LabaStore

extension WireFormat {
    mutating func position(_ r: BroadcastRecord) -> PositionJSON? {
        guard let lat = r.positionLat, let lon = r.positionLon, let at = r.positionAt else { return nil }
        return PositionJSON(lat: lat, lon: lon, at: time(at)!)
    }

    mutating func gps(_ s: GPSStatus) -> GPSStatusJSON {
        let f = s.follower
        var here: String?
        if case .inside(let zone) = f.status { here = zone }
        return GPSStatusJSON(
            status: f.statusText, here: here,
            position: f.lastFix.map { PositionJSON(lat: $0.position.lat, lon: $0.position.lon, at: time($0.time.microseconds)!) },
            entering: f.candidate.map { .init(zone: $0.zone, since: time($0.since.microseconds)!) })
    }

    mutating func alert(_ a: AlertRecord) -> AlertJSON {
        AlertJSON(id: a.id ?? 0, identifier: a.identifier, sender: a.sender, sent: a.sent, status: a.status, msgType: a.msgType,
                  event: a.event, message: a.message, priority: a.priority, drill: a.drill, receivedAt: time(a.receivedAt)!,
                  via: a.via, file: a.file, zones: a.zones, broadcasts: a.broadcasts, refused: a.refused, reason: a.reason,
                  notes: a.notes, cancels: a.cancels, cancelledBy: a.cancelledBy, repeatsLeft: a.repeatsLeft,
                  nextAt: time(a.nextAt), expiresAt: time(a.expiresAt))
    }
}
