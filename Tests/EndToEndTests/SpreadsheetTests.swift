import Foundation
import Testing

/// The county's record as a spreadsheet (issue 27): `laba history|report|schedule log --format xlsx`
/// read back by openpyxl (Debian's python3-openpyxl), a reader Laba did not write: Chinese headers,
/// names as the console shows them, local times as date cells, durations in seconds, counts.
@Suite(.serialized) struct SpreadsheetTests {
    struct Book: Decodable {
        struct SheetJSON: Decodable {
            var name: String
            var rows: [[Cell?]]
        }

        var sheets: [SheetJSON]
    }

    enum Cell: Decodable, Equatable {
        case text(String), number(Double), date(String, format: String)

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Double.self) { self = .number(n); return }
            if let s = try? c.decode(String.self) { self = .text(s); return }
            struct D: Decodable { var date: String; var format: String }
            let d = try c.decode(D.self)
            self = .date(d.date, format: d.format)
        }

        var text: String? { if case .text(let s) = self { s } else { nil } }
        var number: Double? { if case .number(let n) = self { n } else { nil } }
        var date: String? { if case .date(let d, _) = self { d } else { nil } }
    }

    static func read(_ path: String) throws -> Book {
        let out = try Binaries.run(path: "/usr/bin/python3", [Binaries.repo("Tests/Browser/read_xlsx.py"), path])
        return try JSONDecoder().decode(Book.self, from: Data(out.utf8))
    }

    @Test func theRecordTheReportAndTheScheduleLogReadBackWithHeadersNamesDatesAndCounts() throws {
        let fixture = try DaemonFixture()
        try fixture.writeTones()
        let port = try ConsoleTests.freePort()
        try """
            timezone: Asia/Shanghai
            audio_dir: audio
            defaults:
              gap: 200ms
            outputs:
              - {id: square, device: laba_square, zone: lashi, name: 广场喇叭}
            zones:
              - id: lashi
                name: 拉市乡
                languages: [naxi, mandarin]
                schedule:
                  - {message: notice, at: "2099-01-01"}
            messages:
              - {id: notice, title: 防疫通知}
            console: {listen: "127.0.0.1:\(port)", language: zh-Hans}
            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: fixture.dir + "/state", withIntermediateDirectories: true)
        let added = try Binaries.run("laba", ["user", "add", "zhou", "--role", "viewer", "--password-stdin"],
                                     environment: fixture.environment, stdin: "correct horse\n")
        #expect(added.status == 0, "\(added.stderr)")
        try fixture.start()
        #expect(fixture.waitForLog("console listening"))
        var env = fixture.environment
        env["LANG"] = "zh_CN.UTF-8"
        env["LABA_CONFIG"] = fixture.configPath
        func laba(_ arguments: String...) throws -> Binaries.Result { try Binaries.run("laba", arguments, environment: env) }
        #expect(try laba("play", "notice", "--zone", "lashi", "--wait").status == 0)
        #expect(try laba("play", "alarm", "--zone", "lashi", "--lang", "mandarin", "--wait").status == 0)
        #expect(try laba("schedule", "add", "alarm", "--zone", "lashi", "--at", "07:30").status == 0)

        // The record, to a file named by --to.
        let history = fixture.dir + "/播出记录.xlsx"
        let written = try laba("history", "--format", "xlsx", "--to", history)
        #expect(written.status == 0 && written.stderr.contains("已写入"), "\(written.stderr)")
        // libxlsxwriter is loaded when a spreadsheet is written, not at laba's start (OneExecutableTests).
        let traced = try Binaries.run("laba", ["history", "--format", "xlsx", "--to", fixture.dir + "/traced.xlsx"],
                                      environment: env.merging(["LD_DEBUG": "files"]) { $1 })
        #expect(traced.status == 0 && traced.stderr.contains("file=libxlsxwriter.so.4"), "\(traced.stderr.suffix(600))")
        let record = try #require(try Self.read(history).sheets.first)
        #expect(record.name == "播出记录")
        let header = record.rows[0].map { $0?.text ?? "" }
        #expect(header.starts(with: ["计划时间", "开始时间", "结束时间", "时长(秒)", "喇叭", "区域", "节目", "语种", "优先级", "结果"]), "\(header)")
        #expect(record.rows.count == 3, "two broadcasts: \(record.rows.count - 1)")
        let json = try laba("history", "--json")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let broadcasts = try #require(list["broadcasts"] as? [[String: Any]])
        let planned = broadcasts.compactMap { $0["planned_at"] as? String }
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for (row, b) in zip(record.rows.dropFirst(), broadcasts) {
            let at = b["planned_at"] as? String ?? ""
            // The local time (+08:00) as a date cell, to the second.
            #expect(row[0]?.date == String(at.prefix(19)), "\(String(describing: row[0])) for \(at)")
            #expect(row[1]?.date != nil && row[2]?.date != nil)
            // The duration in seconds: from its start to its end.
            let started = try #require(stamp.date(from: b["started_at"] as? String ?? "")), ended = try #require(stamp.date(from: b["ended_at"] as? String ?? ""))
            let seconds = try #require(row[3]?.number)
            #expect(abs(seconds - ended.timeIntervalSince(started)) < 0.002, "\(seconds) s")
            #expect(row[4]?.text == "广场喇叭" && row[5]?.text == "拉市乡", "\(row)")
            #expect(row[9]?.text == "已完成", "\(String(describing: row[9]))")
        }
        let titles = record.rows.dropFirst().compactMap { $0[6]?.text }
        #expect(titles.contains("防疫通知") && titles.contains("alarm"), "\(titles)")
        if case .date(_, let format)? = record.rows[1][0] { #expect(format.contains("yyyy")) }

        // The report: one sheet per grouping, the counts and the airtime in seconds.
        let report = fixture.dir + "/report.xlsx"
        #expect(try laba("report", "--format", "xlsx", "--to", report).status == 0)
        let sheets = try Self.read(report).sheets
        #expect(sheets.map(\.name) == ["按区域统计", "按节目统计", "按语种统计", "按喇叭统计"], "\(sheets.map(\.name))")
        let byZone = sheets[0]
        #expect(byZone.rows[0].prefix(3).map { $0?.text } == ["区域", "次数", "播出时长(秒)"], "\(byZone.rows[0])")
        #expect(byZone.rows.count == 2 && byZone.rows[1][0]?.text == "拉市乡" && byZone.rows[1][1]?.number == 2, "\(byZone.rows)")
        #expect((byZone.rows[1][2]?.number ?? 0) > 0.4)
        let byMessage = sheets[1].rows.dropFirst().compactMap { $0[0]?.text }
        #expect(Set(byMessage) == ["防疫通知", "alarm"], "\(byMessage)")

        // The schedule log, to standard output when it is not a terminal.
        let log = fixture.dir + "/log.xlsx"
        let redirected = try Binaries.run(executable: "/bin/sh", ["-c", "\"$0\" schedule log --format xlsx > \"$1\"",
                                                                   Binaries.directory + "/laba", log], environment: env)
        #expect(redirected.status == 0 && redirected.stderr.isEmpty, "\(redirected.stderr)")
        let changes = try #require(try Self.read(log).sheets.first)
        #expect(changes.name == "播出计划修改记录" && changes.rows.count == 2, "\(changes.rows)")
        #expect(changes.rows[1][0]?.date != nil && changes.rows[1][2]?.text == "添加", "\(changes.rows[1])")
        let after = changes.rows[1][7]?.text ?? ""
        #expect(after.hasPrefix("拉市乡 · alarm · ") && after.contains("07:30"), "\(after)")

        // The console: the schedule log's download, and the print view of the day and of the month.
        let base = "http://127.0.0.1:\(port)"
        let login = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "name=zhou",
                                                                   "--data-urlencode", "password=correct horse", base + "/login"])
        let cookie = try #require(login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }?
            .dropFirst("set-cookie: ".count).split(separator: ";").first.map(String.init))
        let downloaded = fixture.dir + "/console-log.xlsx"
        let got = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-o", downloaded, "-w", "%{http_code} %{content_type}",
                                                                 "-H", "Cookie: \(cookie)", base + "/schedule/log.xlsx"])
        #expect(got.stdout == "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "\(got.stdout)")
        #expect(try Self.read(downloaded).sheets.first?.rows.count == changes.rows.count, "the console's download is the CLI's")
        let day = String(planned.first?.prefix(10) ?? ""), month = String(day.prefix(7))
        for (query, heading) in [("day=\(day)", "日 播出记录"), ("month=\(month)", "月 播出记录")] {
            let page = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie)", base + "/record/print?" + query]).stdout
            #expect(page.contains("@page { size: A4") && page.contains("counter(page)") && page.contains("counter(pages)"), "\(query)")
            #expect(page.contains(heading + "</h1>") && page.contains(#"<p class="office" id="office">拉市乡</p>"#), "\(query)")
            #expect(page.components(separatedBy: "<td>广场喇叭</td>").count - 1 == 2, "\(query): both broadcasts")
            #expect(page.contains("共 2 次播出"), "\(query)")
        }
        let otherDay = try Binaries.run(executable: "/usr/bin/curl", ["-s", "-H", "Cookie: \(cookie)", base + "/record/print?day=2000-01-01"]).stdout
        #expect(otherDay.contains("2000年1月1日 播出记录") && otherDay.contains("共 0 次播出"), "another day: none")

        // To a terminal: refused, with what to do.
        let tty = try Binaries.run(executable: "/usr/bin/script", ["-qec", Binaries.directory + "/laba history --format xlsx", "/dev/null"],
                                   environment: env)
        #expect(tty.status != 0 && tty.stdout.contains("--to 文件名.xlsx"), "\(tty.stdout)")
        #expect(fixture.terminate() == 0)
    }
}
