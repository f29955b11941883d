import Foundation
import LabaCatalog
import LabaControl
import Testing
@testable import LabaConsole

/// The schedule form's presets: what each builds (the fields `laba schedule add` sends), what it
/// refuses, and an entry read back into its preset and words.
@Suite struct EntryFormTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var fields: String
        var expression: String?
        var problem: Catalog.Key?
        var testDescription: String { fields }
    }

    static let cases: [Case] = [
        .init(fields: "preset=daily&time=07:30", expression: "07:30"),
        .init(fields: "preset=daily&time=7:05:00", expression: "07:05"),
        .init(fields: "preset=weekdays&time=17:30&until=2027-06-30", expression: "Mon..Fri 17:30 · until 2027-06-30"),
        .init(fields: "preset=every&time=07:30&days=5&from=2026-12-03", expression: "07:30 · every 5d · from 2026-12-03"),
        .init(fields: "preset=every&time=07:30&days=1&from=2026-12-03", expression: "07:30 · from 2026-12-03"),
        .init(fields: "preset=once&time=09:00&date=2026-12-24&until=2026-12-01", expression: "2026-12-24 09:00"),
        .init(fields: "preset=times&times=18:00,+7:30%E3%80%8112:00+18:00", expression: "07:30; 12:00; 18:00"),
        .init(fields: "preset=custom&expression=Sat,Sun+10:00%3B+*-*-01+08:00", expression: "Sat,Sun 10:00; *-*-01 08:00"),
        .init(fields: "preset=daily&time=24:00", problem: .webBadTime),
        .init(fields: "preset=daily", problem: .webBadTime),
        .init(fields: "preset=every&time=07:30&days=0&from=2026-12-03", problem: .webBadDays),
        .init(fields: "preset=every&time=07:30&days=5&from=12/03/2026", problem: .webBadDate),
        .init(fields: "preset=once&time=07:30&date=2026-02-30", problem: .webBadDate),
        .init(fields: "preset=times&times=07:30+25:00", problem: .webBadTime),
        .init(fields: "preset=times&times=+", problem: .webNoTimes),
        .init(fields: "preset=custom&expression=+%3B+", problem: .webNoExpression),
        .init(fields: "preset=daily&time=07:30&until=soon", problem: .webBadDate),
    ]

    @Test(arguments: cases) func aPresetBuildsTheExpressionOrSaysWhatIsWrong(_ c: Case) {
        switch EntryForm(Form(c.fields)).build() {
        case .success(let built):
            #expect(built.expression == c.expression && c.problem == nil)
        case .failure(let problem):
            #expect(problem.key == c.problem && c.expression == nil)
        }
    }

    @Test func theMarketDayPresetSendsWhatTheCommandLineSends() throws {
        let form = EntryForm(Form("message=market&zone=gucheng&preset=every&time=07:30&days=5&from=2026-12-03&repeat=2"))
        let built = try form.build().get()
        let request = try form.request(built, baseVersion: 3).get()
        #expect(request == ScheduleEntryRequest(message: "market", zone: "gucheng", at: ["07:30"], every: "5d", from: "2026-12-03",
                                                repeat: 2, baseVersion: 3))
        #expect(form.commandLine(built) == "laba schedule add market --zone gucheng --at 07:30 --every 5d --from 2026-12-03 --repeat 2")
        #expect((try? EntryForm(Form("zone=gucheng&preset=daily&time=07:30")).request(built, baseVersion: nil).get()) == nil)
    }

    struct Words: Sendable, CustomTestStringConvertible {
        var at: [String]
        var every: String?
        var from: String?
        var preset: EntryForm.Preset
        var zh: String
        var testDescription: String { "\(at) \(every ?? "") \(from ?? "")" }
    }

    static let words: [Words] = [
        .init(at: ["20:30"], preset: .daily, zh: "每天 20:30"),
        .init(at: ["Mon..Fri 17:30"], preset: .weekdays, zh: "周一至周五 17:30"),
        .init(at: ["07:30"], every: "5d", from: "2026-12-03", preset: .every, zh: "从 2026-12-03 起每 5 天 07:30"),
        .init(at: ["2026-12-24 09:00"], preset: .once, zh: "仅一次：2026-12-24 09:00"),
        .init(at: ["07:30", "18:00"], preset: .times, zh: "每天 07:30、18:00"),
        // Expressions no preset makes, in words where they are common ones (issue 26), else as written.
        .init(at: ["Sat,Sun 10:00"], preset: .custom, zh: "周六、周日 10:00"),
        .init(at: ["*-*-* 15:00"], preset: .custom, zh: "每天 15:00"),
        .init(at: ["Mon..Wed,Sat 08:00:00"], preset: .custom, zh: "周一至周三、周六 08:00"),
        .init(at: ["Sat 09:30", "*-*-* 12:00,18:00"], preset: .custom, zh: "周六 09:30、每天 12:00、18:00"),
        .init(at: ["*-*-01 08:00"], preset: .custom, zh: "*-*-01 08:00"),
        .init(at: ["Mon *-*-01 08:00"], preset: .custom, zh: "Mon *-*-01 08:00"),
        .init(at: ["weekly"], preset: .custom, zh: "weekly"),
    ]

    /// An entry of either layer, read back into the preset that makes it, and said in words.
    @Test(arguments: words) func anEntryIsReadBackIntoItsPreset(_ w: Words) throws {
        var entry = try JSONDecoder().decode(ScheduleEntryJSON.self, from: Data(#"""
            {"id": "op-1", "origin": "operator", "zone": "town", "message": "notice", "at": [], "paused": false}
            """#.utf8))
        entry.at = w.at
        entry.every = w.every
        entry.from = w.from
        let form = EntryForm(entry: entry)
        #expect(form.preset == w.preset)
        #expect(form.words(Texts(.zhHans)) == w.zh)
        // What the form builds again is the entry's own schedule.
        if w.preset != .custom {
            let built = try form.build().get()
            #expect(built.at == w.at && built.every == w.every && built.from == w.from)
        }
    }
}
