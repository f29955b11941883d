// The schedule editor on the engine's manual clock: a console clerk's change reaches the plan at
// once and the audit log names the clerk; operators.zones binds the console; a stale base version
// is refused with what changed.

import Foundation
import LabaControl
import LabaCore
import LabaDaemon
import LabaStore
import Logging
import Testing

@Suite(.serialized) struct ScheduleEditorTests {
    static let config = """
        timezone: Asia/Shanghai
        audio_dir: audio
        outputs:
          - {id: square, device: "null", zone: town}
        zones:
          - id: town
            languages: [mandarin]
            schedule:
              - {id: evening, message: notice, at: "18:00"}
          - id: village
            parent: town
        operators: {schedule: true, zones: [village]}
        """

    func editor(_ f: EngineFixture) -> ScheduleEditor {
        ScheduleEditor(engine: f.engine, store: f.store, stateDirectory: f.dir, logger: Logger(label: "test"))
    }

    @Test func aConsoleClerksEntryPlansAtOnceAndIsAudited() async throws {
        let f = try await EngineFixture(Self.config.replacingOccurrences(of: "zones: [village]", with: "zones: [town]"),
                                        start: "2026-12-02 07:00")
        let editor = editor(f)
        let added = try await editor.apply(.add, id: nil, request: ScheduleEntryRequest(message: "notice", zone: "town", at: ["09:00"]),
                                           baseVersion: 0, requester: .console(user: "wang"))
        #expect(added.version == 1 && added.diff.added.map(\.time) == ["2026-12-02T09:00:00+08:00"], "\(added.diff)")
        let planned = try await f.engine.schedule(from: nil, count: 2, zone: nil, output: nil)
        #expect(planned.first?.time == (try f.at("2026-12-02 09:00")) && planned.first?.entry == added.entry?.id)

        let log = try await editor.log(since: nil, until: nil, limit: 10)
        #expect(log.changes.map(\.action) == ["add"] && log.changes.first?.via == "console"
                && log.changes.first?.requestedBy == .console(user: "wang"))
        #expect(log.changes.first?.after?.addedBy == "wang")
        await f.stop()
    }

    @Test func operatorsZonesBindTheConsoleButNotRoot() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 07:00")
        let editor = editor(f)
        let request = ScheduleEntryRequest(message: "notice", zone: "town", at: ["09:00"])
        await #expect(throws: ScheduleRefusal.self) {
            try await editor.apply(.add, id: nil, request: request, baseVersion: nil, requester: .console(user: "wang"))
        }
        do {
            _ = try await editor.apply(.add, id: nil, request: request, baseVersion: nil, requester: .console(user: "wang"))
        } catch {
            #expect(error.code == .forbidden && error.body.error.message.contains("village"))
        }
        #expect(FileManager.default.fileExists(atPath: f.dir + "/schedule.yaml") == false)
        let root = try await editor.apply(.add, id: nil, request: request, baseVersion: nil, requester: .socket(uid: 0, user: "root"))
        #expect(root.version == 1)
        await f.stop()
    }

    @Test func aChangeFromAnOlderVersionIsRefusedWithWhatChanged() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 07:00")
        let editor = editor(f)
        let root = RequestedBy.socket(uid: 0, user: "root")
        let added = try await editor.apply(.add, id: nil, request: ScheduleEntryRequest(message: "notice", zone: "village", at: ["09:00"]),
                                           baseVersion: 0, requester: root)
        let id = try #require(added.entry?.id)
        _ = try await editor.apply(.change, id: id, request: ScheduleEntryRequest(at: ["10:00"], baseVersion: 1), baseVersion: 1,
                                   requester: root)
        do {
            _ = try await editor.apply(.pause, id: id, request: nil, baseVersion: 1, requester: root)
            Issue.record("a stale change was taken")
        } catch {
            #expect(error.code == .conflict && error.body.changes?.map(\.version) == [2], "\(error.body)")
        }
        let entries = try await editor.entries(zone: "village")
        #expect(entries.version == 2 && entries.entries.map(\.origin) == ["technician", "operator"])
        #expect(entries.entries.last?.at == ["10:00"] && entries.entries.last?.paused == false)
        await f.stop()
    }

    /// The console's preview: the same checks and answer as saving, with the entry's next instants,
    /// and nothing written, audited or taken by the engine.
    @Test func aDryRunChecksAndPreviewsButChangesNothing() async throws {
        let f = try await EngineFixture(Self.config, start: "2026-12-02 07:00")
        let editor = editor(f)
        let clerk = RequestedBy.console(user: "wang")
        let request = ScheduleEntryRequest(message: "notice", zone: "village", at: ["07:30"], every: "5d", from: "2026-12-03")
        let preview = try await editor.apply(.add, id: nil, request: request, baseVersion: 0, requester: clerk, dryRun: true)
        #expect(preview.dryRun == true && preview.version == 1)
        #expect(preview.next == ["2026-12-03T07:30:00+08:00", "2026-12-08T07:30:00+08:00", "2026-12-13T07:30:00+08:00",
                                 "2026-12-18T07:30:00+08:00", "2026-12-23T07:30:00+08:00", "2026-12-28T07:30:00+08:00",
                                 "2027-01-02T07:30:00+08:00", "2027-01-07T07:30:00+08:00"], "\(preview.next ?? [])")
        // From 07:00 on the 2nd, the next 24 hours hold no market day: nothing changes in them.
        #expect(preview.diff.added.isEmpty && preview.diff.removed.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/schedule.yaml"))
        #expect(try await editor.log(since: nil, until: nil, limit: 10).changes.isEmpty)
        #expect(try await f.engine.schedule(from: nil, count: 5, zone: nil, output: nil).allSatisfy { $0.message == "notice" && $0.entry == "evening" })

        // A dry run refuses what saving would refuse.
        do {
            _ = try await editor.apply(.add, id: nil, request: ScheduleEntryRequest(message: "notice", zone: "village", at: ["25:00"]),
                                       baseVersion: 0, requester: clerk, dryRun: true)
            Issue.record("an invalid expression was previewed")
        } catch {
            #expect(error.code == .invalidConfig && error.body.diagnostics?.first?.contains("invalid calendar expression") == true)
        }
        // Saved, the same request gives the previewed instants and version.
        let saved = try await editor.apply(.add, id: nil, request: request, baseVersion: 0, requester: clerk)
        #expect(saved.dryRun == nil && saved.version == preview.version && saved.next == preview.next)
        #expect(try await editor.log(since: nil, until: nil, limit: 10).changes.count == 1)
        await f.stop()
    }
}
