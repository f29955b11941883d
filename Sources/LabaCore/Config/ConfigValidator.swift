// Checks that need the whole file: duplicate ids, references between sections, the zone tree.

enum ConfigValidator {
    static func validate(_ config: Config, rootLocation: SourceLocation) -> [Diagnostic] {
        var out: [Diagnostic] = []

        func checkDuplicates(_ ids: [Located<String>], _ what: String) {
            var seen: [String: SourceLocation] = [:]
            for id in ids {
                if let first = seen[id.value] {
                    out.append(.error("duplicate \(what) id '\(id.value)' (first defined at \(first.line):\(first.column))",
                                      at: id.location, code: "duplicate_id",
                                      ["section": what, "value": id.value, "line": "\(first.line)", "column": "\(first.column)"]))
                } else {
                    seen[id.value] = id.location
                }
            }
        }
        checkDuplicates(config.zones.map(\.id), "zone")
        checkDuplicates(config.outputs.map(\.id), "output")
        checkDuplicates(config.messages.map(\.id), "message")
        var entries: [String: SourceLocation] = [:]
        for entry in config.zones.flatMap(\.schedule) {
            if let first = entries[entry.id] {
                let hint = entry.id.contains("#")
                    ? "two entries of zone '\(entry.zone)' play '\(entry.message.value)' at the same times; give one an id: "
                    : "duplicate schedule entry id '\(entry.id)'"
                out.append(.error("\(hint) (first defined at \(first.line):\(first.column))", at: entry.idLocation,
                                  code: entry.id.contains("#") ? "same_entry_twice" : "duplicate_id",
                                  ["section": "entry", "value": entry.id, "zone": entry.zone, "message": entry.message.value,
                                   "line": "\(first.line)", "column": "\(first.column)"]))
            } else {
                entries[entry.id] = entry.idLocation
            }
        }

        let zoneIDs = Set(config.zones.map(\.id.value))
        let languageIDs = config.languages.map(\.id)

        func checkLanguages(_ list: Located<[Located<String>]>?) {
            for language in list?.value ?? [] where !languageIDs.contains(language.value) {
                out.append(.error("unknown language '\(language.value)'\(didYouMean(language.value, languageIDs))",
                                  at: language.location, code: "unknown_language",
                                  suggested(["value": language.value], language.value, languageIDs)))
            }
        }
        checkLanguages(config.defaults.languages)

        for zone in config.operators.zones?.value ?? [] where !zoneIDs.contains(zone.value) {
            out.append(.error("unknown zone '\(zone.value)'\(didYouMean(zone.value, zoneIDs))", at: zone.location,
                              code: "unknown_zone", suggested(["value": zone.value], zone.value, zoneIDs.sorted())))
        }
        for output in config.outputs where !zoneIDs.contains(output.zone.value) {
            out.append(.error("unknown zone '\(output.zone.value)'\(didYouMean(output.zone.value, zoneIDs))",
                              at: output.zone.location, code: "unknown_zone",
                              suggested(["value": output.zone.value], output.zone.value, zoneIDs.sorted())))
        }
        for zone in config.zones {
            if let parent = zone.parent, !zoneIDs.contains(parent.value) {
                out.append(.error("unknown parent zone '\(parent.value)'\(didYouMean(parent.value, zoneIDs))",
                                  at: parent.location, code: "unknown_parent_zone",
                                  suggested(["value": parent.value], parent.value, zoneIDs.sorted())))
            }
            checkLanguages(zone.settings.languages)
            for entry in zone.schedule {
                checkLanguages(entry.languages)
                if let from = entry.from, let until = entry.until, until.value < from.value {
                    out.append(.error("until \(until.value) is before from \(from.value)", at: until.location, code: "date_before",
                                      ["key": "until", "value": "\(until.value)", "other_key": "from", "other": "\(from.value)"]))
                }
            }
        }
        for message in config.messages {
            if let from = message.validFrom, let until = message.validUntil, until.value < from.value {
                out.append(.error("valid_until \(until.value) is before valid_from \(from.value)", at: until.location, code: "date_before",
                                  ["key": "valid_until", "value": "\(until.value)", "other_key": "valid_from", "other": "\(from.value)"]))
            }
        }
        out += cycleErrors(config.zones)

        if config.outputs.isEmpty {
            out.append(.warning("no outputs are configured: nothing will play", at: rootLocation, code: "no_outputs"))
        }
        if config.zones.isEmpty {
            out.append(.warning("no zones are configured", at: rootLocation, code: "no_zones"))
        }
        return out
    }

    /// One error per cycle, at the `parent` of the cycle's zone that comes first in the file.
    static func cycleErrors(_ zones: [ZoneConfig]) -> [Diagnostic] {
        var parentOf: [String: Located<String>] = [:]
        for zone in zones where parentOf[zone.id.value] == nil {
            if let parent = zone.parent { parentOf[zone.id.value] = parent }
        }
        var reported = Set<String>()
        var out: [Diagnostic] = []
        for zone in zones where !reported.contains(zone.id.value) {
            var path = [zone.id.value]
            var current = zone.id.value
            while let parent = parentOf[current]?.value {
                if let start = path.firstIndex(of: parent) {
                    let cycle = Array(path[start...])
                    if cycle.first == zone.id.value, !cycle.contains(where: reported.contains) {
                        reported.formUnion(cycle)
                        let text = (cycle + [cycle[0]]).joined(separator: " → ")
                        out.append(.error("the zone tree has a cycle: \(text)", at: parentOf[zone.id.value]!.location,
                                          code: "zone_cycle", ["cycle": text]))
                    }
                    break
                }
                path.append(parent)
                current = parent
            }
        }
        return out
    }
}
