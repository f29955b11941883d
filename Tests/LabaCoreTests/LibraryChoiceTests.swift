// Which fleet recording an output plays (SPEC 17): the key trusted nearest the root, then the
// newer issued_at; none for the zone: audio_dir's.

import LabaCore
import Testing

@Suite struct LibraryChoiceTests {
    /// lijiang > gucheng > xianghe, lijiang > baisha.
    static let tree: ZoneTree = {
        let result = ConfigLoader.parse(yaml: """
            zones:
              - id: lijiang
              - {id: gucheng, parent: lijiang}
              - {id: xianghe, parent: gucheng}
              - {id: baisha, parent: lijiang}
            """, file: "t.yaml", directory: "/cfg")
        return ZoneTree(result.config!)
    }()

    static func fleet(_ key: String, zones: [String], trusted: [String], at issuedAt: Int64) -> FleetRecording {
        FleetRecording(recording: Recording(message: "masks", language: "mandarin", path: "/state/library/.keys/\(key)/masks/mandarin.wav",
                                            audio: AudioFormat(format: "WAV", sampleRate: 8000, channels: 1, frames: 8000)),
                       key: key, zones: zones, trusted: trusted, issuedAt: issuedAt)
    }

    static let county = fleet("county", zones: ["lijiang"], trusted: ["lijiang"], at: 100)
    static let countyNewer = fleet("county2", zones: ["lijiang"], trusted: ["lijiang"], at: 200)
    static let township = fleet("township", zones: ["gucheng"], trusted: ["gucheng"], at: 900)
    static let townshipNewer = fleet("township2", zones: ["gucheng"], trusted: ["gucheng"], at: 950)
    /// The county's key, signing for gucheng only.
    static let countyForGucheng = fleet("county", zones: ["gucheng"], trusted: ["lijiang"], at: 50)
    /// A key no longer trusted here.
    static let revoked = fleet("old", zones: ["lijiang"], trusted: [], at: 999)
    /// The township's key, claiming the county (kept before zones were checked).
    static let overreach = fleet("township", zones: ["lijiang"], trusted: ["gucheng"], at: 999)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var candidates: [FleetRecording]
        var zone: String
        /// The key chosen, or nil for audio_dir's.
        var chosen: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the county's before the township's newer one, in the township", candidates: [township, county],
             zone: "gucheng", chosen: "county"),
        Case(name: "the county's before the township's, in a compound of the township", candidates: [county, township],
             zone: "xianghe", chosen: "county"),
        Case(name: "the township's alone, in the township", candidates: [township], zone: "xianghe", chosen: "township"),
        Case(name: "the township's never outside the township", candidates: [township], zone: "baisha", chosen: nil),
        Case(name: "a township key's claim on the county stops at its trust", candidates: [overreach], zone: "baisha", chosen: nil),
        Case(name: "a township key's claim on the county plays in its township", candidates: [overreach], zone: "gucheng",
             chosen: "township"),
        Case(name: "two keys at the same level: the newer", candidates: [township, townshipNewer], zone: "gucheng",
             chosen: "township2"),
        Case(name: "two county keys: the newer", candidates: [countyNewer, county], zone: "baisha", chosen: "county2"),
        Case(name: "a county recording for gucheng only is not for baisha", candidates: [countyForGucheng], zone: "baisha",
             chosen: nil),
        Case(name: "a county recording for gucheng wins there over the township's newer one",
             candidates: [township, countyForGucheng], zone: "gucheng", chosen: "county"),
        Case(name: "a key no longer trusted plays nowhere", candidates: [revoked], zone: "lijiang", chosen: nil),
        Case(name: "no fleet recording: audio_dir's", candidates: [], zone: "lijiang", chosen: nil),
        Case(name: "a zone the tree lacks: none", candidates: [county], zone: "atlantis", chosen: nil),
    ]

    @Test(arguments: cases)
    func theKeyTrustedNearestTheRootWinsThenTheNewer(_ c: Case) {
        #expect(LibraryChoice.choose(c.candidates, zone: c.zone, tree: Self.tree)?.key == c.chosen)
        #expect(LibraryChoice.choose(c.candidates.reversed(), zone: c.zone, tree: Self.tree)?.key == c.chosen, "order of files")
    }

    @Test func anyFleetRecordingComesBeforeAudioDirsAndAudioDirsPlaysWhereNoneIsFor() {
        var library = MessageLibrary(directory: "/audio")
        let local = Recording(message: "masks", language: "mandarin", path: "/audio/masks/mandarin.wav",
                              audio: AudioFormat(format: "WAV", sampleRate: 8000, channels: 1, frames: 8000))
        library.add(local)
        library.add(fleet: Self.township)
        #expect(library.recording(message: "masks", language: "mandarin", zone: "gucheng", tree: Self.tree)?.path
                == Self.township.recording.path)
        #expect(library.recording(message: "masks", language: "mandarin", zone: "baisha", tree: Self.tree)?.path == local.path)
        #expect(library.languages(of: "masks") == ["mandarin"])
    }
}
