import Foundation
import Testing
@testable import LabaCore

/// SPEC 4: a local time the clock skips fires at the first instant after the gap; a local time
/// shown twice fires once, at its first occurrence. (systemd skips both.)
@Suite struct DaylightSavingTests {
    /// For the forms that do not depend on "now".
    static let anyNow = Instant(seconds: 1_800_000_000)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var zone: String
        var expression: String
        var base: String
        var expected: [String]  // UTC instants
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "Berlin spring: 02:30 does not exist, fires at 03:00 CEST", zone: "Europe/Berlin",
              expression: "*-*-* 02:30", base: "2026-03-28T12:00:00Z",
              expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        .init(name: "Berlin spring: every quarter hour, the gap collapses to one firing", zone: "Europe/Berlin",
              expression: "*:0/15", base: "2026-03-29T00:50:00Z",
              expected: ["2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:30:00Z"]),
        .init(name: "Berlin autumn: 02:30 occurs twice, fires at the first", zone: "Europe/Berlin",
              expression: "*-*-* 02:30", base: "2026-10-24T12:00:00Z",
              expected: ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        .init(name: "Berlin autumn: every quarter hour through the repeated hour", zone: "Europe/Berlin",
              expression: "*:0/15", base: "2026-10-24T23:50:00Z",
              expected: ["2026-10-25T00:00:00Z", "2026-10-25T00:15:00Z", "2026-10-25T00:30:00Z", "2026-10-25T00:45:00Z",
                         "2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z"]),
        .init(name: "New York spring: 02:15 fires at 03:00 EDT", zone: "America/New_York",
              expression: "02:15", base: "2026-03-07T12:00:00Z",
              expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:15:00Z"]),
        .init(name: "New York autumn: 01:30 fires once, in EDT", zone: "America/New_York",
              expression: "01:30", base: "2026-10-31T12:00:00Z",
              expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        .init(name: "New York autumn: starting inside the second 01:xx, nothing repeats", zone: "America/New_York",
              expression: "*:0/20", base: "2026-11-01T06:10:00Z",
              expected: ["2026-11-01T07:00:00Z", "2026-11-01T07:20:00Z"]),
        .init(name: "New York: a zone named in the expression wins", zone: "UTC",
              expression: "01:30 America/New_York", base: "2026-10-31T12:00:00Z",
              expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
    ]

    @Test(arguments: cases)
    func firesAsSpecified(_ c: Case) throws {
        let spec = try CalendarSpec(parsing: c.expression)
        let zone = try #require(TimeZone(identifier: c.zone))
        var now = try TimeParsing.instant(c.base, in: zone, now: Self.anyNow)
        var got: [String] = []
        for _ in c.expected {
            guard let next = spec.next(after: now, in: zone) else { break }
            got.append(RFC3339.format(next, in: TimeZone(identifier: "UTC")!).replacingOccurrences(of: "+00:00", with: "Z"))
            now = next
        }
        #expect(got == c.expected)
    }

    @Test func localTimeArgumentsFollowTheSameRules() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        // 02:30 on the spring day does not exist: the first instant after the gap.
        #expect(try TimeParsing.instant("2026-03-29 02:30", in: berlin, now: Self.anyNow) == TimeParsing.instant("2026-03-29T03:00:00+02:00", in: berlin, now: Self.anyNow))
        // 02:30 on the autumn day exists twice: the first.
        #expect(try TimeParsing.instant("2026-10-25 02:30", in: berlin, now: Self.anyNow) == TimeParsing.instant("2026-10-25T02:30:00+02:00", in: berlin, now: Self.anyNow))
        #expect(try TimeParsing.instant("@1796342400", in: berlin, now: Self.anyNow) == Instant(seconds: 1_796_342_400))
        #expect(throws: CalendarError.self) { try TimeParsing.instant("the day after", in: berlin, now: Self.anyNow) }
        // Found by `make fuzz`: an epoch beyond Int64's microseconds trapped (and a query could carry it).
        #expect(throws: CalendarError.self) { try TimeParsing.instant("@13977163966666666666666", in: berlin, now: Self.anyNow) }
        #expect(throws: CalendarError.self) { try TimeParsing.instant("@-1e300", in: berlin, now: Self.anyNow) }
        // systemd's words, at local midnight; the day of the DST change has 23 hours.
        let now = try TimeParsing.instant("2026-03-29T15:00:00+02:00", in: berlin, now: Self.anyNow)
        #expect(try TimeParsing.instant("today", in: berlin, now: now) == TimeParsing.instant("2026-03-29T00:00:00+01:00", in: berlin, now: Self.anyNow))
        #expect(try TimeParsing.instant("yesterday", in: berlin, now: now) == TimeParsing.instant("2026-03-28T00:00:00+01:00", in: berlin, now: Self.anyNow))
        #expect(try TimeParsing.instant("tomorrow", in: berlin, now: now) == TimeParsing.instant("2026-03-30T00:00:00+02:00", in: berlin, now: Self.anyNow))
        #expect(try TimeParsing.instant("now", in: berlin, now: now) == now)
    }
}
