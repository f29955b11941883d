// One-tap buttons (一键, issue 27): an admin sets one up (a message, its zones, a priority); on the
// overview, an operator's press posts the same form as the broadcast page, so the front door
// decides as it does for any broadcast and an emergency still asks for its confirmation.

import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaCore

extension Site {
    struct ButtonsPage {
        struct Row {
            var id: String
            var title: String
            var detail: String
        }

        var buttons: [Row]
        var form: BroadcastPage
    }

    /// What a button does, in words: `请戴口罩 · 白沙镇、九河乡 · 紧急插播 ×3`.
    static func buttonDetail(_ button: OneTapButton, naming: Naming, texts: Texts) -> String {
        let message = SirenKind(messageName: button.message).map(texts.siren) ?? naming.message(button.message)
        let zones = button.zones.map { $0.map(naming.zone).joined(separator: "、") } ?? texts(.webAllZones)
        let priority = texts(button.priority == .emergency ? .webButtonEmergency : .webButtonManual)
        return [message, zones, priority].joined(separator: " · ") + (button.repeatCount > 1 ? " ×\(button.repeatCount)" : "")
    }

    static func buttonView(_ button: OneTapButton, naming: Naming, texts: Texts) -> OverviewPage.Button {
        var fields = [ConfirmPage.Field(name: "message", value: button.message),
                      ConfirmPage.Field(name: "priority", value: button.priority.description),
                      ConfirmPage.Field(name: "repeat", value: String(button.repeatCount))]
        if let zones = button.zones {
            fields += zones.map { ConfirmPage.Field(name: "zone", value: $0) }
        } else {
            fields.append(ConfirmPage.Field(name: "all", value: "true"))
        }
        return OverviewPage.Button(id: button.id, title: button.title, detail: buttonDetail(button, naming: naming, texts: texts),
                                   emergency: button.priority == .emergency, fields: fields)
    }

    func buttonsPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .admin)
        return await buttonsPage(visit)
    }

    func buttonsPage(_ visit: Visit, flash: String? = nil, error: String? = nil) async -> Response {
        let naming = await self.naming(visit)
        let rows = ((try? door.buttons()) ?? []).map {
            ButtonsPage.Row(id: $0.id, title: $0.title, detail: Self.buttonDetail($0, naming: naming, texts: visit.texts))
        }
        return page("buttons", visit, title: .webButtons, page: ButtonsPage(buttons: rows, form: await broadcastPageValues(visit)),
                    flash: flash, error: error, status: error == nil ? .ok : .unprocessableContent)
    }

    func addButton(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .admin)
        let t = visit.texts
        let config = await door.configuration
        guard let title = form["title"].flatMap(OperatorTitles.clean) else { return await buttonsPage(visit, error: t(.webButtonNeedsTitle)) }
        let naming = await self.naming(visit, config)
        let offered = Self.contentChoices(config, library: await door.library, naming: naming, texts: t, selected: nil).map(\.id)
        guard let message = form["message"], offered.contains(message) else { return await buttonsPage(visit, error: t(.webChooseMessage)) }
        let all = form.flag("all")
        let zones = form.all("zone")
        guard all || !zones.isEmpty else { return await buttonsPage(visit, error: t(.webChooseZone)) }
        let tree = ZoneTree(config)
        if let unknown = zones.first(where: { tree[$0] == nil }) {
            return await buttonsPage(visit, error: t.refusal(.unknownZone(unknown, among: tree.ids)))
        }
        let priority: Priority
        do { priority = try Rules.requestedPriority(named: form["priority"]) } catch { return await buttonsPage(visit, error: t.refusal(error)) }
        let repeatCount = Int(form["repeat"] ?? "1") ?? 0
        guard Rules.repeatRange.contains(repeatCount) else { return await buttonsPage(visit, error: t(.webBadRepeat)) }
        let button = OneTapButton(id: "btn-" + String(Self.randomToken().prefix(8)).lowercased(), title: title, message: message,
                                  zones: all ? nil : zones, priority: priority, repeatCount: repeatCount,
                                  createdBy: visit.name, createdAt: await now())
        do { try door.addButton(button) } catch {
            return await buttonsPage(visit, error: t(.webButtonsFull, ["n": String(OneTapButton.limit)]))
        }
        logger.notice("console: one-tap button added", metadata: ["console": "\(visit.name)", "button": "\(button.id)",
                                                                  "message": "\(message)", "priority": "\(priority)"])
        return await buttonsPage(visit, flash: t(.webButtonAdded, ["title": title]))
    }

    func removeButton(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .admin)
        guard let id = form["id"] else { throw Failure.badRequest("id") }
        try door.removeButton(id)
        logger.notice("console: one-tap button removed", metadata: ["console": "\(visit.name)", "button": "\(id)"])
        return await buttonsPage(visit, flash: visit.texts(.webButtonRemoved))
    }
}
