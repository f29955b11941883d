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
