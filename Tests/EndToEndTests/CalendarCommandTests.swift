import Foundation
import Testing

@Suite struct CalendarCommandTests {
    @Test func printsTheNextInstantsAndNothingElse() throws {
        let result = try Binaries.run("laba", ["calendar", "Mon..Fri 07:30", "--base-time", "2026-11-29 08:00",
                                               "--iterations", "3", "--timezone", "Asia/Shanghai"])
        #expect(result.status == 0)
        #expect(result.stdout == "2026-11-30T07:30:00+08:00\n2026-12-01T07:30:00+08:00\n2026-12-02T07:30:00+08:00\n")
        #expect(result.stderr.isEmpty)
    }

    @Test func severalExpressionsAreSeparatedByAnEmptyLine() throws {
        let result = try Binaries.run("laba", ["calendar", "daily", "*:*:0/7.5", "--base-time", "@1796342400",
                                               "--iterations", "2", "--timezone", "UTC"])
        #expect(result.stdout == "2026-12-05T00:00:00+00:00\n2026-12-06T00:00:00+00:00\n\n"
                + "2026-12-04T00:00:07.5+00:00\n2026-12-04T00:00:15+00:00\n")
    }

    @Test func invalidExpressionFailsWithTheReasonOnStandardError() throws {
        let result = try Binaries.run("laba", ["calendar", "Mon..Fri 25:30"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "laba: invalid calendar expression 'Mon..Fri 25:30': hour 25 is out of range 0..23\n")
    }

    @Test func badBaseTimeIsBadUsage() throws {
        let result = try Binaries.run("laba", ["calendar", "daily", "--base-time", "next tuesday"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("bad time 'next tuesday'"))
    }
}

@Suite struct NextCommandTests {
    @Test func listsTheNextBroadcastsOfTheLijiangExample() throws {
        let result = try Binaries.run("laba", ["next", "--config", Binaries.repo("Config/lijiang.yaml"), "--count", "20",
                                               "--from", "2026-11-30 07:00"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 21)
        #expect(rows[0] == ["TIME", "OUTPUT", "ZONE", "MESSAGE", "LANGUAGES", "NOTE"])
        #expect(rows[1] == ["2026-11-30T08:00:00+08:00", "xianghe-square", "taihe", "masks", "naxi,mandarin"])
        #expect(rows.contains(["2026-11-30T08:00:00+08:00", "truck-1", "yongning", "masks", "mosuo,pumi,mandarin"]))
        #expect(rows.contains(["2026-11-30T10:30:00+08:00", "xianghe-square", "taihe", "handwash", "naxi,mandarin", "×2"]))
    }

    @Test func jsonIsAnArrayOfBroadcasts() throws {
        let result = try Binaries.run("laba", ["next", "--config", Binaries.repo("Config/lijiang.yaml"), "--count", "3",
                                               "--output", "truck-1", "--from", "2026-11-30 07:00", "--json"])
        #expect(result.status == 0)
        let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        #expect(array?.count == 3)
        #expect(array?.allSatisfy { $0["output"] as? String == "truck-1" } == true)
        #expect(array?.first?["languages"] as? [String] == ["mosuo", "pumi", "mandarin"])
    }

    @Test func unknownZoneIsBadUsage() throws {
        let result = try Binaries.run("laba", ["next", "--config", Binaries.repo("Config/lijiang.yaml"), "--zone", "paris"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown zone 'paris'"))
    }
}
