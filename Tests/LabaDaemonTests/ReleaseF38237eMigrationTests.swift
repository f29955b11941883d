// Issue 25: state dirs made by the last release (commit f38237e, Tests/Fixtures/f38237e, made by
// Scripts/make-fixtures-f38237e.py with that release's labad, laba and a real mosquitto) open with
// this one and keep what they held: a unit's records, the id of the signed command it obeyed
// (whose replay it still refuses) and its fleet library recording; a commander's units' records.

import Foundation
import LabaAudio
import LabaCatalog
import LabaControl
import LabaCore
@testable import LabaDaemon
import LabaFleet
import LabaStore
import Testing

@Suite struct ReleaseF38237eMigrationTests {
    struct Fixture: Decodable {
        var fleet: String
        var unit: String
        var commander: String
        var zone: String
        var key: String
        var command: String
        var envelope: String
        var library: Library

        struct Library: Decodable {
            var message: String
            var language: String
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/f38237e").path

    static func fixture() throws -> Fixture {
        let data = try #require(FileManager.default.contents(atPath: root + "/fixture.json"), "no fixture in \(root)")
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    /// A copy of one of the fixture's state dirs (the store migrates the file it opens).
    static func copy(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "laba-f38237e-\(name)-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: root + "/" + name, toPath: dir)
        return dir
    }

    @Test func aUnitsStateDirKeepsItsRecordsSeenIdsAndLibrary() throws {
        let f = try Self.fixture()
        let dir = try Self.copy("unit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: StateLayout(directory: dir).database)

        // Its records: the broadcast the command played, completed.
        let records = try store.broadcasts(BroadcastFilter(state: .done, limit: 100))
        let played = try #require(records.first { if case .fleet(_, let id, _) = $0.requestedBy { id == f.command } else { false } })
        #expect(played.outcome == .completed && played.zone == f.zone && played.message == "notice")

        // Its seen id, kept under no key, still blocks a replay of that command, whoever signed it.
        #expect(try store.hasSeenCommand(f.command))
        #expect(try store.hasSeenCommand(f.command, key: f.key))
        let county = try FleetKeyFile.readPublic(Self.root + "/keys/county.pub")
        #expect(county.id == f.key)
        let envelope = try FleetJSON.decode(SignedEnvelope.self, from: Array(f.envelope.utf8))
        let sent = try FleetJSON.decode(FleetCommand.self, from: Array(envelope.payload))
        let tree = try Self.tree()
        let context = CommandContext(unit: f.unit, outputZones: ["square": f.zone],
                                     clock: CommandClock(buildDate: sent.issuedAt - .seconds(86_400 * 30)),
                                     mark: { _ in nil }, seen: { (try? store.hasSeenCommand($1, key: $0)) ?? false })
        let verdict = CommandVerifier.verify(Array(f.envelope.utf8), trust: FleetTrust([(county, ["county"])]), zones: tree,
                                             now: sent.issuedAt + .seconds(1), context: context)
        guard case .refused(let refusal, _) = verdict else { Issue.record("the replay was obeyed: \(verdict)"); return }
        #expect(refusal.code == .duplicate)

        // Its library recording, kept before keys had topics: still there, and played in its key's zones.
        let files = FleetLibraryFiles(directory: StateLayout(directory: dir).library)
        let (recordings, problems) = files.recordings(trust: [f.key: ["county"]], probe: SndFileProbe())
        #expect(problems.unreadable.isEmpty)
        let kept = try #require(recordings.first { $0.recording.message == f.library.message && $0.recording.language == f.library.language })
        #expect(kept.key == f.key && kept.zones == ["county"])
        #expect(FileManager.default.fileExists(atPath: kept.recording.path))
        var library = MessageLibrary(directory: NSTemporaryDirectory() + "laba-no-audio")
        for recording in recordings { library.add(fleet: recording) }
        #expect(library.recording(message: f.library.message, language: f.library.language, zone: f.zone, tree: tree)?.path
                == kept.recording.path)
        // Issue 27's one-tap buttons: none yet, and the table takes one.
        #expect(try store.buttons().isEmpty)
        try store.addButton(OneTapButton(id: "btn-1", title: "紧急疏散", message: "notice", zones: nil, priority: .emergency,
                                         createdBy: "zhang", createdAt: 1))
        // Reopened (the migrations ran once), nothing changed.
        let again = try Store(path: StateLayout(directory: dir).database)
        #expect(try again.broadcasts(BroadcastFilter(state: .done, limit: 100)).count == records.count)
        #expect(try again.hasSeenCommand(f.command, key: f.key))
        #expect(try again.buttons().map(\.title) == ["紧急疏散"] && again.buttons().first?.priority == .emergency)
    }

    @Test func aCommandersStateDirKeepsItsUnitsRecords() throws {
        let f = try Self.fixture()
        let dir = try Self.copy("commander")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: StateLayout(directory: dir).database)
        let rows = try store.fleetRecords(unit: f.unit, BroadcastFilter(limit: 100))
        let row = try #require(rows.first { $0.command == f.command })
        #expect(row.zone == f.zone && row.outcome == "completed")
        let json = try FleetJSON.decode(BroadcastJSON.self, from: Array(row.record))
        #expect(json.message == "notice" && BroadcastRecord(fleet: json) != nil)
        #expect(try store.fleetRecordCounts()[f.unit] == rows.count)
        #expect(try store.units().map(\.unit).contains(f.unit))
        // Its report counts them (by SQLite).
        let report = try store.fleetReport(by: .unit, since: nil, until: nil, outcomes: BroadcastOutcome.allCases.map(\.rawValue))
        #expect(report.first { $0.key == f.unit && $0.outcome == "completed" }?.broadcasts == rows.count)
    }

    /// v12-ack-args: a commander's acks of the last release read without arguments (their words
    /// shown as sent); a new ack keeps its arguments, which the catalogue renders.
    @Test func aCommandersAcksReadAndANewOneKeepsItsArguments() throws {
        let f = try Self.fixture()
        let dir = try Self.copy("commander")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: StateLayout(directory: dir).database)
        let old = try #require(try store.acks(command: f.command).first { $0.unit == f.unit })
        #expect(old.result == "accepted" && old.args == nil)
        let args = ["zone": "east", "window": "00:00-23:59"]
        try store.recordAck(FleetAckRow(command: "c-new", unit: f.unit, result: "refused", code: "quiet_hours",
                                        message: "zone 'east' is in quiet hours (00:00-23:59); force plays it anyway", at: 5, args: args))
        let kept = try #require(try store.acks(command: "c-new").first)
        #expect(kept.args == args)
        let answer = CommandJSON.Answer(unit: kept.unit, result: kept.result, code: kept.code, message: kept.message,
                                        broadcasts: kept.broadcasts, args: kept.args)
        #expect(answer.words(in: .zhHans) == Catalog.refusal(code: "quiet_hours", args: args, in: .zhHans))
        #expect(answer.words(in: .zhHans).contains("禁播时段"))
        // A row without arguments (a unit of an older version, or kept before v12): its words as sent.
        let older = CommandJSON.Answer(unit: kept.unit, result: kept.result, code: kept.code, message: kept.message, broadcasts: [])
        #expect(older.words(in: .zhHans) == kept.message)
    }

    static func tree() throws -> ZoneTree {
        let loaded = ConfigLoader.parse(yaml: """
            zones:
              - {id: county, languages: [mandarin]}
              - {id: city, parent: county, languages: [mandarin]}
              - {id: east, parent: city, languages: [naxi]}
            """, file: "t.yaml", directory: "/cfg")
        return ZoneTree(try #require(loaded.config))
    }
}
