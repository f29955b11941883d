// One function per page or action: ask the front door, render. Every broadcast asked for here
// goes through the daemon's one way in (a commander's reaches its units too), with the console
// account as `requested_by`.

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore
import NIOPosix
import ServiceLifecycle

extension Site {
    // MARK: Overview and live state

    func overviewPage(_ visit: Visit, withUnits: Bool = false) async -> OverviewPage {
        let naming = await self.naming(visit)
        var page = OverviewPage(status: await door.status(), recent: await door.history(BroadcastFilter(limit: 8)),
                                naming: naming, texts: visit.texts)
        if withUnits { page.units = await unitsSection(visit) }
        if visit.canOperate { page.buttons = ((try? door.buttons()) ?? []).map { Self.buttonView($0, naming: naming, texts: visit.texts) } }
        return page
    }

    func overview(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let q = Form(request.uri.query ?? "")
        var flash: [String] = []
        // Counts only: a link cannot put words of its own into the page.
        let results = await broadcastResults(q.all("b"), visit)
        if !results.isEmpty {
            flash += results
        } else if let n = q["sent"].flatMap(Int.init) {
            flash.append(visit.texts(.webSent, ["n": String(n)]))
        }
        if let n = q["refused"].flatMap(Int.init) { flash.append(visit.texts(.webRefusedOutputs, ["n": String(n)])) }
        if let n = q["stopped"].flatMap(Int.init) { flash.append(visit.texts(.webStopped, ["n": String(n)])) }
        if let n = q["units"].flatMap(Int.init) { flash.append(visit.texts(.webSentToUnits, ["n": String(n)])) }
        return page("overview", visit, title: .webOverview, page: await overviewPage(visit, withUnits: true),
                    flash: flash.isEmpty ? nil : flash.joined(separator: "\n"))
    }

    /// What became of each broadcast just asked for, per loudspeaker: started, waiting behind
    /// what plays there, or offline and waiting until its deadline (issue 26). Only ids the
    /// front door knows are looked up, so a link cannot put words of its own into the page.
    func broadcastResults(_ ids: [String], _ visit: Visit) async -> [String] {
        let t = visit.texts
        var naming = await self.naming(visit)
        let status = await door.status()
        var lines: [String] = []
        for id in ids.prefix(64) {
            guard let r = await door.record(id: id) else { continue }
            let output = status.outputs.first { $0.id == r.output }
            let name = naming.output(r.output)
            switch r.state {
            case .playing:
                lines.append(t(.webResultStarted, ["output": name]))
            case .queued where output?.available == false:
                lines.append(r.deadline.map { t(.webResultOfflineUntil, ["output": name, "time": naming.time($0)]) }
                             ?? t(.webResultOffline, ["output": name]))
            case .queued:
                if let playing = output?.playing, playing.id != r.id {
                    lines.append(t(.webResultWaitingBehind, ["output": name, "message": naming.message(playing.message)]))
                } else {
                    lines.append(t(.webResultStarting, ["output": name]))
                }
            case .done:
                lines.append(t(.webResultDone, ["output": name, "outcome": t.state(r.outcome?.rawValue ?? "completed")]))
            }
        }
        return lines
    }

    /// What a live view's stream answers to: a change of the door, units to send (a commander's),
    /// or the time to show it is alive.
    enum LiveBeat: Sendable { case change, units, keepAlive }

    /// Server-sent events: the overview's live part, rendered again at every change of the
    /// door, and a comment line every `keepAlive` while the view is open.
    func events(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let session = visit.session.tokenHash
        let opened = liveViews.withLock { views in
            guard views[session, default: 0] < Self.maxLiveViews else { return false }
            views[session, default: 0] += 1
            return true
        }
        guard opened else { throw Failure.tooManyViews }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let door = self.door
        let channel = context.channel
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer {
                self.liveViews.withLock { views in
                    let left = views[session, default: 1] - 1
                    views[session] = left > 0 ? left : nil
                }
            }
            // The daemon's changes, until the browser goes away (the connection closes) or labad
            // stops; between them a comment line every `keepAlive`, the only way to learn that a
            // browser has gone (no request is read while the answer streams), so that its view
            // does not hold its place among the session's views. Nothing wakes without a view open.
            let (beats, relay) = AsyncStream.makeStream(of: LiveBeat.self, bufferingPolicy: .bufferingNewest(4))
            let events = await door.changes()
            let pump = Task {
                for await _ in events { relay.yield(.change) }
                relay.finish()
            }
            // A commander's units: their ids gathered, sent together at most once a second.
            let batch = UnitBatch()
            let unitChanges = await door.unitChanges()
            let eventLoop = channel.eventLoop
            @Sendable func note(_ unit: String?) {
                if let delay = batch.note(unit, now: .now()) {
                    eventLoop.scheduleTask(in: delay) { relay.yield(.units) }
                }
            }
            let unitPump = Task {
                guard let unitChanges else { return }
                for await unit in unitChanges { note(unit) }
            }
            let keepAlive = channel.eventLoop.scheduleRepeatedTask(initialDelay: Self.keepAlive, delay: Self.keepAlive) { _ in
                relay.yield(.keepAlive)
            }
            channel.closeFuture.whenComplete { _ in
                keepAlive.cancel()
                relay.finish()
                pump.cancel()
                unitPump.cancel()
            }
            defer {
                keepAlive.cancel()
                pump.cancel()
                unitPump.cancel()
            }
            // The state as it is now (what changed since the page was rendered), then every change.
            try await writer.write(ByteBuffer(string: await self.liveEvent(visit)))
            if unitChanges != nil { note(nil) }
            for await beat in beats.cancelOnGracefulShutdown() {
                switch beat {
                case .change: try await writer.write(ByteBuffer(string: await self.liveEvent(visit)))
                case .keepAlive: try await writer.write(ByteBuffer(string: ": \n\n"))
                case .units: break
                }
                // Units due (a beat lost to the buffer is made up at the next one).
                if case .some(let units) = batch.take(now: .now()) {
                    if let event = await self.unitsEvent(visit, units) { try await writer.write(ByteBuffer(string: event)) }
                }
            }
            self.logger.debug("console: a live view closed", metadata: ["console": "\(visit.name)"])
            try await writer.finish(nil)
        })
    }

    /// One server-sent event: the overview's live part, each line as a `data:` line.
    func liveEvent(_ visit: Visit) async -> String {
        let frame = self.frame(visit, texts: visit.texts, title: "", page: await overviewPage(visit))
        let body = templates.render(frame, withTemplate: "live") ?? ""
        return "event: overview\n" + body.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)" }
            .joined(separator: "\n") + "\n\n"
    }

    // MARK: Broadcast and stop

    struct BroadcastPage {
        var messages: [Choice]
        var zones: [ZoneChoice]
        var languages: [Choice]
        /// The form as it was sent, kept after a refusal (issue 26).
        var all = false
        var emergency = false
        var repeatCount = "1"
        var loop = false
        var force = false
    }

    /// The zones the front door lets this visit act in, in tree order; every zone when it may act everywhere.
    func offeredZones(_ visit: Visit, _ naming: Naming) async -> [(zone: ResolvedZone, depth: Int)] {
        let offered = await door.offeredZones(to: visit.requester).map(Set.init)
        return naming.zonesInTreeOrder.filter { offered?.contains($0.zone.id) ?? true }
    }

    /// "You may act in …" with the top zones of the visit's, when it may not act everywhere.
    func zonesNote(_ visit: Visit, _ naming: Naming) async -> String? {
        guard let offered = await door.offeredZones(to: visit.requester) else { return nil }
        let mine = Set(offered)
        let tops = offered.filter { naming.tree[$0]?.parent.map { !mine.contains($0) } ?? true }
        return visit.texts(.webYourZones, ["zones": tops.map(naming.zone).joined(separator: "、")])
    }

    func broadcastPageValues(_ visit: Visit, form: Form? = nil) async -> BroadcastPage {
        await broadcastPageValues(await door.configuration, library: await door.library, visit: visit, form: form)
    }

    /// The messages a clerk may broadcast: the recorded ones but the chimes (a chime is played
    /// before a program, not as one), in title order, then the civil-defence signals (SPEC 18).
    static func contentChoices(_ config: Config, library: MessageLibrary, naming: Naming, texts: Texts, selected: String?) -> [Choice] {
        let chimes = Set(naming.tree.zones.compactMap(\.chime))
        let recorded = library.recordings.keys.filter { !chimes.contains($0) }
            .map { Choice(id: $0, name: $0, title: naming.message($0), selected: $0 == selected, named: naming.messageNamed($0)) }
            .sorted { ($0.title, $0.id) < ($1.title, $1.id) }
        return recorded + SirenKind.allCases.map {
            Choice(id: $0.messageName, name: $0.messageName, title: texts.siren($0), selected: $0.messageName == selected, named: true)
        }
    }

    func broadcastPageValues(_ config: Config, library: MessageLibrary, visit: Visit, form: Form? = nil) async -> BroadcastPage {
        let texts = visit.texts
        let naming = await self.naming(visit, config)
        let messages = Self.contentChoices(config, library: library, naming: naming, texts: texts, selected: form?["message"])
        let ticked = Set(form?.all("zone") ?? [])
        let zones = await offeredZones(visit, naming).map {
            ZoneChoice(id: $0.zone.id, name: $0.zone.name, depth: $0.depth, checked: ticked.contains($0.zone.id))
        }
        let used = Set(library.recordings.values.flatMap(\.keys))
        let chosen = Set(form?.all("language") ?? [])
        let languages = config.languages.filter { used.contains($0.id) }
            .map { Choice(id: $0.id, name: $0.name, title: $0.name, selected: chosen.contains($0.id)) }
        return BroadcastPage(messages: messages, zones: zones, languages: languages, all: form?.flag("all") ?? false,
                             emergency: form?["priority"] == "emergency", repeatCount: form?["repeat"] ?? "1",
                             loop: form?.flag("loop") ?? false, force: form?.flag("force") ?? false)
    }

    func broadcastPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .operator)
        return page("broadcast", visit, title: .webBroadcast, page: await broadcastPageValues(visit))
    }

    struct ConfirmPage {
        struct Field {
            var name: String
            var value: String
        }

        var summary: String
        var fields: [Field]
    }

    func broadcast(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .operator)
        let t = visit.texts
        let config = await door.configuration
        func again(_ error: String, status: HTTPResponse.Status = .unprocessableContent) async -> Response {
            page("broadcast", visit, title: .webBroadcast, page: await broadcastPageValues(config, library: await door.library, visit: visit,
                                                                                          form: form),
                 error: error, status: status)
        }
        guard let message = form["message"] else { return await again(t(.webChooseMessage)) }
        let all = form.flag("all")
        let zones = form.all("zone")
        guard all || !zones.isEmpty else { return await again(t(.webChooseZone)) }
        let priority: Priority
        do { priority = try Rules.requestedPriority(named: form["priority"]) } catch { return await again(t.refusal(error)) }
        let repeatCount = Int(form["repeat"] ?? "1") ?? 0
        guard Rules.repeatRange.contains(repeatCount) else { return await again(t(.webBadRepeat)) }
        // A signal sounds at the signals' priority, whatever the form says: its confirmation too.
        let sounds = SirenKind(messageName: message) != nil ? config.sirens.priorityValue : priority
        if sounds == .emergency, form["confirmed"] != "emergency" {
            // The second, deliberate step: a page that says what will happen, and one more button.
            let naming = await self.naming(visit, config)
            // Every zone it reaches where a loudspeaker serves now: the townships, not only the county chosen.
            let reached = naming.zonesReached(zones, all: all, outputZones: await door.status().outputs.map(\.zone))
            let chosen = all ? t(.webAllZones) : zones.map(naming.zone).joined(separator: "、")
            let places = reached.isEmpty ? chosen : t(.webConfirmReached, ["chosen": chosen, "zones": reached.map(naming.zone).joined(separator: "、")])
            let fields = form.fields.filter { $0.0 != "csrf" && $0.0 != "confirmed" }.map { ConfirmPage.Field(name: $0.0, value: $0.1) }
            return page("confirm", visit, title: .webConfirmTitle, page: ConfirmPage(
                summary: t(.webConfirmSummary, ["message": SirenKind(messageName: message).map(t.siren) ?? naming.message(message),
                                                "zones": places]), fields: fields))
        }
        let languages = form.all("language")
        let admission = AdmissionRequest(content: .message(message), target: all ? .all : .zones(zones),
                                       languages: languages.isEmpty ? nil : languages, priority: priority,
                                       repeatCount: repeatCount, loop: form.flag("loop"), force: form.flag("force"),
                                       requestedBy: .console(user: visit.name))
        let admitted: Broadcasts
        do {
            admitted = try await door.broadcast(admission)
        } catch {
            return await again(t.refusal(error), status: error.code == .outsideZones ? .forbidden : .unprocessableContent)
        }
        logger.notice("console: broadcast", metadata: [
            "console": "\(visit.name)", "message": "\(message)", "priority": "\(priority)",
            "broadcasts": "\(admitted.records.map(\.id).joined(separator: ","))", "command": "\(admitted.command?.id ?? "")",
        ])
        var query = [("sent", String(admitted.records.count))] + admitted.records.map { ("b", $0.id) }
        if let command = admitted.command { query.append(("units", String(command.zones.count))) }
        // What the units decide (a zone no loudspeaker here serves) is theirs to refuse, not a refusal here.
        let refused = admitted.command == nil ? admitted.refused : admitted.refused.filter { !$0.unitsDecide }
        if !refused.isEmpty { query.append(("refused", String(refused.count))) }
        return Self.redirect("/?" + Form.encode(query))
    }

    func cancel(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .operator)
        let id = context.parameters.get("id") ?? ""
        do { _ = try await door.cancel(id, by: visit.requester) } catch where error.code == .outsideZones {
            throw Failure.refused(visit.texts.refusal(error))
        } catch {
            // Already ended or unknown: the overview shows how it is now.
        }
        logger.notice("console: stop", metadata: ["console": "\(visit.name)", "broadcast": "\(id)"])
        return Self.redirect("/?stopped=1")
    }

    func stopPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .operator)
        return page("stop", visit, title: .webStop, page: await broadcastPageValues(visit))
    }

    func stop(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .operator)
        let zones = form.all("zone")
        guard form.flag("all") || !zones.isEmpty else {
            return page("stop", visit, title: .webStop, page: await broadcastPageValues(visit),
                        error: visit.texts(.webChooseZone), status: .unprocessableContent)
        }
        let stopped: Stopped
        do {
            stopped = try await door.stop(form.flag("all") ? .all : .zones(zones), clear: form.flag("clear"), by: visit.requester)
        } catch {
            return page("stop", visit, title: .webStop, page: await broadcastPageValues(visit),
                        error: visit.texts.refusal(error), status: error.code == .outsideZones ? .forbidden : .unprocessableContent)
        }
        logger.notice("console: stop", metadata: ["console": "\(visit.name)", "outputs": "\(stopped.outputs.joined(separator: ","))",
                                                  "command": "\(stopped.command?.id ?? "")", "clear": "\(form.flag("clear"))"])
        var query = [("stopped", String(stopped.outputs.count))]
        if let command = stopped.command { query.append(("units", String(command.zones.count))) }
        return Self.redirect("/?" + Form.encode(query))
    }

    // MARK: Record

    struct RecordPage {
        var zones: [ZoneChoice]
        var messages: [Choice]
        var outputs: [Choice]
        var outcomes: [Choice]
        var since: String
        var until: String
        var query: String
        var rows: [RecordRow]
        /// On a commander: the units to choose from ("local": this office's own records).
        var units: [Choice]?
        /// The next page's link (its query), when older records follow.
        var older: String?
        /// This is a later page: a link back to the newest.
        var paged = false
        /// On a commander: the unit column and filter.
        var desk = false
    }

    /// The filter of the record page's query (as `laba history`'s options); dates in the configuration's zone.
    func recordFilter(_ q: Form, config: Config, limit: Int) async throws -> BroadcastFilter {
        let now = await door.now()
        func time(_ key: String) throws -> Int64? {
            guard let text = q[key] else { return nil }
            do { return try TimeParsing.instant(text, in: config.timeZone, now: now).microseconds } catch {
                throw Failure.badRequest("\(key): \(error)")
            }
        }
        var until = try time("until")
        // A date "until" includes its day.
        if let u = until, q["until"]?.count == 10 { until = u + 86_400 * 1_000_000 }
        return BroadcastFilter(zone: q["zone"], message: q["message"], output: q["output"],
                               outcome: q["outcome"].flatMap(BroadcastOutcome.init(rawValue:)), since: try time("since"),
                               until: until, limit: limit)
    }

    func record(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let config = await door.configuration
        let q = Form(request.uri.query ?? "")
        let unit = q["unit"].flatMap { $0.isEmpty ? nil : $0 }
        let before = RecordCursor(q["before"])
        let (records, next) = await recordPage(try await recordFilter(q, config: config, limit: Self.recordPage), unit: unit,
                                               before: before)
        var naming = await self.naming(visit, config)
        let library = await door.library
        let t = visit.texts
        let filters = q.fields.filter { !$0.1.isEmpty && $0.0 != "before" }
        var units: [Choice]?
        // Only the ids: at county scale every unit's status and last record would be read for nothing.
        if let known = await door.fleetUnitIDs() {
            units = [Choice(id: "local", name: t(.webThisOffice), title: t(.webThisOffice), selected: unit == "local")]
                + known.sorted().map { Choice(id: $0, name: $0, title: $0, selected: unit == $0) }
        }
        let rows = records.map { r in
            var row = RecordRow(r.record, unit: r.unit, naming: &naming, texts: t)
            row.desk = units != nil
            return row
        }
        let page = RecordPage(
            zones: naming.zonesInTreeOrder.map { ZoneChoice(id: $0.zone.id, name: $0.zone.name, depth: $0.depth, selected: q["zone"] == $0.zone.id) },
            messages: Self.contentChoices(config, library: library, naming: naming, texts: t, selected: q["message"]),
            outputs: config.outputs.map { Choice(id: $0.id.value, name: $0.id.value, title: $0.name ?? $0.id.value, selected: q["output"] == $0.id.value) },
            outcomes: BroadcastOutcome.allCases.map { Choice(id: $0.rawValue, name: t.state($0.rawValue), title: "", selected: q["outcome"] == $0.rawValue) },
            since: q["since"] ?? "", until: q["until"] ?? "", query: Form.encode(filters), rows: rows, units: units,
            older: next.map { Form.encode(filters + [("before", $0.text)]) }, paged: before != nil, desk: units != nil)
        return self.page("record", visit, title: .webRecord, page: page)
    }

    /// The record as `laba history --format csv` writes it: UTF-8 with a BOM, formulas defused.
    func recordCSV(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        _ = try await self.visit(request, context)
        let config = await door.configuration
        let records = await door.history(try await recordFilter(Form(request.uri.query ?? ""), config: config, limit: 10_000))
        var wire = WireFormat(config.timeZone)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"laba-record.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: historyCSV(wire.list(records)))))
    }

    // MARK: Zones and outputs

    struct ZonesPage {
        struct Output {
            var id: String
            var name: String
            var named: Bool
            /// The ALSA device, for a technician (admins) only: a clerk reads names.
            var device: String?
            var zone: String
            var zoneName: String
            var choices: [ZoneChoice]
            /// Inside the visit's zones: it may move it (within them).
            var movable: Bool
            var volume: Volume?
        }

        /// The operators' volume of a loudspeaker, and the form that sets it inside its range.
        struct Volume {
            var now: String
            var value: String
            var lower: String
            var upper: String
            var hint: String
            /// Inside the visit's zones.
            var settable: Bool
        }

        var outputs: [Output]
        var zones: [ZoneChoice]
    }

    func zones(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        let naming = await self.naming(visit)
        let status = await door.status()
        let tree = naming.zonesInTreeOrder
        let offered = await offeredZones(visit, naming)
        let mine = Set(offered.map(\.zone.id))
        let outputs = status.outputs.map { o in
            ZonesPage.Output(id: o.id, name: naming.output(o.id), named: naming.outputNamed(o.id),
                             device: visit.account.role >= .admin ? o.device : nil, zone: o.zone, zoneName: naming.zone(o.zone),
                             choices: offered.map {
                ZoneChoice(id: $0.zone.id, name: String(repeating: "· ", count: $0.depth) + $0.zone.name, depth: $0.depth,
                           selected: $0.zone.id == o.zone)
            }, movable: mine.contains(o.zone) && naming.isMobile(o.id),
               volume: o.volume.map { v in
                let t = visit.texts
                let range = ["lower": VolumeText.db(v.range.lower), "upper": VolumeText.db(v.range.upper)]
                return ZonesPage.Volume(now: t(.webVolumeNow, ["db": VolumeText.db(v.db)]), value: VolumeText.db(v.db),
                                        lower: range["lower"]!, upper: range["upper"]!, hint: t(.webVolumeHint, range),
                                        settable: mine.contains(o.zone))
            })
        }
        let zones = tree.map { z in
            ZoneChoice(id: z.zone.id, name: z.zone.name, depth: z.depth,
                       outputs: status.outputs.filter { $0.zone == z.zone.id }.map { naming.output($0.id) })
        }
        let query = Form(request.uri.query ?? "")
        let flash = query["moved"].flatMap { moved in
            status.outputs.contains { $0.id == moved } ? visit.texts(.webMoved, ["output": naming.output(moved)]) : nil
        } ?? query["volume"].flatMap { output in
            status.outputs.first { $0.id == output }?.volume.map {
                visit.texts(.webVolumeDone, ["output": naming.output(output), "db": VolumeText.db($0.db)])
            }
        }
        return page("zones", visit, title: .webZonesPage, page: ZonesPage(outputs: outputs, zones: zones), flash: flash)
    }

    func move(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .operator)
        guard let output = form["output"], let zone = form["zone"] else { throw Failure.badRequest("output and zone") }
        do { _ = try await door.move(output: output, to: zone, by: visit.requester) } catch {
            throw error.code == .outsideZones ? Failure.refused(visit.texts.refusal(error)) : Failure.badRequest(visit.texts.refusal(error))
        }
        logger.notice("console: output moved", metadata: ["console": "\(visit.name)", "output": "\(output)", "zone": "\(zone)"])
        return Self.redirect("/zones?" + Form.encode([("moved", output)]))
    }

    /// The operators' volume of a loudspeaker, from its next program on (issue 27).
    func setVolume(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .operator)
        guard let output = form["output"], let text = form["volume_db"]?.trimmingCharacters(in: .whitespaces),
              let db = Double(text), db.isFinite else { throw Failure.badRequest(visit.texts(.webVolumeNotANumber)) }
        do { _ = try await door.setVolume(output: output, db: db, by: visit.requester) } catch {
            throw error.code == .outsideZones ? Failure.refused(visit.texts.refusal(error)) : Failure.badRequest(visit.texts.refusal(error))
        }
        logger.notice("console: volume set", metadata: ["console": "\(visit.name)", "output": "\(output)", "volume_db": "\(db)"])
        return Self.redirect("/zones?" + Form.encode([("volume", output)]))
    }

    // MARK: Accounts (admins)

    struct AccountsPage {
        struct Row {
            var name: String
            var roleName: String
            /// Where it acts, in words.
            var zonesText: String
            /// Not an admin: its zones can be set.
            var limitable: Bool
            var modes: [Choice]
            var zones: [ZoneChoice]
        }

        var accounts: [Row]
        var roles: [Choice]
        var modes: [Choice]
        var zones: [ZoneChoice]
    }

    /// The choices of an account's zones: as configured, everywhere, or the zones ticked.
    static func zoneModes(_ zones: AccountZones, _ t: Texts) -> [Choice] {
        let only = if case .only = zones { true } else { false }
        let modes: [(String, Catalog.Key, Bool)] = [
            ("configured", .webAccountZonesConfigured, zones == .configured),
            ("everywhere", .webAccountZonesEverywhere, zones == .everywhere),
            ("only", .webAccountZonesOnly, only),
        ]
        return modes.map { Choice(id: $0.0, name: t($0.1), title: "", selected: $0.2) }
    }

    /// An account's zones from the accounts page's form (`zones_mode`, `zone`...); nil when the
    /// form asks for some zones but ticks none.
    static func accountZones(_ form: Form) -> AccountZones? {
        switch form["zones_mode"] {
        case "everywhere": return .everywhere
        case "only":
            let zones = form.all("zone")
            return zones.isEmpty ? nil : .only(zones)
        default: return .configured
        }
    }

    func accounts(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context, role: .admin)
        return await accountsPage(visit)
    }

    func accountsPage(_ visit: Visit, flash: String? = nil, error: String? = nil) async -> Response {
        let t = visit.texts
        let naming = await self.naming(visit)
        let tree = naming.zonesInTreeOrder
        func choices(_ zones: AccountZones) -> [ZoneChoice] {
            let ticked: Set<String> = if case .only(let z) = zones { Set(z) } else { [] }
            return tree.map { ZoneChoice(id: $0.zone.id, name: $0.zone.name, depth: $0.depth, checked: ticked.contains($0.zone.id)) }
        }
        let rows = ((try? door.accounts()) ?? []).map { account in
            let text: String = switch (account.role, account.zones) {
            case (.admin, _): t(.webRoleAdmin) + " · " + t(.webAccountZonesEverywhere)
            case (_, .configured): t(.webAccountZonesConfigured)
            case (_, .everywhere): t(.webAccountZonesEverywhere)
            case (_, .only(let zones)): zones.map(naming.zone).joined(separator: "、")
            }
            return AccountsPage.Row(name: account.name, roleName: t.role(account.role), zonesText: text, limitable: account.role != .admin,
                                    modes: Self.zoneModes(account.zones, t), zones: choices(account.zones))
        }
        let roles = ConsoleRole.allCases.map { Choice(id: $0.rawValue, name: t.role($0), title: "") }
        return page("accounts", visit, title: .webAccounts,
                    page: AccountsPage(accounts: rows, roles: roles, modes: Self.zoneModes(.configured, t), zones: choices(.configured)),
                    flash: flash, error: error, status: error == nil ? .ok : .unprocessableContent)
    }

    func addAccount(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .admin)
        let t = visit.texts
        guard let name = form["name"], name.count <= 64, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "/" }),
              let role = form["role"].flatMap(ConsoleRole.init(rawValue:)) else { return await accountsPage(visit, error: t(.webBadAccount)) }
        guard let password = form["password"], password.count >= 8 else { return await accountsPage(visit, error: t(.webPasswordTooShort)) }
        guard let zones = try await checkedZones(form, visit) else { return await accountsPage(visit, error: t(.webAccountZonesNone)) }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 10) }
        let t0 = await now()
        do {
            try door.addAccount(ConsoleAccount(name: name, role: role, passwordHash: hash, createdAt: t0, zones: role == .admin ? .configured : zones))
        } catch {
            return await accountsPage(visit, error: t(.webAccountExists, ["name": name]))
        }
        logger.notice("console: account added", metadata: ["console": "\(visit.name)", "account": "\(name)", "role": "\(role.rawValue)",
                                                           "zones": "\(zones.stored ?? "configured")"])
        return await accountsPage(visit, flash: t(.webAccountAdded, ["name": name]))
    }

    /// The form's zones, each one the configuration's; nil when "only" ticks none.
    func checkedZones(_ form: Form, _ visit: Visit) async throws -> AccountZones? {
        guard let zones = Self.accountZones(form) else { return nil }
        if case .only(let ids) = zones {
            let tree = ZoneTree(await door.configuration)
            if let unknown = ids.first(where: { tree[$0] == nil }) {
                throw Failure.badRequest(visit.texts.refusal(.unknownZone(unknown, among: tree.ids)))
            }
        }
        return zones
    }

    func setAccountZones(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .admin)
        let t = visit.texts
        guard let name = form["name"] else { return await accountsPage(visit, error: t(.webBadAccount)) }
        guard let zones = try await checkedZones(form, visit) else { return await accountsPage(visit, error: t(.webAccountZonesNone)) }
        do { try door.setZones(name, zones: zones) } catch { throw Failure.notFound }
        logger.notice("console: account zones set", metadata: ["console": "\(visit.name)", "account": "\(name)",
                                                               "zones": "\(zones.stored ?? "configured")"])
        return await accountsPage(visit, flash: t(.webAccountZonesSet, ["name": name]))
    }

    func removeAccount(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .admin)
        guard let name = form["name"], name != visit.name else { return await accountsPage(visit, error: visit.texts(.webCannotRemoveSelf)) }
        try? door.removeAccount(name)
        logger.notice("console: account removed", metadata: ["console": "\(visit.name)", "account": "\(name)"])
        return await accountsPage(visit, flash: visit.texts(.webAccountRemoved, ["name": name]))
    }
}

