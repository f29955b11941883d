// The alerts page of the county's desk (issue 28): the alerts received (folder, API, console, and
// from a commander), their areas, the zones they reached, what played where and what was refused
// and why; an operator sends a CAP file from here, an emergency after a confirmation.

import Foundation
import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore

extension Site {
    struct AlertsPage {
        struct Played {
            var place: String
            var output: String
            var zone: String
            var outcome: String
            var outcomeName: String
        }

        struct Alert {
            var id: String
            var title: String
            var time: String
            var via: String
            var emergency: Bool
            var drill: Bool
            var areas: String
            var zones: String
            var played: [Played]
            var refused: [String]
            var reason: String?
            /// What was left out, forwarded, or did not repeat, from the notes' codes.
            var notes: [String]
        }

        var alerts: [Alert]
    }

    func alertsPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let t = visit.texts
        let naming = await self.naming(visit)
        var alerts: [AlertsPage.Alert] = []
        for a in await door.deskAlerts(limit: 50) {
            let json = a.alert
            var played = a.localRecords.map { r in
                AlertsPage.Played(place: t(.webThisOffice), output: naming.output(r.output), zone: naming.zone(r.zone),
                                  outcome: r.outcome?.rawValue ?? r.state.rawValue, outcomeName: t.state(r.outcome?.rawValue ?? r.state.rawValue))
            }
            played += a.unitRecords.map { r in
                AlertsPage.Played(place: r.unit ?? "", output: r.record.output, zone: naming.zone(r.record.zone),
                                  outcome: r.record.outcome?.rawValue ?? "completed", outcomeName: t.state(r.record.outcome?.rawValue ?? "completed"))
            }
            // The office's own refusals from their codes (an older record's words as kept), the place named.
            var refused = json.refusedWords(place: { output, zone in
                output.map(naming.output) ?? (zone ?? "").split(separator: ",").map { naming.zone(String($0)) }.joined(separator: "、")
            }, in: t.language)
            refused += a.answers.filter { $0.result == "refused" }.map { answer in
                let why = answer.words(in: t.language)
                return t(.webSpreadRefused, ["unit": answer.unit, "reason": why])
            }
            let via = switch json.via {
            case "file": t(.webAlertViaFile)
            case "fleet": t(.webAlertViaFleet)
            case "console": t(.webAlertViaConsole)
            default: t(.webAlertViaAPI)
            }
            alerts.append(AlertsPage.Alert(
                id: String(json.id), title: json.event ?? json.identifier ?? String(json.id), time: naming.clerk(json.receivedAt), via: via,
                emergency: json.priority == "emergency", drill: json.drill, areas: a.areas.isEmpty ? "—" : a.areas.joined(separator: "、"),
                zones: json.zones.isEmpty ? t(.webNone) : json.zones.map(naming.zone).joined(separator: "、"), played: played,
                // Why nothing (more) plays: the office's own reason, shown when nothing played anywhere.
                refused: refused, reason: played.isEmpty ? json.reasonWords(time: { naming.clerk($0) }, in: t.language) : nil,
                notes: json.noteWords(time: { naming.clerk($0) }, in: t.language)))
        }
        let flash = Form(request.uri.query ?? "")["sent"].flatMap { id in alerts.contains { $0.id == id } ? t(.webAlertSent) : nil }
        return page("alerts", visit, title: .webAlerts, page: AlertsPage(alerts: alerts), flash: flash)
    }

    /// `POST /alerts`: the body is a CAP 1.2 document. An emergency (severity Extreme or urgency
    /// Immediate) is taken only with `X-Confirm: yes`, the answer to a first try's 409 and its words.
    func sendAlert(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Self.maxAlert) } catch {
            return Self.text(t(.webAlertTooLarge, ["limit": "\(Self.maxAlert / 1024) KiB"]), status: .contentTooLarge)
        }
        let xml = Data(body.readableBytesView)
        let alert: CAPAlert
        switch door.readAlert(xml) {
        case .success(let read): alert = read
        case .failure(let error): return Self.text(error.words(in: t.language), status: .unprocessableContent)
        }
        let emergency = alert.infos.contains { $0.severity == "Extreme" || $0.urgency == "Immediate" }
        if emergency, request.headers[HTTPField.Name("X-Confirm")!] != "yes" {
            let event = alert.infos.first?.event ?? alert.identifier
            let areas = alert.infos.flatMap { $0.areas.map(\.description) }.joined(separator: "、")
            return Self.text(t(.webAlertConfirm, ["event": event, "areas": areas]), status: .conflict)
        }
        guard let taken = await door.sendAlert(xml, by: visit.requester) else {
            return Self.text(t(.webAlertSeenBefore), status: .conflict)
        }
        logger.notice("console: alert sent", metadata: ["console": "\(visit.name)", "identifier": "\(alert.identifier)",
                                                       "alert": "\(taken.alert.id)", "command": "\(taken.command ?? "")"])
        return Self.text(String(taken.alert.id), status: .accepted)
    }

    static let maxAlert = 1 << 20
}
