// laba's help in Chinese for every command (issue 26): the parser's command tree walked, and every
// line the help shows (a command's summary, each argument and option, each value's name) must have
// a catalogue key, which CatalogTests holds to a text in every language.

import LabaCatalog
import LabaFleet
import Testing
@testable import LabaCLI

@Suite struct HelpTextTests {
    /// Every help line of the command at `path` and below that has no catalogue text.
    static func untranslated(_ node: HelpText.Node, _ path: [String]) -> [String] {
        func has(_ names: String...) -> Bool { names.contains { Catalog.Key(rawValue: $0) != nil } }
        let key = "help" + (path.isEmpty ? "Laba" : HelpText.camel(path))
        let command = "laba " + path.joined(separator: " ")
        var missing: [String] = []
        if !has(key) { missing.append("\(command): \(key) (\(node.abstract ?? ""))") }
        for argument in node.arguments ?? [] where argument.shouldDisplay != false {
            if argument.kind == "positional" {
                let name = argument.valueName ?? "value"
                if !has(key + "Arg" + HelpText.camel([name]), "helpArg" + HelpText.camel([name])) {
                    missing.append("\(command) <\(name)>: \(key)Arg\(HelpText.camel([name])) (\(argument.abstract ?? ""))")
                }
            } else {
                let long = argument.names?.first { $0.kind == "long" }?.name ?? argument.valueName ?? ""
                if !has(key + "Opt" + HelpText.camel([long]), "helpOpt" + HelpText.camel([long])) {
                    missing.append("\(command) --\(long): \(key)Opt\(HelpText.camel([long])) (\(argument.abstract ?? ""))")
                }
            }
            if argument.kind != "flag", let value = argument.valueName, !has("value" + HelpText.camel([value])) {
                missing.append("\(command): value\(HelpText.camel([value])) (<\(value)>)")
            }
        }
        for sub in node.subcommands ?? [] where sub.shouldDisplay != false {
            missing += untranslated(sub, path + [sub.commandName])
        }
        return missing
    }

    @Test func everyCommandsHelpHasChineseWords() throws {
        let tree = try #require(HelpText.tree)
        let missing = Self.untranslated(tree, [])
        #expect(missing.isEmpty, "help lines without a catalogue text:\n\(missing.joined(separator: "\n"))")
    }

    /// The walk finds what it should: a command the parser knows and a key it must find.
    @Test func theWalkReachesSubcommandsAndTheirOptions() throws {
        let add = try #require(HelpText.node(["schedule", "add"]))
        #expect(add.arguments?.contains { $0.names?.contains { $0.name == "at" } == true } == true)
        #expect(Self.untranslated(add, ["schedule", "add"]).isEmpty)
        #expect(Catalog.text(.helpScheduleAddOptAt, in: .zhHans).contains("播出时间表达式"))
    }
}

/// Every reason a unit gives for refusing a fleet command reads in the clerk's words.
@Suite struct FleetRefusalWordsTests {
    @Test func everyFleetRefusalCodeHasWords() {
        for code in FleetRefusalCode.allCases {
            #expect(Catalog.fleetRefusal(code: code.rawValue, in: .zhHans) != nil, "\(code)")
            #expect(Catalog.fleetRefusal(code: code.rawValue, in: .en) != Catalog.fleetRefusal(code: code.rawValue, in: .zhHans), "\(code)")
        }
        #expect(Catalog.fleetRefusal(code: "quiet_hours") == nil)
    }
}
