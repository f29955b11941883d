// The schedule pages: both layers per zone (the technician's entries read-only, the operators'
// with pause, resume and remove), the form for an operators' entry with its preview (the shared
// `ScheduleEditor`'s dry run: next instants, 24-hour plan diff), the next 24 hours per output, and
// the audit log. Every change goes through the editor that `/v1/schedule/entries` uses, as
// `RequestedBy.console(user:)`, with the version the page showed as its base.

import Foundation
import HTTPTypes
import Hummingbird
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore

extension Site {
    // MARK: Values

    struct SchedulePage {
        struct Entry {
            var id: String
            var origin: String
            var words: String
            var expression: String
            var message: String
            var title: String
            var state: String
            var stateName: String
            var note: String
            var warning: String?
            var operable: Bool
            var paused: Bool
        }

        struct Zone {
            var id: String
            var name: String
            var depth: Int
            var entries: [Entry]
        }

        struct Item {
            var time: String
            var message: String
            var title: String
            var languages: String
            var skipped: String?
            /// Night volume: "夜间音量 -12dB" when a volume schedule lowers it.
            var volume: String?
        }

        struct Output {
            var id: String
            var name: String
            var named: Bool
            var zone: String
            var zoneName: String
            var items: [Item]
        }

        var zones: [Zone]
        /// Operators' entries whose zone the technician removed.
        var gone: [Entry]
        var outputs: [Output]
        var version: Int
        var operatorsNote: String?
        var canEdit: Bool
        /// Stored: the templates read values by reflection.
        var hasGone = false
    }

    /// `2026-12-03T07:30:00+08:00` as `2026-12-03 07:30`.
    static func minutes(_ rfc3339: String?) -> String {
        guard let text = rfc3339, text.count >= 16 else { return rfc3339 ?? "" }
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// `FILE:LINE:COL` as `FILE:LINE`.
    static func fileLine(_ location: String) -> String {
        let parts = location.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.last.map({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) == true else { return location }
        return parts.dropLast().joined(separator: ":")
    }

    func entryRow(_ e: ScheduleEntryJSON, naming: Naming, texts t: Texts, canOperate: Bool) -> SchedulePage.Entry {
        let form = EntryForm(entry: e)
        let state = e.disabled != nil ? "disabled" : e.paused ? "paused" : "active"
        let stateKey: Catalog.Key = e.disabled != nil ? .webEntryDisabled : e.paused ? .webEntryPaused : .webEntryActive
        let technician = e.origin == "technician"
        // `li (console)` as the file keeps it: the console's word for "console".
        func who(_ name: String?) -> String {
            (name ?? "?").replacingOccurrences(of: " (console)", with: " · " + t(.webViaConsole))
        }
        var note = technician ? t(.webTechnicianEntry, ["where": Self.fileLine(e.location ?? "")])
            : t(.webOperatorEntry, ["who": who(e.addedBy), "when": naming.clerk(e.addedAt)])
        if !technician, e.changedBy != nil {
            note += " " + t(.webOperatorChanged, ["who": who(e.changedBy), "when": naming.clerk(e.changedAt)])
        }
        return SchedulePage.Entry(id: e.id, origin: e.origin, words: form.words(t), expression: EntryForm.Built(
            at: e.at, every: e.every, from: e.from, until: e.until).expression, message: e.message, title: naming.message(e.message),
            state: state, stateName: t(stateKey), note: note,
            warning: e.disabled.map { t(.webEntryDisabledWhy, ["reason": e.disabledDetail?.text(in: t.language) ?? $0]) }, operable: !technician && canOperate, paused: e.paused)
    }

    func schedulePage(_ visit: Visit) async -> SchedulePage {
        let t = visit.texts
        let config = await door.configuration
        var naming = await self.naming(visit, config)
        let list = try? await door.scheduleEntries(zone: nil)
        // Entries outside the account's zones are shown, not offered for change.
        let offered = await door.offeredZones(to: visit.requester).map(Set.init)
        let rows = (list?.entries ?? []).map {
            ($0.zone, entryRow($0, naming: naming, texts: t, canOperate: visit.canOperate && offered?.contains($0.zone) != false))
        }
        let zones = naming.zonesInTreeOrder.map { z in
            SchedulePage.Zone(id: z.zone.id, name: z.zone.name, depth: z.depth, entries: rows.filter { $0.0 == z.zone.id }.map(\.1))
        }
        let known = Set(zones.map(\.id))
        var note: String?
        if let operators = list?.operators {
            if !operators.allowed {
                note = t(.webOperatorsForbidden)
            } else {
                note = await zonesNote(visit, naming)
            }
        }

        let now = await door.now()
        let end = now.microseconds + 86_400 * 1_000_000
        let planned = ((try? await door.schedule(from: now, count: 5_000, zone: nil, output: nil)) ?? [])
            .filter { $0.time.microseconds < end }
        let status = await door.status()
        let outputs = status.outputs.map { o in
            SchedulePage.Output(id: o.id, name: naming.output(o.id), named: naming.outputNamed(o.id), zone: o.zone, zoneName: naming.zone(o.zone), items: planned.filter { $0.output == o.id }.map { p in
                SchedulePage.Item(time: naming.time(p.time.microseconds), message: p.message, title: naming.message(p.message),
                                  languages: p.languages.map(naming.language).joined(separator: "、"),
                                  skipped: p.skip.map { t(.webSkipReason, ["reason": t.skip($0)]) },
                                  volume: p.skip == nil ? p.volume.map { t(.nightVolume, ["gain": VolumeWindow.gainText($0.gainDB)]) } : nil)
            })
        }
        let gone = rows.filter { !known.contains($0.0) }.map(\.1)
        return SchedulePage(zones: zones, gone: gone, outputs: outputs, version: list?.version ?? 0, operatorsNote: note,
                            canEdit: visit.canOperate && (list?.operators.allowed ?? false), hasGone: !gone.isEmpty)
    }

    // MARK: The schedule

    func schedule(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let q = Form(request.uri.query ?? "")
        var flash: String?
        // A fixed word and an id of the operators' form only: a link cannot put words into the page.
        if let done = q["done"], let entry = q["entry"], entry.hasPrefix("op-"), entry.count <= 12,
           entry.dropFirst(3).allSatisfy(\.isHexDigit) {
            let key: Catalog.Key? = switch done {
            case "added": .webEntryAddedFlash
            case "changed": .webEntryChangedFlash
            case "paused": .webEntryPausedFlash
            case "resumed": .webEntryResumedFlash
            case "removed": .webEntryRemovedFlash
            default: nil
            }
            flash = key.map { visit.texts($0, ["entry": entry]) }
        }
        return page("schedule", visit, title: .webSchedule, page: await schedulePage(visit), flash: flash)
    }

    /// Pause, resume or remove an operators' entry.
    func scheduleAction(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .operator)
        let id = context.parameters.get("id") ?? ""
        let (action, done): (ScheduleAction, String) = switch context.parameters.get("action") {
        case "pause": (.pause, "paused")
        case "resume": (.resume, "resumed")
        case "remove": (.remove, "removed")
        default: throw Failure.notFound
        }
        do {
            _ = try await door.changeSchedule(action, id: id, request: nil, baseVersion: form["base_version"].flatMap(Int.init),
                                              requester: .console(user: visit.name), dryRun: false)
        } catch {
            return page("schedule", visit, title: .webSchedule, page: await schedulePage(visit),
                        error: refusalText(error, visit.texts), status: .unprocessableContent)
        }
        logger.notice("console: schedule entry \(done)", metadata: ["console": "\(visit.name)", "entry": "\(id)"])
        return Self.redirect("/schedule?" + Form.encode([("done", done), ("entry", id)]))
    }

    /// The editor's refusal in the clerk's words, with its own sentence (and diagnostics) after.
    func refusalText(_ refusal: ScheduleRefusal, _ t: Texts) -> String {
        let lead: Catalog.Key = switch refusal.code {
        case .conflict: .webScheduleConflict
        case .forbidden: .webScheduleForbidden
        default: .webScheduleRefused
        }
        // The reason from its code, or from the diagnostics that refused it; the editor's English
        // sentence only to an English reader (the lead says it in other languages).
        let reason = refusal.body.error.refusal.flatMap { Catalog.refusal(code: $0, args: refusal.body.error.args ?? [:], in: t.language) }
            ?? (t.language == .en ? refusal.body.error.message : nil)
            ?? refusal.body.diagnosticDetails?.first(where: { $0.code != nil && $0.severity == "error" }).map { $0.line(in: t.language) }
        var text = t(lead) + (reason.map { " " + $0 } ?? "")
        if let changes = refusal.body.changes, !changes.isEmpty {
            text += " — " + changes.map { "\(Self.minutes($0.at)) \($0.requestedBy?.label ?? "") \(t.scheduleAction($0.action)) \($0.entry)" }
                .joined(separator: "; ")
        }
        return text
    }

    // MARK: The form and its preview

    struct EntryFormPage {
        struct Preset {
            var id: String
            var name: String
            var checked: Bool
        }

        struct Preview {
            struct Line {
                var kind: String
                var kindName: String
                var time: String
                /// The RFC 3339 time, for the order.
                var sortKey: String
                var output: String
                var zoneName: String
                var title: String
                var message: String
            }

            var next: [String]
            var summary: String
            var lines: [Line]
            var warnings: [String]
            var hasLines = false
            /// It plays at least once: a preview that never plays offers no 保存 (issue 26).
            var canSave = true
        }

        var messages: [Choice]
        var zones: [ZoneChoice]
        var presets: [Preset]
        var form: EntryForm
        var expression: String
        var command: String
        var baseVersion: Int
        /// The operators' entry being changed; nil when adding one.
        var entry: String?
        var allowed: Bool
        var operatorsNote: String?
        var preview: Preview?
    }

    func entryFormPage(_ visit: Visit, form: EntryForm, baseVersion: Int?, entry: String? = nil,
                       preview: ScheduleChangeJSON? = nil) async -> EntryFormPage {
        let t = visit.texts
        let config = await door.configuration
        let library = await door.library
        let naming = await self.naming(visit, config)
        let list = try? await door.scheduleEntries(zone: nil)
        let operators = list?.operators ?? .init(allowed: false, zones: nil)
        let zonesNote = await zonesNote(visit, naming)
        // Not the chimes: a chime plays before a program, it is not one (issue 26).
        let chimes = Set(naming.tree.zones.compactMap(\.chime))
        let ids = Set(library.recordings.keys).union(config.messages.map(\.id.value)).subtracting(chimes).sorted()
        let messages = ids.map { Choice(id: $0, name: $0, title: naming.message($0), selected: $0 == form.message) }
        // Only the zones the front door lets this account schedule in.
        let zones = await offeredZones(visit, naming).map {
            ZoneChoice(id: $0.zone.id, name: String(repeating: "· ", count: $0.depth) + $0.zone.name, depth: $0.depth,
                       selected: $0.zone.id == form.zone)
        }
        let built = try? form.build().get()
        var page = EntryFormPage(
            messages: messages, zones: zones,
            presets: EntryForm.Preset.allCases.map { .init(id: $0.rawValue, name: t($0.key), checked: $0 == form.preset) },
            form: form, expression: built?.expression ?? "", command: built.map(form.commandLine) ?? "",
            baseVersion: baseVersion ?? list?.version ?? 0, entry: entry, allowed: operators.allowed,
            operatorsNote: !operators.allowed ? t(.webOperatorsForbidden) : zonesNote)
        if let preview {
            var lines: [EntryFormPage.Preview.Line] = []
            func line(_ kind: String, _ key: Catalog.Key, _ b: ScheduleItem, time: String? = nil) {
                lines.append(.init(kind: kind, kindName: t(key), time: time ?? naming.clerk(b.time), sortKey: b.time, output: naming.output(b.output),
                                   zoneName: naming.zone(b.zone), title: naming.message(b.message), message: b.message))
            }
            let d = preview.diff
            d.added.forEach { line("added", .webDiffAdded, $0) }
            d.removed.forEach { line("removed", .webDiffRemoved, $0) }
            d.moved.forEach { line("moved", .webDiffMoved, $0.new, time: "\(naming.clerk($0.old.time)) → \(naming.clerk($0.new.time))") }
            d.changed.forEach { line("changed", .webDiffChanged, $0.new) }
            lines.sort { $0.sortKey < $1.sortKey }
            let summary = lines.isEmpty ? t(.webPlanUnchanged)
                : t(.webPlanChange, ["added": String(d.added.count), "removed": String(d.removed.count),
                                     "moved": String(d.moved.count), "changed": String(d.changed.count)])
            // The warnings about other entries (disabled ones) are on the schedule page already.
            // Each in the clerk's words from its code (an older daemon's English lines as they are).
            let disabled = (list?.entries ?? []).filter { $0.disabled != nil && $0.id != entry }.map(\.id)
            let warnings: [String] = if let details = preview.warningDetails {
                details.filter { d in !disabled.contains { d.args?["entry"] == $0 } }.map { $0.text(in: t.language) }
            } else {
                preview.warnings.filter { w in !disabled.contains { w.contains("'\($0)'") } }
            }
            page.preview = .init(next: (preview.next ?? []).map { naming.clerk($0) }, summary: summary, lines: lines, warnings: warnings,
                                 hasLines: !lines.isEmpty, canSave: !(preview.next ?? []).isEmpty)
        }
        return page
    }

    func today() async -> String {
        let now = await door.now()
        return String(RFC3339.format(now, in: await door.configuration.timeZone).prefix(10))
    }

    func newEntry(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .operator)
        var form = EntryForm()
        form.time = "08:00"
        form.days = "5"
        form.from = await today()
        form.date = form.from
        form.times = "08:00 12:00 18:00"
        form.repeatCount = "1"
        return page("entry", visit, title: .webAddEntry, page: await entryFormPage(visit, form: form, baseVersion: nil))
    }

    /// The form filled with an operators' entry, to change it.
    func editEntry(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .operator)
        let id = context.parameters.get("id") ?? ""
        let list = try? await door.scheduleEntries(zone: nil)
        guard let entry = list?.entries.first(where: { $0.id == id && $0.origin == "operator" }) else { throw Failure.notFound }
        var form = EntryForm(entry: entry)
        if form.repeatCount.isEmpty { form.repeatCount = "1" }
        let today = await today()
        if form.time.isEmpty { form.time = "08:00" }
        if form.from.isEmpty { form.from = today }
        if form.date.isEmpty { form.date = today }
        if form.days.isEmpty || Int(form.days) == nil { form.days = form.preset == .custom ? form.days : "5" }
        return page("entry", visit, title: .webChangeEntry,
                    page: await entryFormPage(visit, form: form, baseVersion: list?.version, entry: id))
    }

    /// Preview (a dry run of the editor: nothing written) or save, from the same form: a new
    /// entry, or a change of the one in the form's `entry` field.
    func submitEntry(_ request: Request, _ context: ConsoleContext, save: Bool) async throws -> Response {
        var request = request
        let (visit, fields) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let form = EntryForm(fields)
        let base = fields["base_version"].flatMap(Int.init)
        let id = fields["entry"]
        let title: Catalog.Key = id == nil ? .webAddEntry : .webChangeEntry
        /// The form again with the problem; after a conflict, based on the current version (the
        /// clerk has been told what changed and may send it again).
        func again(_ error: String, current: Bool = false) async -> Response {
            page("entry", visit, title: title, page: await entryFormPage(visit, form: form, baseVersion: current ? nil : base, entry: id),
                 error: error, status: .unprocessableContent)
        }
        var entryRequest: ScheduleEntryRequest
        do {
            entryRequest = try form.request(try form.build().get(), baseVersion: base).get()
        } catch {
            return await again(t(error.key))
        }
        if id != nil {
            // A change replaces the fields the request gives: clear those the preset leaves out.
            entryRequest.every = entryRequest.every ?? ""
            entryRequest.from = entryRequest.from ?? ""
            entryRequest.until = entryRequest.until ?? ""
            entryRequest.repeat = entryRequest.repeat ?? 1
        }
        let result: ScheduleChangeJSON
        do {
            result = try await door.changeSchedule(id == nil ? .add : .change, id: id, request: entryRequest, baseVersion: base,
                                                   requester: .console(user: visit.name), dryRun: !save)
        } catch {
            return await again(refusalText(error, t), current: error.code == .conflict)
        }
        guard save else {
            return page("entry", visit, title: title,
                        page: await entryFormPage(visit, form: form, baseVersion: base, entry: id, preview: result))
        }
        let saved = result.entry?.id ?? ""
        let done = id == nil ? "added" : "changed"
        logger.notice("console: schedule entry \(done)", metadata: ["console": "\(visit.name)", "entry": "\(saved)"])
        return Self.redirect("/schedule?" + Form.encode([("done", done), ("entry", saved)]))
    }

    /// The expression the form's preset makes, for the script that shows it as the clerk types:
    /// two lines, the expression and the command line (422 with the problem when incomplete).
    func entryExpression(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .operator)
        let form = EntryForm(Form(request.uri.query ?? ""))
        switch form.build() {
        case .success(let built): return Self.text(built.expression + "\n" + form.commandLine(built), status: .ok)
        case .failure(let problem): return Self.text(visit.texts(problem.key), status: .unprocessableContent)
        }
    }

    // MARK: The audit log

    struct ScheduleLogPage {
        struct Row {
            var id: Int64
            var time: String
            var who: String
            var via: String
            var action: String
            var actionName: String
            var entry: String
            var before: String
            var after: String
        }

        var rows: [Row]
    }

    func describe(_ e: OperatorEntry?, naming: Naming, texts t: Texts) -> String {
        guard let e else { return "" }
        let json = ScheduleEntryJSON(operator: e, location: nil, disabled: nil)
        var text = "\(naming.zone(e.zone)) · \(naming.message(e.message)) · \(EntryForm(entry: json).words(t))"
        if e.paused { text += " · " + t(.webEntryPaused) }
        return text
    }

    func scheduleLog(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let t = visit.texts
        let naming = await self.naming(visit)
        let changes = try await door.scheduleLog(since: nil, until: nil, limit: 1_000).changes.reversed()
        let rows = changes.map { c in
            ScheduleLogPage.Row(id: c.id, time: naming.clerk(c.at), who: c.requestedBy?.label ?? "", via: t.via(c.via), action: c.action,
                                actionName: t.scheduleAction(c.action), entry: c.entry,
                                before: describe(c.before, naming: naming, texts: t), after: describe(c.after, naming: naming, texts: t))
        }
        return page("schedule-log", visit, title: .webScheduleLog, page: ScheduleLogPage(rows: rows))
    }

    /// The audit log as `laba schedule log --format csv` writes it.
    func scheduleLogDownload(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        _ = try await self.visit(request, context)
        let log = try await door.scheduleLog(since: nil, until: nil, limit: 100_000)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"laba-schedule-log.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: scheduleLogCSV(log))))
    }
}

extension Texts {
    func scheduleAction(_ action: String) -> String {
        switch action {
        case "add": self(.webActionAdd)
        case "change": self(.webActionChange)
        case "pause": self(.webActionPause)
        case "resume": self(.webActionResume)
        case "remove": self(.webActionRemove)
        default: action
        }
    }

    func via(_ via: String) -> String {
        switch via {
        case "cli": self(.webViaCLI)
        case "console": self(.webViaConsole)
        default: via
        }
    }
}
