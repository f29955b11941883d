import Foundation
import Testing
@testable import LabaCore

/// Admission on fixed instants: every refusal, the per-output decisions, and what an admitted
/// broadcast carries (languages, neutral, chime, deadline).
@Suite struct AdmissionTests {
    static let yaml = PlannerTests.yaml.replacingOccurrences(of: "messages:\n", with: """
          - {id: nowhere, parent: county}
        messages:
          - {id: market, valid_from: 2026-12-10}

        """)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var request: AdmissionRequest
        var at = "2026-12-02 10:00"
        /// Waiting broadcasts per output.
        var waiting: [String: Int] = [:]
        /// The whole request refused with this code, or nil.
        var refused: Refusal.Code?
        /// Else: the outputs admitted and those refused, each with its code.
        var admitted: [String] = []
        var refusedOutputs: [String: Refusal.Code] = [:]

        var testDescription: String { name }
    }

    static func message(_ id: String, _ target: AdmissionRequest.Target, languages: [String]? = nil,
                        priority: Priority = .manual, repeatCount: Int = 1, within: TimeSpan? = nil,
                        force: Bool = false) -> AdmissionRequest {
        AdmissionRequest(content: .message(id), target: target, languages: languages, priority: priority,
                         repeatCount: repeatCount, within: within, force: force)
    }

    static let cases: [Case] = [
        Case(name: "a zone reaches the outputs below it", request: message("masks", .zones(["county"])),
             admitted: ["square", "van"]),
        Case(name: "all", request: message("masks", .all), admitted: ["square", "van"]),
        Case(name: "unknown message", request: message("mask", .zones(["county"])), refused: .unknownMessage),
        Case(name: "unknown zone", request: message("masks", .zones(["mars"])), refused: .unknownZone),
        Case(name: "unknown language", request: message("masks", .zones(["county"]), languages: ["klingon"]),
             refused: .unknownLanguage),
        Case(name: "a language twice", request: message("masks", .zones(["county"]), languages: ["naxi", "naxi"]),
             refused: .languageTwice),
        Case(name: "no languages", request: message("masks", .zones(["county"]), languages: []), refused: .noLanguages),
        Case(name: "repeat 0", request: message("masks", .zones(["county"]), repeatCount: 0), refused: .repeatOutOfRange),
        Case(name: "repeat 101", request: message("masks", .zones(["county"]), repeatCount: 101), refused: .repeatOutOfRange),
        Case(name: "within 0", request: message("masks", .zones(["county"]), within: .zero), refused: .withinNotPositive),
        Case(name: "expired", request: message("old-news", .zones(["county"])), refused: .expired),
        Case(name: "not yet valid", request: message("market", .zones(["hillside"])), refused: .notYetValid),
        Case(name: "no zones", request: message("masks", .zones([])), refused: .noTarget),
        Case(name: "a zone no output serves", request: message("masks", .zones(["nowhere"])), refused: .noOutput),
        Case(name: "quiet hours refuse a manual broadcast everywhere", request: message("masks", .zones(["county"])),
             at: "2026-12-02 23:00", refused: .quietHours),
        Case(name: "force plays in quiet hours", request: message("masks", .zones(["county"]), force: true),
             at: "2026-12-02 23:00", admitted: ["square", "van"]),
        Case(name: "an emergency plays in quiet hours", request: message("masks", .zones(["county"]), priority: .emergency),
             at: "2026-12-02 23:00", admitted: ["square", "van"]),
        Case(name: "a full queue refuses its output only", request: message("masks", .zones(["county"])),
             waiting: ["square": 100], admitted: ["van"], refusedOutputs: ["square": .queueFull]),
        Case(name: "an emergency is never refused for a full queue",
             request: message("masks", .zones(["county"]), priority: .emergency), waiting: ["square": 100, "van": 100],
             admitted: ["square", "van"]),
        Case(name: "languages a zone does not use refuse that zone only",
             request: message("masks", .zones(["county"]), languages: ["naxi"]),
             admitted: ["square"], refusedOutputs: ["van": .notSpoken]),
        Case(name: "no recording in the zone's languages", request: message("market", .zones(["old-town"])),
             at: "2026-12-11 10:00", refused: .noRecording),
    ]

    @Test(arguments: cases)
    func decides(_ c: Case) throws {
        let loaded = load(Self.yaml)
        let config = try #require(loaded.config)
        let tree = ZoneTree(config)
        let now = try TimeParsing.instant(c.at, in: config.timeZone, now: Instant(seconds: 0))
        var zones: [String: String] = [:]
        for output in config.outputs { zones[output.id.value] = output.zone.value }
        let context = Admission.Context(config: config, tree: tree, library: PlannerTests.library(), outputZones: zones,
                                        waiting: c.waiting, now: now)
        do {
            let admission = try Admission.admit(c.request, in: context)
            #expect(c.refused == nil, "admitted, expected \(c.refused.map(\.rawValue) ?? "")")
            #expect(admission.admitted.map(\.output) == c.admitted)
            #expect(Dictionary(uniqueKeysWithValues: admission.refused.map { ($0.output ?? "", $0.code) }) == c.refusedOutputs)
        } catch {
            #expect(error.code == c.refused, "\(error)")
        }
    }

    @Test func anAdmittedBroadcastCarriesItsChoices() throws {
        let config = try #require(load(Self.yaml).config)
        var zones: [String: String] = [:]
        for output in config.outputs { zones[output.id.value] = output.zone.value }
        let now = try TimeParsing.instant("2026-12-02 10:00", in: config.timeZone, now: Instant(seconds: 0))
        let context = Admission.Context(config: config, tree: ZoneTree(config), library: PlannerTests.library(),
                                        outputZones: zones, waiting: [:], now: now)
        let admission = try Admission.admit(Self.message("masks", .zones(["county"]), within: .seconds(600)), in: context)
        let square = try #require(admission.admitted.first)
        #expect(square.choice == LanguageChoice(languages: ["naxi", "mandarin"], missing: [], neutral: false))
        #expect(square.chime == "chime" && square.source == .manual && square.deadline == now + .seconds(600))
        let van = try #require(admission.admitted.last)
        // The van's zone speaks Lisu, which masks lacks: it plays the others and names the gap.
        #expect(van.choice == LanguageChoice(languages: ["yi", "mandarin"], missing: ["lisu"], neutral: false))
        let emergency = try Admission.admit(Self.message("masks", .all, priority: .emergency), in: context)
        #expect(emergency.admitted.allSatisfy { $0.deadline == nil && $0.source == .emergency })
        // A neutral recording plays where no language version exists.
        let chime = try Admission.admit(Self.message("chime", .all), in: context)
        #expect(chime.admitted.allSatisfy { $0.choice.languages.isEmpty && $0.choice.neutral })
    }
}
