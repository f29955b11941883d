// Coverage end to end (SPEC 16): a commander and a unit through a real mosquitto; the unit's
// record carries its segments; `laba coverage` on the commander in table, CSV, JSON and xlsx, and
// the console's page and its spreadsheet.

import Foundation
import LabaControl
import LabaCore
import LabaFleet
import LabaStore
import LabaTestSupport
import Testing

@Suite struct FleetCoverageTests {
    @Test func theCommanderShowsWhichZonesPlayedAMessageInWhichLanguages() async throws {
        let fleet = try await blocking { try FleetFixture() }
        let port = try ConsoleTests.freePort()
        // The office's console, in Chinese, with a clerk's account.
        let office = try await fleet.start("office", zone: "county", commander: true) { yaml, daemon in
            try FileManager.default.createDirectory(atPath: daemon.dir + "/state", withIntermediateDirectories: true)
            let added = try Binaries.run("laba", ["user", "add", "zhao", "--role", "viewer", "--password-stdin"],
                                         environment: daemon.environment, stdin: "correct horse\n")
            guard added.status == 0 else { throw BrokerError(description: "laba user add: \(added.stderr)") }
            return yaml + "\nconsole: {listen: \"127.0.0.1:\(port)\", language: zh-Hans}\n"
        }
        let east = try await fleet.start("east-1", zone: "east")
        defer { _ = east.terminate() }
        #expect(await office.waitUntilOnline(["east-1"]))

        // Aimed at east (its unit plays naxi) and west (no unit there: nothing plays).
        let play = try await office.laba(["play", "notice", "--zone", "east", "--zone", "west"])
        #expect(play.status == 0, "\(play.stderr)")
        #expect(await office.waitForStore { try $0.fleetRecords(unit: "east-1", BroadcastFilter()).count == 1 })

        // The unit's record carries each segment's planned and played frames.
        let history = try await office.laba(["history", "--fleet", "--json"])
        let list = try JSONDecoder().decode(BroadcastList.self, from: Data(history.stdout.utf8))
        let record = try #require(list.broadcasts.first { $0.unit == "east-1" })
        let segment = try #require(record.segments?.first, "\(history.stdout)")
        #expect(segment.label == "naxi" && segment.pass == 0 && segment.ended && segment.zone == "east")
        let planned = try #require(segment.plannedFrames)
        #expect(planned > 0 && Double(segment.playedFrames) >= 0.9 * Double(planned), "\(segment)")
        #expect(record.languages.played == ["naxi"])

        // JSON: west (missing) first, then east, played on east-1.
        let json = try await office.laba(["coverage", "notice", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let coverage = try JSONDecoder().decode(CoverageJSON.self, from: Data(json.stdout.utf8))
        #expect(coverage.zones.map(\.zone) == ["west", "east"], "\(json.stdout)")
        #expect(coverage.records == 1)
        let west = try #require(coverage.zones.first)
        #expect(west.entries.map(\.label) == ["yi"] && west.entries.first?.state == .known(.missing))
        let naxi = try #require(coverage.zones.last?.entries.first)
        #expect(naxi.label == "naxi" && naxi.state == .known(.played) && naxi.unit == "east-1" && naxi.output == "square")
        #expect((naxi.fraction ?? 0) >= 0.9 && naxi.at != nil)
        // No monitor: "heard" is not said at all.
        #expect(!json.stdout.contains("heard"))

        // CSV: the API's names, one line per zone and language.
        let csv = try await office.laba(["coverage", "notice", "--format", "csv"])
        let lines = csv.stdout.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.first?.hasSuffix("zone,zone_name,aimed,label,kind,state,fraction,unit,output,record,at,lat,lon") == true,
                "\(csv.stdout)")
        #expect(lines.dropFirst().first?.hasPrefix("west,west,true,yi,language,missing,,") == true, "\(csv.stdout)")
        #expect(lines.dropFirst(2).first?.hasPrefix("east,east,true,naxi,language,played,") == true, "\(csv.stdout)")
        #expect(lines.count == 3)

        // The table, in Chinese: the zone not played first.
        var environment = office.environment
        environment["LANG"] = "zh_CN.UTF-8"
        let table = try await blocking { try Binaries.run("laba", ["coverage", "notice"], environment: environment) }
        #expect(table.status == 0, "\(table.stderr)")
        let westLine = try #require(table.stdout.range(of: "未播"), "\(table.stdout)")
        let eastLine = try #require(table.stdout.range(of: "已播完"), "\(table.stdout)")
        #expect(westLine.lowerBound < eastLine.lowerBound)
        #expect(table.stdout.contains("east-1/square") && table.stdout.contains("1 个区域有语种未播"), "\(table.stdout)")

        // The spreadsheet, in Chinese, read back by openpyxl: the table's lines, the catalogue's
        // headers, where and when it played (a date cell).
        let sheetPath = office.dir + "/coverage.xlsx"
        let written = try await blocking {
            try Binaries.run("laba", ["coverage", "notice", "--format", "xlsx", "--to", sheetPath, "--config", office.configPath],
                             environment: environment)
        }
        #expect(written.status == 0, "\(written.stderr)")
        let sheet = try #require(try SpreadsheetTests.read(sheetPath).sheets.first)
        #expect(sheet.name == "覆盖情况")
        #expect(sheet.rows.first?.map { $0?.text ?? "" } == ["区域", "语种", "状态", "终端", "喇叭", "时间", "编号"], "\(sheet.rows)")
        #expect(sheet.rows.count == 3, "\(sheet.rows)")
        #expect(sheet.rows.dropFirst().first?.prefix(3).map { $0?.text } == ["west", "彝语", "未播"], "\(sheet.rows)")
        let eastRow = sheet.rows.count == 3 ? sheet.rows[2] : []
        #expect(eastRow.prefix(5).map { $0?.text } == ["east", "纳西语", "已播完", "east-1", "square"], "\(sheet.rows)")
        #expect(eastRow.count == 7 && eastRow[5]?.date != nil && eastRow[6]?.text == naxi.record, "\(eastRow)")
        // xlsx to a terminal or --to with another format: refused before asking the daemon.
        let wrongTo = try await office.laba(["coverage", "notice", "--format", "csv", "--to", sheetPath])
        #expect(wrongTo.status != 0)

        // One zone asked: only it.
        let only = try await office.laba(["coverage", "notice", "--zone", "east", "--json"])
        let east1 = try JSONDecoder().decode(CoverageJSON.self, from: Data(only.stdout.utf8))
        #expect(east1.zones.map(\.zone) == ["east"])
        // A period before the broadcast: no command, no record, so no zone.
        let before = try await office.laba(["coverage", "notice", "--until", "2020-01-01", "--json"])
        #expect(try JSONDecoder().decode(CoverageJSON.self, from: Data(before.stdout.utf8)).zones.isEmpty, "\(before.stdout)")
        // The console's coverage page, in Chinese: west not played first, east played on east-1.
        let login = try await blocking {
            try Binaries.run(executable: "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "name=zhao",
                                                           "--data-urlencode", "password=correct horse", "http://127.0.0.1:\(port)/login"])
        }
        let cookie = try #require(login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
            .dropFirst("set-cookie: ".count).split(separator: ";").first.map(String.init)
        let page = try await blocking {
            try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie ?? "")",
                                                           "http://127.0.0.1:\(port)/coverage?message=notice"])
        }
        #expect(page.stdout.contains("<h1>覆盖情况</h1>") && page.stdout.contains("1 个区域有语种未播"), "\(page.stdout)")
        let missing = try #require(page.stdout.range(of: "coverage-missing\" data-zone=\"west\""), "\(page.stdout)")
        let played = try #require(page.stdout.range(of: "coverage-played\" data-zone=\"east\""), "\(page.stdout)")
        #expect(missing.lowerBound < played.lowerBound)
        #expect(page.stdout.contains("east-1 · square") && page.stdout.contains("纳西语") && page.stdout.contains("彝语"))
        // The page's spreadsheet is the CLI's.
        let downloaded = office.dir + "/console-coverage.xlsx"
        let got = try await blocking {
            try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", downloaded, "-w", "%{http_code} %{content_type}",
                                                           "-H", "Cookie: \(cookie ?? "")",
                                                           "http://127.0.0.1:\(port)/coverage.xlsx?message=notice"])
        }
        #expect(got.stdout == "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "\(got.stdout)")
        let fromPage = try #require(try SpreadsheetTests.read(downloaded).sheets.first)
        #expect(fromPage.rows.map { $0.prefix(5).map { $0?.text } } == sheet.rows.map { $0.prefix(5).map { $0?.text } })
        #expect(page.stdout.contains("href=\"/coverage.xlsx?message=notice"), "\(page.stdout)")
        // Neither a message nor an alert: the clerk is told, in words.
        let neither = try await office.laba(["coverage"])
        #expect(neither.status != 0 && neither.stderr.contains("name a message or an alert"), "\(neither.stderr)")
    }
}
