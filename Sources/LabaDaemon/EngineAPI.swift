// The engine's side of the control API: accepting broadcasts, reporting status and history.

import Foundation
import LabaControl
import LabaCore
import LabaStore

/// A refused request: the code (and so the HTTP status) and a sentence for the operator.
public struct APIFailure: Error, Equatable, Sendable {
    public var code: APIErrorCode
    public var message: String

    public init(_ code: APIErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Who asked, from the control socket's peer credentials.
public struct Requester: Sendable, Equatable {
    public var uid: Int
    public var user: String?

    public init(uid: Int, user: String?) {
        self.uid = uid
        self.user = user
    }
}

extension Engine {
    public static let defaultManualWithin = TimeSpan.seconds(3600)

    /// Accepts a manual or emergency broadcast for every output serving the zones: all of them are
    /// committed to the database before this returns, or none is.
    ///
    /// - Parameter upload: an uploaded recording under the state dir, played instead of the
    ///   message's recordings; `request.message` is then only its name in the record.
    public func accept(_ request: BroadcastRequest, requester: Requester?,
                       upload: String? = nil) throws(APIFailure) -> [BroadcastRecord] {
        let config = setup.config
        let library = setup.library
        let tree = scheduler.planner.tree
        let t = now()
        let priority: Priority
        switch request.priority ?? "manual" {
        case "manual": priority = .manual
        case "emergency": priority = .emergency
        default: throw APIFailure(.badRequest, "priority must be manual or emergency, not '\(request.priority ?? "")'")
        }
        guard upload != nil || library.has(message: request.message) else {
            throw APIFailure(.notFound, "unknown message '\(request.message)': no recordings in \(library.directory)/\(request.message)/")
        }
        guard !request.zones.isEmpty else { throw APIFailure(.badRequest, "name at least one zone") }
        for zone in request.zones where tree[zone] == nil {
            throw APIFailure(.notFound, "unknown zone '\(zone)'")
        }
        for language in request.languages ?? [] where config.language(language) == nil {
            throw APIFailure(.badRequest, "unknown language '\(language)'")
        }
        let repeatCount = request.repeat ?? 1
        guard (1...100).contains(repeatCount) else { throw APIFailure(.badRequest, "repeat must be between 1 and 100") }
        var within = Self.defaultManualWithin
        if let text = request.within {
            do { within = try TimeSpan(parsing: text) } catch {
                throw APIFailure(.badRequest, "within: invalid time span '\(text)': \(error)")
            }
        }
        var local = ZoneConverter(config.timeZone)
        let civil = local.civil(t)
        if upload == nil, let info = config.messageInfo(request.message) {
            if let until = info.validUntil?.value, civil.date > until {
                throw APIFailure(.expired, "message '\(request.message)' expired on \(until)")
            }
            if let from = info.validFrom?.value, civil.date < from {
                throw APIFailure(.expired, "message '\(request.message)' is valid from \(from)")
            }
        }
        let outputZones = scheduler.planner.outputZones
        let outputs = config.outputs.map(\.id.value).filter { output in
            guard let zone = outputZones[output] else { return false }
            return request.zones.contains { tree.zone(zone, isWithin: $0) }
        }
        guard !outputs.isEmpty else {
            throw APIFailure(.notFound, "no output serves \(request.zones.joined(separator: ", ")) now")
        }
        var records: [BroadcastRecord] = []
        for output in outputs {
            let zoneID = outputZones[output]!
            let zone = tree[zoneID]!
            if priority == .manual, request.force != true, let quiet = zone.quietHours,
               quiet.contains(minuteOfDay: Double(civil.hour * 60 + civil.minute)) {
                throw APIFailure(.quietHours, "zone '\(zoneID)' is in quiet hours (\(quiet)); use force to play anyway")
            }
            if let arbiter = arbiters[output], arbiter.queue.count >= Arbiter.queueLimit {
                throw APIFailure(.queueFull, "the queue of output '\(output)' is full (\(Arbiter.queueLimit) waiting)")
            }
            let languages: [String]
            if upload != nil {
                languages = request.languages ?? []
            } else {
                let wanted = request.languages ?? zone.languages
                let present = library.languages(of: request.message)
                languages = wanted.filter(present.contains)
                if languages.isEmpty, library.neutral(of: request.message) == nil {
                    throw APIFailure(.notFound, "message '\(request.message)' has no recording in \(wanted.joined(separator: ", "))")
                }
            }
            records.append(BroadcastRecord(
                id: newID(), source: upload != nil ? .upload : priority == .emergency ? .emergency : .manual,
                message: request.message, uploadPath: upload, output: output, zone: zoneID, priority: priority,
                plannedLanguages: languages, repeatCount: repeatCount, loop: request.loop ?? false, plannedAt: t.microseconds,
                deadline: priority == .emergency ? nil : (t + within).microseconds,
                requestedUID: requester?.uid, requestedUser: requester?.user))
        }
        do {
            try submit(records)
        } catch let error as EngineError {
            if case .queueFull = error { throw APIFailure(.queueFull, error.description) }
            throw APIFailure(.internalError, error.description)
        } catch let error where Store.isStorageFailure(error) {
            logger.error("a broadcast was refused: the state dir cannot store it", metadata: ["error": "\(error)"])
            throw APIFailure(.storageFull, "the state dir cannot store the broadcast (disk full or not writable): \(error); "
                             + "nothing was queued")
        } catch {
            throw APIFailure(.internalError, "cannot store the broadcast: \(error); nothing was queued")
        }
        return records
    }

    /// Stops what plays in the zones (and with `clear`, what waits there).
    public func stop(zones: [String], clear: Bool) throws(APIFailure) -> [String] {
        let tree = scheduler.planner.tree
        for zone in zones where tree[zone] == nil { throw APIFailure(.notFound, "unknown zone '\(zone)'") }
        let outputs = scheduler.planner.outputZones.filter { entry in zones.contains { tree.zone(entry.value, isWithin: $0) } }
            .map(\.key).sorted()
        stop(outputs: outputs, clear: clear)
        return outputs
    }

    public func json(_ record: BroadcastRecord) -> BroadcastJSON {
        var converter = ZoneConverter(setup.config.timeZone)
        func time(_ us: Int64?) -> String? {
            us.map { RFC3339.format(Instant(microseconds: $0), converter: &converter, fractionDigits: 3) }
        }
        return BroadcastJSON(
            id: record.id, source: record.source.rawValue, entry: record.entry, message: record.message,
            output: record.output, zone: record.zone, priority: record.priority.description,
            languages: .init(planned: record.plannedLanguages, played: record.playedLanguages),
            plannedAt: time(record.plannedAt)!, startedAt: time(record.startedAt), endedAt: time(record.endedAt),
            state: record.state.rawValue, outcome: record.outcome?.rawValue, reason: record.reason,
            requestedBy: record.requestedUID.map { .init(uid: $0, user: record.requestedUser) },
            frames: record.frames, xruns: record.xruns)
    }

    /// Broadcasts as the API lists them (one hop to the engine for all of them).
    public func list(_ records: [BroadcastRecord]) -> BroadcastList {
        BroadcastList(broadcasts: records.map(json))
    }

    public func status(configPath: String, loadedAt: Instant) -> StatusJSON {
        var converter = ZoneConverter(setup.config.timeZone)
        var outputs: [StatusJSON.Output] = []
        for output in setup.config.outputs {
            let id = output.id.value
            let arbiter = arbiters[id]
            let playing = arbiter?.playing.flatMap { try? store.broadcast(id: $0.id) }.map(json)
            var next: String?
            if let upcoming = scheduler.planner.upcoming(after: now(), count: 1, output: id).first {
                next = "\(RFC3339.format(upcoming.time, converter: &converter)) \(upcoming.message)"
            }
            outputs.append(StatusJSON.Output(
                id: id, zone: scheduler.planner.outputZones[id] ?? output.zone.value,
                state: arbiter?.available == false ? "unavailable" : (playing == nil ? "idle" : "playing"),
                playing: playing, queue: arbiter?.queue.map(\.id) ?? [], next: next))
        }
        return StatusJSON(version: LabaVersion.string, api: ControlProtocol.version, config: configPath,
                          loadedAt: RFC3339.format(loadedAt, converter: &converter), outputs: outputs)
    }

    public func record(id: String) -> BroadcastRecord? { try? store.broadcast(id: id) }

    public func history(zone: String?, message: String?, output: String?, outcome: BroadcastOutcome? = nil,
                        state: BroadcastRecord.State?, since: Int64?, until: Int64?, limit: Int) -> [BroadcastRecord] {
        (try? store.broadcasts(zone: zone, message: message, output: output, outcome: outcome, state: state,
                               since: since, until: until, limit: limit)) ?? []
    }

    /// Counts and airtime per zone, language, message or output, split by outcome, over finished
    /// broadcasts planned in [since, until). A broadcast's airtime (start to end) is shared equally
    /// among the languages it played when grouped by language.
    public func report(by: String, since: Int64?, until: Int64?) -> ReportJSON {
        let records = ((try? store.broadcasts(state: .done, since: since, until: until, limit: Int.max)) ?? [])
        var rows: [String: ReportJSON.Row] = [:]
        for r in records {
            let airtime = Double(max(0, (r.endedAt ?? 0) - (r.startedAt ?? r.endedAt ?? 0))) / 1e6
            let keys: [String]
            switch by {
            case "language": keys = r.playedLanguages.isEmpty ? r.plannedLanguages : r.playedLanguages
            case "message": keys = [r.message]
            case "output": keys = [r.output]
            default: keys = [r.zone]
            }
            for key in keys {
                var row = rows[key] ?? ReportJSON.Row(key: key, broadcasts: 0, airtimeSeconds: 0, outcomes: [:])
                row.broadcasts += 1
                row.airtimeSeconds += r.startedAt == nil ? 0 : airtime / Double(max(1, keys.count))
                row.outcomes[r.outcome?.rawValue ?? "unknown", default: 0] += 1
                rows[key] = row
            }
        }
        return ReportJSON(by: by, rows: rows.values.sorted { $0.key < $1.key })
    }

    public var configuration: Config { setup.config }

    /// The next `count` scheduled broadcasts from `from` (default now), as planned with the
    /// outputs' current zones.
    public func schedule(from: Int64?, count: Int, zone: String?, output: String?) throws(APIFailure) -> [ScheduleItem] {
        let planner = scheduler.planner
        if let zone, planner.tree[zone] == nil { throw APIFailure(.notFound, "unknown zone '\(zone)'") }
        if let output, setup.config.output(output) == nil { throw APIFailure(.notFound, "unknown output '\(output)'") }
        let start = from.map(Instant.init(microseconds:)) ?? now()
        var converter = ZoneConverter(setup.config.timeZone)
        return planner.broadcasts(after: Instant(microseconds: start.microseconds - 1), zone: zone, output: output)
            .prefix(count).map { ScheduleItem($0, converter: &converter) }
    }
}

extension Engine {
    /// The outputs with their devices and current zones.
    public func outputs() -> [OutputJSON] {
        setup.config.outputs.map { output in
            OutputJSON(id: output.id.value, device: output.device.value,
                       zone: scheduler.planner.outputZones[output.id.value] ?? output.zone.value,
                       available: arbiters[output.id.value]?.available ?? false)
        }
    }

    /// Moves a (mobile) output to another zone, persistently. From now on it follows that zone's
    /// schedule and languages; scheduled broadcasts still waiting for the old zone are dropped, with
    /// the reason recorded.
    public func move(output: String, to zone: String) throws(APIFailure) -> OutputJSON {
        guard setup.config.output(output) != nil else { throw APIFailure(.notFound, "unknown output '\(output)'") }
        guard scheduler.planner.tree[zone] != nil else { throw APIFailure(.notFound, "unknown zone '\(zone)'") }
        do {
            try store.setZone(zone, of: output, at: now().microseconds)
        } catch {
            throw APIFailure(.internalError, "cannot store the move: \(error)")
        }
        let from = scheduler.planner.outputZones[output]
        scheduler.planner.outputZones[output] = zone
        for item in arbiters[output]?.queue ?? [] {
            guard let record = try? store.broadcast(id: item.id), record.source == .schedule, record.zone != zone else { continue }
            feed(output, .cancel(id: item.id))
            if var done = try? store.broadcast(id: item.id) {
                done.reason = "the output moved from \(from ?? "?") to \(zone) before it played"
                try? store.update(done)
            }
        }
        logger.notice("output moved", metadata: ["output": "\(output)", "from": "\(from ?? "")", "zone": "\(zone)"])
        onReschedule()
        return outputs().first { $0.id == output }!
    }
}
