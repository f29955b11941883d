import Testing
@testable import LabaCore

@Suite struct ZoneTreeTests {
    static let yaml = """
        defaults:
          languages: [mandarin]
          gap: 2s
          chime: chime
          volume_db: -1
          quiet_hours: "22:00-07:00"
        outputs:
          - {id: o, device: hw, zone: community}
        zones:
          - id: city
            loudness_lufs: -18
            schedule:
              - {message: masks, at: "08:00"}
          - id: district
            parent: city
            languages: [naxi, mandarin]
            gap: 500ms
            schedule:
              - {message: handwash, at: "10:30", languages: [naxi]}
          - id: community
            parent: district
            chime: none
            quiet_hours: none
            volume_db: -6
            schedule:
              - {message: gathering, at: "Sat 09:00"}
          - id: other
            parent: city
        """

    @Test func threeLevelsOfInheritance() throws {
        let result = load(Self.yaml)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let tree = ZoneTree(try #require(result.config))

        let city = try #require(tree["city"])
        #expect(city.languages == ["mandarin"] && city.gap == .seconds(2) && city.chime == "chime")
        #expect(city.loudness == .lufs(-18) && city.volumeDB == -1)
        #expect(city.quietHours == QuietHours(start: 1320, end: 420))
        #expect(city.entries.map(\.id) == ["city#masks-e7317da5"])

        let district = try #require(tree["district"])
        #expect(district.languages == ["naxi", "mandarin"] && district.gap == .milliseconds(500))
        #expect(district.chime == "chime" && district.loudness == .lufs(-18))
        #expect(district.entries.map(\.id) == ["city#masks-e7317da5", "district#handwash-b7f504a1"])
        #expect(district.ancestors == ["city"])

        let community = try #require(tree["community"])
        #expect(community.languages == ["naxi", "mandarin"] && community.gap == .milliseconds(500))
        #expect(community.chime == nil, "an explicit 'none' overrides the inherited chime")
        #expect(community.quietHours == nil, "an explicit 'none' overrides inherited quiet hours")
        #expect(community.volumeDB == -6 && community.loudness == .lufs(-18))
        #expect(community.entries.map(\.id) == ["city#masks-e7317da5", "district#handwash-b7f504a1", "community#gathering-6089f278"])
        #expect(community.entries[1].languages?.value.map(\.value) == ["naxi"])
        #expect(community.ancestors == ["district", "city"])

        let other = try #require(tree["other"])
        #expect(other.languages == ["mandarin"] && other.entries.map(\.id) == ["city#masks-e7317da5"])
    }

    @Test func subtreesAndMembership() throws {
        let tree = ZoneTree(try #require(load(Self.yaml).config))
        #expect(tree.subtree(of: "city") == ["city", "district", "community", "other"])
        #expect(tree.subtree(of: "district") == ["district", "community"])
        #expect(tree.zone("community", isWithin: "city") && tree.zone("community", isWithin: "community"))
        #expect(!tree.zone("city", isWithin: "community") && !tree.zone("other", isWithin: "district"))
        #expect(tree.depth(of: "community") == 2)
    }

    @Test func builtInDefaultsWithoutDefaultsSection() throws {
        let tree = ZoneTree(try #require(load("zones:\n  - id: a\n").config))
        let a = try #require(tree["a"])
        #expect(a.languages == ["mandarin"] && a.gap == .seconds(1) && a.chime == nil)
        #expect(a.loudness == .lufs(-16) && a.volumeDB == 0 && a.quietHours == nil)
    }

    @Test func cyclesAreCutNotLooped() throws {
        let result = load("zones:\n  - {id: a, parent: b, languages: [yi]}\n  - {id: b, parent: a}\n")
        let tree = ZoneTree(try #require(result.config))
        #expect(tree["a"]?.parent == nil && tree["b"]?.parent == nil)
        #expect(tree["a"]?.languages == ["yi"] && tree["b"]?.languages == ["mandarin"])
    }
}
