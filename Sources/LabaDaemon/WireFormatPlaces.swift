// Alert records in the control API's JSON (SPEC 13).

import LabaControl
import LabaCore
import LabaStore

extension WireFormat {
    public mutating func alert(_ a: AlertRecord) -> AlertJSON {
        var json = AlertJSON(id: a.id ?? 0, identifier: a.identifier, sender: a.sender, sent: a.sent, status: a.status, msgType: a.msgType,
                  event: a.event, message: a.message, priority: a.priority, drill: a.drill, receivedAt: time(a.receivedAt)!,
                  via: a.via, file: a.file, zones: a.zones, broadcasts: a.broadcasts, refused: a.refused, reason: a.reason,
                  notes: a.notes, cancels: a.cancels, cancelledBy: a.cancelledBy, repeatsLeft: a.repeatsLeft,
                  nextAt: time(a.nextAt), expiresAt: time(a.expiresAt))
        json.refusals = a.refusals?.map { AlertRefusalJSON(output: $0.output, zone: $0.zone, code: $0.code, args: $0.args) }
        json.reasonCode = a.reasonCode
        json.reasonArgs = a.reasonArgs
        json.noteCodes = a.noteCodes?.map { AlertNoteJSON(code: $0.code, args: $0.args) }
        return json
    }
}
