import Foundation
import Testing
@testable import LabaCore

@Suite struct ConfigValuesTests {
    @Test func timeLikeStringsKeepTheirSpelling() throws {
        let result = load("""
            zones:
              - id: t
                quiet_hours: 22:00-07:00
                schedule:
                  - message: no
                    at: 08:00
                  - message: yes
                    at: "Mon..Fri 10:30"
            """)
        let zone = try #require(result.config?.zones.first)
        #expect(zone.schedule.map { $0.at.map(\.value) } == [["08:00"], ["Mon..Fri 10:30"]])
        #expect(zone.schedule.map(\.message.value) == ["no", "yes"])
        #expect(zone.settings.quietHours?.value == QuietHours(start: 22 * 60, end: 7 * 60))
        #expect(zone.schedule[0].id == "t#no-e7317da5")
        #expect(zone.schedule[1].at[0].location.line == 8 && zone.schedule[1].at[0].location.column == 13)
    }

    @Test func unicodeNamesAndColumns() throws {
        // Chinese, Yi syllables and Lisu (Fraser) letters; columns count characters.
        let result = load("""
            zones:
              - {id: gucheng, name: 古城区, parent: lijiang}
              - {id: lijiang, name: "ꆈꌠ ꉙ", colour: x}
              - {id: lisu, name: ꓡꓲ-ꓢꓴ}
            """)
        let config = try #require(result.config)
        #expect(config.zones.map(\.name) == ["古城区", "ꆈꌠ ꉙ", "ꓡꓲ-ꓢꓴ"])
        #expect(errorLines(result) == ["3:33 unknown key 'colour' in a zone"])
    }

    @Test func fullExampleDecodes() throws {
        let result = load("""
            timezone: Asia/Shanghai
            audio_dir: ../Audio
            languages:
              - {id: tibetan, name: 藏语, code: bod}
              - hani
            defaults:
              languages: [mandarin]
              gap: 1.5s
              chime: chime
              loudness_lufs: off
              volume_db: -2.5
            outputs:
              - {id: truck-1, device: "plughw:CARD=Device,DEV=0", zone: t, volume_db: -3, rate: 48000, channels: 2}
            zones:
              - id: t
                chime: none
                quiet_hours: ~
                schedule:
                  - message: handwash
                    at: "Mon..Fri 10:30"
                    repeat: 2
                    from: 2020-02-01
                    until: 2020-03-31
                    catch_up: 15min
                    max_delay: 10min
                    languages: naxi
                    every: 5d
            messages:
              - {id: masks, title: 请戴口罩, valid_from: 2020-01-01, valid_until: 2020-06-30}
            control:
              group: audio
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.timeZone.identifier == "Asia/Shanghai")
        #expect(config.audioDirectory == "/Audio")
        #expect(config.languages.suffix(2).map(\.id) == ["tibetan", "hani"])
        #expect(config.language("tibetan")?.name == "藏语")
        #expect(config.defaults.gap?.value == .milliseconds(1500))
        #expect(config.defaults.loudness?.value == .off)
        #expect(config.defaults.volumeDB?.value == -2.5)
        let output = try #require(config.outputs.first)
        #expect(output.device.value == "plughw:CARD=Device,DEV=0")
        #expect(output.rate?.value == 48000 && output.channels?.value == 2 && output.volumeDB?.value == -3)
        let zone = try #require(config.zones.first)
        #expect(zone.settings.chime?.value == .some(nil))
        #expect(zone.settings.quietHours?.value == .some(nil))
        let entry = try #require(zone.schedule.first)
        #expect(entry.repeats == 2)
        #expect(entry.from?.value == LocalDate(year: 2020, month: 2, day: 1))
        #expect(entry.until?.value == LocalDate(year: 2020, month: 3, day: 31))
        #expect(entry.catchUpWindow == .seconds(900))
        #expect(entry.deadlineDelay == .seconds(600))
        #expect(entry.languages?.value.map(\.value) == ["naxi"])
        #expect(entry.everyDays?.value == 5)
        #expect(config.messages.first?.validUntil?.value == LocalDate(year: 2020, month: 6, day: 30))
        #expect(config.control.groupName == "audio")
    }

    @Test func relativeAudioDirResolvesAgainstTheFile() throws {
        let result = ConfigLoader.parse(yaml: "audio_dir: sounds/../audio\n", file: "/etc/laba/laba.yaml", directory: "/etc/laba")
        #expect(result.config?.audioDirectory == "/etc/laba/audio")
        #expect(load("timezone: UTC\n").config?.audioDirectory == ConfigLoader.defaultAudioDirectory)
    }

    @Test(arguments: [
        ("a", true), ("a1", true), ("truck-1", true), ("market_day", true), ("0zone", true),
        ("", false), ("-a", false), ("_a", false), ("A", false), ("a b", false), ("古城", false), ("a.b", false),
    ])
    func ids(_ text: String, _ valid: Bool) {
        #expect(NodeReader.isValidID(text) == valid)
    }

    @Test(arguments: [
        ("22:00-07:00", 1320, 420), ("07:30 - 08:00", 450, 480), ("0:00-24:00", 0, 1440),
    ])
    func quietHours(_ text: String, _ start: Int, _ end: Int) {
        #expect(QuietHours(parsing: text) == QuietHours(start: start, end: end))
    }

    @Test func quietHoursWrapPastMidnight() throws {
        let q = try #require(QuietHours(parsing: "22:00-07:00"))
        #expect(q.contains(minuteOfDay: 23 * 60) && q.contains(minuteOfDay: 0) && q.contains(minuteOfDay: 6 * 60 + 59))
        #expect(!q.contains(minuteOfDay: 7 * 60) && !q.contains(minuteOfDay: 12 * 60) && !q.contains(minuteOfDay: 21 * 60 + 59))
        #expect(q.length == 9 * 60)
        #expect(QuietHours(parsing: "25:00-07:00") == nil && QuietHours(parsing: "07:00-07:00") == nil)
    }

    @Test func dayNumbersRoundTrip() {
        for n in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(LocalDate(dayNumber: n).dayNumber == n)
        }
        #expect(LocalDate(year: 1970, month: 1, day: 1).dayNumber == 0)
        #expect(LocalDate(year: 2026, month: 11, day: 29).weekday == 6)  // a Sunday
        #expect(LocalDate(year: 2000, month: 2, day: 29).weekday == 1)   // a Tuesday
    }
}

@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("500ms", 500_000), ("1.5s", 1_500_000), ("15min", 900_000_000), ("2h 30min", 9_000_000_000),
        ("2h30min", 9_000_000_000), ("5d", 432_000_000_000), ("1w", 604_800_000_000), ("10", 10_000_000),
        ("1 sec", 1_000_000), ("3 hours", 10_800_000_000), ("1M", 2_629_800_000_000), ("1y", 31_557_600_000_000),
        ("20us", 20), ("20µs", 20), (".5s", 500_000), ("1m", 60_000_000), ("0", 0), (" 1s ", 1_000_000),
    ] as [(String, Int64)])
    func parses(_ text: String, _ microseconds: Int64) throws {
        #expect(try TimeSpan(parsing: text).microseconds == microseconds)
    }

    @Test(arguments: [
        ("", TimeSpan.ParseError.empty), ("  ", .empty), ("ms", .expectedNumber("ms")), ("5 apples", .unknownUnit("apples")),
        ("1h 2 parsecs", .unknownUnit("parsecs")), ("-5s", .expectedNumber("-5s")), ("1e3s", .unknownUnit("e")),
        ("99999999999999999999s", .tooLarge),
    ])
    func refuses(_ text: String, _ error: TimeSpan.ParseError) {
        #expect(throws: error) { try TimeSpan(parsing: text) }
    }

    @Test(arguments: ["2h 30min", "1s 500ms", "5d", "1w 1d", "0", "20us"])
    func printsWhatItParses(_ text: String) throws {
        #expect(try TimeSpan(parsing: text).description == text)
    }
}
