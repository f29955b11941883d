// The coverage page (SPEC 16): which zones heard a message (or an alert), in which of their
// languages, zones with a language not played first. Server-rendered; a script fetches the answer
// again as units' records arrive (a plain page without it).

import Foundation
import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore
import LabaSheet
import Mustache
import NIOCore

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
        /// The question asked, for the spreadsheet's link.
        var query: String = ""
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
    <div id="coverage-live" data-part="/coverage?{{page.query}}&amp;part=1">
    {{> coveragePart}}
    </div>
    {{/page.asking}}
    {{> bottom}}
    """

    /// The page's answer, alone: what its script fetches again when a unit's record or status
    /// arrives (the overview's batched server-sent events), so that coverage fills in live.
    static let coveragePartTemplate = """
    <p id="coverage-summary"><strong>{{page.summary}}</strong> <span class="muted">{{page.read}}</span> <a class="button secondary" id="xlsx" href="/coverage.xlsx?{{page.query}}">{{t.webDownloadXlsx}}</a></p>
    <table id="coverage" class="cardtable">
    <tr><th>{{t.webColumnZone}}</th><th>{{t.webColumnLanguages}}</th><th>{{t.columnState}}</th><th>{{t.columnWhere}}</th><th>{{t.columnWhen}}</th></tr>
    {{#page.lines}}<tr class="coverage-{{state}}" data-zone="{{zone}}"><td data-label="{{t.webColumnZone}}">{{#first}}<strong>{{zoneName}}</strong>{{/first}}</td><td data-label="{{t.webColumnLanguages}}">{{part}}</td><td data-label="{{t.columnState}}"><span class="state {{state}}">{{stateName}}</span>{{#heard}} · {{heard}}{{/heard}}</td><td data-label="{{t.columnWhere}}">{{place}}</td><td class="time" data-label="{{t.columnWhen}}">{{time}}</td></tr>{{/page.lines}}
    {{^page.lines}}<tr><td colspan="5" class="muted">{{t.coverageNoZones}}</td></tr>{{/page.lines}}
    </table>
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
        let since = await coverageSince(q, config: config)
        var page = CoveragePage(
            messages: Self.contentChoices(config, library: library, naming: naming, texts: t, selected: message),
            zones: naming.zonesInTreeOrder.map { ZoneChoice(id: $0.zone.id, name: $0.zone.name, depth: $0.depth, selected: q["zone"] == $0.zone.id) },
            alert: alert ?? "", since: since, until: q["until"] ?? "", asking: message == nil && alert == nil,
            summary: "", read: "", lines: [], problem: nil)
        guard !page.asking else { return self.page("coverage", visit, title: .coverageTitle, page: page) }
        page.query = Form.encode([("message", message ?? ""), ("alert", alert ?? ""), ("zone", q["zone"] ?? ""), ("since", since),
                                  ("until", q["until"] ?? "")])
        let asked = try await coverageRequest(request.uri.query ?? "", since: since, config: config)
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
        if q["part"] == "1" {
            let frame = self.frame(visit, texts: t, title: "", page: page)
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: templates.render(frame, withTemplate: "coveragePart") ?? "")))
        }
        return self.page("coverage", visit, title: .coverageTitle, page: page)
    }

    /// A month back by default: what the county's desk asks about.
    func coverageSince(_ q: Form, config: Config) async -> String {
        if let since = q["since"] { return since }
        let now = await door.now()
        var wire = WireFormat(config.timeZone)
        return String((wire.time((now - .seconds(30 * 86_400)).microseconds) ?? "").prefix(10))
    }

    /// What the page's form asks (a message or an alert, a period, a zone).
    func coverageRequest(_ query: String, since: String, config: Config) async throws -> CoverageRequest {
        let q = Form(query)
        let message = q["message"].flatMap { $0.isEmpty ? nil : $0 }
        var alertID: Int64?
        if let alert = q["alert"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let id = Int64(alert) else { throw Failure.badRequest("alert: \(alert)") }
            alertID = id
        }
        let fields = Form(Form.encode([("since", since)]) + "&" + query)
        let filter = try await recordFilter(fields, config: config, limit: 1)
        return CoverageRequest(message: alertID == nil ? message : nil, alert: alertID, since: filter.since, until: filter.until,
                               zone: q["zone"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `GET /coverage.xlsx`: the page's coverage as `laba coverage --format xlsx` writes it.
    func coverageXlsx(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let naming = await self.naming(visit, config)
        let q = Form(request.uri.query ?? "")
        let asked = try await coverageRequest(request.uri.query ?? "", since: await coverageSince(q, config: config), config: config)
        guard asked.message != nil || asked.alert != nil else { throw Failure.badRequest("message or alert") }
        let found: (coverage: BroadcastCoverage, records: Int)
        do {
            found = try await door.coverage(asked)
        } catch {
            throw Failure.badRequest(visit.texts.refusal(error))
        }
        var wire = WireFormat(config.timeZone)
        let json = wire.coverage(found.coverage, message: asked.message, alert: asked.alert, since: asked.since, until: asked.until,
                                 zone: asked.zone, records: found.records, names: naming.zone)
        let language = visit.texts.language
        let book = Workbook(sheets: [RecordSheets.coverage(json, names: SheetNames(config), in: language)],
                            title: RecordSheets.title(.coverageTitle, office: Self.office(config), in: language))
        return try await Self.spreadsheet(book, filename: "laba-coverage.xlsx")
    }
}

// Coverage lists every zone of a county: its lines name their fields for the templates (see UnitRow).
extension Site.CoveragePage.Line: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "zone": zone
        case "zoneName": zoneName
        case "first": first
        case "part": part
        case "state": state
        case "stateName": stateName
        case "heard": heard
        case "place": place
        case "time": time
        default: nil
        }
    }
}
