// CAP 1.2 alerts in the engine: one function for every way in (the watched folder, `POST
// /v1/alerts`, the fleet's `alert` command). LabaCore reads and plans the alert; the engine stops
// what an Update or a Cancel references, admits the plan through `Admission`, keeps the repeats
// (woken by the scheduling loop's timer) and records everything it did.

import Foundation
import LabaControl
import LabaCore
import LabaStore

/// How an alert arrived.
public enum AlertVia: Sendable, Equatable {
    /// A file dropped in `alerts.watch`: its name and modification time (µs).
    case file(name: String, mtime: Int64)
    /// `POST /v1/alerts`.
    case api
    /// The console's alerts page, by this account.
    case console(user: String)
    /// A fleet `alert` command, from a commander unit.
    case fleet(unit: String, command: String)

    var label: String {
        switch self {
        case .file: "file"
        case .api: "api"
        case .console: "console"
        case .fleet: "fleet"
        }
    }

    /// It came as a fleet command: it is never forwarded again.
    public var isFleet: Bool {
        if case .fleet = self { return true }
        return false
    }
}

/// What became of an alert: its record, and the reason it could not be read, when it could not.
public struct AlertReceipt: Sendable {
    public var record: AlertRecord
    public var invalid: CAPError?
    /// Where its areas reach (and, for an Update or a Cancel, where the alerts it stops reached):
    /// the zones a commander forwards it to. Empty for an alert not read, or read before.
    public var forward: [String] = []
}

extension Engine {
    /// The largest alert document taken (a CAP message is a few kilobytes).
    public static let maxAlertSize = 1 << 20

    /// Receives a CAP 1.2 alert from any source; never throws: what cannot be read or played is
    /// recorded with the reason. A file already read (same name and modification time) is passed over.
    ///
    /// - Parameter scope: the subtrees the sender may command (a fleet key's trust): the alert
    ///   reaches no zone outside them, now or in its repeats; nil: any zone.
    /// - Returns: nil only for a file read before.
    /// - Parameter zones: the zones a commander signed for it (SPEC 15): it plays there, without
    ///   its areas being matched again.
    public func receiveAlert(_ xml: Data, via: AlertVia, scope: [String]? = nil, zones: [String]? = nil) -> AlertReceipt? {
        let t = now()
        var record = AlertRecord(receivedAt: t.microseconds, via: via.label)
        record.scope = scope
        record.sentZones = zones
        if case .file(let name, let mtime) = via {
            if (try? store.alertFilesSeen().contains("\(name) \(mtime)")) == true { return nil }
            record.file = name
            record.fileMtime = mtime
        }
        if case .fleet(let unit, let command) = via { record.note("fleet_command", ["command": command, "unit": unit], "fleet command \(command) from \(unit)") }
        guard xml.count <= Self.maxAlertSize else {
            let error = CAPError(line: 1, column: 1, element: nil, .tooLarge, ["kib": String(Self.maxAlertSize / 1024)])
            record.reason = error.english(file: record.file)
            record.reasonCode = AlertReason.cap
            record.reasonArgs = error.reasonArgs(file: record.file)
            logger.warning("alert refused", metadata: ["via": "\(via.label)", "file": "\(record.file ?? "")", "reason": "\(record.reason!)"])
            saveAlert(&record)
            return AlertReceipt(record: record, invalid: error)
        }
        // The bytes as received: an alert in ISO-8859-1 (or any encoding its XML declares) is read
        // again from them, for its repeats and its forwarding, exactly as it came.
        record.document = xml
        let alert: CAPAlert
        do {
            alert = try CAPAlert(xml: xml)
        } catch {
            record.reason = error.english(file: record.file)
            record.reasonCode = AlertReason.cap
            record.reasonArgs = error.reasonArgs(file: record.file)
            logger.warning("alert refused", metadata: ["via": "\(via.label)", "file": "\(record.file ?? "")", "reason": "\(record.reason!)"])
            saveAlert(&record)
            return AlertReceipt(record: record, invalid: error)
        }
        record.identifier = alert.identifier
        record.sender = alert.sender
        record.sent = alert.sent
        record.status = alert.status.rawValue
        record.msgType = alert.msgType.rawValue
        if let earlier = try? store.alert(identifier: alert.identifier, sender: alert.sender) {
            var converter = ZoneConverter(setup.config.timeZone)
            let at = RFC3339.format(Instant(microseconds: earlier.receivedAt), converter: &converter)
            record.reasonCode = AlertReason.repeated
            record.reasonArgs = ["at": at]
            record.reason = AlertReason.words(code: AlertReason.repeated, args: ["at": at], in: .en)
            saveAlert(&record)
            return AlertReceipt(record: record, invalid: nil)
        }
        let plan = plan(alert, scope: scope, zones: zones, at: t)
        record.drill = plan.drill
        record.event = plan.event
        record.message = plan.message
        record.priority = plan.priority?.description
        record.zones = plan.zones
        for (english, note) in zip(plan.notes, plan.noteCodes) { record.note(note.code, note.args, english) }
        record.expiresAt = plan.expires?.microseconds
        record.cancels = plan.cancels
        for earlier in plan.cancels {
            if let note = stopAlert(earlier, by: alert.identifier, sender: alert.sender, scope: scope) {
                record.note(note.code, note.args, AlertNoteText.words(code: note.code, args: note.args, in: .en) ?? note.code)
            }
        }
        if let reason = plan.reason {
            record.reason = reason
            record.reasonCode = plan.reasonCode.map { "alert_" + $0 }
            record.reasonArgs = plan.reasonArgs.isEmpty ? nil : plan.reasonArgs
        } else {
            play(plan, into: &record)
            let repeats = plan.repeats(after: t)
            record.repeatsLeft = repeats.count
            record.nextAt = repeats.first?.microseconds
        }
        saveAlert(&record)
        if let id = record.id, let next = record.nextAt { places.repeats[id] = Instant(microseconds: next) }
        logger.notice("alert received", metadata: [
            "identifier": "\(alert.identifier)", "via": "\(via.label)", "msgType": "\(alert.msgType.rawValue)",
            "status": "\(alert.status.rawValue)", "zones": "\(record.zones.joined(separator: ","))",
            "broadcasts": "\(record.broadcasts.joined(separator: ","))", "reason": "\(record.reason ?? "")",
        ])
        rearm()
        return AlertReceipt(record: record, invalid: nil, forward: forwardZones(alert))
    }

    /// Where a commander forwards an alert: where its areas reach, and for an Update or a Cancel,
    /// where the alerts it references reached.
    private func forwardZones(_ alert: CAPAlert) -> [String] {
        let kinds = setup.config.alerts?.acceptedGeocodes ?? GeocodeKind.chineseAdministrative
        var zones = AlertPlanner.zones(reachedBy: alert, map: places.map, geocodes: kinds).zones
        for earlier in alert.references.map(\.identifier) {
            guard let record = (try? store.alert(identifier: earlier)) ?? nil else { continue }
            var reached = record.sentZones ?? record.zones
            if let bytes = record.document, let document = try? CAPAlert(xml: bytes) {
                reached += AlertPlanner.zones(reachedBy: document, map: places.map, geocodes: kinds).zones
            }
            for zone in reached where !zones.contains(zone) { zones.append(zone) }
        }
        return zones
    }

    /// Notes on an alert's record that a commander forwarded it to its units (or could not).
    /// - Returns: the record as it is now.
    @discardableResult
    public func noteAlert(_ id: Int64?, forwarded command: String? = nil, zones: [String] = [],
                          notForwarded error: Refusal? = nil) -> AlertRecord? {
        guard let id, var record = (try? store.alert(id: id)) ?? nil else { return nil }
        if let command {
            record.command = command
            record.note("forwarded", ["command": command, "zones": zones.joined(separator: ", ")],
                        "forwarded to the fleet's units as command \(command) for \(zones.joined(separator: ", "))")
        }
        if let error {
            // The refusal's own arguments, its code beside them.
            record.note("not_forwarded", error.args.merging(["refusal": error.code.rawValue]) { a, _ in a },
                        "not forwarded to the fleet's units: \(error.english)")
        }
        saveAlert(&record)
        return record
    }

    /// The alert's plan now, cut to `scope` when it came with one, at `zones` when a commander
    /// signed them.
    private func plan(_ alert: CAPAlert, scope: [String]?, zones: [String]? = nil, at t: Instant) -> AlertPlan {
        let plan = AlertPlanner.plan(alert, config: setup.config, map: places.map, library: setup.library, now: t, zones: zones)
        guard let scope else { return plan }
        return plan.restricted(to: scope, in: ZoneTree(setup.config))
    }

    /// Admits each request of a plan; what every output refused becomes the record's reason.
    private func play(_ plan: AlertPlan, into record: inout AlertRecord) {
        var played: [String] = []
        var refused: [String] = []
        var refusals: [AlertRefusal] = []
        for request in plan.requests {
            let zone: String = if case .zones(let zones) = request.target { zones.joined(separator: ",") } else { "all" }
            do {
                let admitted = try admit(request)
                played += admitted.records.map(\.id)
                refused += admitted.refused.map { "\($0.output ?? zone): \($0.english)" }
                refusals += admitted.refused.map { AlertRefusal(output: $0.output, zone: zone, code: $0.code.rawValue, args: $0.args) }
            } catch {
                refused.append("\(zone): \(error.english)")
                refusals.append(AlertRefusal(output: nil, zone: zone, code: error.code.rawValue, args: error.args))
            }
        }
        record.broadcasts += played
        record.refused += refused
        // Records of an older version have their words only: codes from here on.
        if record.refusals != nil || record.refused.count == refused.count { record.refusals = (record.refusals ?? []) + refusals }
        if played.isEmpty, record.reason == nil {
            record.reason = "no output took it: " + refused.joined(separator: "; ")
            record.reasonCode = AlertReason.noOutput
            record.reasonArgs = nil
        }
    }

    /// Stops an earlier alert (an Update or a Cancel references it): its broadcasts that wait or
    /// play end with the reason, and its repeats are dropped. An Update or Cancel that came with a
    /// scope (a fleet key's zones) stops only the broadcasts inside it, and the repeats only of an
    /// alert that was itself inside it (its scope, or the zones it reached).
    ///
    /// - Returns: a note for the new alert's record when the scope kept something going.
    private func stopAlert(_ identifier: String, by later: String, sender: String, scope: [String]?) -> AlertNoteCode? {
        let reason = RecordReason(.alertCancelled, ["alert": later])
        let tree = ZoneTree(setup.config)
        func inScope(_ zone: String) -> Bool { scope.map { $0.contains { tree.zone(zone, isWithin: $0) } } ?? true }
        var kept = false
        for record in live.values where record.requestedBy == .alert(identifier: identifier) {
            guard inScope(record.zone) else {
                kept = true
                continue
            }
            live[record.id]?.recordReason = reason
            feed(record.output, .cancel(id: record.id, reason: reason))
        }
        guard var earlier = (try? store.alert(identifier: identifier, sender: sender)) ?? (try? store.alert(identifier: identifier)) ?? nil
        else {
            logger.warning("an alert references one never received", metadata: ["identifier": "\(later)", "references": "\(identifier)"])
            return nil
        }
        // Its own scope when it had one, else the zones it reached, must lie inside the sender's zones.
        if scope != nil, !(earlier.scope ?? earlier.zones).allSatisfy(inScope) {
            // An alert from beyond the sender's zones: its repeats go on.
            return AlertNoteCode(kept ? "beyond_key_kept" : "beyond_key", ["alert": identifier])
        }
        earlier.cancelledBy = later
        earlier.repeatsLeft = 0
        earlier.nextAt = nil
        if let id = earlier.id { places.repeats[id] = nil }
        saveAlert(&earlier)
        return kept ? AlertNoteCode("outside_go_on", ["alert": identifier]) : nil
    }

    /// Plays the repeats that are due, planned again from the stored document (the zones and the
    /// expiry are judged now).
    func runAlertRepeats(at t: Instant) {
        for (id, due) in places.repeats where due <= t {
            places.repeats[id] = nil
            guard var record = (try? store.alert(id: id)) ?? nil, record.repeatsLeft > 0,
                  let bytes = record.document, let alert = try? CAPAlert(xml: bytes) else { continue }
            let plan = plan(alert, scope: record.scope, zones: record.sentZones, at: t)
            record.repeatsLeft -= 1
            if let reason = plan.reason {
                // The reason's code and arguments (`reason_code` beside them), as an alert's own reason.
                var args = plan.reasonArgs
                if let code = plan.reasonCode { args["reason_code"] = "alert_" + code }
                record.note("repeat_not_played", args, "a repeat did not play: \(reason)")
                record.repeatsLeft = 0
            } else {
                play(plan, into: &record)
            }
            if record.repeatsLeft > 0, let every = plan.every, plan.expires.map({ due + every < $0 }) ?? true {
                record.nextAt = (due + every).microseconds
                places.repeats[id] = due + every
            } else {
                record.repeatsLeft = 0
                record.nextAt = nil
            }
            saveAlert(&record)
            logger.info("alert repeated", metadata: ["identifier": "\(record.identifier ?? "")", "left": "\(record.repeatsLeft)"])
        }
    }

    /// Takes up the repeats of alerts received before a restart.
    func loadAlertRepeats() {
        for record in (try? store.alertsWithRepeats()) ?? [] {
            if let id = record.id, let next = record.nextAt { places.repeats[id] = Instant(microseconds: next) }
        }
    }

    /// The alerts received, newest first.
    public func alerts(limit: Int) -> [AlertRecord] {
        (try? store.alerts(limit: limit)) ?? []
    }

    private func saveAlert(_ record: inout AlertRecord) {
        do { try store.save(&record) } catch {
            logger.error("cannot record an alert", metadata: ["identifier": "\(record.identifier ?? "")", "error": "\(error)"])
        }
    }
}
