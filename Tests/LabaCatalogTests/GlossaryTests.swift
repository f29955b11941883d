import Testing
@testable import LabaCatalog

/// Docs/glossary.md: one Chinese word per thing. The words it replaced (issue 26) are gone from
/// the zh-Hans catalogue, and the ones it chose are where a clerk reads them.
@Suite struct GlossaryTests {
    /// A replaced word, and the glossary's word for the same thing.
    static let replaced: [(old: String, new: String)] = [
        ("静默时段", "禁播时段"), ("查看者", "只读"), ("不分语言", "不分语种"), ("指挥命令", "集群指令"), ("单元", "终端"),
        ("操作员日程", "操作员播出计划"), ("代理", "消息服务器"), ("不可用", "离线"), ("被打断", "被插播中断"), ("已错过", "漏播"),
        ("排在当前广播之后", "日常插播"), ("条目", "定时播出"), ("输出", "喇叭"), ("语言", "语种"), ("等待中", "待播"),
    ]

    @Test(arguments: replaced.map(\.old))
    func aReplacedWordIsGoneFromTheChineseCatalogue(_ word: String) {
        let uses = Catalog.zhHans.filter { $0.value.contains(word) }.map(\.key.rawValue).sorted()
        #expect(uses.isEmpty, "'\(word)' is still used by \(uses)")
    }

    @Test func theGlossarysWordsAreWhereAClerkReadsThem() {
        let table: [(Catalog.Key, String)] = [
            (.webPriorityManual, "日常插播"), (.webPriorityEmergency, "紧急插播"), (.webTalkPriorityManual, "日常插播"),
            (.webStateQueued, "待播"), (.webStateUnavailable, "离线"), (.webOutcomeMissed, "漏播"), (.webOutcomePreempted, "被插播中断"),
            (.webRoleViewer, "只读"), (.webLogout, "退出登录"), (.webForce, "禁播时段"), (.webMessage, "节目"), (.webLanguages, "语种"),
            (.neutral, "不分语种"), (.webNeutral, "不分语种"), (.stateActive, "生效中"), (.webEntryActive, "生效中"),
            (.webEntryDisabled, "已停用"), (.columnUnit, "终端"), (.webAddEntry, "定时播出"), (.webSchedule, "播出计划"),
        ]
        for (key, word) in table {
            #expect(Catalog.text(key, in: .zhHans).contains(word), "\(key.rawValue): \(Catalog.text(key, in: .zhHans))")
        }
    }
}
