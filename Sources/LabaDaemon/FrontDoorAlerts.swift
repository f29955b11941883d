// The alerts of the county's desk (issue 28): received alerts with their areas, the zones they
// reached, what played where (here and on the units a commander forwarded them to) and what was
// refused and why; an alert sent from the console enters as any other (SPEC 15).

import Foundation
import LabaControl
import LabaCore
import LabaFleet
import LabaStore

extension FrontDoor {
    /// The latest alerts, newest first, with what came of each on this commander's units.
    public func deskAlerts(limit: Int) async -> [DeskAlert] {
        var wire = WireFormat(await engine.configuration.timeZone)
        var out: [DeskAlert] = []
        for record in await engine.alerts(limit: limit) {
            let areas = record.document.flatMap { try? CAPAlert(xml: $0) }?.infos.flatMap { $0.areas.map(\.description) } ?? []
            var alert = DeskAlert(alert: wire.alert(record), areas: areas)
            alert.localRecords = record.broadcasts.isEmpty ? [] : await engine.history(BroadcastFilter(since: record.receivedAt, limit: 500))
                .filter { record.broadcasts.contains($0.id) }
            if let command = record.command, let fleet {
                alert.answers = ((try? store.acks(command: command)) ?? []).map {
                    .init(unit: $0.unit, result: $0.result, code: $0.code, message: $0.message, broadcasts: $0.broadcasts, args: $0.args)
                }
                alert.unitRecords = await fleet.deskRecords(unit: nil, BroadcastFilter(since: record.receivedAt - 60_000_000, limit: 2000),
                                                            before: nil).filter {
                    // A unit records a forwarded alert as the alert's own (its identifier), as it does one it received itself.
                    if case .alert(let identifier)? = $0.record.requestedBy { return identifier == record.identifier }
                    return false
                }
            }
            out.append(alert)
        }
        return out
    }

    /// What an alert would be, read before it is taken: for the console's confirmation.
    public func readAlert(_ xml: Data) -> Result<CAPAlert, CAPError> {
        do { return .success(try CAPAlert(xml: xml)) } catch { return .failure(error) }
    }

    /// An alert sent from the console: taken as any other (recorded, played here, forwarded to the
    /// units of the zones it reaches); nil for a document taken before.
    public func sendAlert(_ xml: Data, by requester: RequestedBy?) async -> AlertSent? {
        let label = if case .console(let user)? = requester { user } else { "" }
        guard let taken = await alert(xml, via: .console(user: label)) else { return nil }
        var wire = WireFormat(await engine.configuration.timeZone)
        return AlertSent(alert: wire.alert(taken.receipt.record), command: taken.command?.id)
    }
}
