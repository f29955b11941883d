import LabaCatalog
import LabaControl
import LabaCore
import Testing

/// Issue 26: every code the daemon gives a record, a refusal or a GPS status reads in both
/// languages, and a record of an older version shows its words as sent.
@Suite struct ReasonTextTests {
    @Test(arguments: CatalogLanguage.allCases)
    func everyRecordReasonHasWords(_ language: CatalogLanguage) {
        for code in RecordReason.Code.allCases {
            #expect(Catalog.reason(code: code.rawValue, args: [:], in: language) != nil, "\(code) in \(language)")
        }
    }

    @Test(arguments: CatalogLanguage.allCases)
    func everyRefusalHasWords(_ language: CatalogLanguage) {
        for code in Refusal.Code.allCases {
            #expect(Catalog.refusal(code: code.rawValue, args: [:], in: language) != nil, "\(code) in \(language)")
        }
    }

    /// Issue 26: each note the planner and the daemon put on an alert, and each problem of an
    /// amplifier's switch, reads in both languages with its arguments filled.
    @Test(arguments: CatalogLanguage.allCases)
    func everyAlertNoteAndPowerProblemHasWords(_ language: CatalogLanguage) {
        let notes: [(String, [String: String])] = [
            ("fleet_command", ["command": "c1", "unit": "u1"]), ("forwarded", ["command": "c1", "zones": "z1"]),
            ("not_forwarded", ["refusal": "queue_full", "output": "o1", "limit": "8"]), ("repeat_not_played", ["reason_code": "alert_expired", "at": "T"]),
            ("beyond_key", ["alert": "a1"]), ("beyond_key_kept", ["alert": "a1"]), ("outside_go_on", ["alert": "a1"]),
            ("language_unmapped", ["language": "fr"]), ("no_recording", ["message": "m1", "language": "yi"]),
            ("geocodes_other_kind", ["accepted": "GB/T 2260", "geocodes": "SAME 1", "more": "0"]),
            ("geocodes_other_kind", ["accepted": "GB/T 2260", "geocodes": "SAME 1", "more": "4"]),
            ("geocodes_bad_length", ["geocodes": "GB/T 2260=1"]), ("outside_key", ["scope": "s1", "zones": "z1"]),
        ]
        for (code, args) in notes {
            let words = AlertNoteText.words(code: code, args: args, in: language) ?? ""
            #expect(!words.isEmpty && !words.contains("{"), "\(code) in \(language): \(words)")
        }
        let problems: [(String, [String: String])] = [
            ("command_cannot_start", ["command": "x"]), ("command_not_found", ["command": "x", "status": "127"]),
            ("command_exited", ["command": "x", "status": "3"]), ("command_killed", ["command": "x", "signal": "9"]),
            ("chip_missing", ["chip": "c"]), ("chip_cannot_open", ["chip": "c"]), ("line_missing", ["chip": "c", "line": "1"]),
            ("line_busy", ["chip": "c", "line": "1"]), ("line_cannot_take", ["chip": "c", "line": "1"]),
            ("line_cannot_set", ["chip": "c", "line": "1"]),
        ]
        for (code, args) in problems {
            let words = Catalog.powerProblem(code: code, args: args, in: language) ?? ""
            #expect(!words.isEmpty && !words.contains("{"), "\(code) in \(language): \(words)")
        }
    }

    @Test func aReasonReadsInTheReadersLanguageAndAnOlderRecordAsSent() {
        var record = BroadcastRecord(id: "b", source: .manual, message: "tongzhi", output: "truck-1", zone: "liming",
                                     priority: .manual, plannedLanguages: [], plannedAt: 0, deadline: nil)
        record.recordReason = RecordReason(.stoppedFromConsole, ["who": "李四"])
        #expect(record.reason == "stopped from the console by 李四")
        #expect(record.reasonCode == "stopped_from_console" && record.reasonArgs == ["who": "李四"])
        #expect(Catalog.reason(code: record.reasonCode, args: record.reasonArgs, words: record.reason, in: .zhHans)
                == "李四 在网页控制台上停止")
        #expect(Catalog.reason(code: nil, args: nil, words: "cleared", in: .zhHans) == "cleared")
        #expect(Catalog.reason(code: "from_a_newer_unit", args: nil, words: "newer words", in: .zhHans) == "newer words")
        record.recordReason = RecordReason(.cleared)
        #expect(record.reasonArgs == nil && record.reason == "cleared")
        #expect(Catalog.reason(code: record.reasonCode, args: record.reasonArgs, words: record.reason, in: .zhHans) == "待播已清空")
    }

    /// Issues 28, 30: a coverage line's word on hearing, for the CLI's table and the console's page.
    @Test func aCoverageLineSaysHeardOnlyWhereAMonitorIsInScope() {
        #expect(Catalog.coverageHeard("yes", state: "played", monitored: false, in: .zhHans) == nil, "no monitor in scope: nothing said")
        #expect(Catalog.coverageHeard(nil, state: "played", monitored: true, in: .zhHans) == "未监听")
        #expect(Catalog.coverageHeard("no", state: "played", monitored: true, in: .zhHans) == "监听未听到")
        #expect(Catalog.coverageHeard("partly", state: "partial", monitored: true, in: .zhHans) == "监听只听到一部分")
        #expect(Catalog.coverageHeard("yes", state: "played", monitored: true, levelDB: 23.5, delayMS: 118, in: .zhHans)
                == "已确认听到（监听），高出环境噪声 24 dB，延迟 118 毫秒")
        // A language that did not play, or was not planned then: nothing about hearing.
        #expect(Catalog.coverageHeard(nil, state: "missing", monitored: true, in: .zhHans) == nil)
        #expect(Catalog.coverageHeard(nil, state: "not_planned_then", monitored: true, in: .zhHans) == nil)
        #expect(Catalog.monitorProblem("input_unavailable", output: "广场", in: .zhHans)?.hasPrefix("广场 喇叭旁的监听麦克风无法打开") == true)
        #expect(Catalog.monitorProblem("something_new", in: .zhHans) == nil)
    }
}
