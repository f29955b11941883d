// What `laba library publish` says of each unit once the recording is out: kept, refused and why,
// not answered yet, or an older release that never sees it.

import LabaControl
import Testing

@Suite struct LibraryPublishAnswersTests {
    static let published = LibraryPublishJSON(message: "masks", language: "mandarin", format: "wav", sha256: "00", size: 1,
                                              version: 2000, topic: "t", key: "k1", zones: ["gucheng"])

    static func unit(_ id: String, state: String = "online", library: [UnitJSON.LibraryHeld]? = [],
                     refusals: [UnitJSON.LibraryRefusal]? = nil) -> UnitJSON {
        UnitJSON(unit: id, state: state, since: "", zones: [], outputs: [], version: nil, configDigest: nil, recordingsMissing: [],
                 lastRecord: nil, library: library, libraryRefusals: refusals)
    }

    static func held(_ key: String = "k1", version: Int64) -> UnitJSON.LibraryHeld {
        .init(key: key, message: "masks", language: "mandarin", version: version)
    }

    static func refusal(version: Int64?, key: String = "k1") -> UnitJSON.LibraryRefusal {
        .init(key: key, message: "masks", language: "mandarin", version: version, code: "out_of_scope", reason: "not for lijiang", at: "")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var unit: UnitJSON
        /// kept, refused, waiting, older or none.
        var answer: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "keeps this version", unit: unit("a", library: [held(version: 2000)]), answer: "kept"),
        Case(name: "keeps a newer one of the same key", unit: unit("a", library: [held(version: 3000)]), answer: "kept"),
        Case(name: "keeps another key's only", unit: unit("a", library: [held("k2", version: 9000)]), answer: "waiting"),
        Case(name: "refused this version", unit: unit("a", refusals: [refusal(version: 2000)]), answer: "refused"),
        Case(name: "refused an earlier version", unit: unit("a", library: [], refusals: [refusal(version: 1000)]), answer: "waiting"),
        Case(name: "an older release (no library in its status)", unit: unit("a", library: nil), answer: "older"),
        Case(name: "offline, not answered", unit: unit("a", state: "offline"), answer: "none"),
        Case(name: "the commander itself", unit: unit("office"), answer: "none"),
    ]

    @Test(arguments: cases)
    func eachUnitIsNamedByItsAnswer(_ c: Case) {
        let a = LibraryPublishAnswers(Self.published, units: [c.unit], commander: "office")
        let got = !a.kept.isEmpty ? "kept" : !a.refused.isEmpty ? "refused" : !a.waiting.isEmpty ? "waiting"
            : !a.older.isEmpty ? "older" : "none"
        #expect(got == c.answer)
    }
}
