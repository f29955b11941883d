import LabaTestSupport
import XCTest

/// The leak tests' allow-list, on lines a clerk could read.
final class LatinLeaksTests: XCTestCase {
    func testItFindsEnglishAndAllowsIdsCodesUnitsPathsAndDiagnosticHeads() {
        let leaks = LatinLeaks(ids: ["liming", "xianghe-square", "truck-1", "tongzhi"], words: ["quiet_hours", "play", "force"])
        let table: [(line: String, leaks: [String])] = [
            ("已在 xianghe-square、truck-1 播出 tongzhi。", []),
            ("这些区域处于禁播时段：liming(zone 'liming' is in quiet hours (12:00-23:30); force plays it anyway)",
             ["zone", "is", "in", "quiet", "hours", "plays", "it", "anyway"]),
            ("/etc/laba/schedule.yaml:25:10: warning: 这个条目在 2027-01-01 之后不再播出", []),
            ("schedule.yaml:3:1: error: 缺少 quiet_hours", []),
            ("响度 -23 LUFS，增益 +3dB，GPS 无定位，CAP 警报", []),
            ("laba play --force tongzhi", []),
            ("状态：idle playing", ["idle", "playing"]),
            ("录音 /var/lib/laba/recordings/a3f9c2d1-77aa.wav 已加入", []),
            ("编号 3fa85f64-5717-4562-b3fc-2c963f66afa6", []),
            ("cannot read tongzhi: Format not recognised.", ["cannot", "read", "Format", "not", "recognised"]),
            ("详见 https://example.org/laba", []),
            ("e.g. live live", ["e.g", "live", "live"]),
        ]
        for row in table {
            XCTAssertEqual(leaks.leaks(in: row.line).map(\.word), row.leaks, row.line)
        }
    }
}
