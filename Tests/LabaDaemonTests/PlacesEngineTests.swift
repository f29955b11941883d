// Places in the engine, on a manual clock: GPS fixes move a following output as `laba zone` does
// and its broadcasts carry the position; CAP alerts play where they reach, repeat, stop what an
// Update or a Cancel references, and always leave a record.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaDaemon
import LabaStore
import Testing

@Suite(.serialized) struct PlacesEngineTests {
    /// Two townships side by side (west 100.0–100.1 E, east 100.1–100.2 E, 26.8–26.9 N) and a third
    /// north of them; a van that follows GPS and a fixed horn in each township.
    static let config = """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: van, device: "null", zone: west, follow: gps}
          - {id: west-hall, device: "null", zone: west}
          - {id: east-hall, device: "null", zone: east}
          - {id: north-hall, device: "null", zone: north}
        gps: {gpsd: "127.0.0.1:1", dwell: 30s}
        zones:
          - id: county
            languages: [naxi, mandarin]
          - id: west
            parent: county
            code: "530721103000"
            area: [[100.0, 26.8], [100.1, 26.8], [100.1, 26.9], [100.0, 26.9], [100.0, 26.8]]
            schedule:
              - {id: west-noon, message: notice, at: "12:00"}
          - id: east
            parent: county
            code: "530721102000"
            languages: [yi]
            area: [[100.1, 26.8], [100.2, 26.8], [100.2, 26.9], [100.1, 26.9], [100.1, 26.8]]
            schedule:
              - {id: east-ten, message: notice, at: "10:00"}
          - id: north
            parent: county
            code: "530721101000"
            area: [[100.0, 26.9], [100.2, 26.9], [100.2, 27.0], [100.0, 27.0], [100.0, 26.9]]
        alerts:
          drills: false
          events:
            - {event: 地震, message: notice, priority: emergency, repeat_every: 30min, repeat_count: 3}
            - {event: 火灾, message: notice, priority: manual}
          languages: {zh-CN: mandarin, ii: yi}
        """

    static func fix(_ f: EngineFixture, _ local: String, _ lat: Double, _ lon: Double) throws -> GPSReport {
        .fix(GPSFix(position: GeoPoint(lat: lat, lon: lon), time: try f.at(local)))
    }

    @Test func aFollowingOutputMovesAfterDwellAndItsBroadcastsCarryThePosition() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:59")
        await f.engine.runSchedule()
        // In west; into east and back within the dwell; then into east for good.
        for (time, lon) in [("09:58:00", 100.05), ("09:58:10", 100.12), ("09:58:20", 100.08), ("09:58:30", 100.12),
                            ("09:58:59", 100.13)] {
            await f.engine.gps(try Self.fix(f, "2026-12-02 " + time, 26.85, lon))
        }
        #expect(await f.engine.status().outputs.first { $0.id == "van" }?.zone == "west")
        await f.engine.gps(try Self.fix(f, "2026-12-02 09:59:00", 26.85, 100.14))
        let van = try #require(await f.engine.status().outputs.first { $0.id == "van" })
        #expect(van.zone == "east" && van.gps?.follower.statusText == "in east")
        // The move is recorded with the fix that completed the dwell.
        let moves = try f.store.moves(output: "van")
        #expect(moves.count == 1)
        #expect(moves.first.map { ($0.fromZone, $0.toZone, $0.cause, $0.lat, $0.lon, $0.fixAt) } ?? (nil, "", "", nil, nil, nil)
                == ("west", "east", "gps", 26.85, 100.14, try f.at("2026-12-02 09:59:00").microseconds))

        // East's schedule plays on the van, in east's languages, where it was.
        try await f.advance(to: "2026-12-02 10:00")
        var ended: [String: BroadcastRecord] = [:]
        while ended.count < 2 {
            let r = try await f.ended("east's 10:00 on the van and in the hall") { $0.entry == "east-ten" }
            ended[r.output] = r
        }
        let played = try #require(ended["van"])
        #expect(played.outcome == .completed && played.zone == "east" && played.playedLanguages == ["yi"])
        #expect(played.positionLat == 26.85 && played.positionLon == 100.14)
        #expect(played.positionAt == (try f.at("2026-12-02 09:59:00")).microseconds)
        // A fixed horn records no position.
        #expect(ended["east-hall"]?.positionAt == nil && ended["east-hall"]?.outcome == .completed)

        // Outside every area, then no fix: the zone stays, the status says so.
        await f.engine.gps(try Self.fix(f, "2026-12-02 10:01:00", 27.5, 100.1))
        #expect(await f.engine.status().outputs.first { $0.id == "van" }.map { ($0.zone, $0.gps?.follower.statusText) }
                ?? ("", nil) == ("east", "outside every area"))
        await f.engine.gps(.noFix)
        #expect(await f.engine.status().outputs.first { $0.id == "van" }?.gps?.follower.statusText == "no fix")
        await f.stop()
    }

    /// A CAP 1.2 alert with one `<info>` per language tag.
    static func cap(_ id: String, event: String = "地震", status: String = "Actual", msgType: String = "Alert",
                    references: String? = nil, expires: String = "2026-12-02T12:00:00+08:00",
                    area: String = "<polygon>26.82,100.02 26.82,100.18 26.88,100.18 26.88,100.02 26.82,100.02</polygon>",
                    languages: [String] = ["zh-CN"]) -> Data {
        let infos = languages.map { language in
            """
              <info>
                <language>\(language)</language><category>Geo</category><event>\(event)</event>
                <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
                <expires>\(expires)</expires>
                <area><areaDesc>丽江</areaDesc>\(area)</area>
              </info>
            """
        }
        return Data("""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>\(id)</identifier><sender>eew@example.cn</sender><sent>2026-12-02T09:00:00+08:00</sent>
              <status>\(status)</status><msgType>\(msgType)</msgType><scope>Public</scope>\(references.map { "<references>\($0)</references>" } ?? "")
            \(infos.joined(separator: "\n"))
            </alert>
            """.utf8)
    }

    @Test func anAlertPlaysWhereItReachesAndRepeatsUntilItIsDone() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let receipt = try #require(await f.engine.receiveAlert(Self.cap("quake-1", languages: ["zh-CN", "ii"]), via: .api))
        let record = receipt.record
        #expect(receipt.invalid == nil && record.reason == nil)
        #expect(record.zones == ["west", "east"] && record.broadcasts.count == 3)  // van and west-hall in west, east-hall
        let half = try f.at("2026-12-02 09:30").microseconds, noon = try f.at("2026-12-02 12:00").microseconds
        #expect(record.repeatsLeft == 2 && record.nextAt == half)
        var pending = Set(record.broadcasts)
        while !pending.isEmpty {
            let waiting = pending
            let b = try await f.ended("the alert's broadcasts") { waiting.contains($0.id) }
            pending.remove(b.id)
            #expect(b.source == .alert && b.requestedBy == .alert(identifier: "quake-1") && b.priority == .emergency)
            #expect(b.outcome == .completed && b.deadline == noon)
            #expect(b.playedLanguages == (b.zone == "east" ? ["yi"] : ["mandarin"]), "\(b.zone)")
        }
        // The repeats come on the scheduling loop's timer.
        #expect(await f.engine.nextWake() == (try f.at("2026-12-02 09:30")))
        try await f.advance(to: "2026-12-02 09:30")
        try await f.advance(to: "2026-12-02 10:00")
        let done = try #require(try f.store.alert(identifier: "quake-1"))
        #expect(done.broadcasts.count == 9 && done.repeatsLeft == 0 && done.nextAt == nil)
        #expect(try f.store.broadcasts(limit: .max).filter { $0.source == .alert }.count == 9)

        // The same alert again (another way in) plays nothing and says why.
        let again = try #require(await f.engine.receiveAlert(Self.cap("quake-1"), via: .fleet(unit: "lijiang", command: "c1")))
        #expect(again.record.broadcasts.isEmpty && again.record.reason?.hasPrefix("already received at 2026-12-02T09:00:00") == true)
        await f.stop()
    }

    @Test func anUpdateReplacesAndACancelStopsWhatTheyReference() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        // The north hall is busy with an emergency loop: a manual alert waits there.
        let loop = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["north"]),
                                                             priority: .emergency, loop: true))
        _ = try await f.started("the loop") { $0.id == loop.records[0].id }
        let north = "<polygon>26.92,100.02 26.92,100.18 26.98,100.18 26.98,100.02 26.92,100.02</polygon>"
        let fire = try #require(await f.engine.receiveAlert(Self.cap("fire-1", event: "火灾", area: north), via: .api))
        #expect(fire.record.zones == ["north"] && fire.record.broadcasts.count == 1 && fire.record.priority == "manual")
        let update = try #require(await f.engine.receiveAlert(
            Self.cap("fire-2", event: "火灾", msgType: "Update", references: "eew@example.cn,fire-1,2026-12-02T09:00:00+08:00",
                     area: north), via: .api))
        #expect(update.record.cancels == ["fire-1"] && update.record.broadcasts.count == 1)
        let replaced = try await f.ended("fire-1 stopped") { $0.id == fire.record.broadcasts[0] }
        #expect(replaced.outcome == .stopped && replaced.reason == "cancelled by alert fire-2" && replaced.startedAt == nil)
        #expect(try f.store.alert(identifier: "fire-1")?.cancelledBy == "fire-2")

        let cancel = try #require(await f.engine.receiveAlert(
            Self.cap("fire-3", msgType: "Cancel", references: "eew@example.cn,fire-2,2026-12-02T09:00:00+08:00"), via: .api))
        #expect(cancel.record.broadcasts.isEmpty && cancel.record.reason == "a Cancel: it stops fire-2 and plays nothing")
        let cancelled = try await f.ended("fire-2 stopped") { $0.id == update.record.broadcasts[0] }
        #expect(cancelled.outcome == .stopped && cancelled.reason == "cancelled by alert fire-3")
        _ = try await f.engine.stop(.all, clear: true)
        await f.stop()
    }

    /// A fleet key trusted for one township cannot cancel an alert that reaches beyond it: the
    /// broadcasts outside its zones and the repeats go on, and the Cancel's record says so. A key
    /// for the county can.
    @Test func aScopedCancelStopsOnlyWhatIsInsideItsKeysZones() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        // Both halls busy with an emergency loop: the alert waits there, where it can be seen.
        let loop = try await f.engine.admit(AdmissionRequest(content: .message("notice"), target: .zones(["west", "east"]),
                                                             priority: .emergency, loop: true))
        for id in loop.records.map(\.id) { _ = try await f.started("the loop") { $0.id == id } }
        let quake = try #require(await f.engine.receiveAlert(Self.cap("quake-1"), via: .api))
        #expect(quake.record.zones == ["west", "east"] && quake.record.broadcasts.count == 3)
        let references = "eew@example.cn,quake-1,2026-12-02T09:00:00+08:00"
        let narrow = try #require(await f.engine.receiveAlert(Self.cap("cancel-1", msgType: "Cancel", references: references),
                                                             via: .fleet(unit: "east-office", command: "c1"), scope: ["east"]))
        #expect(narrow.record.notes.contains { $0.contains("reaches beyond the zones of the key") }, "\(narrow.record.notes)")
        // As codes too (issue 26): the fleet command it came by, and what goes on.
        #expect(narrow.record.noteCodes?.map(\.code) == ["fleet_command", "beyond_key_kept"], "\(String(describing: narrow.record.noteCodes))")
        let eastOnly = try await f.ended("the east broadcast") { $0.requestedBy == .alert(identifier: "quake-1") }
        #expect(eastOnly.zone == "east" && eastOnly.reason == "cancelled by alert cancel-1")
        #expect(try f.store.alert(identifier: "quake-1")?.repeatsLeft == 2)
        #expect(await f.engine.status().outputs.flatMap(\.queue).count == 2)  // van and west-hall still wait

        _ = try #require(await f.engine.receiveAlert(Self.cap("cancel-2", msgType: "Cancel", references: references),
                                                     via: .fleet(unit: "county-office", command: "c2"), scope: ["county"]))
        for _ in 0..<2 { _ = try await f.ended("the west broadcasts") { $0.requestedBy == .alert(identifier: "quake-1") } }
        #expect(try f.store.alert(identifier: "quake-1")?.repeatsLeft == 0)
        _ = try await f.engine.stop(.all, clear: true)
        await f.stop()
    }

    struct Quiet: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: Data
        var reason: String
        var drill = false
        var testDescription: String { name }
    }

    static let silent: [Quiet] = [
        .init(name: "an Exercise with drills off", xml: cap("drill-1", status: "Exercise"),
              reason: "status Exercise: a drill, and alerts.drills is false", drill: true),
        .init(name: "expired", xml: cap("old-1", expires: "2026-12-02T08:00:00+08:00"), reason: "expired at 2026-12-02T08:00:00+08:00"),
        .init(name: "an event with no mapping", xml: cap("storm-1", event: "台风"), reason: "no mapping for event '台风' in alerts.events"),
        .init(name: "an area that reaches no zone",
              xml: cap("far-1", area: "<circle>30.0,110.0 5</circle>"), reason: "its area (丽江) reaches no zone"),
        .init(name: "malformed XML", xml: Data("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>".utf8),
              reason: "not a valid CAP 1.2 alert (a.xml, line 1, column 79, in <alert>): the document ends before its elements are closed, "
                + "or goes on after its last element"),
        .init(name: "a DOCTYPE", xml: Data(String(decoding: cap("doctype-1"), as: UTF8.self)
                .replacingOccurrences(of: "?>\n", with: "?>\n<!DOCTYPE alert [<!ENTITY e \"x\">]>\n").utf8),
              reason: "not a valid CAP 1.2 alert (a.xml, line 2, column 1): the document has a DOCTYPE; alerts with one are refused "
                + "(their entities are never expanded)"),
        .init(name: "elements out of the schema's order",
              xml: Data(String(decoding: cap("order-1"), as: UTF8.self).replacingOccurrences(of: "<status>Actual</status><msgType>Alert</msgType>",
                                                                                         with: "<msgType>Alert</msgType><status>Actual</status>").utf8),
              reason: "not a valid CAP 1.2 alert (a.xml, line 4, column 27, in <alert>): <status> comes after <msgType>; CAP 1.2 puts it before"),
    ]

    @Test(arguments: silent) func anAlertThatPlaysNothingIsRecordedWithTheReason(_ c: Quiet) async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let receipt = try #require(await f.engine.receiveAlert(c.xml, via: .file(name: "a.xml", mtime: 1)))
        #expect(receipt.record.reason == c.reason)
        #expect(receipt.record.broadcasts.isEmpty && receipt.record.drill == c.drill && receipt.record.file == "a.xml")
        // A refused document keeps its reason as a code with arguments (issue 26): the same words
        // in English, Chinese ones for a clerk.
        var wire = WireFormat(TimeZone(identifier: "Asia/Shanghai")!)
        let json = wire.alert(try #require(try f.store.alerts().first))
        #expect(json.reasonWords(in: .en) == c.reason)
        #expect(json.reasonCode != nil && json.reasonWords(in: .zhHans) != c.reason, "\(json.reasonWords(in: .zhHans) ?? "")")
        if c.reason.hasPrefix("not a valid CAP") {
            #expect(json.reasonCode == "cap")
            let zh = json.reasonWords(in: .zhHans) ?? ""
            #expect(!zh.isEmpty && !zh.contains("not a valid") && zh.contains("a.xml"), "\(zh)")
        }
        #expect(try f.store.alerts().count == 1 && f.store.broadcasts().isEmpty)
        // The same file (name and modification time) is not read twice.
        #expect(await f.engine.receiveAlert(c.xml, via: .file(name: "a.xml", mtime: 1)) == nil)
        await f.stop()
    }

    /// Issue 26: what each loudspeaker refused of an alert is kept as a code with its arguments,
    /// rendered in the reader's language; a record kept before them shows its words as they are.
    @Test func anAlertsRefusalsAreKeptAsCodesAndReadInTheReadersLanguage() async throws {
        let quiet = Self.config.replacingOccurrences(of: "area: [[100.0, 26.9], [100.2, 26.9]",
                                                     with: "quiet_hours: \"00:00-23:59\"\n    area: [[100.0, 26.9], [100.2, 26.9]")
        let f = try await EngineFixture(quiet, start: "2026-12-02 09:00")
        let north = "<polygon>26.92,100.02 26.92,100.18 26.98,100.18 26.98,100.02 26.92,100.02</polygon>"
        let fire = try #require(await f.engine.receiveAlert(Self.cap("fire-1", event: "火灾", area: north), via: .api))
        #expect(fire.record.broadcasts.isEmpty && fire.record.zones == ["north"], "\(fire.record)")
        #expect(fire.record.refusals?.map(\.code) == ["quiet_hours"] && fire.record.refusals?.first?.args?["zone"] == "north",
                "\(String(describing: fire.record.refusals))")
        #expect(fire.record.reasonCode == "alert_no_output" && fire.record.refused.first?.contains("quiet hours") == true)
        var wire = WireFormat(TimeZone(identifier: "Asia/Shanghai")!)
        let json = wire.alert(try #require(try f.store.alert(identifier: "fire-1")))
        let zh = json.refusedWords(place: { output, zone in output ?? zone ?? "" }, in: .zhHans)
        #expect(zh.count == 1 && zh[0].contains("禁播时段") && !zh[0].contains("quiet hours"), "\(zh)")
        #expect(json.reasonWords(in: .zhHans) == "没有喇叭播出（各喇叭的原因见下）")
        // A record of the last release: words only, shown as they are.
        var older = json
        older.refusals = nil
        older.reasonCode = nil
        #expect(older.refusedWords(place: { _, _ in "?" }, in: .zhHans) == json.refused)
        #expect(older.reasonWords(in: .zhHans) == json.reason)
        // The same alert again: its reason from a code, the time as the reader wants it.
        let again = try #require(await f.engine.receiveAlert(Self.cap("fire-1", event: "火灾", area: north), via: .api))
        #expect(again.record.reasonCode == "alert_repeated")
        #expect(wire.alert(again.record).reasonWords(time: { _ in "12月2日 09:00" }, in: .zhHans)?.hasPrefix("已在 12月2日 09:00 收到过") == true)
        await f.stop()
    }

    /// Issue 26: an alert's notes (a language left out, the fleet command it came by, forwarded or
    /// not to the units) are kept as codes with arguments beside their English, and read in the
    /// reader's language; a record kept before them shows its words as they are.
    @Test func anAlertsNotesAreKeptAsCodesAndReadInTheReadersLanguage() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 09:00")
        let quake = try #require(await f.engine.receiveAlert(Self.cap("quake-n", languages: ["zh-CN", "fr"]),
                                                            via: .fleet(unit: "county-office", command: "c7")))
        #expect(quake.record.notes.contains("language fr is not in alerts.languages"), "\(quake.record.notes)")
        await f.engine.noteAlert(quake.record.id, forwarded: "c8", zones: ["west", "east"])
        let done = try #require(await f.engine.noteAlert(quake.record.id, notForwarded: Refusal(.noOutput, ["zones": "east"])))
        let codes = try #require(done.noteCodes)
        #expect(codes.count == done.notes.count, "\(codes) \(done.notes)")
        #expect(["fleet_command", "language_unmapped", "forwarded", "not_forwarded"].allSatisfy { c in codes.contains { $0.code == c } },
                "\(codes)")
        #expect(codes.first { $0.code == "not_forwarded" }?.args == ["refusal": "no_output", "zones": "east"])
        var wire = WireFormat(TimeZone(identifier: "Asia/Shanghai")!)
        let json = wire.alert(try #require(try f.store.alert(identifier: "quake-n")))
        // The same words in English as kept; none of them in Chinese.
        #expect(json.noteWords(in: .en) == json.notes)
        let zh = json.noteWords(in: .zhHans)
        #expect(zh.count == json.notes.count, "\(zh)")
        #expect(zh.contains("来自 county-office 的集群指令 c7") && zh.contains("已作为集群指令 c8 转发给west, east的终端"), "\(zh)")
        #expect(zh.contains { $0.hasPrefix("没能转发给终端：") && $0.contains("east") }, "\(zh)")
        for line in zh {
            #expect(!["forwarded", "fleet", "is not in", "not ", "loudspeaker", "from"].contains { line.contains($0) }, "\(line)")
        }
        // A record of the last release: words only, shown as they are.
        var older = json
        older.noteCodes = nil
        #expect(older.noteWords(in: .zhHans) == json.notes)
        await f.stop()
    }

    /// A note's code the daemon makes from another's (a repeat's reason, a refusal) reads in Chinese;
    /// one this version does not know reads as kept.
    @Test func aRepeatsReasonAndAnUnknownNoteRead() {
        let repeatNote = AlertNoteText.words(code: "repeat_not_played", args: ["reason_code": "alert_expired", "at": "T"],
                                             time: { _ in "12月2日 12:00" }, in: .zhHans)
        #expect(repeatNote == "有一次重播没有播出：已于 12月2日 12:00 过期，不再播出")
        #expect(AlertNoteText.words(code: "repeat_not_played", args: ["reason_code": "alert_expired", "at": "T"], in: .en)
                == "a repeat did not play: expired at T")
        #expect(AlertNoteText.words(code: "newer_note", args: [:], in: .zhHans) == nil)
        var json = AlertJSON(id: 1, identifier: nil, sender: nil, sent: nil, status: nil, msgType: nil, event: nil, message: nil,
                             priority: nil, drill: false, receivedAt: "t", via: "api", file: nil, zones: [], broadcasts: [],
                             refused: [], reason: nil, notes: ["something newer"], cancels: [], cancelledBy: nil, repeatsLeft: 0,
                             nextAt: nil, expiresAt: nil)
        json.noteCodes = [AlertNoteJSON(code: "newer_note", args: nil)]
        #expect(json.noteWords(in: .zhHans) == ["something newer"])
        // More geocodes than shown: how many more, in words.
        let more = AlertNoteText.words(code: "geocodes_other_kind", args: ["accepted": "GB/T 2260", "geocodes": "SAME 1, 2, 3", "more": "2"],
                                       in: .zhHans)
        #expect(more?.hasSuffix("另有 2 个") == true, "\(String(describing: more))")
    }

    /// An alert in ISO-8859-1 is kept as the bytes received: its repeats read the same event and play.
    @Test func anAlertInISO88591IsKeptAsReceivedAndItsRepeatsPlay() async throws {
        let config = Self.config.replacingOccurrences(
            of: "    - {event: 火灾,", with: "    - {event: Terremoto en Usulután, message: notice, priority: emergency, "
                + "repeat_every: 30min, repeat_count: 2}\n    - {event: 火灾,")
        let f = try await EngineFixture(config, start: "2026-12-02 09:00")
        let text = String(decoding: Self.cap("quake-sv", event: "Terremoto en Usulután"), as: UTF8.self)
            .replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"ISO-8859-1\"").replacingOccurrences(of: "丽江", with: "Usulután")
        let latin1 = try #require(text.data(using: .isoLatin1))
        let receipt = try #require(await f.engine.receiveAlert(latin1, via: .file(name: "sv.xml", mtime: 1)))
        #expect(receipt.invalid == nil && receipt.record.reason == nil && receipt.record.event == "Terremoto en Usulután")
        #expect(receipt.record.document == latin1)
        #expect(receipt.record.broadcasts.count == 3 && receipt.record.repeatsLeft == 1)
        try await f.advance(to: "2026-12-02 09:30")
        let done = try #require(try f.store.alert(identifier: "quake-sv"))
        #expect(done.document == latin1)
        #expect(done.broadcasts.count == 6 && done.repeatsLeft == 0, "\(done.notes)")
        #expect(!done.notes.contains { $0.hasPrefix("a repeat did not play") }, "\(done.notes)")
        _ = try await f.engine.stop(.all, clear: true)
        await f.stop()
    }
}
