// Issue 26: what the daemon says reaches the console's pages as codes, rendered in the page's
// language (a record's note, an upload that is not audio), and a fleet recording is named by the
// title its signed entry carries.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import Testing
@testable import LabaConsole

@Suite struct ClerkCodesViewTests {
    static func config() throws -> Config {
        let path = NSTemporaryDirectory() + "/laba-clerk-codes-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            outputs:
              - {id: square, name: 广场喇叭, device: "null", zone: town}
            zones:
              - {id: town, name: 古城, languages: [naxi]}
            messages:
              - {id: notice, title: 通知}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try #require(ConfigLoader.load(path: path).config)
    }

    static func record(_ message: String = "notice") -> BroadcastRecord {
        BroadcastRecord(id: "b1", source: .manual, message: message, output: "square", zone: "town", priority: .manual,
                        plannedLanguages: ["naxi"], plannedAt: 1_800_000_000_000_000, deadline: nil)
    }

    @Test func aRecordsNoteIsReadFromItsCodeAndAnOlderUnitsProseAsItIs() throws {
        var naming = Naming(try Self.config(), now: Instant(seconds: 1_800_000_000), language: .zhHans)
        var cleared = Self.record()
        cleared.recordReason = RecordReason(.cleared)
        #expect(cleared.reason == "cleared", "the English words stay for older readers")
        #expect(RecordRow(cleared, naming: &naming, texts: Texts(.zhHans)).reason == "待播已清空")
        #expect(RecordRow(cleared, naming: &naming, texts: Texts(.en)).reason == Catalog.text(.reasonCleared, in: .en))
        var stopped = Self.record()
        stopped.recordReason = RecordReason(.stoppedBy, ["who": "李四"])
        #expect(RecordRow(stopped, naming: &naming, texts: Texts(.zhHans)).reason == "由 李四 停止")
        // A unit of an older version sent prose only: shown as it came.
        var older = Self.record()
        older.reason = "stopped by someone"
        #expect(RecordRow(older, naming: &naming, texts: Texts(.zhHans)).reason == "stopped by someone")
    }

    @Test func anUploadThatIsNotAudioSaysTheKindOfProblemNotTheDecodersEnglish() {
        #expect(Catalog.audioProblem(code: "unrecognised_format", detail: "Format not recognised.", in: .zhHans)
            == "文件格式无法识别（可用 WAV、FLAC、Ogg、MP3 等）")
        #expect(Catalog.audioProblem(code: nil, detail: "cannot read x: Some libsndfile words.", in: .zhHans) == "无法作为音频读取")
        #expect(Catalog.audioProblem(code: nil, detail: "cannot read x: Some libsndfile words.", in: .en) == "cannot read x: Some libsndfile words.")
        #expect(Catalog.audioProblem(code: "no_such_problem", detail: nil, in: .en) == Catalog.text(.audioProblemUnreadable, in: .en))
    }

    @Test func aFleetRecordingIsNamedByTheTitleOfItsNewestSignedEntry() throws {
        let format = AudioFormat(format: "WAV", sampleRate: 16000, channels: 1, frames: 16000)
        func fleet(_ message: String, _ language: String, issued: Int64, title: String?) -> FleetRecording {
            FleetRecording(recording: Recording(message: message, language: language, path: "/x/\(message)/\(language).wav", audio: format),
                           key: "k", zones: ["town"], trusted: ["town"], issuedAt: issued, title: title)
        }
        var library = MessageLibrary(directory: "/x")
        library.add(fleet: fleet("bulletin", "naxi", issued: 20, title: "防汛公告"))
        library.add(fleet: fleet("bulletin", "mandarin", issued: 10, title: "旧公告"))
        library.add(fleet: fleet("untitled", "naxi", issued: 10, title: nil))
        library.add(fleet: fleet("notice", "naxi", issued: 10, title: "县里的通知"))
        #expect(library.fleetTitles == ["bulletin": "防汛公告", "notice": "县里的通知"], "the newest title, none for a recording without one")

        let naming = Naming(try Self.config(), now: Instant(seconds: 1_800_000_000), language: .zhHans, libraryTitles: library.fleetTitles)
        #expect(naming.message("bulletin") == "防汛公告" && naming.messageNamed("bulletin"))
        #expect(naming.message("untitled") == "untitled" && !naming.messageNamed("untitled"))
        // The township's own configuration titles it first.
        #expect(naming.message("notice") == "通知")
        var row = Self.record("bulletin")
        row.recordReason = RecordReason(.cleared)
        var rowNaming = naming
        #expect(RecordRow(row, naming: &rowNaming, texts: Texts(.zhHans)).title == "防汛公告")
    }

    @Test func aPreviewWarningAndADisabledEntryReadFromTheirCodes() throws {
        let never = Diagnostic.warning("this entry never fires after 2020-01-01T08:00:00+08:00",
                                       at: SourceLocation(file: "schedule.yaml", line: 25, column: 10),
                                       code: "never_fires", ["time": "2020-01-01T08:00:00+08:00"])
        let json = DiagnosticJSON(never)
        #expect(json.text(in: .en) == "this entry never fires after 2020-01-01T08:00:00+08:00")
        let zh = json.text(in: .zhHans)
        #expect(zh.hasPrefix("这条定时播出在 ") && zh.hasSuffix("之后不会再播出") && !zh.contains("never"), "\(zh)")
        #expect(json.line(in: .zhHans) == "schedule.yaml:25:10: warning: \(zh)")
    }
}
