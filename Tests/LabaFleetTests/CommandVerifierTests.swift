// Signed commands: keys and their files, envelopes, and the unit's verdict on each delivery.

import Foundation
import LabaCore
@testable import LabaFleet
import LabaTestSupport
import Testing

/// lijiang > gucheng > xianghe, lijiang > yulong; and a second root, dali.
let fleetTree: ZoneTree = {
    let result = ConfigLoader.parse(yaml: """
        zones:
          - id: lijiang
          - {id: gucheng, parent: lijiang}
          - {id: xianghe, parent: gucheng}
          - {id: yulong, parent: lijiang}
          - id: dali
        """, file: "t.yaml", directory: "/cfg")
    return ZoneTree(result.config!)
}()

let countyKey = FleetSigningKey(comment: "lijiang")
let townshipKey = FleetSigningKey(comment: "gucheng")
let strangerKey = FleetSigningKey(comment: "stranger")
/// Trusted for gucheng, its commands naming `gucheng-office` as their issuer.
let boundKey = FleetSigningKey(comment: "gucheng-office")
/// Rotated out.
let revokedKey = FleetSigningKey(comment: "old")
let fleetTrust = FleetTrust(entries: [
    .init(key: countyKey.publicKey, zones: ["lijiang", "dali"]), .init(key: townshipKey.publicKey, zones: ["gucheng"]),
    .init(key: boundKey.publicKey, zones: ["gucheng"], issuer: "gucheng-office"),
    .init(key: revokedKey.publicKey, zones: ["lijiang"], revoked: true),
])
let t0 = Instant(seconds: 1_800_000_000)
func days(_ n: Int64) -> TimeSpan { .seconds(86_400 * n) }
let day = days(1)
/// A build a month before `t0`: a unit reading `t0` is synced.
let builtBefore = t0 - days(30)
/// A build a year after `t0`: a unit reading `t0` has never been set.
let builtAfter = t0 + days(365)
/// The unit the cases run on: its horn in xianghe (the township's), its truck in yulong (the county's).
let unitOutputs = ["horn": "xianghe", "truck-1": "yulong"]

func context(unit: String = "unit-a", outputs: [String: String] = unitOutputs, buildDate: Instant = builtBefore,
             marks: [String: Instant] = [:], seen: Set<String> = []) -> CommandContext {
    CommandContext(unit: unit, outputZones: outputs, clock: CommandClock(buildDate: buildDate), mark: { marks[$0] },
                   seen: { seen.contains("\($0)/\($1)") })
}

func command(_ body: FleetCommand.Body, id: String = "c1", issuer: String = "office", issuedAt: Instant = t0,
             expiresIn: TimeSpan = .seconds(600)) -> FleetCommand {
    FleetCommand(id: id, issuer: issuer, issuedAt: issuedAt, expiresAt: issuedAt + expiresIn, body: body)
}

func move(unit: String? = "unit-a", output: String? = nil, to zone: String) -> FleetCommand.Body {
    .move(MoveCommand(unit: unit, output: output, zone: zone))
}

func play(_ zones: [String], all: Bool? = nil) -> FleetCommand.Body {
    .broadcast(BroadcastCommand(message: "masks", zones: zones, priority: "emergency", all: all))
}

struct VerifierCase: CustomTestStringConvertible, Sendable {
    var name: String
    var message: [UInt8]
    var now: Instant = t0
    /// `KEY_ID/command id` obeyed before.
    var seen: Set<String> = []
    var marks: [String: Instant] = [:]
    var buildDate: Instant = builtBefore
    /// The refusal expected, or nil for acceptance.
    var refusal: FleetRefusalCode?
    var testDescription: String { name }
}

func sealed(_ command: FleetCommand, by key: FleetSigningKey = townshipKey) -> [UInt8] {
    SignedEnvelope(signing: command, with: key).bytes
}

/// An envelope whose parts were changed after signing.
func tampered(_ command: FleetCommand, _ change: (inout SignedEnvelope) -> Void) -> [UInt8] {
    var envelope = SignedEnvelope(signing: command, with: townshipKey)
    change(&envelope)
    return envelope.bytes
}

@Suite struct CommandVerifierTests {
    static let cases: [VerifierCase] = [
        .init(name: "a township key for a compound of its township", message: sealed(command(play(["xianghe"])))),
        .init(name: "the county key for the whole county", message: sealed(command(play(["lijiang"])), by: countyKey)),
        .init(name: "all, by a key trusted for every root", message: sealed(command(play([], all: true)), by: countyKey)),
        .init(name: "a clock behind issued_at still obeys", message: sealed(command(play(["gucheng"]), issuedAt: t0 + .seconds(90)))),
        .init(name: "stop in its subtree", message: sealed(command(.stop(StopCommand(zones: ["gucheng"], clear: true))))),
        .init(name: "an alert (its areas are cut to the scope later)", message: sealed(command(.alert(AlertCommand(cap: "<alert/>"))))),
        .init(name: "a report asked of its subtree", message: sealed(command(.report(ReportCommand(zones: ["gucheng"], since: t0))))),
        .init(name: "a report naming no zone (report needs scope)",
              message: sealed(command(.report(ReportCommand(zones: [], since: t0)))), refusal: .outOfScope),
        .init(name: "a report asked of another subtree", message: sealed(command(.report(ReportCommand(zones: ["yulong"], since: t0)))),
              refusal: .outOfScope),
        .init(name: "not JSON", message: Array("play masks".utf8), refusal: .malformed),
        .init(name: "an envelope of a version this release does not read",
              message: tampered(command(play(["gucheng"]))) { $0.v = 3 }, refusal: .malformed),
        .init(name: "a broadcast in envelope v2 (only a forwarded alert is)",
              message: tampered(command(play(["gucheng"]))) { $0.v = 2 }, refusal: .malformed),
        .init(name: "a forwarded alert (v2) for zones of its subtree",
              message: sealed(command(.alert(AlertCommand(capBase64: Data("<alert/>".utf8), zones: ["xianghe"]))))),
        .init(name: "a forwarded alert for a zone outside its subtree",
              message: sealed(command(.alert(AlertCommand(capBase64: Data("<alert/>".utf8), zones: ["xianghe", "yulong"])))),
              refusal: .outOfScope),
        .init(name: "a forwarded alert: zones this unit lacks are passed over",
              message: sealed(command(.alert(AlertCommand(capBase64: Data("<alert/>".utf8), zones: ["xianghe", "elsewhere"]))))),
        .init(name: "a forwarded alert for no zone this unit has",
              message: sealed(command(.alert(AlertCommand(capBase64: Data("<alert/>".utf8), zones: ["elsewhere"])))),
              refusal: .unknownZone),
        .init(name: "a forwarded alert in envelope v1 (a unit of the last release would misread it)",
              message: tampered(command(.alert(AlertCommand(capBase64: Data("<alert/>".utf8), zones: ["xianghe"])))) { $0.v = 1 },
              refusal: .malformed),
        .init(name: "an unknown key", message: sealed(command(play(["gucheng"])), by: strangerKey), refusal: .untrusted),
        .init(name: "a payload changed after signing", message: tampered(command(play(["gucheng"]))) {
            $0.payload = Data(FleetJSON.encode(command(play(["lijiang"]))))
        }, refusal: .badSignature),
        .init(name: "a stranger's signature under a trusted key id", message: tampered(command(play(["gucheng"]))) {
            $0.sig = Data(strangerKey.signature(for: Array($0.payload)))
        }, refusal: .badSignature),
        .init(name: "a signed payload of an unknown kind", message: {
            let payload = Array(#"{"id":"c9","issuer":"o","issued_at":"2027-01-15T08:00:00.000Z","expires_at":"2027-01-15T09:00:00.000Z","kind":"siren"}"#.utf8)
            return SignedEnvelope(key: townshipKey.id, payload: Data(payload), sig: Data(townshipKey.signature(for: payload))).bytes
        }(), refusal: .malformed),
        .init(name: "a township key for a neighbour", message: sealed(command(play(["yulong"]))), refusal: .outOfScope),
        .init(name: "a township key for its parent", message: sealed(command(play(["xianghe", "lijiang"]))), refusal: .outOfScope),
        .init(name: "all, by a key trusted for a subtree", message: sealed(command(play([], all: true))), refusal: .outOfScope),
        .init(name: "a move out of its subtree", message: sealed(command(move(output: "horn", to: "yulong"))),
              refusal: .outOfScope),
        .init(name: "a move inside its subtree, of an output there", message: sealed(command(move(output: "horn", to: "gucheng")))),
        .init(name: "the county moves every output of the unit", message: sealed(command(move(to: "gucheng")), by: countyKey)),
        .init(name: "a township key moves a county output into its township (finding 2)",
              message: sealed(command(move(output: "truck-1", to: "gucheng"))), refusal: .outOfScope),
        .init(name: "a township key moves the whole unit, one output being the county's",
              message: sealed(command(move(to: "xianghe"))), refusal: .outOfScope),
        .init(name: "a move that names no unit", message: sealed(command(move(unit: nil, to: "gucheng")), by: countyKey),
              refusal: .malformed),
        .init(name: "a move for another unit", message: sealed(command(move(unit: "unit-b", to: "gucheng")), by: countyKey),
              refusal: .malformed),
        .init(name: "a move of an output the unit lacks", message: sealed(command(move(output: "bell", to: "gucheng")), by: countyKey),
              refusal: .malformed),
        .init(name: "a move in envelope v1 (a unit of the last release would check only where it goes)",
              message: tampered(command(move(output: "horn", to: "gucheng"))) { $0.v = 1 }, refusal: .malformed),
        .init(name: "a broadcast in envelope v1 is still obeyed", message: tampered(command(play(["gucheng"]))) { $0.v = 1 }),
        // Envelope versions (issue 25): v1 is obeyed for broadcast, stop and live only.
        .init(name: "a stop in envelope v1 is still obeyed",
              message: tampered(command(.stop(StopCommand(zones: ["gucheng"])))) { $0.v = 1 }),
        .init(name: "a live talk in envelope v1 is still obeyed",
              message: tampered(command(.live(LiveCommand(stream: "https://s/laba-live-t.opus", zones: ["gucheng"])))) { $0.v = 1 }),
        .init(name: "a stop in envelope v2 (it travels in v1)",
              message: tampered(command(.stop(StopCommand(zones: ["gucheng"])))) { $0.v = 2 }, refusal: .malformed),
        .init(name: "an alert as text in envelope v1 (the last release's commanders)",
              message: tampered(command(.alert(AlertCommand(cap: "<alert/>")))) { $0.v = 1 }, refusal: .malformed),
        .init(name: "a report in envelope v1", message: tampered(command(.report(ReportCommand(zones: ["gucheng"], since: t0)))) {
            $0.v = 1
        }, refusal: .malformed),
        .init(name: "a report in envelope v2", message: tampered(command(.report(ReportCommand(zones: ["gucheng"], since: t0)))) {
            $0.v = 2
        }),
        .init(name: "an issuer other than the one the key is bound to",
              message: sealed(command(play(["gucheng"]), issuer: "lijiang-office"), by: boundKey), refusal: .wrongIssuer),
        .init(name: "the issuer the key is bound to",
              message: sealed(command(play(["gucheng"]), issuer: "gucheng-office"), by: boundKey)),
        .init(name: "a revoked key", message: sealed(command(play(["gucheng"])), by: revokedKey), refusal: .revoked),
        .init(name: "a command valid for ten years", message: sealed(command(play(["gucheng"]), expiresIn: days(3650))),
              refusal: .tooLong),
        .init(name: "a command valid for ten years, on a clock never set",
              message: sealed(command(play(["gucheng"]), expiresIn: days(3650))), buildDate: builtAfter, refusal: .tooLong),
        .init(name: "a command that lives exactly the longest life", message: sealed(command(play(["gucheng"]), expiresIn: day))),
        .init(name: "issued a year ahead of a synced clock",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 + days(365))), refusal: .issuedAhead),
        .init(name: "issued a year ahead of a clock never set: obeyed",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 + days(365))), buildDate: builtAfter),
        .init(name: "issued just over max_skew ahead of a synced clock",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 + .seconds(301))), refusal: .issuedAhead),
        .init(name: "issued more than a life before the key's mark (a clock set back)",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 - days(2), expiresIn: day)),
              now: t0 - days(2) + .seconds(3600), marks: [townshipKey.id: t0], refusal: .stale),
        .init(name: "issued an hour before the key's mark",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 - .seconds(3600), expiresIn: .seconds(7200))),
              marks: [townshipKey.id: t0]),
        .init(name: "another key's mark does not refuse it",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 - days(2), expiresIn: day)),
              now: t0 - days(2) + .seconds(3600), marks: [countyKey.id: t0]),
        .init(name: "a clock never set checks no mark",
              message: sealed(command(play(["gucheng"]), issuedAt: t0 - days(2), expiresIn: day)),
              now: t0 - days(2) + .seconds(3600), marks: [townshipKey.id: t0], buildDate: builtAfter),
        .init(name: "a command id another key claimed does not block the county's",
              message: sealed(command(play(["lijiang"])), by: countyKey), seen: ["\(townshipKey.id)/c1"]),
        .init(name: "a zone this unit does not have", message: sealed(command(play(["nowhere"]))), refusal: .unknownZone),
        .init(name: "an id obeyed before", message: sealed(command(play(["gucheng"]))), seen: ["\(townshipKey.id)/c1"],
              refusal: .duplicate),
        .init(name: "past expires_at", message: sealed(command(play(["gucheng"]))), now: t0 + .seconds(600), refusal: .expired),
    ]

    @Test(arguments: cases) func verdict(_ c: VerifierCase) {
        let verdict = CommandVerifier.verify(c.message, trust: fleetTrust, zones: fleetTree, now: c.now,
                                             context: context(buildDate: c.buildDate, marks: c.marks, seen: c.seen))
        switch (verdict, c.refusal) {
        case (.accepted, nil): break
        case (.refused(let refusal, _), let expected?): #expect(refusal.code == expected, "\(refusal)")
        default: Issue.record("expected \(c.refusal.map(\.rawValue) ?? "acceptance"), got \(verdict)")
        }
    }

    @Test func anAcceptedCommandCarriesItsScopeAndTheClockSkew() throws {
        let sent = command(play(["gucheng"]), issuedAt: t0 + .seconds(90))
        let verdict = CommandVerifier.verify(sealed(sent), trust: fleetTrust, zones: fleetTree, now: t0, context: context())
        guard case .accepted(let verified) = verdict else { Issue.record("\(verdict)"); return }
        #expect(verified.command == sent)
        #expect(verified.key == townshipKey.id)
        #expect(verified.scope == ["gucheng"])
        #expect(verified.clockSkew == .seconds(90))
        #expect(verified.synced)
    }

    /// SPEC 17: a board without a battery clock before NTP obeys, records the skew, keeps no mark.
    @Test func aClockNeverSetObeysAYearAheadAndRecordsTheSkew() throws {
        let sent = command(play(["gucheng"]), issuedAt: t0 + days(365))
        let verdict = CommandVerifier.verify(sealed(sent), trust: fleetTrust, zones: fleetTree, now: t0,
                                             context: context(buildDate: builtAfter))
        guard case .accepted(let verified) = verdict else { Issue.record("\(verdict)"); return }
        #expect(verified.clockSkew == days(365))
        #expect(!verified.synced)
    }

    @Test func aV1MoveIsRefusedWithAReasonThatSaysWhy() {
        let verdict = CommandVerifier.verify(tampered(command(move(output: "horn", to: "gucheng"))) { $0.v = 1 }, trust: fleetTrust,
                                             zones: fleetTree, now: t0, context: context())
        guard case .refused(let refusal, _) = verdict else { Issue.record("\(verdict)"); return }
        #expect(refusal.code == .malformed)
        #expect(refusal.message == "a move needs envelope version 2, which names the unit and is checked against its current zone; "
                + "this one is version 1 (version 1 is obeyed for broadcast, stop and live only)")
    }

    /// Issue 25: the kinds a unit of the last release would misread go out in envelope v2; the
    /// refusal of one in v1 names the version it needs.
    @Test(arguments: [
        (FleetCommand.Body.broadcast(BroadcastCommand(message: "masks", zones: ["gucheng"])), 1),
        (.stop(StopCommand(zones: ["gucheng"])), 1),
        (.live(LiveCommand(stream: "https://s/laba-live-t.opus", zones: ["gucheng"])), 1),
        (.alert(AlertCommand(cap: "<alert/>")), 2),
        (.alert(AlertCommand(capBase64: Data("<alert/>".utf8), zones: ["gucheng"])), 2),
        (.report(ReportCommand(zones: ["gucheng"], since: t0)), 2),
        (.move(MoveCommand(unit: "unit-a", zone: "gucheng")), 2),
    ])
    func eachKindIsSentInTheEnvelopeVersionItNeeds(_ body: FleetCommand.Body, _ version: Int) {
        let sent = SignedEnvelope(signing: command(body), with: townshipKey)
        #expect(sent.v == version)
        guard version == 2 else { return }
        let verdict = CommandVerifier.verify(tampered(command(body)) { $0.v = 1 }, trust: fleetTrust, zones: fleetTree, now: t0,
                                             context: context())
        guard case .refused(let refusal, let claimed) = verdict else { Issue.record("\(verdict)"); return }
        #expect(refusal.code == .malformed)
        #expect(refusal.message.hasPrefix("a \(body.kind) needs envelope version 2"), "\(refusal.message)")
        #expect(claimed?.id == "c1")
    }

    @Test func aMoveOutOfACountyZoneNamesThatZone() {
        let verdict = CommandVerifier.verify(sealed(command(move(output: "truck-1", to: "gucheng"))), trust: fleetTrust,
                                             zones: fleetTree, now: t0, context: context())
        guard case .refused(let refusal, _) = verdict else { Issue.record("\(verdict)"); return }
        #expect(refusal.message == "key \(townshipKey.id) may command gucheng, not 'yulong'")
    }

    @Test func aRefusalNamesTheCommandWhenThePayloadCanBeRead() {
        let verdict = CommandVerifier.verify(sealed(command(play(["yulong"]), id: "c7")), trust: fleetTrust, zones: fleetTree,
                                             now: t0, context: context())
        guard case .refused(let refusal, let claimed) = verdict else { Issue.record("\(verdict)"); return }
        #expect(claimed?.id == "c7")
        #expect(refusal.message == "key \(townshipKey.id) may command gucheng, not 'yulong'")
        let ack = CommandAck.refused(refusal, command: claimed, unit: "unit-a", at: t0)
        #expect(String(decoding: FleetJSON.encode(ack), as: UTF8.self) == """
            {"at":"2027-01-15T08:00:00.000Z","code":"out_of_scope","command":"c7",\
            "message":"key \(townshipKey.id) may command gucheng, not 'yulong'","result":"refused","unit":"unit-a"}
            """)
    }
}

@Suite struct FleetCommandCodingTests {
    @Test func aBroadcastIsOneFlatObject() throws {
        let c = FleetCommand(id: "c1", issuer: "gucheng-office", issuedAt: t0, expiresAt: t0 + .seconds(3600),
                             body: .broadcast(BroadcastCommand(message: "masks", zones: ["gucheng"], languages: ["naxi"],
                                                               priority: "emergency", repeat: 2, within: "30min")))
        let json = String(decoding: FleetJSON.encode(c), as: UTF8.self)
        #expect(json == """
            {"expires_at":"2027-01-15T09:00:00.000Z","id":"c1","issued_at":"2027-01-15T08:00:00.000Z","issuer":"gucheng-office",\
            "kind":"broadcast","languages":["naxi"],"message":"masks","priority":"emergency","repeat":2,"within":"30min",\
            "zones":["gucheng"]}
            """)
        #expect(try FleetJSON.decode(FleetCommand.self, from: Array(json.utf8)) == c)
    }

    @Test(arguments: [
        FleetCommand.Body.stop(StopCommand(zones: ["xianghe"], clear: true)),
        .move(MoveCommand(unit: "truck-1", output: "horn", zone: "yulong")),
        .alert(AlertCommand(cap: "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>")),
        .alert(AlertCommand(capBase64: Data([0x3C, 0xE9, 0x3E]), zones: ["gucheng", "yulong"])),
        play(["lijiang"], all: true),
    ])
    func everyKindSurvivesARoundTrip(_ body: FleetCommand.Body) throws {
        let c = command(body)
        #expect(try FleetJSON.decode(FleetCommand.self, from: FleetJSON.encode(c)) == c)
    }

    /// SPEC 15: a forwarded alert carries the alert's bytes unchanged (base64), in envelope v2.
    @Test func aForwardedAlertCarriesItsBytesInEnvelopeVersion2() throws {
        let latin1 = Data([0x3C, 0x61, 0x3E, 0xE9, 0x3C, 0x2F, 0x61, 0x3E])  // not UTF-8
        let c = command(.alert(AlertCommand(capBase64: latin1, zones: ["gucheng"])))
        let envelope = SignedEnvelope(signing: c, with: townshipKey)
        #expect(envelope.v == 2)
        #expect(SignedEnvelope(signing: command(play(["gucheng"])), with: townshipKey).v == 1)
        let json = String(decoding: envelope.payload, as: UTF8.self)
        #expect(json.contains(#""cap_base64":"\#(latin1.base64EncodedString())""#) && json.contains(#""zones":["gucheng"]"#), "\(json)")
        guard case .alert(let a) = try FleetJSON.decode(FleetCommand.self, from: Array(envelope.payload)).body else {
            Issue.record("not an alert")
            return
        }
        #expect(a.document == latin1)
    }

    @Test func timesWithAnOffsetAreRead() throws {
        let json = #"{"id":"c","issuer":"o","issued_at":"2027-01-15T16:00:00+08:00","expires_at":"2027-01-15t08:10:00.5z","kind":"stop","zones":["a"]}"#
        let c = try FleetJSON.decode(FleetCommand.self, from: Array(json.utf8))
        #expect(c.issuedAt == t0)
        #expect(c.expiresAt == t0 + .milliseconds(600_500))
        for bad in ["2027-01-15 08:00", "2027-01-15T08:00:00", "tomorrow", "@1800000000"] {
            #expect(FleetTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func theEnvelopeCarriesBase64AndTheKeyID() throws {
        let c = command(play(["gucheng"]))
        let envelope = SignedEnvelope(signing: c, with: townshipKey)
        let object = try JSONSerialization.jsonObject(with: Data(envelope.bytes)) as! [String: Any]
        #expect(Set(object.keys) == ["v", "key", "payload", "sig"])
        #expect(object["v"] as? Int == 1)
        #expect(object["key"] as? String == townshipKey.id)
        #expect(Data(base64Encoded: object["payload"] as! String) == Data(FleetJSON.encode(c)))
        #expect(Data(base64Encoded: object["sig"] as! String)?.count == 64)
        #expect(townshipKey.publicKey.isValidSignature(Array(envelope.sig), for: Array(envelope.payload)))
    }
}

@Suite struct FleetKeyTests {
    @Test func keyIDIsTheFirstSixteenHexDigitsOfTheSHA256OfThePublicKey() throws {
        // RFC 8032 test 1: its public key, and `printf <that key> | sha256sum` cut to 16 digits.
        let raw = Array(Data(base64Encoded: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")!)
        let key = try FleetPublicKey(raw: raw)
        #expect(key.id == "21fe31dfa154a261")
        #expect(key.id.count == 16)
    }

    @Test func keygenWritesASecretOnlyItsOwnerReadsAndAPublicKeyThatMatches() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("gucheng")
        let key = try FleetKeyFile.generate(at: path, comment: "gucheng office")
        var info = stat()
        #expect(stat(path + ".key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(path + ".pub", &info) == 0 && info.st_mode & 0o777 == 0o644)
        let secretText = try String(contentsOfFile: path + ".key", encoding: .utf8)
        let publicText = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(secretText.hasPrefix("laba-ed25519-secret ") && secretText.hasSuffix(" gucheng office\n"))
        #expect(publicText.hasPrefix("laba-ed25519-public ") && publicText.hasSuffix(" gucheng office\n"))
        #expect(Data(base64Encoded: String(publicText.split(separator: " ")[1]))?.count == 32)

        let secret = try FleetKeyFile.readSecret(path + ".key")
        let pub = try FleetKeyFile.readPublic(path + ".pub")
        #expect(secret.id == key.id && pub.id == key.id)
        #expect(pub.comment == "gucheng office")
        #expect(pub.isValidSignature(secret.signature(for: [1, 2, 3]), for: [1, 2, 3]))
        #expect(!pub.isValidSignature(secret.signature(for: [1, 2, 3]), for: [1, 2, 4]))

        #expect(throws: FleetKeyError(path: path + ".key", "exists already; remove it first or choose another path")) {
            try FleetKeyFile.generate(at: path, comment: nil)
        }
        chmod(path + ".key", 0o640)
        #expect(throws: FleetKeyError(path: path + ".key", "a secret key must be readable by its owner only (mode 640; chmod 600 it)")) {
            try FleetKeyFile.readSecret(path + ".key")
        }
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("laba-ed25519-public AAAA\nlaba-ed25519-public AAAA\n", "expected one line, found 2"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 user@host\n", "expected 'laba-ed25519-public BASE64 [comment]'"),
        ("laba-ed25519-secret \(Data(count: 32).base64EncodedString())\n",
         "this is a secret key; expected 'laba-ed25519-public BASE64 [comment]'"),
        ("laba-ed25519-public not*base64\n", "the key is not valid base64"),
        ("laba-ed25519-public \(Data(count: 31).base64EncodedString())\n", "an Ed25519 public key is 32 bytes, found 31"),
    ])
    func aBadPublicKeyFileSaysWhatIsWrong(_ text: String, _ reason: String) {
        #expect(throws: FleetKeyError(reason)) { try FleetPublicKey(fileText: text) }
    }

    @Test func aKeyFileWithoutCommentReadsBack() throws {
        let key = FleetSigningKey()
        #expect(key.fileText.split(separator: " ").count == 2)
        #expect(try FleetSigningKey(fileText: key.fileText).id == key.id)
        #expect(try FleetPublicKey(fileText: "  " + key.publicKey.fileText + "\n\n").id == key.id)
    }
}
