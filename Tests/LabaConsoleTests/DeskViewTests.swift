// Issue 28: the county's desk's parts that need no daemon: the batching of units' changes, a unit's
// row in the clerk's words, the map's colours and shapes.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore
import Testing
@testable import LabaConsole

@Suite struct DeskViewTests {
    /// 466 units changing at once cost one event; the next change waits a second after it.
    @Test func unitChangesAreSentTogetherAtMostOnceASecond() {
        let batch = UnitBatch()
        let t0 = NIODeadline.uptimeNanoseconds(10_000_000_000)
        #expect(batch.note("u-0", now: t0) == .zero)
        for i in 1..<466 { #expect(batch.note("u-\(i)", now: t0) == nil, "one flush is scheduled, not one a unit") }
        guard case .some(let first?) = batch.take(now: t0) else {
            Issue.record("the units are not taken")
            return
        }
        #expect(first.count == 466)
        let t1 = t0 + .milliseconds(100)
        #expect(batch.note("u-1", now: t1) == .milliseconds(900), "the next event a second after the last")
        #expect(batch.note("u-2", now: t1) == nil)
        if case .some = batch.take(now: t1 + .milliseconds(500)) { Issue.record("taken before the second has passed") }
        guard case .some(let second?) = batch.take(now: t0 + .seconds(1)) else {
            Issue.record("the second batch is not taken")
            return
        }
        #expect(second == ["u-1", "u-2"])
        if case .some = batch.take(now: t0 + .seconds(5)) { Issue.record("nothing pending, nothing taken") }
    }

    @Test func aUnitsRowAndTheMapSayWhatTheStatusesSay() throws {
        let path = NSTemporaryDirectory() + "/laba-desk-view-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            outputs:
              - {id: square, device: "null", zone: county}
            zones:
              - {id: county, name: 古城区, languages: [mandarin]}
              - {id: town-a, name: 甲镇, parent: county, languages: [naxi], area: [[100.0, 26.0], [100.1, 26.0], [100.1, 26.1], [100.0, 26.1], [100.0, 26.0]]}
              - {id: town-b, name: 乙镇, parent: county, languages: [yi], area: [[100.1, 26.0], [100.2, 26.0], [100.2, 26.1], [100.1, 26.1], [100.1, 26.0]]}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try #require(ConfigLoader.load(path: path).config)
        let now = Instant(seconds: 1_800_000_000)
        var naming = Naming(config, now: now, language: .zhHans)
        let since = naming.wire.time(now.microseconds)!
        var output = UnitJSON.Output(id: "van", zone: "town-a", state: "playing", playing: "notice", queue: 2)
        output.segment = 2
        output.segments = 3
        output.gpsFix = false
        var unit = UnitJSON(unit: "van-1", state: "offline", since: since, zones: ["town-a"],
                            outputs: [output], version: "1.2", configDigest: nil, recordingsMissing: ["notice/yi"], lastRecord: nil)
        unit.clockSynced = false
        let row = UnitRow(unit, naming: naming, texts: Texts(.zhHans))
        #expect(row.state == "offline" && row.stateText.hasPrefix("离线（") && row.stateText.hasSuffix("起）"), "\(row.stateText)")
        #expect(row.zones == "甲镇" && row.queue == 2 && row.clock == "未校准" && row.gps == "未定位")
        #expect(row.playing.first?.playingText == "notice（2/3）")
        #expect(row.missing.hasPrefix("notice（") && row.missingCount == 1 && row.lastRecord == "无")

        let places = [DeskMap.Place(id: "van-1", online: false, zones: ["town-a"], position: GeoPoint(lat: 26.05, lon: 100.05)),
                      DeskMap.Place(id: "b-1", online: true, zones: ["town-b"], position: nil),
                      DeskMap.Place(id: "b-2", online: false, zones: ["town-b"], position: nil)]
        let states = DeskMap.states(tree: naming.tree, places: places)
        #expect(states == ["county": .partial, "town-a": .offline, "town-b": .partial])
        let drawn = DeskMap.draw(map: ZoneMap(config, tree: naming.tree), names: naming.zone, states: states, places: places,
                                 tracks: [DeskMap.Track(unit: "van-1", points: [GeoPoint(lat: 26.01, lon: 100.01), GeoPoint(lat: 26.05, lon: 100.05)])])
        #expect(drawn.withoutArea == ["county"])
        #expect(drawn.svg.contains(##"id="zone-town-a" class="zone" data-state="offline" fill="#d0564c""##), "\(drawn.svg)")
        #expect(drawn.svg.contains(##"id="zone-town-b" class="zone" data-state="partial" fill="#e0a53a""##))
        #expect(drawn.svg.contains(#"<circle class="unit" data-unit="van-1" data-state="offline""#))
        #expect(drawn.svg.contains(#"<polyline class="track" data-unit="van-1""#))
        #expect(!drawn.svg.contains("http") || drawn.svg.components(separatedBy: "http").count == 2, "only the SVG namespace")
    }
}
