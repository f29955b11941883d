// Live talk through the fleet end to end (SPEC 14): a real mosquitto and a real Icecast 2, the
// county office's `labad` capturing a tone and sending it, a unit's `labad` playing it; the
// office's `laba live` holds the talk. These streams are plain http, allowed by
// `fleet.stream.insecure` (SPEC 17); a unit without it refuses them, and refuses an https server
// whose certificate it cannot trust. The whole fleet over TLS (broker, Icecast, both daemons
// checking the fleet's CA) is `make attack`'s Bench/attack/fleet-stream.py.

import Foundation
import LabaCore
import LabaFleet
import LabaStore
import LabaTestSupport
import Testing

extension FleetFixture {
    /// The county office: a commander whose microphone says a 700 Hz tone in real time (paced by
    /// `pulse`), sending its talks through `icecast`.
    /// A unit that takes plain http streams (`fleet.stream.insecure: true`).
    func startInsecureUnit(_ id: String, zone: String) async throws -> DaemonFixture {
        try await start(id, zone: zone) { yaml, _ in yaml + "  stream: {insecure: true}\n" }
    }

    func startOffice(icecast: IcecastProcess, live: String, console: Int? = nil, insecure: Bool = true) async throws -> DaemonFixture {
        try await start("office", zone: "county", commander: true) { yaml, office in
            try office.writeMicrophone(frequency: 700, pacing: "{ type pulse server \"unix:\(office.dir)/pulse.sock\" }")
            try IcecastProcess.sourcePassword.write(toFile: office.dir + "/icecast-source", atomically: true, encoding: .utf8)
            if console != nil {
                // An operator for the console: chen, "password-chen".
                try FileManager.default.createDirectory(atPath: office.dir + "/state", withIntermediateDirectories: true)
                let added = try Binaries.run("laba", ["user", "add", "chen", "--role", "operator", "--password-stdin"],
                                             environment: office.environment, stdin: "password-chen\n")
                guard added.status == 0 else { throw BrokerError(description: "laba user add: \(added.stderr)") }
            }
            return yaml + """
                  stream: {server: "http://127.0.0.1:\(icecast.port)", password_file: icecast-source\(insecure ? ", insecure: true" : "")}
                live: \(live)

                """ + (console.map { "console: {listen: \"127.0.0.1:\($0)\", language: en}\n" } ?? "")
        }
    }
}

@Suite(.serialized, .enabled(if: IcecastProcess.available && PulseServer.available))
struct FleetLiveTests {
    /// The office's talk to the city is heard on the east unit (which records it as its own live
    /// broadcast, with the recording's loudness), and ends there when it ends at the office.
    @Test func theCountysTalkIsHeardOnTheUnitAndEndsThereWhenItEnds() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let icecast = try await blocking { try IcecastProcess() }
        let county = try await fleet.startOffice(icecast: icecast, live: "{input: laba_mic, max: 5s}")
        let pulse = try #require(PulseServer(socket: county.dir + "/pulse.sock"), "the PulseAudio server did not start")
        defer { pulse.kill() }
        let east = try await fleet.startInsecureUnit("east-1", zone: "east")
        #expect(await county.waitUntilOnline(["east-1"]))

        let talk = try await county.laba(["live", "--zone", "city"])
        #expect(talk.status == 0, "\(talk.stderr)")
        #expect(talk.stdout.contains("live on the fleet's units from laba_mic (command "), "\(talk.stdout)")
        #expect(talk.stdout.contains("live talk ended after 5.0 s: reached live.max (5 s)"), "\(talk.stdout)")

        // The unit's record: a live broadcast of the office's command, ended by the office.
        #expect(await east.waitForStore { try $0.broadcasts(limit: .max).first?.outcome == .completed })
        let record = try #require(try Store(path: east.database).broadcasts(limit: .max).first)
        #expect(record.source == .live && record.zone == "east" && record.output == "square", "\(record)")
        #expect(record.reason == "the commander ended the talk", "\(record)")
        guard case .fleet(unit: "office", command: _, key: _)? = record.requestedBy else {
            Issue.record("the record does not name the office's command: \(String(describing: record.requestedBy))")
            return
        }
        let recording = try #require(record.uploadPath)
        #expect(FileManager.default.fileExists(atPath: recording))
        #expect(abs((record.loudness ?? 0) - -9) < 2, "\(record.loudness ?? 0)")
        #expect(try await tones(east.dir + "/laba_square.wav") == [700])
        // The office keeps the unit's report of it, under its command.
        #expect(await county.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter()).count == 1 })
    }

    /// Icecast killed mid-way: the unit ends its talk, saying the stream was lost and after how
    /// long; the office's own talk goes on until it is ended.
    @Test func aStreamLostMidWayEndsTheTalkOnTheUnitWithHowFarItGot() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let icecast = try await blocking { try IcecastProcess() }
        let county = try await fleet.startOffice(icecast: icecast, live: "{input: laba_mic, max: 60s}")
        let pulse = try #require(PulseServer(socket: county.dir + "/pulse.sock"), "the PulseAudio server did not start")
        defer { pulse.kill() }
        let east = try await fleet.startInsecureUnit("east-1", zone: "east")
        // West is known to the office, and away during the talk.
        let west = try await fleet.startInsecureUnit("west-1", zone: "west")
        #expect(await county.waitUntilOnline(["east-1", "west-1"]))
        _ = west.terminate()

        let talk = try LiveCommand(["--zone", "city"], environment: county.environment)
        #expect(await east.waitForStore { try $0.broadcasts(limit: .max).first?.startedAt != nil })
        // A second of the talk reaches the unit's horn, then the server dies.
        #expect(await east.waitForStore { _ in ((try? FileManager.default.attributesOfItem(atPath: east.dir + "/laba_square.wav")[.size] as? Int) ?? 0) > 96_000 })
        // The command waits for west's answer (west is away).
        #expect(try Store(path: county.database).pendingCommands(now: Instant(Date()).microseconds).count == 1)
        icecast.kill()
        // The record's reason may follow its outcome by a moment: on a starved machine the unit's
        // player can finish the record (its ring drained) before the capture's end names why.
        #expect(await east.waitForStore { try $0.broadcasts(limit: .max).first.map { $0.outcome != nil && $0.reason != nil } == true })
        let record = try #require(try Store(path: east.database).broadcasts(limit: .max).first)
        #expect(record.reason?.hasPrefix("the stream from the commander was lost after ") == true, "\(record)")
        #expect(await county.log("the live talk's stream to the units stopped"))
        // The stream gone, its command is not published again (west, back later, would find nothing),
        // though west never answered it and it has most of live.max (60 s) to run.
        #expect(await county.waitForStore { try $0.pendingCommands(now: Instant(Date()).microseconds).isEmpty })
        // The office's talk goes on (no output of its own carries it: it records it) until Ctrl-C.
        let ended = try await blocking { talk.end(with: SIGINT) }
        #expect(ended.status == 0, "\(ended.output)")
        #expect(ended.output.contains("live talk ended after"), "\(ended.output)")
        #expect(try await tones(east.dir + "/laba_square.wav") == [700])
    }

    /// A signed `live` command makes a unit open only a talk's stream as a commander names it: an
    /// arbitrary URL is refused before anything is fetched, and a stream that is not there (no
    /// server, or no such talk on it) is refused with a code and no details; nothing plays.
    @Test func aUnitOpensOnlyATalksStream() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let icecast = try await blocking { try IcecastProcess() }
        let east = try await fleet.startInsecureUnit("east-1", zone: "east")
        let topics = fleet.topics
        let (client, inbox) = try await fleet.testCommander(hearing: "east-1")
        defer { Task { await client.stop(publishingWill: false) } }

        let now = Instant(Date())
        let token = String(repeating: "0123456789abcdef", count: 2)
        let nowhere = try MosquittoBroker.freePort()
        let cases = [
            ("elsewhere", "http://127.0.0.1:\(fleet.broker.port)/"),
            ("a-file", "file:///etc/passwd"),
            ("nobody-there", "http://127.0.0.1:\(nowhere)/laba-live-\(token).opus"),
            ("no-such-talk", "http://127.0.0.1:\(icecast.port)/laba-live-\(token).opus"),
        ]
        for (id, url) in cases {
            let command = FleetCommand(id: id, issuer: "test", issuedAt: now, expiresAt: now + .seconds(60),
                                       body: .live(LabaFleet.LiveCommand(stream: url, zones: ["east"])))
            try client.publish(topic: topics.topic(.zoneCommand(zone: "east")), payload: SignedEnvelope(signing: command, with: fleet.county).bytes)
        }
        let acks = await inbox.wait(for: cases.count) { $0.topic.hasSuffix("/ack") }
            .compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
        let codes = Dictionary(uniqueKeysWithValues: acks.map { ($0.command ?? "?", $0.code ?? $0.result.rawValue) })
        #expect(codes == ["elsewhere": "bad_request", "a-file": "bad_request", "nobody-there": "stream_unavailable",
                          "no-such-talk": "stream_unavailable"], "\(codes)")
        #expect(acks.filter { $0.code == "stream_unavailable" }.allSatisfy { $0.message == "the talk's stream cannot be received (it may have ended)" })
        #expect(try Store(path: east.database).broadcasts(limit: .max).isEmpty)

        // A stream server that never answers: opening it holds up no other command (a stop sent
        // after it is answered first), and the stop, obeyed first, keeps the talk from starting.
        let silent = try SilentServer()
        let hanging = FleetCommand(id: "hanging", issuer: "test", issuedAt: now, expiresAt: now + .seconds(60),
                                   body: .live(LabaFleet.LiveCommand(stream: "http://127.0.0.1:\(silent.port)/laba-live-\(token).opus",
                                                                     zones: ["east"])))
        let stop = FleetCommand(id: "stop-east", issuer: "test", issuedAt: now, expiresAt: now + .seconds(60),
                                body: .stop(StopCommand(zones: ["city"])))
        for command in [hanging, stop] {
            try client.publish(topic: topics.topic(.zoneCommand(zone: "east")), payload: SignedEnvelope(signing: command, with: fleet.county).bytes)
        }
        let later = await inbox.wait(for: cases.count + 2) { $0.topic.hasSuffix("/ack") }
            .compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }.dropFirst(cases.count)
        #expect(later.map(\.command) == ["stop-east", "hanging"], "\(later)")
        #expect(later.last?.code == "stopped", "\(later)")
        #expect(try Store(path: east.database).broadcasts(limit: .max).isEmpty)
    }

    /// The stream server down: the commander's `laba live` fails at once and says why, and no
    /// command goes to the units.
    @Test func aCommanderWhoseStreamServerIsDownSaysSo() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let icecast = try await blocking { try IcecastProcess() }
        let county = try await fleet.startOffice(icecast: icecast, live: "{input: laba_mic, max: 60s}")
        let pulse = try #require(PulseServer(socket: county.dir + "/pulse.sock"), "the PulseAudio server did not start")
        defer { pulse.kill() }
        icecast.kill()
        let talk = try await county.laba(["live", "--zone", "city"])
        #expect(talk.status != 0)
        #expect(talk.stderr.contains("the stream server 127.0.0.1:\(icecast.port) refused the source"), "\(talk.stderr)")
        #expect(try Store(path: county.database).pendingCommands(now: Instant(Date()).microseconds).isEmpty)
    }

    /// The console's talk button on the county office (its WebSocket spoken by a plain client):
    /// the talk for the city is sent to its units, the page says so, and the east unit plays the
    /// tone and records the talk as the office's.
    @Test func theConsolesTalkOnTheCountyReachesTheUnits() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let icecast = try await blocking { try IcecastProcess() }
        let port = try ConsoleTests.freePort()
        let county = try await fleet.startOffice(icecast: icecast, live: "{max: 60s}", console: port)
        let east = try await fleet.startInsecureUnit("east-1", zone: "east")
        #expect(await county.waitUntilOnline(["east-1"]))

        let talk = try await blocking {
            try Binaries.run(executable: "/usr/bin/env", ["python3", Binaries.repo("Tests/Browser/talk_fleet.py"),
                                                          "http://127.0.0.1:\(port)", "city", "3"], timeout: 60)
        }
        #expect(talk.status == 0, "\(talk.stdout)\n\(talk.stderr)")
        #expect(talk.stdout.contains("Sent to the units of the zones (fleet command "), "\(talk.stdout)")
        #expect(talk.stdout.contains("stopped from the console by chen"), "\(talk.stdout)")

        #expect(await east.waitForStore { try $0.broadcasts(limit: .max).first?.outcome == .completed })
        let record = try #require(try Store(path: east.database).broadcasts(limit: .max).first)
        #expect(record.source == .live && record.reason == "the commander ended the talk", "\(record)")
        guard case .fleet(unit: "office", command: _, key: _)? = record.requestedBy else {
            Issue.record("the record does not name the office's command: \(String(describing: record.requestedBy))")
            return
        }
        // The console's 500 Hz (the office's own microphone would say 700).
        #expect(try await tones(east.dir + "/laba_square.wav") == [500])
    }

    /// SPEC 17: a unit without `fleet.stream.insecure` refuses a plain http stream before opening
    /// it, and refuses an https server whose certificate no authority it trusts signed (here the
    /// system's, as this fleet's broker has no CA of its own): each with its code and words in the
    /// ack, a line in its log and the refusal in its status; nothing plays.
    @Test func aUnitRefusesAPlainStreamAndAServerItCannotTrust() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let folder = TemporaryFolder("laba-e2e-stream")
        defer { folder.remove() }
        let icecast = try await blocking { try IcecastProcess(tls: try IcecastProcess.TLS.testCA(in: folder.file("other"))) }
        let east = try await fleet.start("east-1", zone: "east")
        let topics = fleet.topics
        let (client, inbox) = try await fleet.testCommander(hearing: "east-1")
        defer { Task { await client.stop(publishingWill: false) } }

        let now = Instant(Date())
        let token = String(repeating: "0123456789abcdef", count: 2)
        let cases = [
            ("plain", "http://127.0.0.1:\(icecast.port)/laba-live-\(token).opus"),
            ("untrusted", "https://127.0.0.1:\(icecast.port)/laba-live-\(token).opus"),
        ]
        for (id, url) in cases {
            let command = FleetCommand(id: id, issuer: "test", issuedAt: now, expiresAt: now + .seconds(60),
                                       body: .live(LabaFleet.LiveCommand(stream: url, zones: ["east"])))
            try client.publish(topic: topics.topic(.zoneCommand(zone: "east")), payload: SignedEnvelope(signing: command, with: fleet.county).bytes)
        }
        let acks = await inbox.wait(for: cases.count) { $0.topic.hasSuffix("/ack") }
            .compactMap { try? FleetJSON.decode(CommandAck.self, from: $0.payload) }
        let answers = Dictionary(uniqueKeysWithValues: acks.map { ($0.command ?? "?", $0) })
        #expect(answers["plain"]?.result == .refused && answers["plain"]?.code == "stream_insecure", "\(acks)")
        #expect(answers["plain"]?.message?.hasPrefix("the live talk's stream is plain http") == true, "\(acks)")
        #expect(answers["untrusted"]?.result == .refused && answers["untrusted"]?.code == "stream_untrusted", "\(acks)")
        #expect(answers["untrusted"]?.message == "the stream server 127.0.0.1:\(icecast.port) is not trusted: its certificate is not "
                + "signed by the fleet's CA, or does not name the server", "\(acks)")
        #expect(await east.log("a fleet talk's stream server is not trusted: nothing of it is played"))
        // Icecast was asked for nothing: the TLS handshake failed before the request.
        #expect(!icecast.log.contains("laba-live-"), "\(icecast.log)")
        #expect(try Store(path: east.database).broadcasts(limit: .max).isEmpty)
    }

    /// A commander whose stream server is plain http, without `fleet.stream.insecure`, refuses to
    /// start the talk for its units and says why; no command goes out.
    @Test func aCommanderRefusesToSendAPlainStream() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let icecast = try await blocking { try IcecastProcess() }
        let county = try await fleet.startOffice(icecast: icecast, live: "{input: laba_mic, max: 60s}", insecure: false)
        let pulse = try #require(PulseServer(socket: county.dir + "/pulse.sock"), "the PulseAudio server did not start")
        defer { pulse.kill() }
        // `laba check` explains it (labad logged the same warning at start).
        let check = try await county.laba(["check", "--config", county.configPath])
        #expect((check.stdout + check.stderr).contains("warning: fleet.stream.server is plain http: live talks are refused"),
                "\(check.stdout)\(check.stderr)")
        let talk = try await county.laba(["live", "--zone", "city"])
        #expect(talk.status != 0)
        #expect(talk.stderr.contains("the live talk's stream is plain http, which anyone on the way could listen to or replace"),
                "\(talk.stderr)")
        #expect(try Store(path: county.database).pendingCommands(now: Instant(Date()).microseconds).isEmpty)
        // Icecast never saw a source.
        #expect(!icecast.log.contains("laba-live-"), "\(icecast.log)")
    }
}
