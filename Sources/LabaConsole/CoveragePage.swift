// The coverage page (SPEC 16): which zones heard a message (or an alert), in which of their
// languages, zones with a language not played first. Server-rendered; no script.

import Foundation
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore

extension Site {
    struct CoveragePage {
        struct Line {
            var zone: String
            var zoneName: String
            /// The zone's first line (its name shown once).
            var first: Bool
            var part: String
            var state: String
            var stateName: String
            var heard: String?
            var place: String
            var time: String
        }

        var messages: [Choice]
        var zones: [ZoneChoice]
        var alert: String
        var since: String
        var until: String
        /// Nothing asked yet.
        var asking: Bool
        var summary: String
        var read: String
        var lines: [Line]
        var problem: String?
    }

    static let coverageTemplate = """
    {{> top}}
    <h1>{{t.coverageTitle}}</h1>
    <form method="get" action="/coverage" class="row filters">
    <label>{{t.coverageFormMessage}}<select name="message"><option value="">{{t.webAny}}</option>{{#page.messages}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/page.messages}}</select></label>
    <label>{{t.coverageFormAlert}}<input type="text" name="alert" inputmode="numeric" size="6" value="{{page.alert}}"></label>
    <label>{{t.coverageFormZone}}<select name="zone"><option value="">{{t.webAny}}</option>{{#page.zones}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/page.zones}}</select></label>
    <label>{{t.coverageFormSince}}<input type="date" name="since" value="{{page.since}}"></label>
    <label>{{t.coverageFormUntil}}<input type="date" name="until" value="{{page.until}}"></label>
    <div><button type="submit">{{t.coverageFormShow}}</button></div>
    </form>
    {{#page.problem}}<p class="error" id="coverage-problem">{{page.problem}}</p>{{/page.problem}}
    {{#page.asking}}<p class="muted">{{t.coverageAsk}}</p>{{/page.asking}}
    {{^page.asking}}
    <p id="coverage-summary"><strong>{{page.summary}}</strong> <span class="muted">{{page.read}}</span></p>
    <table id="coverage" class="cardtable">
    <tr><th>{{t.webColumnZone}}</th><th>{{t.webColumnLanguages}}</th><th>{{t.columnState}}</th><th>{{t.columnWhere}}</th><th>{{t.columnWhen}}</th></tr>
    {{#page.lines}}<tr class="coverage-{{state}}" data-zone="{{zone}}"><td data-label="{{t.webColumnZone}}">{{#first}}<strong>{{zoneName}}</strong>{{/first}}</td><td data-label="{{t.webColumnLanguages}}">{{part}}</td><td data-label="{{t.columnState}}"><span class="state {{state}}">{{stateName}}</span>{{#heard}} · {{heard}}{{/heard}}</td><td data-label="{{t.columnWhere}}">{{place}}</td><td class="time" data-label="{{t.columnWhen}}">{{time}}</td></tr>{{/page.lines}}
    {{^page.lines}}<tr><td colspan="5" class="muted">{{t.coverageNoZones}}</td></tr>{{/page.lines}}
    </table>
    {{/page.asking}}
    {{> bottom}}
    """

    func coverage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let library = await door.library
        let naming = await self.naming(visit, config)
        let t = visit.texts
        let q = Form(request.uri.query ?? "")
        let message = q["message"].flatMap { $0.isEmpty ? nil : $0 }
        let alert = q["alert"].flatMap { $0.isEmpty ? nil : $0 }
        // A month back by default: what the county's desk asks about.
        let now = await door.now()
        var since = q["since"] ?? ""
        if q["since"] == nil {
            var wire = WireFormat(config.timeZone)
            since = String((wire.time((now - .seconds(30 * 86_400)).microseconds) ?? "").prefix(10))
        }
        let fields = Form(Form.encode([("since", since)]) + "&" + (request.uri.query ?? ""))
        let filter = try await recordFilter(fields, config: config, limit: 1)
        var page = CoveragePage(
            messages: Self.contentChoices(config, library: library, naming: naming, texts: t, selected: message),
            zones: naming.zonesInTreeOrder.map { ZoneChoice(id: $0.zone.id, name: $0.zone.name, depth: $0.depth, selected: q["zone"] == $0.zone.id) },
            alert: alert ?? "", since: since, until: q["until"] ?? "", asking: message == nil && alert == nil,
            summary: "", read: "", lines: [], problem: nil)
        guard !page.asking else { return self.page("coverage", visit, title: .coverageTitle, page: page) }
        var alertID: Int64?
        if let alert {
            guard let id = Int64(alert) else { throw Failure.badRequest("alert: \(alert)") }
            alertID = id
        }
        let asked = CoverageRequest(message: alertID == nil ? message : nil, alert: alertID, since: filter.since, until: filter.until,
                                    zone: q["zone"].flatMap { $0.isEmpty ? nil : $0 })
        do {
            let found = try await door.coverage(asked)
            var wire = WireFormat(config.timeZone)
            let json = wire.coverage(found.coverage, message: asked.message, alert: asked.alert, since: asked.since, until: asked.until,
                                     zone: asked.zone, records: found.records, names: naming.zone)
            for z in json.zones {
                for (i, e) in z.entries.enumerated() {
                    let place = e.output.map { output in
                        (e.unit.map { $0 + " · " } ?? "") + naming.output(output)
                    } ?? ""
                    page.lines.append(CoveragePage.Line(
                        zone: z.zone, zoneName: z.name, first: i == 0,
                        part: Catalog.coveragePart(e.label, languageName: naming.language, in: t.language),
                        state: e.state.description, stateName: Catalog.coverageState(e.state.description, fraction: e.fraction, in: t.language),
                        heard: Catalog.coverageHeard(e.heard?.rawValue, state: e.state.description, monitored: json.monitored,
                                                     levelDB: e.heardLevelDB, delayMS: e.heardDelayMS, in: t.language),
                        place: place, time: naming.clerk(e.at)))
                }
            }
            let missing = json.zones.filter { $0.entries.contains { $0.state == .known(.missing) } }.count
            page.summary = missing == 0 ? t(.coverageEverywhere) : t(.coverageZonesMissing, ["n": String(missing)])
            page.read = t(.coverageRecordsRead, ["n": String(found.records)])
        } catch {
            page.problem = t.refusal(error)
        }
        return self.page("coverage", visit, title: .coverageTitle, page: page)
    }
}
