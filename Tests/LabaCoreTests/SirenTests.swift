import Foundation
import Testing
@testable import LabaCore

/// The civil-defence signals (SPEC 18): their names, their patterns, `sirens:`, and how admission,
/// the planner and the arbiter treat them.
@Suite struct SirenTests {
    struct NameCase: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: SirenKind?
        var reserved: Bool
        var testDescription: String { name }
    }

    static let names: [NameCase] = [
        .init(name: "siren:preliminary", kind: .preliminary, reserved: true),
        .init(name: "siren:air-raid", kind: .airRaid, reserved: true),
        .init(name: "siren:all-clear", kind: .allClear, reserved: true),
        .init(name: "siren:disaster", kind: .disaster, reserved: true),
        .init(name: "siren:airraid", kind: nil, reserved: true),
        .init(name: "siren:", kind: nil, reserved: true),
        .init(name: "Siren:air-raid", kind: nil, reserved: false),
        .init(name: "air-raid", kind: nil, reserved: false),
        .init(name: "siren", kind: nil, reserved: false),
    ]

    @Test(arguments: names)
    func aMessageNameIsASignalOnlyInItsReservedSpelling(_ c: NameCase) {
        #expect(SirenKind(messageName: c.name) == c.kind)
        #expect(SirenKind.isReserved(c.name) == c.reserved)
        #expect(MessageLibrary(directory: "/nowhere").has(message: c.name) == (c.kind != nil))
    }

    struct PatternCase: Sendable, CustomTestStringConvertible {
        var kind: SirenKind
        var soundings: Int
        var first: (Double, Double)
        var last: (Double, Double)
        var duration: Double
        var testDescription: String { kind.rawValue }
    }

    static let patterns: [PatternCase] = [
        .init(kind: .preliminary, soundings: 3, first: (0, 36), last: (120, 156), duration: 180),
        .init(kind: .airRaid, soundings: 15, first: (0, 6), last: (168, 174), duration: 180),
        .init(kind: .allClear, soundings: 1, first: (0, 180), last: (0, 180), duration: 180),
        .init(kind: .disaster, soundings: 6, first: (0, 15), last: (150, 165), duration: 180),
    ]

    @Test(arguments: patterns)
    func theNationalPatternsByDefault(_ c: PatternCase) {
        let pattern = SirensConfig().pattern(c.kind)
        let soundings = pattern.soundings
        #expect(soundings.count == c.soundings)
        #expect(soundings.first!.start == c.first.0 && soundings.first!.end == c.first.1)
        #expect(soundings.last!.start == c.last.0 && soundings.last!.end == c.last.1)
        #expect(pattern.duration == c.duration)
    }

    @Test func theSweepGoesLinearlyUpAndDownAndTheAllClearHolds() {
        let sweep = SirensConfig().pattern(.airRaid)
        let table: [(Double, Double)] = [(0, 600), (1, 900), (2, 1200), (3, 900), (4, 600), (5, 900), (6.5, 1050)]
        for (t, f) in table { #expect(abs(sweep.frequency(atSoundingTime: t) - f) < 1e-9, "t = \(t)") }
        let steady = SirensConfig().pattern(.allClear)
        for t in [0.0, 1, 2.5, 179.9] { #expect(steady.frequency(atSoundingTime: t) == 900) }
    }

    @Test func sirensAreConfiguredWithPositions() throws {
        let result = load("""
            sirens:
              low: 500
              high: 1000Hz
              sweep: 2s
              steady: 800
              priority: manual
              disaster:
                steps: [{on: 10s, off: 5s}, {on: 2s, off: 2s}]
                count: 3
            """)
        #expect(errorLines(result).isEmpty)
        let sirens = try #require(result.config?.sirens)
        #expect(sirens.lowValue == 500 && sirens.highValue == 1000 && sirens.sweepValue == .seconds(2) && sirens.steadyValue == 800)
        #expect(sirens.priorityValue == .manual)
        let disaster = sirens.pattern(.disaster)
        #expect(disaster.steps == [.init(on: 10, off: 5), .init(on: 2, off: 2)] && disaster.count == 3 && disaster.duration == 57)
        #expect(disaster.tone == .sweep(low: 500, high: 1000, period: 2))
        #expect(sirens.pattern(.allClear).tone == .steady(800))
        // Absent: the defaults, and emergency.
        #expect(try #require(load("zones: []").config).sirens.priorityValue == .emergency)
    }

    @Test func badSirenValuesAreNamedAtTheirPlace() {
        let result = load("""
            sirens:
              low: 1300
              sweep: 0s
              priority: scheduled
              tone: loud
              disaster:
                steps: [{off: 5s}]
                count: 0
            zones:
              - id: town
                schedule:
                  - {message: "siren:airraid", at: "08:00"}
            """)
        #expect(errorLines(result) == [
            "2:8 sirens.low (1300.0 Hz) must be below sirens.high (1200.0 Hz)",
            "3:10 sirens.sweep must be between 100ms and 60s, such as 4s; found '0'",
            "4:13 sirens.priority must be manual or emergency, found 'scheduled'",
            "5:3 unknown key 'tone' in sirens",
            "7:13 a step of sirens.disaster needs on (how long it sounds, such as 15s)",
            "8:12 sirens.disaster.count must be between 1 and 100, found 0",
            "12:19 unknown signal 'siren:airraid': the signals are siren:preliminary, siren:air-raid, siren:all-clear, "
                + "siren:disaster; did you mean 'siren:air-raid'?",
        ], "\(errorLines(result))")
    }

    static let yaml = PlannerTests.yaml + """

        sirens:
          disaster: {steps: [{on: 1s, off: 1s}], count: 2}
        """

    func context(_ yaml: String = Self.yaml, at time: String = "2026-12-02 10:00") throws -> Admission.Context {
        let config = try #require(load(yaml).config)
        var zones: [String: String] = [:]
        for output in config.outputs { zones[output.id.value] = output.zone.value }
        let now = try TimeParsing.instant(time, in: config.timeZone, now: Instant(seconds: 0))
        return Admission.Context(config: config, tree: ZoneTree(config), library: PlannerTests.library(), outputZones: zones,
                                 waiting: [:], now: now)
    }

    @Test func aSignalIsAnEmergencyWithoutChimeOrLanguagesWhoeverAsks() throws {
        let context = try context()
        let admission = try Admission.admit(AdmissionRequest(content: .message("siren:air-raid"), target: .all, languages: ["naxi"]),
                                            in: context)
        #expect(admission.admitted.map(\.output) == ["square", "van"])
        for b in admission.admitted {
            #expect(b.priority == .emergency && b.source == .emergency && b.deadline == nil)
            #expect(b.chime == nil && b.choice == LanguageChoice(languages: [], missing: [], neutral: true))
            #expect(b.message == "siren:air-raid")
        }
        // Emergencies play in quiet hours: so does a signal.
        let night = try self.context(at: "2026-12-02 23:30")
        #expect(try Admission.admit(AdmissionRequest(content: .message("siren:all-clear"), target: .all), in: night).admitted.count == 2)
        // Configured lower, it is a manual broadcast: quiet hours refuse it.
        let manual = try self.context(Self.yaml + "\n  priority: manual", at: "2026-12-02 23:30")
        #expect(throws: Refusal.self) {
            try Admission.admit(AdmissionRequest(content: .message("siren:all-clear"), target: .all, priority: .emergency), in: manual)
        }
        let day = try self.context(Self.yaml + "\n  priority: manual")
        let lower = try Admission.admit(AdmissionRequest(content: .message("siren:all-clear"), target: .all, priority: .emergency),
                                        in: day)
        #expect(lower.admitted.allSatisfy { $0.priority == .manual && $0.source == .manual })
    }

    @Test func reservedNamesAreRefusedForAnythingElse() throws {
        let context = try context()
        for (request, code) in [
            (AdmissionRequest(content: .message("siren:airraid"), target: .all), Refusal.Code.unknownMessage),
            (AdmissionRequest(content: .recording(path: "/tmp/x.wav", name: "siren:air-raid"), target: .all), .reservedName),
        ] {
            #expect(throws: Refusal.self) { try Admission.admit(request, in: context) }
            do { _ = try Admission.admit(request, in: context) } catch { #expect(error.code == code) }
        }
    }

    @Test func aScheduledDrillPlansTheSignalAtItsPriority() throws {
        let config = try #require(load(Self.yaml.replacingOccurrences(of: "messages:\n", with: """
              - id: drills
                parent: county
                schedule:
                  - {message: "siren:preliminary", at: "2026-12-19 11:00"}
            messages:

            """)).config)
        var planner = Planner(config: config, library: PlannerTests.library())
        planner.outputZones["van"] = "drills"
        let after = try TimeParsing.instant("2026-12-19 10:59", in: config.timeZone, now: Instant(seconds: 0))
        let drill = try #require(planner.upcoming(after: after, count: 5, output: "van").first { $0.message.hasPrefix("siren:") })
        #expect(drill.priority == .emergency && drill.chime == nil && drill.neutral && drill.languages.isEmpty
                && drill.missingLanguages.isEmpty && drill.skip == nil)
        #expect(ConfigCheck(config: config, library: PlannerTests.library(), now: after).diagnostics.errors.isEmpty)
    }

    @Test func anAlertMappedToASignalSoundsIt() throws {
        let yaml = AlertTests.yaml.replacingOccurrences(of: "DRILLS", with: "false")
            .replacingOccurrences(of: "{event: 暴雨, message: rain}", with: "{event: 空袭, message: \"siren:air-raid\", priority: manual}")
        let loaded = load(yaml)
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        let config = try #require(loaded.config)
        #expect(PlacesValidator.alertMessages(config, library: AlertTests.library()).isEmpty)
        let now = try TimeParsing.instant(AlertTests.now, in: config.timeZone, now: Instant(seconds: 0))
        let alert = try CAPAlert(xml: Data(AlertTests.cap(infos: [AlertTests.info(event: "空袭", area: AlertTests.southHalf)]).utf8))
        let plan = AlertPlanner.plan(alert, config: config, map: ZoneMap(config), library: AlertTests.library(), now: now)
        #expect(plan.reason == nil && plan.notes.isEmpty, "\(plan.notes)")
        #expect(plan.requests.map(\.content) == [.message("siren:air-raid"), .message("siren:air-raid")])
        var zones: [String: String] = [:]
        for output in config.outputs { zones[output.id.value] = output.zone.value }
        let context = Admission.Context(config: config, tree: ZoneTree(config), library: AlertTests.library(), outputZones: zones,
                                        waiting: [:], now: now)
        // The mapping's priority gives way to the signals' (emergency): a signal is not a notice.
        for request in plan.requests {
            let admitted = try Admission.admit(request, in: context).admitted
            #expect(admitted.allSatisfy { $0.priority == .emergency && $0.source == .alert && $0.choice == Rules.sirenChoice })
        }
    }

    @Test func aCutSignalDoesNotResume() {
        var arbiter = Arbiter()
        let t = Instant(seconds: 0)
        let siren = ArbiterItem(id: "s", priority: .manual, plannedAt: t, deadline: t + .seconds(3600), resumes: false)
        #expect(arbiter.handle(.enqueue(siren), now: t) == [.start(id: "s", segment: 0)])
        #expect(arbiter.handle(.enqueue(item("e", .emergency, deadline: nil)), now: t) == [.fadeStop(id: "s")])
        #expect(arbiter.handle(.cancelled(id: "s", segment: 0), now: t) == [
            .record(id: "s", outcome: .preempted, reason: RecordReason(.interruptedSignal, ["by": "e"])),
            .start(id: "e", segment: 0),
        ])
        #expect(arbiter.handle(.completed(id: "e"), now: t) == [.record(id: "e", outcome: .completed, reason: nil)])
        #expect(arbiter.queue.isEmpty && arbiter.playing == nil)
        // An equal emergency does not cut a signal; a stop ends it as stopped.
        let alarm = ArbiterItem(id: "a", priority: .emergency, plannedAt: t, deadline: nil, resumes: false)
        #expect(arbiter.handle(.enqueue(alarm), now: t) == [.start(id: "a", segment: 0)])
        #expect(arbiter.handle(.enqueue(item("e2", .emergency, deadline: nil)), now: t) == [])
        #expect(arbiter.handle(.stop(clear: false), now: t) == [.fadeStop(id: "a")])
        #expect(arbiter.handle(.cancelled(id: "a", segment: 0), now: t) == [
            .record(id: "a", outcome: .stopped, reason: nil), .start(id: "e2", segment: 0),
        ])
    }
}
