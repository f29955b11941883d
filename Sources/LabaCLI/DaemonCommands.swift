// The commands that talk to the daemon: play, stop, status, queue, reload.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore

struct Play: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Broadcast a message now, in zones or everywhere.",
        discussion: """
            Prints the id of the broadcast on each output reached. With --wait, follows them to their outcome.
            With --file, uploads a fresh recording (WAV, FLAC, Ogg…, at most 64 MiB) and broadcasts it; \
            MESSAGE is then only the name it is recorded under (default: the file's name).
            """)

    @Argument(help: "The message (a folder of the audio directory).")
    var message: String?

    @Option(help: ArgumentHelp("Upload this recording and broadcast it.", valueName: "path"))
    var file: String?

    @Option(name: .customLong("zone"), help: ArgumentHelp("A zone to reach (repeat for more).", valueName: "zone"))
    var zones: [String] = []

    @Flag(help: "Every zone.")
    var all = false

    @Option(name: .customLong("lang"), help: ArgumentHelp("Languages, comma-separated, each once; default: each zone's.", valueName: "a,b"))
    var languages: String?

    @Option(help: "How urgent: an emergency cuts in at once, everywhere it is sent.")
    var priority = PriorityArgument.manual

    @Option(name: .customLong("repeat"), parsing: .unconditional,
            help: ArgumentHelp("Play the program this many times (1–100).", valueName: "n"))
    var repeatCount: Int?

    @Flag(help: "Repeat until stopped (an evacuation call).")
    var loop = false

    @Flag(help: "Play in quiet hours too.")
    var force = false

    @Option(help: ArgumentHelp("Give up if it cannot start within this time (e.g. 30min).", valueName: "span"))
    var within: String?

    @Flag(help: "Wait for the outcome; exit 1 unless every broadcast completed.")
    var wait = false

    @OptionGroup var socket: SocketOptions
    @OptionGroup var config: ConfigOptions

    func validate() throws {
        if message == nil, file == nil { throw ValidationError(t(.playMessageOrFile)) }
        if all == !zones.isEmpty { throw ValidationError(t(.zoneOrAll)) }
        try validateCount(repeatCount, option: "--repeat", in: 1...100)
        try validateSpan(within, option: "--within")
        try validateIDs(zones, option: "--zone", known: localConfig(config.path)?.zones.map(\.id.value) ?? [])
        _ = try idList(languages, option: "--lang", known: Self.knownLanguages(config.path))
        if let file { try validateName(uploadName(file), option: message == nil ? "--file" : "MESSAGE") }
    }

    /// The name an upload is recorded under: MESSAGE, else the file's name without its ending.
    func uploadName(_ path: String) -> String {
        message ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// The languages a suggestion may name: the readable configuration's, else the built-in ones.
    static func knownLanguages(_ path: String) -> [String] {
        (localConfig(path)?.languages ?? Language.builtIn).map(\.id)
    }

    func run() async throws {
        // `--all` is resolved by the daemon, from the configuration it runs.
        let client = ControlClient(socket: socket.path)
        let requested = try idList(languages, option: "--lang", known: [])
        let reply: ControlClient.Reply
        if let file {
            reply = try await upload(file, client: client)
        } else {
            let request = BroadcastRequest(message: message ?? "", zones: all ? nil : zones, all: all ? true : nil,
                                           languages: requested, priority: Priority(name: priority.rawValue),
                                           repeat: repeatCount, loop: loop ? true : nil, force: force ? true : nil,
                                           within: try within.map { try TimeSpan(parsing: $0) })
            reply = try await client.send(.POST, "/broadcasts", body: request)
        }
        guard reply.status == 202, let list = try? reply.decode(BroadcastList.self) else {
            var hint = reply.errorCode == .quietHours ? t(.quietHoursHint) : ""
            if let local = localConfig(config.path), let text = reply.errorMessage {
                hint += suggestion(in: text, for: zones, known: local.zones.map(\.id.value))
                    + suggestion(in: text, for: requested ?? [], known: local.languages.map(\.id))
            }
            throw reply.refusal(hint: hint)
        }
        for b in list.broadcasts { print(socket.json ? try jsonLine(b) : "\(b.id)  \(b.output)  \(b.zone)  \(b.languages.planned.joined(separator: ","))") }
        if let command = list.command {
            print(socket.json ? try jsonLine(["command": command])
                              : t(.fleetCommand, ["id": command, "zones": (list.commandZones ?? zones).joined(separator: ", ")]))
        }
        try await followAdmitted(list, client: client, wait: wait)
    }

    /// `POST /v1/broadcasts/audio` with the file as the body and the options in the query. Size
    /// and readability are checked here, before anything is sent.
    private func upload(_ path: String, client: ControlClient) async throws -> ControlClient.Reply {
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= 64 << 20 else {
                complain(.uploadTooLarge, ["path": path, "size": String(size >> 20)])
                throw ExitCode.failure
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as ArgumentParser.ExitCode {
            throw error
        } catch {
            complain(.cannotRead, ["path": path, "reason": error.localizedDescription])
            throw ExitCode.failure
        }
        let name = uploadName(path)
        let parameters = query([("zones", all ? nil : zones.joined(separator: ",")), ("all", all ? "true" : nil),
                                ("priority", priority.rawValue), ("name", name),
                                ("languages", languages), ("repeat", repeatCount.map(String.init)),
                                ("loop", loop ? "true" : nil), ("force", force ? "true" : nil), ("within", within)])
        return try await client.send(.POST, "/broadcasts/audio" + parameters, contentType: "application/octet-stream",
                                     bytes: ByteBuffer(bytes: data))
    }
}

/// `--priority`.
enum PriorityArgument: String, ExpressibleByArgument, CaseIterable {
    case manual, emergency
}

/// "; did you mean 'x'?" for the first of `given` that the daemon's refusal `text` names ('x') and
/// that is close to one of `known`, else "".
func suggestion(in text: String, for given: [String], known: [String]) -> String {
    // The daemon may have made the suggestion itself.
    if text.contains("did you mean") { return "" }
    for item in given where text.contains("'\(item)'") && !known.contains(item) {
        let hint = didYouMean(item, known)
        if !hint.isEmpty { return hint }
    }
    return ""
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a broadcast, or what plays in zones.")

    @Argument(help: "A broadcast id.")
    var id: String?

    @Option(name: .customLong("zone"), help: ArgumentHelp("A zone (repeat for more).", valueName: "zone"))
    var zones: [String] = []

    @Flag(help: "Every zone.")
    var all = false

    @Flag(help: "Also cancel what waits.")
    var clear = false

    @OptionGroup var socket: SocketOptions
    @OptionGroup var config: ConfigOptions

    func validate() throws {
        let ways = (id == nil ? 0 : 1) + (zones.isEmpty ? 0 : 1) + (all ? 1 : 0)
        if ways != 1 { throw ValidationError(t(.stopWhich)) }
        try validateIDs(zones, option: "--zone", known: localConfig(config.path)?.zones.map(\.id.value) ?? [])
    }

    func run() async throws {
        let client = ControlClient(socket: socket.path)
        if let id {
            let reply = try await client.send(.DELETE, "/broadcasts/\(id)")
            guard reply.status == 202 else { throw reply.refusal() }
            printJSON(reply)
            // A live talk's id answers with its event; a broadcast's with its record.
            if !socket.json, let record = try? reply.decode(BroadcastJSON.self) {
                print(t(.stopBroadcastDone, ["id": record.id, "message": record.message, "output": record.output]))
            } else if !socket.json {
                print(t(.stopTalkDone, ["id": id]))
            }
            return
        }
        let reply = try await client.send(.POST, "/stop", body: StopRequest(zones: all ? nil : zones, all: all ? true : nil,
                                                                            clear: clear ? true : nil))
        guard reply.status == 202 else {
            let hint = localConfig(config.path).map { suggestion(in: reply.errorMessage ?? "", for: zones, known: $0.zones.map(\.id.value)) }
            throw reply.refusal(hint: hint ?? "")
        }
        printJSON(reply)
        guard !socket.json, let stopped = try? reply.decode(StopJSON.self) else { return }
        print(Self.summary(stopped, zones: all ? nil : zones, clear: clear))
        if let command = stopped.command {
            print(t(.fleetCommand, ["id": command, "zones": (stopped.commandZones ?? zones).joined(separator: ", ")]))
        }
    }

    /// What `laba stop` reached: the loudspeakers stopped (and cleared), or that none serves the zones.
    static func summary(_ stopped: StopJSON, zones: [String]?, clear: Bool) -> String {
        if stopped.outputs.isEmpty {
            return t(.stopNoOutput, ["zones": zones?.joined(separator: ", ") ?? "*"])
        }
        return t(clear ? .stopDoneCleared : .stopDone, ["outputs": stopped.outputs.joined(separator: ", ")])
    }

    /// With --json, the daemon's answer (the broadcast stopped, or the outputs); without, a line.
    private func printJSON(_ reply: ControlClient.Reply) {
        guard socket.json else { return }
        FileHandle.standardOutput.write(reply.body)
        if reply.body.last != UInt8(ascii: "\n") { print() }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "What plays and waits on each output.")

    @OptionGroup var socket: SocketOptions

    func run() async throws {
        let reply = try await ControlClient(socket: socket.path).send(.GET, "/status")
        if socket.json {
            FileHandle.standardOutput.write(reply.body)
            return
        }
        let status = try reply.decode(StatusJSON.self)
        print(t(.statusHeadline, ["version": status.version, "api": String(status.api), "config": status.config,
                                  "loaded": socket.time(status.loadedAt)]))
        if let fleet = status.fleet {
            let values = ["unit": fleet.unit, "role": fleet.role, "broker": fleet.broker, "since": socket.time(fleet.since),
                          "reason": fleet.reason ?? "?"]
            print(t(fleet.connected ? .statusFleetConnected : .statusFleetNotConnected, values))
            if let synced = fleet.clockSynced { print(t(synced ? .statusClockSynced : .statusClockNotSynced)) }
        }
        // `next` is `TIME MESSAGE`: the time as the reader wants it.
        func nextShown(_ next: String) -> String {
            guard let space = next.firstIndex(of: " ") else { return next }
            return socket.time(String(next[..<space])) + next[space...]
        }
        let rows = status.outputs.map { o in
            [o.id, o.zone, socket.state(o.state.description) + (o.gps.map { t(.statusGPS, ["status": gpsText($0)]) } ?? ""), o.playing.map { "\($0.message) (\($0.id))" } ?? "", "\(o.queue.count)", o.next.map(nextShown) ?? ""]
        }
        print(TextTable(header: [t(.columnOutput), t(.columnZone), t(.columnState), t(.columnPlaying), t(.columnWaiting),
                                 t(.columnNext)], rows: rows).render())
        // Amplifiers with `power:` (SPEC 18), and a switching that fails.
        for o in status.outputs {
            guard let power = o.power else { continue }
            print(t(.statusPower, ["output": o.id, "state": Catalog.powerStateName(power.state.description)]))
            // From its code (the switch's own words stay in --json's problem, for a technician).
            if let problem = power.problemWords() { print(t(.statusPowerProblem, ["output": o.id, "problem": problem])) }
        }
        // The off-air check (SPEC 18): the last word from the horn, a horn taken to be silent.
        for o in status.outputs {
            guard let monitor = o.monitor else { continue }
            if let heard = monitor.heard { print(t(.statusMonitor, ["output": o.id, "heard": Catalog.heardName(heard)])) }
            if monitor.silent { print(t(.statusHornSilent, ["output": o.id, "n": String(monitor.unheard)])) }
            if let words = Catalog.monitorProblem(monitor.problemCode, output: o.id) {
                print(words)
            } else if let problem = monitor.problem {
                // An older daemon: its English, as it is.
                print(t(.statusMonitorProblem, ["output": o.id, "problem": problem]))
            }
        }
        // The operators' volumes set from the console (issue 27), where they differ from the technician's.
        for o in status.outputs {
            guard let volume = o.volume, volume.volumeDB != 0 else { continue }
            print(t(.statusVolume, ["output": o.id, "db": VolumeText.db(volume.volumeDB),
                                    "lower": VolumeText.db(volume.lowerDB ?? 0), "upper": VolumeText.db(volume.upperDB ?? 0)]))
        }
        // The operators' entries a technician's edit disabled: the clerk who made them reads this.
        if let details = status.warningDetails {
            for warning in details where warning.location?.contains("/" + OperatorSchedule.fileName + ":") == true { print(warning.line()) }
        } else {
            for warning in status.warnings ?? [] where warning.contains("/" + OperatorSchedule.fileName + ":") { print(warning) }
        }
    }
}

struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "The broadcasts waiting and playing, per output.")

    @OptionGroup var socket: SocketOptions

    func run() async throws {
        let client = ControlClient(socket: socket.path)
        var all: [BroadcastJSON] = []
        for state in ["playing", "queued"] {
            let reply = try await client.send(.GET, "/broadcasts?state=\(state)&limit=10000")
            all += try reply.decode(BroadcastList.self).broadcasts
        }
        if socket.json {
            print(try jsonLine(BroadcastList(broadcasts: all)))
            return
        }
        let rows = all.sorted { ($0.output, $0.state == .playing ? 0 : 1, $0.plannedAt) < ($1.output, $1.state == .playing ? 0 : 1, $1.plannedAt) }
            .map { [$0.output, socket.state($0.state.description), $0.id, $0.priority.description, $0.message, $0.languages.planned.joined(separator: ","), socket.time($0.plannedAt)] }
        print(rows.isEmpty ? t(.nothingWaits) :
              TextTable(header: [t(.columnOutput), t(.columnState), t(.columnID), t(.columnPriority), t(.columnMessage),
                                 t(.columnLanguages), t(.columnPlanned)], rows: rows).render())
    }
}

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Ask labad to re-read its configuration.",
        discussion: "Prints the new file's errors and exits 1 when it was refused (the running configuration stays).")

    @OptionGroup var socket: SocketOptions

    func run() async throws {
        let reply = try await ControlClient(socket: socket.path).send(.POST, "/reload")
        let result = try reply.decode(ReloadJSON.self)
        for line in result.diagnostics { print(line) }
        if !result.reloaded {
            complain(.reloadRefused)
            throw ExitCode.failure
        }
        print(t(.reloaded))
        if !result.restartNeeded.isEmpty { print(t(.restartNeeded, ["keys": result.restartNeeded.joined(separator: ", ")])) }
    }
}

func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

struct Zone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zone",
        abstract: "List the outputs and their zones, or move an output (a mobile unit) to another zone.",
        discussion: "The move is kept across restarts; from then on the output follows the new zone's schedule and languages.")

    @Argument(help: "The output to move.")
    var output: String?

    @Argument(help: "The zone it now serves.")
    var zone: String?

    @OptionGroup var socket: SocketOptions

    func validate() throws {
        if (output == nil) != (zone == nil) { throw ValidationError(t(.zoneBothOrNeither)) }
    }

    func run() async throws {
        let client = ControlClient(socket: socket.path)
        if let output, let zone {
            let reply = try await client.send(.PUT, "/outputs/\(output)/zone", body: ZoneMove(zone: zone))
            guard reply.status == 200, let moved = try? reply.decode(OutputJSON.self) else {
                let hint = localConfig().map {
                    suggestion(in: reply.errorMessage ?? "", for: [zone], known: $0.zones.map(\.id.value))
                        + suggestion(in: reply.errorMessage ?? "", for: [output], known: $0.outputs.map(\.id.value))
                }
                throw reply.refusal(hint: hint ?? "")
            }
            print(socket.json ? try jsonLine(moved) : t(.zoneMoved, ["output": moved.id, "zone": moved.zone]))
            return
        }
        let reply = try await client.send(.GET, "/outputs")
        let list = try reply.decode(OutputList.self)
        if socket.json {
            print(try jsonLine(list))
            return
        }
        print(TextTable(header: [t(.columnOutput), t(.columnDevice), t(.columnZone), t(.columnState)],
                        rows: list.outputs.map { [$0.id, $0.device, $0.zone, $0.available ? "available" : "unavailable"] }).render())
    }
}

/// What every request that admits broadcasts prints after their ids (`laba play`, `laba siren`):
/// each other output's refusal in the reader's language, then with `wait` each broadcast's outcome.
/// - Throws: `ExitCode.failure` when, waited for, one did not complete.
func followAdmitted(_ list: BroadcastList, client: ControlClient, wait: Bool) async throws {
    for r in list.refused ?? [] {
        // On a commander, a zone no output here serves is the units' to play: not a refusal to show.
        if list.command != nil, r.code == "no_output" { continue }
        printError(t(.refusedOnOutput, ["output": r.output ?? "?", "reason": refusalText(r)]))
    }
    guard wait else { return }
    var outcomes: [String: Open<BroadcastOutcome>] = [:]
    while outcomes.count < list.broadcasts.count {
        for b in list.broadcasts where outcomes[b.id] == nil {
            let r = try await client.send(.GET, "/broadcasts/\(b.id)")
            if let current = try? r.decode(BroadcastJSON.self), current.state == .done {
                outcomes[b.id] = current.outcome ?? .known(.failed)
                print("\(b.id)  \(current.outcome.map { socketState($0.description) } ?? "?")" + (reasonText(current).map { "  (\($0))" } ?? ""))
            }
        }
        if outcomes.count < list.broadcasts.count { try await Task.sleep(for: .milliseconds(200)) }
    }
    if outcomes.values.contains(where: { $0 != .known(.completed) }) { throw ExitCode.failure }
}
