// A commander's delivery decisions and a unit's check of library recordings, as tables.

import Foundation
import LabaCore
@testable import LabaFleet
import Testing

@Suite struct CommandDeliveryTests {
    let topics = FleetTopics(fleet: "lijiang")

    struct TopicCase: Sendable, CustomTestStringConvertible {
        var zones: [String]
        var topics: [String]
        var testDescription: String { zones.joined(separator: ",") }
    }

    @Test(arguments: [
        TopicCase(zones: ["gucheng"], topics: ["gucheng"]),
        // A unit in xianghe listens to gucheng's topic too: one topic, not two deliveries.
        TopicCase(zones: ["xianghe", "gucheng"], topics: ["gucheng"]),
        TopicCase(zones: ["xianghe", "yulong"], topics: ["xianghe", "yulong"]),
        TopicCase(zones: ["lijiang", "dali", "yulong"], topics: ["lijiang", "dali"]),
        TopicCase(zones: ["gucheng", "gucheng"], topics: ["gucheng"]),
    ])
    func aCommandGoesOutOnceOnTheTopicOfEachSubtree(_ c: TopicCase) {
        #expect(CommandDelivery.topics(zones: c.zones, tree: fleetTree, topics: topics)
                == c.topics.map { topics.topic(.zoneCommand(zone: $0)) })
    }

    struct CommandableCase: Sendable, CustomTestStringConvertible {
        var zones: [String]
        var commandZones: [String]
        var commanded: [String]
        var testDescription: String { "\(zones) with command_zones \(commandZones) → \(commanded)" }
    }

    /// SPEC 11: a request that reaches into command_zones commands the part inside them.
    @Test(arguments: [
        CommandableCase(zones: ["xianghe", "yulong", "dali", "nowhere"], commandZones: ["gucheng"], commanded: ["xianghe"]),
        CommandableCase(zones: ["lijiang"], commandZones: ["gucheng"], commanded: ["gucheng"]),
        CommandableCase(zones: ["lijiang", "xianghe"], commandZones: ["gucheng"], commanded: ["gucheng"]),
        CommandableCase(zones: ["lijiang"], commandZones: ["gucheng", "xianghe"], commanded: ["gucheng"]),
        CommandableCase(zones: ["yulong"], commandZones: ["gucheng"], commanded: []),
        CommandableCase(zones: ["gucheng"], commandZones: [], commanded: []),
    ])
    func theCommandCarriesThePartInsideCommandZones(_ c: CommandableCase) {
        #expect(CommandDelivery.commandable(c.zones, commandZones: c.commandZones, tree: fleetTree) == c.commanded)
    }

    @Test func onlyZonesInsideCommandZonesAreCommanded() {
        #expect(CommandDelivery.commandable(["yulong", "dali"], commandZones: ["lijiang", "dali"], tree: fleetTree) == ["yulong", "dali"])
    }

    @Test func theUnitsAwaitedAreThoseKnownInsideTheZonesExceptTheCommander() {
        let units = ["office": ["gucheng"], "truck-1": ["xianghe"], "truck-2": ["yulong"], "hall": ["gucheng", "dali"],
                     "stranger": ["atlantis"]]
        #expect(CommandDelivery.awaited(zones: ["gucheng"], units: units, except: "office", tree: fleetTree) == ["truck-1", "hall"])
        #expect(CommandDelivery.awaited(zones: ["lijiang"], units: units, except: "office", tree: fleetTree)
                == ["truck-1", "truck-2", "hall"])
        // A unit in the parent zone is not below the target: a command for xianghe does not reach it.
        #expect(CommandDelivery.awaited(zones: ["xianghe"], units: units, except: "office", tree: fleetTree) == ["truck-1"])
    }

    @Test(arguments: [
        (Set<String>(), Set<String>(), false),      // nobody known yet: kept until it expires
        (["a", "b"], ["a"], false),
        (["a", "b"], ["a", "b"], true),
        (["a"], ["a", "c"], true),                  // a unit that moved in later answered too
    ] as [(Set<String>, Set<String>, Bool)])
    func aCommandIsDoneWhenEveryAwaitedUnitAnswered(_ awaited: Set<String>, _ answered: Set<String>, _ done: Bool) {
        #expect(CommandDelivery.isComplete(awaited: awaited, answered: answered) == done)
    }
}

@Suite struct LibraryRecordingTests {
    static let audio = Array("RIFF....WAVEfmt not really audio, only bytes to sign".utf8)

    static func info(_ message: String = "masks", _ language: String = "naxi", format: String = "wav", at t: Instant = t0,
                     zones: [String] = ["lijiang"], audio: [UInt8] = audio) -> LibraryRecordingInfo {
        LibraryRecordingInfo(message: message, language: language, format: format, audio: audio, issuer: "office", issuedAt: t,
                             zones: zones, title: "Masks")
    }

    static func recording(_ message: String = "masks", _ language: String = "naxi", format: String = "wav",
                          at t: Instant = t0, zones: [String] = ["lijiang"], by key: FleetSigningKey = countyKey,
                          audio: [UInt8] = audio) -> SignedRecording {
        SignedRecording(signing: info(message, language, format: format, at: t, zones: zones, audio: audio), audio: audio, with: key)
    }

    static func signed(_ info: LibraryRecordingInfo, by key: FleetSigningKey = countyKey) -> SignedRecording {
        SignedRecording(signing: info, audio: audio, with: key)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        /// The key whose topic it came on; default the county's.
        var topicKey: String = countyKey.id
        var current: Int64?
        var refusal: FleetRefusalCode?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a signed recording the unit lacks", bytes: recording().bytes),
        Case(name: "a newer version", bytes: recording(at: t0 + .seconds(60)).bytes, current: t0.microseconds / 1000),
        Case(name: "the version kept", bytes: recording().bytes, current: t0.microseconds / 1000, refusal: .duplicate),
        Case(name: "an older version", bytes: recording(at: t0 - .seconds(60)).bytes, current: t0.microseconds / 1000,
             refusal: .duplicate),
        Case(name: "the township's key for its township", bytes: recording(zones: ["gucheng"], by: townshipKey).bytes,
             topicKey: townshipKey.id),
        Case(name: "the township's key for a compound of its township",
             bytes: recording(zones: ["xianghe"], by: townshipKey).bytes, topicKey: townshipKey.id),
        Case(name: "the township's key for the county", bytes: recording(zones: ["lijiang"], by: townshipKey).bytes,
             topicKey: townshipKey.id, refusal: .outOfScope),
        Case(name: "the township's key for its township and a neighbour",
             bytes: recording(zones: ["gucheng", "yulong"], by: townshipKey).bytes, topicKey: townshipKey.id, refusal: .outOfScope),
        Case(name: "a zone this unit does not know", bytes: recording(zones: ["atlantis"]).bytes, refusal: .unknownZone),
        Case(name: "no zones", bytes: recording(zones: []).bytes, refusal: .malformed),
        Case(name: "a version that is not its issued_at (the Int64.max take-over)", bytes: {
            var i = info(zones: ["gucheng"])
            i.version = Int64.max
            return signed(i, by: townshipKey).bytes
        }(), topicKey: townshipKey.id, refusal: .malformed),
        Case(name: "no title", bytes: {
            var i = info()
            i.title = nil
            return signed(i).bytes
        }(), refusal: .malformed),
        Case(name: "signed by the township, published on the county's topic",
             bytes: recording(zones: ["gucheng"], by: townshipKey).bytes, refusal: .malformed),
        Case(name: "a recording of the layout before keys had topics (envelope v1)", bytes: {
            var r = recording()
            r.v = 1
            return r.bytes
        }(), refusal: .malformed),
        Case(name: "not JSON", bytes: audio, refusal: .malformed),
        Case(name: "a revoked key's recording (issue 25)", bytes: recording(by: revokedKey).bytes, topicKey: revokedKey.id,
             refusal: .revoked),
        Case(name: "a recording naming the issuer its key is bound to", bytes: {
            var i = info(zones: ["gucheng"])
            i.issuer = "gucheng-office"
            return signed(i, by: boundKey).bytes
        }(), topicKey: boundKey.id),
        Case(name: "a recording naming another issuer than its key's (issue 25)",
             bytes: recording(zones: ["gucheng"], by: boundKey).bytes, topicKey: boundKey.id, refusal: .wrongIssuer),
        Case(name: "an unknown key", bytes: recording(by: strangerKey).bytes, topicKey: strangerKey.id, refusal: .untrusted),
        Case(name: "audio changed after signing", bytes: {
            var r = recording()
            r.audio = Data(Array("other bytes".utf8))
            return r.bytes
        }(), refusal: .badDigest),
        Case(name: "a description changed after signing", bytes: {
            var r = recording()
            r.payload = recording("handwash").payload
            return r.bytes
        }(), refusal: .badSignature),
        Case(name: "published on another recording's topic", bytes: recording("handwash").bytes, refusal: .malformed),
        Case(name: "a format units cannot keep", bytes: recording(format: "m4a").bytes, refusal: .malformed),
        Case(name: "a path in the format", bytes: recording(format: "../../etc/x").bytes, refusal: .malformed),
    ]

    @Test(arguments: cases)
    func aUnitKeepsOnlyANewerSignedRecordingForZonesItsKeyIsTrustedFor(_ c: Case) {
        let verdict = RecordingVerifier.verify(c.bytes, topicKey: c.topicKey, message: "masks", language: "naxi", trust: fleetTrust,
                                               tree: fleetTree, currentVersion: c.current)
        switch verdict {
        case .accepted(let info, let audio, let key):
            #expect(c.refusal == nil, "accepted")
            #expect(audio == Self.audio && key == c.topicKey && info.sha256 == LibraryRecordingInfo.digest(Self.audio))
        case .refused(let refusal):
            #expect(refusal.code == c.refusal, "\(refusal)")
        }
    }
}
