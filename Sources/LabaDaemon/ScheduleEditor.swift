// Changes to the operators' schedule (`/v1/schedule/entries`): each one checked with the
// technician's configuration as a whole, its effect on the next 24 hours worked out, written
// atomically to `<state>/schedule.yaml`, taken by the engine, and recorded in the audit log.

import Foundation
import LabaControl
import LabaCore
import LabaStore
import Logging

/// One change at a time; reads and writes the operators' file and reloads the engine.
///
/// Thread rules: an actor; changes are serialised across their awaits by `gate`, so that the
/// engine always ends up running the file last written. The control API and the console share
/// one editor (`Daemon.run` makes it).
public actor ScheduleEditor {
    public typealias Action = ScheduleAction

    let engine: Engine
    let store: Store
    let file: String
    let logger: Logger
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(engine: Engine, store: Store, stateDirectory: String, logger: Logger) {
        self.engine = engine
        self.store = store
        file = (stateDirectory as NSString).appendingPathComponent(OperatorSchedule.fileName)
        self.logger = logger
    }

    private func enter() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    // MARK: Reading

    /// Every entry of both layers (those that play in `zone`, when given), with the version.
    public func entries(zone: String?) async throws(ScheduleRefusal) -> ScheduleEntriesJSON {
        let setup = await engine.setup
        let technician = setup.technician
        let tree = ZoneTree(technician)
        if let zone, tree[zone] == nil {
            throw ScheduleRefusal(.notFound, "no zone '\(zone)'\(closestMatch(to: zone, in: technician.zones.map(\.id.value)).map { "; did you mean '\($0)'?" } ?? "")")
        }
        func plays(_ entryZone: String) -> Bool { zone.map { tree.zone($0, isWithin: entryZone) } ?? true }
        var out = technician.zones.flatMap(\.schedule).filter { plays($0.zone) }.map { ScheduleEntryJSON(technician: $0) }
        let load = OperatorScheduleLoad.load(stateDirectory: (file as NSString).deletingLastPathComponent)
        for entry in load.schedule?.entries ?? [] where plays(entry.zone) {
            var json = ScheduleEntryJSON(operator: entry, location: load.typed[entry.id]?.location.description,
                                         disabled: setup.disabled[entry.id])
            json.disabledDetail = setup.disabledDiagnostics[entry.id].map(DiagnosticJSON.init)
            out.append(json)
        }
        let operators = technician.operators
        return ScheduleEntriesJSON(version: load.schedule?.version ?? 0, file: file,
                                   operators: .init(allowed: operators.allowed, zones: operators.zones?.value.map(\.value)),
                                   entries: out)
    }

    /// The audit log, oldest first.
    public func log(since: Int64?, until: Int64?, limit: Int) async throws -> ScheduleLogJSON {
        let zone = await engine.configuration.timeZone
        return ScheduleLogJSON(changes: try store.scheduleChanges(since: since, until: until, limit: limit).map { Self.item($0, zone) })
    }

    static func item(_ r: ScheduleChangeRecord, _ zone: TimeZone) -> ScheduleLogItem {
        ScheduleLogItem(id: r.id ?? 0, at: RFC3339.format(Instant(microseconds: r.at), in: zone), version: r.version,
                        action: r.action, entry: r.entry, before: r.before, after: r.after, requestedBy: r.requestedBy,
                        via: r.requestedBy?.via ?? "cli")
    }

    // MARK: Changing

    /// How many of the entry's next instants a change's answer lists.
    public static let previewInstants = 8

    /// Applies one change for `requester`, or with `dryRun` only checks it and works out its
    /// effect: the same checks and answer, but nothing is written, audited or reloaded.
    ///
    /// - Parameters:
    ///   - id: the entry (nil to add one).
    ///   - request: the entry's fields (add, change).
    ///   - baseVersion: the version the requester saw; another one is a conflict.
    ///   - reach: where the requester may schedule (the front door's judgement); nil: judged here
    ///     by the same rules.
    /// - Throws: `ScheduleRefusal`: `bad_request`, `not_found`, `forbidden` (a technician's entry,
    ///   a zone outside the requester's, with the refusal `outside_zones`), `conflict` (with the
    ///   changes since), `invalid_config` (with the diagnostics; nothing written), `storage_full`.
    public func apply(_ action: Action, id: String?, request: ScheduleEntryRequest?, baseVersion: Int?,
                      requester: RequestedBy?, reach: Reach? = nil, dryRun: Bool = false)
        async throws(ScheduleRefusal) -> ScheduleChangeJSON {
        await enter()
        defer { leave() }
        let setup = await engine.setup
        let outputZones = Dictionary(await engine.status().outputs.map { ($0.id, $0.zone) }) { a, _ in a }
        let now = await engine.now()
        let timeZone = setup.technician.timeZone

        let current = OperatorScheduleLoad.load(stateDirectory: (file as NSString).deletingLastPathComponent)
        guard var schedule = current.schedule, !current.fileDiagnostics.hasErrors else {
            throw ScheduleRefusal(.invalidConfig, "\(file) cannot be read; fix or remove it first",
                                  diagnostics: current.fileDiagnostics)
        }
        if let baseVersion, baseVersion != schedule.version {
            let since = (try? store.scheduleChanges(afterVersion: baseVersion)) ?? []
            throw ScheduleRefusal(.conflict, "the operators' schedule changed since version \(baseVersion) (it is at version "
                                  + "\(schedule.version)): look again and retry", changes: since.map { Self.item($0, timeZone) })
        }

        let tree = ZoneTree(setup.technician)
        let root = if case .socket(let uid, _) = requester { uid == 0 } else { false }
        let operators = setup.technician.operators
        let reach = reach ?? FrontDoor.reach(of: requester, store: store, operators: operators, editingSchedule: true)
        func permit(_ zone: String) throws(ScheduleRefusal) {
            guard !root else { return }
            if !operators.allowed {
                throw ScheduleRefusal(.forbidden, "the configuration (\(operators.schedule!.location)) does not let operators "
                                      + "change the schedule")
            }
            do { try Rules.check([zone], within: reach, tree: tree) } catch { throw ScheduleRefusal(forbidden: error) }
        }
        let who = requester?.label ?? "unknown"
        let stamp = RFC3339.format(now, in: timeZone)

        var before: OperatorEntry?
        var after: OperatorEntry?
        var index: Int?
        if action != .add {
            guard let id else { throw ScheduleRefusal(.badRequest, "name the entry") }
            if let technicianEntry = setup.technician.zones.flatMap(\.schedule).first(where: { $0.id == id }) {
                throw ScheduleRefusal(.forbidden, "entry '\(id)' is in the technician's configuration (\(technicianEntry.location)); "
                                      + "it changes with laba edit")
            }
            guard let i = schedule.entries.firstIndex(where: { $0.id == id }) else {
                throw ScheduleRefusal(.notFound, "no entry '\(id)' in the operators' schedule")
            }
            index = i
            before = schedule.entries[i]
            try permit(schedule.entries[i].zone)
        }

        switch action {
        case .add:
            guard let request, let message = request.message, let zone = request.zone, let at = request.at, !at.isEmpty else {
                throw ScheduleRefusal(.badRequest, "an entry needs a message, a zone and at least one calendar expression (at)")
            }
            try permit(zone)
            var newID: String
            repeat {
                newID = "op-" + String(UInt32.random(in: 0...0xFF_FFFF), radix: 16).leftPadded(to: 6)
            } while schedule.entry(newID) != nil || tree.zones.contains { $0.entries.contains { $0.id == newID } }
            var entry = OperatorEntry(id: newID, zone: zone, message: message, at: at)
            Self.update(&entry, with: request)
            entry.addedBy = who
            entry.addedAt = stamp
            schedule.entries.append(entry)
            after = entry
        case .change:
            guard let request else { throw ScheduleRefusal(.badRequest, "say what changes") }
            var entry = schedule.entries[index!]
            if let zone = request.zone { try permit(zone) }
            Self.update(&entry, with: request)
            entry.changedBy = who
            entry.changedAt = stamp
            schedule.entries[index!] = entry
            after = entry
        case .pause, .resume:
            schedule.entries[index!].paused = action == .pause
            schedule.entries[index!].changedBy = who
            schedule.entries[index!].changedAt = stamp
            after = schedule.entries[index!]
        case .remove:
            schedule.entries.remove(at: index!)
        }
        schedule.version += 1
        let text = schedule.yaml()
        let load = OperatorScheduleLoad.parse(yaml: text, file: file)
        let changed = after?.id ?? id ?? ""
        let new: Setup
        do {
            new = try mergeSetup(technician: setup.technician, technicianDiagnostics: [], library: setup.library,
                                 operators: load, strict: action == .remove ? [] : [changed], now: now)
        } catch {
            let diagnostics: [Diagnostic] = if case .invalidConfig(let d) = error { d.errors } else { [] }
            throw ScheduleRefusal(.invalidConfig, "the change is refused: "
                                  + (diagnostics.first.map(\.description) ?? "\(error)"),
                                  diagnostics: diagnostics)
        }
        // The old plan from the file as it was (not the engine's, which a technician's reload may
        // not have caught up with).
        let old = (try? mergeSetup(technician: setup.technician, technicianDiagnostics: [], library: setup.library,
                                   operators: current, now: now))?.config ?? setup.config
        let diff = PlanDiff(old: Planner(config: old, library: setup.library, outputZones: outputZones),
                            new: Planner(config: new.config, library: setup.library, outputZones: outputZones),
                            after: now, through: now + TimeSpan.seconds(24 * 3600))
        let next = after.map { a in
            (new.config.zones.flatMap(\.schedule).first { $0.id == a.id }?
                .instants(after: now, count: Self.previewInstants, timeZone: timeZone) ?? [])
                .map { RFC3339.format($0, in: timeZone) }
        }
        func answer() -> ScheduleChangeJSON {
            let entryJSON = after.map { a in
                var json = ScheduleEntryJSON(operator: a, location: load.typed[a.id]?.location.description, disabled: new.disabled[a.id])
                json.disabledDetail = new.disabledDiagnostics[a.id].map(DiagnosticJSON.init)
                return json
            }
            let warnings = new.warnings.filter { $0.location?.file == file }
            var json = ScheduleChangeJSON(version: schedule.version, action: action.rawValue, entry: entryJSON,
                                          diff: PlanDiffJSON(diff, from: now, timeZone: timeZone),
                                          warnings: warnings.map(\.description), next: next, dryRun: dryRun ? true : nil)
            json.warningDetails = warnings.map(DiagnosticJSON.init)
            return json
        }
        if dryRun { return answer() }
        do {
            try Self.writeAtomically(text, to: file)
        } catch {
            throw ScheduleRefusal(.storageFull, "cannot write \(file): \(error); nothing changed")
        }
        var taken = new
        taken.warnings = setup.warnings.filter { $0.location?.file != file && $0.location?.file != current.file }
            + new.warnings.filter { $0.location?.file == file }
        await engine.reload(taken)
        do {
            try store.record(ScheduleChangeRecord(at: now.microseconds, version: schedule.version, action: action.rawValue,
                                                  entry: changed, before: before, after: after, requestedBy: requester))
        } catch {
            logger.error("the schedule change is not in the audit log: \(error)", metadata: ["entry": "\(changed)"])
        }
        logger.notice("operators' schedule changed", metadata: [
            "action": "\(action.rawValue)", "entry": "\(changed)", "by": "\(who)", "version": "\(schedule.version)",
        ])
        return answer()
    }

    /// The fields a request gives replace the entry's; an empty text or list clears an optional one.
    static func update(_ entry: inout OperatorEntry, with r: ScheduleEntryRequest) {
        func optional(_ value: String?) -> String?? { value.map { $0.isEmpty ? nil : $0 } }
        if let v = r.message { entry.message = v }
        if let v = r.zone { entry.zone = v }
        if let v = r.at { entry.at = v }
        if let v = optional(r.every) { entry.every = v }
        if let v = optional(r.from) { entry.from = v }
        if let v = optional(r.until) { entry.until = v }
        if let v = r.repeat { entry.repeat = v }
        if let v = r.languages { entry.languages = v.isEmpty ? nil : v }
        if let v = optional(r.catchUp) { entry.catchUp = v }
        if let v = optional(r.maxDelay) { entry.maxDelay = v }
    }

    /// Writes `text` to `path` so that a crash leaves the old file or the new one, never a mix:
    /// a temporary file beside it, fsync, rename, fsync of the folder.
    static func writeAtomically(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).tmp")
        func fail(_ what: String) -> POSIXError {
            POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO, userInfo: [NSLocalizedDescriptionKey: what])
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw fail("open") }
        var ok = true
        Array(text.utf8).withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                offset += n
            }
        }
        if !ok || fsync(fd) != 0 {
            let error = fail("write")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = fail("rename")
            unlink(temporary)
            throw error
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
