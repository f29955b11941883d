import Foundation
import Testing
@testable import LabaCore

@Suite struct PlannerTests {
    static let yaml = """
        timezone: Asia/Shanghai
        defaults:
          languages: [mandarin]
          chime: chime
        outputs:
          - {id: square, device: hw, zone: old-town}
          - {id: van, device: hw2, zone: hillside}
        zones:
          - id: county
            quiet_hours: "22:00-07:00"
            schedule:
              - {message: masks, at: ["06:30", "08:00", "23:00"]}
          - id: old-town
            parent: county
            languages: [naxi, mandarin]
            schedule:
              - {message: handwash, at: "Mon..Fri 10:30", repeat: 2, max_delay: 5min, catch_up: 15min}
          - id: hillside
            parent: county
            languages: [yi, lisu, mandarin]
            schedule:
              - {message: market, at: "07:30", every: 5d, from: 2026-11-27, until: 2026-12-31}
              - {message: old-news, at: "12:00"}
        messages:
          - {id: old-news, valid_until: 2026-11-01}
        """

    static func library() -> MessageLibrary {
        var library = MessageLibrary(directory: "/audio")
        let format = AudioFormat(format: "FLAC", sampleRate: 16000, channels: 1, frames: 16000)
        for (message, languages) in [("masks", ["naxi", "yi", "mandarin"]), ("handwash", ["naxi", "mandarin"]),
                                     ("market", ["yi"]), ("old-news", ["mandarin"]), ("chime", ["neutral"])] {
            for language in languages {
                library.add(Recording(message: message, language: language, path: "/audio/\(message)/\(language).flac",
                                      audio: format))
            }
        }
        return library
    }

    func planner() throws -> Planner {
        let loaded = load(Self.yaml)
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        return Planner(config: try #require(loaded.config), library: Self.library())
    }

    func at(_ text: String) throws -> Instant {
        try TimeParsing.instant(text, in: TimeZone(identifier: "Asia/Shanghai")!, now: Instant(seconds: 0))
    }

    func line(_ b: PlannedBroadcast) -> String {
        var text = RFC3339.format(b.time, in: TimeZone(identifier: "Asia/Shanghai")!) + " \(b.output) \(b.message) "
            + b.languages.joined(separator: ",")
        if !b.missingLanguages.isEmpty { text += " -" + b.missingLanguages.joined(separator: ",") }
        if let skip = b.skip { text += " [\(skip)]" }
        return text
    }

    /// Monday 2026-11-30 in Asia/Shanghai: inheritance, languages, quiet hours, validity, every-N-days.
    @Test func aDayOfBroadcasts() throws {
        let plan = try planner().occurrences(after: at("2026-11-30 00:00"), through: at("2026-11-30 23:59"))
        #expect(plan.map(line) == [
            "2026-11-30T06:30:00+08:00 square masks naxi,mandarin [quiet hours 22:00-07:00]",
            "2026-11-30T06:30:00+08:00 van masks yi,mandarin -lisu [quiet hours 22:00-07:00]",
            "2026-11-30T08:00:00+08:00 square masks naxi,mandarin",
            "2026-11-30T08:00:00+08:00 van masks yi,mandarin -lisu",
            "2026-11-30T10:30:00+08:00 square handwash naxi,mandarin",
            "2026-11-30T12:00:00+08:00 van old-news mandarin -yi,lisu [message expired on 2026-11-01]",
            "2026-11-30T23:00:00+08:00 square masks naxi,mandarin [quiet hours 22:00-07:00]",
            "2026-11-30T23:00:00+08:00 van masks yi,mandarin -lisu [quiet hours 22:00-07:00]",
        ])
        let handwash = try #require(plan.first { $0.message == "handwash" })
        #expect(handwash.repeatCount == 2 && handwash.chime == "chime" && handwash.entry.hasPrefix("old-town#handwash-"))
        #expect(handwash.deadline == (try at("2026-11-30 10:35")) && handwash.catchUp == .seconds(900))
    }

    @Test func everyFifthDayFromItsFirstDayUntilItsLast() throws {
        let plan = try planner().broadcasts(after: at("2026-11-01 00:00"), output: "van").lazy
            .filter { $0.message == "market" }.prefix(20).map { RFC3339.format($0.time, in: TimeZone(identifier: "Asia/Shanghai")!) }
        #expect(Array(plan) == [
            "2026-11-27T07:30:00+08:00", "2026-12-02T07:30:00+08:00", "2026-12-07T07:30:00+08:00",
            "2026-12-12T07:30:00+08:00", "2026-12-17T07:30:00+08:00", "2026-12-22T07:30:00+08:00",
            "2026-12-27T07:30:00+08:00",
        ])
    }

    @Test func filtersByZoneAndOutputAndFollowsMovedOutputs() throws {
        var planner = try planner()
        let start = try at("2026-11-30 07:59")
        #expect(planner.upcoming(after: start, count: 3, zone: "old-town").map(\.output) == ["square", "square", "square"])
        #expect(planner.upcoming(after: start, count: 3, output: "van").allSatisfy { $0.output == "van" })
        #expect(planner.upcoming(after: start, count: 2, zone: "county").map(\.output) == ["square", "van"])
        // The van drives into the old town: it now plays the old town's schedule in its languages.
        planner.outputZones["van"] = "old-town"
        let van = planner.upcoming(after: start, count: 2, output: "van")
        #expect(van.map(\.message) == ["masks", "handwash"])
        #expect(van.map(\.languages) == [["naxi", "mandarin"], ["naxi", "mandarin"]])
    }

    @Test func aHundredThousandBroadcastsArePlannedLazily() throws {
        let planner = try planner()
        let plan = planner.upcoming(after: try at("2026-11-30 00:00"), count: 100_000)
        #expect(plan.count == 100_000)
        #expect(zip(plan, plan.dropFirst()).allSatisfy { $0.time <= $1.time })
    }

    @Test func checkWarnsAboutEntriesThatNeverFireOrAlwaysFallInQuietHours() throws {
        let result = load("""
            timezone: UTC
            outputs:
              - {id: o, device: hw, zone: town}
            zones:
              - id: town
                quiet_hours: "21:00-06:00"
                schedule:
                  - {message: masks, at: "2020-01-01 08:00"}
                  - {message: masks, at: "daily", until: 2021-01-01}
                  - {message: masks, at: "*-*-* 22,23:00"}
                  - {message: masks, at: "*-*-* 08:00,12:00,18:00"}
            """)
        var library = MessageLibrary(directory: "/a")
        library.add(Recording(message: "masks", language: "mandarin", path: "/a/masks/mandarin.wav",
                              audio: AudioFormat(format: "WAV", sampleRate: 8000, channels: 1, frames: 8000)))
        let errors = errorLines(result)
        #expect(errors == ["11:30 invalid calendar expression '*-*-* 08:00,12:00,18:00': unexpected ':00' after the time; "
                           + "for several times list the expressions (at: [\"08:00\", \"12:00\"]) or list the hours (08,12:00)"])
        let check = ConfigCheck(config: try #require(result.config), library: library, now: Instant(seconds: 1_800_000_000))
        let warnings = check.diagnostics.map { "\($0.location!.line):\($0.location!.column) \($0.message)" }
        #expect(warnings == [
            "8:30 this entry never fires after 2027-01-15T08:00:00+00:00",
            "9:30 this entry never fires after 2027-01-15T08:00:00+00:00 (its last day, 2021-01-01, has passed)",
            "10:30 this entry always falls in quiet hours (21:00-06:00) in zone town: it never plays there",
        ])
    }
}
