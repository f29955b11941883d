// `laba fleet`: this daemon in its fleet and, on a commander, its units. `laba fleet keygen PATH`
// makes a commander's key pair.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaFleet
import NIOCore

struct Fleet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "The fleet: units commanded through an MQTT broker.",
        subcommands: [Show.self, Move.self, Keygen.self, ACL.self],
        defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "The broker connection, the units known (on a commander), the commands not yet answered, the refusals.",
            discussion: """
                Units: zone, online or offline since, what plays, the last record received, version, recordings missing. \
                Refusals: the commands this daemon refused and, on a commander, those its units refused.
                """)

        @OptionGroup var socket: SocketOptions

        func run() async throws {
            let reply = try await ControlClient(socket: socket.path).send(.GET, "/fleet")
            guard reply.status == 200, let overview = try? reply.decode(FleetOverviewJSON.self) else { throw reply.refusal() }
            if socket.json {
                print(try jsonLine(overview))
                return
            }
            let f = overview.fleet
            let values = ["fleet": f.fleet, "unit": f.unit, "role": f.role, "broker": f.broker, "since": f.since, "reason": f.reason ?? "?"]
            print(t(f.connected ? .fleetConnected : .fleetNotConnected, values))
            if f.outbox > 0 { print(t(.fleetOutbox, ["count": String(f.outbox)])) }
            if !f.recordingsMissing.isEmpty { print("\(t(.columnMissing)): \(f.recordingsMissing.joined(separator: ", "))") }
            if f.role == "commander" {
                print()
                let rows = overview.units.map { u in
                    [u.unit, u.clockSynced == false ? "\(u.state) (\(t(.fleetClockNotSet)))" : u.state, u.since, u.zones.joined(separator: ","),
                     u.outputs.compactMap(\.playing).joined(separator: ","),
                     u.lastRecord.map { "\($0.plannedAt) \($0.message) \($0.outcome ?? "")" } ?? "",
                     u.version ?? "", u.recordingsMissing.joined(separator: ",")]
                }
                print(rows.isEmpty ? t(.fleetNoUnits) :
                      TextTable(header: [t(.columnUnit), t(.columnState), t(.columnSince), t(.columnZone), t(.columnPlaying),
                                         t(.columnLastRecord), t(.columnVersion), t(.columnMissing)], rows: rows).render())
                // Amplifiers that cannot be switched (SPEC 18): broadcasts still play there.
                for u in overview.units {
                    for o in u.outputs {
                        // From its code; an older unit's English as it is.
                        let words = o.powerProblemCode.flatMap { Catalog.powerProblem(code: $0, args: o.powerProblemArgs ?? [:]) }
                        if let problem = words ?? o.powerProblem { print(t(.statusPowerProblem, ["output": "\(u.unit)/\(o.id)", "problem": problem])) }
                        // A horn its monitor takes to be silent (SPEC 18).
                        if o.silent == true { print(t(.statusHornSilent, ["output": "\(u.unit)/\(o.id)", "n": String(o.unheard ?? 0)])) }
                    }
                }
                let libraryRefusals = overview.units.flatMap { u in (u.libraryRefusals ?? []).map { (u.unit, $0) } }
                if !libraryRefusals.isEmpty {
                    print()
                    print(t(.fleetLibraryRefusals))
                    print(TextTable(header: [t(.columnTime), t(.columnUnit), t(.columnRecording), t(.columnCode), t(.columnReason)],
                                    rows: libraryRefusals.map { unit, r in
                                        [r.at, unit, "\(r.key)/\(r.message)/\(r.language)", r.code, r.reason]
                                    }).render())
                }
                if !overview.commands.isEmpty {
                    print()
                    print(t(.fleetCommandsWaiting))
                    print(TextTable(header: [t(.columnCommand), t(.columnZone), t(.columnPlanned), t(.columnWaiting)],
                                    rows: overview.commands.map {
                                        [$0.id, $0.zones.joined(separator: ","), $0.createdAt, $0.waitingFor.joined(separator: ",")]
                                    }).render())
                    // The units that refused one, and why, in the reader's language (their arguments kept, issue 26).
                    for command in overview.commands {
                        for answer in command.answers where answer.result == "refused" {
                            print(t(.fleetCommandRefusedBy, ["command": command.id, "unit": answer.unit, "reason": answer.words()]))
                        }
                    }
                }
            }
            func refusalWords(_ r: FleetRefusalJSON) -> String { r.words() }
            if !f.refusals.isEmpty {
                print()
                print(t(.fleetRefusals))
                print(TextTable(header: [t(.columnTime), t(.columnUnit), t(.columnCommand), t(.columnCode), t(.columnReason)],
                                rows: f.refusals.map { [$0.at, $0.unit ?? f.unit, $0.command ?? "", $0.code, refusalWords($0)] }).render())
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "move",
            abstract: "Move a unit of the fleet (its outputs, or one) to another zone, by a signed command.",
            discussion: """
                Run on a commander. The unit obeys only when the commander's key is trusted there for the \
                zone its outputs are in now and for the new one.
                """)

        @Argument(help: ArgumentHelp("The unit's id in the fleet.", valueName: "unit"))
        var unit: String

        @Argument(help: ArgumentHelp("The zone to move it to.", valueName: "zone"))
        var zone: String

        @Option(help: "Only this output of the unit.")
        var output: String?

        @OptionGroup var socket: SocketOptions

        func run() async throws {
            let reply = try await ControlClient(socket: socket.path).send(.PUT, "/fleet/units/\(unit)/zone",
                                                                          body: ZoneMove(zone: zone, output: output))
            guard reply.status == 202, let moved = try? reply.decode(UnitMoveJSON.self) else { throw reply.refusal() }
            if socket.json {
                print(try jsonLine(moved))
                return
            }
            print(t(.fleetMoveCommand, ["id": moved.command, "unit": moved.unit, "zone": moved.zone]))
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Write a new commander key pair: PATH.key (secret, mode 0600) and PATH.pub.",
            discussion: """
                The secret key goes in the commander's fleet.sign_key; the public key in each unit's \
                fleet.trust, with the zones it may command. KEY_ID (printed) is the first 16 hex digits \
                of the SHA-256 of the public key. Existing files are never replaced.
                """)

        @Argument(help: ArgumentHelp("Where to write the keys, without extension (keys/gucheng).", valueName: "path"))
        var path: String

        @Option(help: "A comment at the end of each key line; default: the file name.")
        var comment: String?

        @Option(help: ArgumentHelp("The issuer this key signs as (its commander's fleet.unit): written as the comment "
                                   + "issuer=NAME, which units trusting the key check unless their trust entry names another.",
                                   valueName: "name"))
        var issuer: String?

        func validate() throws {
            if path.isEmpty || path.hasSuffix("/") { throw ValidationError(t(.cliKeygenPath)) }
            if issuer != nil, comment != nil { throw ValidationError(t(.cliIssuerOrComment)) }
            if let issuer, KeyComment.issuer(KeyComment.naming(issuer: issuer)) == nil {
                throw ValidationError(t(.cliIssuerNotID, ["value": issuer]))
            }
        }

        func run() throws {
            let key: FleetSigningKey
            do {
                key = try FleetKeyFile.generate(at: path, comment: issuer.map(KeyComment.naming(issuer:))
                                                    ?? comment ?? (path as NSString).lastPathComponent)
            } catch {
                printError("laba: \(error)")
                throw ExitCode.failure
            }
            print("key id \(key.id)")
            if let issuer = key.issuer { print("issuer \(issuer)") }
            print("secret \(path).key  (fleet.sign_key of the commander; keep it secret)")
            print("public \(path).pub  (fleet.trust of each unit it commands)")
        }
    }
}

extension Fleet {
    struct ACL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "acl",
            abstract: "Print the broker's ACL (mosquitto's acl_file) from the configuration's zones and keys.",
            discussion: """
                Every unit publishes only under unit/<its id>/ (its account is its fleet.unit); every commander, \
                named by the comment of its .pub file in fleet.trust (this daemon by its fleet.unit when it \
                signs), publishes only the command topics of its zones and library/<its key id>/.
                """)

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let loaded = ConfigLoader.load(path: options.path)
            guard let config = loaded.config, loaded.isValid else {
                for d in loaded.diagnostics.errors { printError(d.description) }
                complain(.configInvalid, ["path": options.path])
                throw ExitCode.failure
            }
            guard let fleet = config.fleet else {
                complain(.fleetACLNoFleet, ["path": options.path])
                throw ExitCode.failure
            }
            var trust: [(key: FleetPublicKey, zones: [String], issuer: String?)] = []
            for entry in fleet.trust where entry.revoked?.value != true {
                trust.append((try read(entry.key.value) { path throws(FleetKeyError) in try FleetKeyFile.readPublic(path) },
                              entry.zones.map(\.value), entry.issuer?.value))
            }
            var own: (account: String, key: FleetPublicKey, zones: [String])?
            if let path = fleet.signKey?.value, fleet.isCommander {
                let key = try read(path) { path throws(FleetKeyError) in try FleetKeyFile.readSecret(path) }
                own = (fleet.unitID(hostName: ProcessInfo.processInfo.hostName), key.publicKey, fleet.commandZones.map(\.value))
            }
            let found = FleetACL.commanders(trust: trust, own: own)
            for key in found.withoutAccount { complain(.fleetACLNoAccount, ["key": key]) }
            print(FleetACL.render(topics: FleetTopics(fleet: fleet.name.value), commanders: found.commanders, tree: ZoneTree(config)),
                  terminator: "")
        }

        private func read<K>(_ path: String, _ reader: (String) throws(FleetKeyError) -> K) throws -> K {
            do {
                return try reader(path)
            } catch {
                complain(.fleetACLKey, ["path": path, "reason": "\(error)"])
                throw ExitCode.failure
            }
        }
    }
}

/// `laba library publish`: a commander sends a recording to every unit of its fleet.
struct Library: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library",
        abstract: "The fleet's library of recordings.",
        subcommands: [Publish.self])

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Publish a recording to every unit of the fleet (on a commander).",
            discussion: """
                The recording (WAV, FLAC, Ogg…, at most 64 MiB) is signed with the commander's key for its \
                fleet.command_zones and published retained on library/KEY_ID/MESSAGE/LANGUAGE: each unit checks its \
                signature, digest and zones, keeps it under its state dir and plays it in those zones, before its \
                audio_dir's file; where several keys published one, the key trusted nearest the root wins. A unit \
                offline now receives it when it reconnects. Then it waits (--wait) for the online units' answers \
                and names those that refused it and why; it fails when one did. Without --lang, it is the \
                message's language-neutral recording.
                """)

        @Argument(help: "The message it is a recording of.")
        var message: String

        @Argument(help: ArgumentHelp("The recording.", valueName: "file"))
        var file: String

        @Option(name: .customLong("lang"), help: ArgumentHelp("Its language; default: neutral.", valueName: "language"))
        var language: String?

        @Option(help: ArgumentHelp("How long to wait for the online units' answers, in seconds.", valueName: "seconds"))
        var wait: Double = 10

        @OptionGroup var socket: SocketOptions
        @OptionGroup var config: ConfigOptions

        func validate() throws {
            if !(wait >= 0) { throw ValidationError(t(.cliWaitSeconds)) }
            try validateIDs([message], option: "MESSAGE", known: [])
            if let language { try validateIDs([language], option: "--lang", known: Play.knownLanguages(config.path)) }
        }

        func run() async throws {
            let data: Data
            do {
                let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
                guard size <= 64 << 20 else {
                    complain(.uploadTooLarge, ["path": file, "size": String(size >> 20)])
                    throw ExitCode.failure
                }
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch let error as ArgumentParser.ExitCode {
                throw error
            } catch {
                complain(.cannotRead, ["path": file, "reason": error.localizedDescription])
                throw ExitCode.failure
            }
            let reply = try await ControlClient(socket: socket.path).send(
                .POST, "/library" + query([("message", message), ("language", language)]),
                contentType: "application/octet-stream", bytes: ByteBuffer(bytes: data))
            guard reply.status == 202, let published = try? reply.decode(LibraryPublishJSON.self) else { throw reply.refusal() }
            print(socket.json ? try jsonLine(published) : t(.libraryPublished, [
                "recording": "\(published.message)/\(published.language)", "format": published.format,
                "size": String(published.size), "sha256": published.sha256, "version": String(published.version),
                "topic": published.topic,
            ]))
            let answers = try await answers(to: published)
            if socket.json {
                print(try jsonLine(LibraryAnswersJSON(answers)))
            } else {
                if !answers.kept.isEmpty { print(t(.libraryKeptBy, ["units": answers.kept.joined(separator: ", ")])) }
                for (unit, r) in answers.refused {
                    print(t(.libraryRefusedBy, ["unit": unit, "code": r.code, "reason": r.reason]))
                }
                if !answers.waiting.isEmpty { print(t(.libraryNoAnswer, ["units": answers.waiting.joined(separator: ", ")])) }
                if !answers.older.isEmpty { print(t(.libraryOlderUnits, ["units": answers.older.joined(separator: ", ")])) }
            }
            if !answers.refused.isEmpty { throw ExitCode.failure }
        }

        /// Asks the commander for its units until every online one answered or `wait` is over:
        /// the units answer in their retained status, which the commander keeps.
        func answers(to published: LibraryPublishJSON) async throws -> LibraryPublishAnswers {
            let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
            while true {
                let reply = try await ControlClient(socket: socket.path).send(.GET, "/fleet")
                guard reply.status == 200, let overview = try? reply.decode(FleetOverviewJSON.self) else { throw reply.refusal() }
                let answers = LibraryPublishAnswers(published, units: overview.units, commander: overview.fleet.unit)
                if answers.waiting.isEmpty || ContinuousClock.now >= deadline { return answers }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// `laba library publish --json`'s second line.
    struct LibraryAnswersJSON: Encodable {
        struct Refusal: Encodable {
            var unit: String
            var code: String
            var reason: String
        }

        var kept: [String]
        var refused: [Refusal]
        var waiting: [String]
        var older: [String]

        init(_ a: LibraryPublishAnswers) {
            kept = a.kept
            refused = a.refused.map { Refusal(unit: $0.unit, code: $0.refusal.code, reason: $0.refusal.reason) }
            waiting = a.waiting
            older = a.older
        }
    }
}
