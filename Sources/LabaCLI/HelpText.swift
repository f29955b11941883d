// `laba`'s help in the reader's language (issue 26): laid out from swift-argument-parser's own
// description of the command tree (`--experimental-dump-help`, as Usage.swift reads it), with the
// words from the catalogue: `help` + the command's path for its abstract (`helpPlay`), + `Opt` +
// the option's name for an option (`helpPlayOptZone`, else the shared `helpOptZone`), + `Arg` for
// an argument, `value` + a value's name (`valueZone`). In English the parser's own help is shown,
// so that `generate-manual` (run under LANG=C) and scripts see what they always saw.

import ArgumentParser
import Foundation
import LabaCatalog

enum HelpText {
    struct Node: Decodable {
        var commandName: String
        var abstract: String?
        var discussion: String?
        var arguments: [Argument]?
        var subcommands: [Node]?
        var shouldDisplay: Bool?
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }

        var kind: String
        var names: [Name]?
        var valueName: String?
        var abstract: String?
        var isOptional: Bool?
        var isRepeating: Bool?
        var shouldDisplay: Bool?
        var defaultValue: String?
    }

    struct Tree: Decodable {
        var command: Node
    }

    static let tree: Node? = try? JSONDecoder().decode(Tree.self, from: Data(Laba._dumpHelp().utf8)).command

    /// The command `path` names (`["schedule", "add"]`), or nil.
    static func node(_ path: [String]) -> Node? {
        var node = tree
        for name in path { node = node?.subcommands?.first { $0.commandName == name } }
        return node
    }

    /// The catalogue text of `name` (a key's raw value), or nil when the catalogue has none.
    static func text(_ name: String, _ arguments: [String: String] = [:]) -> String? {
        Catalog.Key(rawValue: name).map { Catalog.text($0, arguments) }
    }

    static func camel(_ words: [String]) -> String {
        words.flatMap { $0.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "," }) }
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A value's name as the reader reads it (`<区域>`).
    static func value(_ name: String) -> String { text("value" + camel([name])) ?? name }

    /// The usage line of the command at `path`.
    static func usage(_ path: [String]) -> String? {
        guard let node = node(path) else { return nil }
        var parts = ["laba"] + path
        let arguments = (node.arguments ?? []).filter { $0.shouldDisplay != false }
        if arguments.contains(where: { $0.kind != "positional" && !["help", "version"].contains($0.names?.first { $0.kind == "long" }?.name ?? "") }) {
            parts.append("[<\(value("options"))>]")
        }
        for argument in arguments where argument.kind == "positional" {
            var shown = "<\(value(argument.valueName ?? "value"))>"
            if argument.isRepeating == true { shown += " ..." }
            parts.append(argument.isOptional == true ? "[\(shown)]" : shown)
        }
        if !(node.subcommands ?? []).isEmpty { parts.append("<\(value("subcommand"))>") }
        return parts.joined(separator: " ")
    }

    /// The help of the command at `path` in the reader's language; nil in English (the parser's
    /// own help is shown) or for a path that names no command.
    static func render(_ path: [String], language: CatalogLanguage = .current) -> String? {
        guard language != .en, let node = node(path) else { return nil }
        let key = "help" + (path.isEmpty ? "Laba" : camel(path))
        var out: [String] = []
        out.append(Catalog.text(.helpOverview) + (text(key) ?? node.abstract ?? ""))
        if let discussion = text(key + "Discussion") { out += ["", discussion] }
        out += ["", Catalog.text(.helpUsage) + (usage(path) ?? "laba")]

        func row(_ left: String, _ right: String) -> String {
            // Columns as a terminal shows them: a Chinese character takes two.
            let width = left.reduce(0) { $0 + ($1.isASCII ? 1 : 2) }
            let pad = width < 24 ? String(repeating: " ", count: 24 - width) : "\n" + String(repeating: " ", count: 26)
            return "  " + left + pad + right
        }
        let arguments = (node.arguments ?? []).filter { $0.shouldDisplay != false }
        let positionals = arguments.filter { $0.kind == "positional" }
        if !positionals.isEmpty {
            out += ["", Catalog.text(.helpArguments)]
            for argument in positionals {
                let name = argument.valueName ?? "value"
                out.append(row("<\(value(name))>", text(key + "Arg" + camel([name])) ?? text("helpArg" + camel([name])) ?? argument.abstract ?? ""))
            }
        }
        let options = arguments.filter { $0.kind != "positional" }
        if !options.isEmpty {
            out += ["", Catalog.text(.helpOptions)]
            for option in options {
                let names = (option.names ?? []).sorted { $0.kind == "short" && $1.kind != "short" }
                    .map { $0.kind == "short" ? "-" + $0.name : "--" + $0.name }.joined(separator: ", ")
                let long = option.names?.first { $0.kind == "long" }?.name ?? option.valueName ?? ""
                var left = names
                if option.kind == "option" { left += " <\(value(option.valueName ?? "value"))>" }
                var words = text(key + "Opt" + camel([long])) ?? text("helpOpt" + camel([long])) ?? option.abstract ?? ""
                if let value = option.defaultValue, !value.isEmpty { words += Catalog.text(.helpDefault, ["value": value]) }
                out.append(row(left, words))
            }
        }
        let subcommands = (node.subcommands ?? []).filter { $0.shouldDisplay != false }
        if !subcommands.isEmpty {
            out += ["", Catalog.text(.helpSubcommands)]
            for sub in subcommands {
                out.append(row(sub.commandName, text("help" + camel(path + [sub.commandName])) ?? sub.abstract ?? ""))
            }
            out += ["", Catalog.text(.seeHelp, ["command": (["laba"] + path).joined(separator: " ") + " <\(value("subcommand"))>"])]
        }
        return out.joined(separator: "\n")
    }

    /// The command path a help request asks about (`laba play --help`, `laba help play`,
    /// `laba schedule add -h`), or nil when the arguments ask for no help.
    static func requestedPath(_ arguments: [String]) -> [String]? {
        if arguments.first == "help" { return Array(arguments.dropFirst().prefix { !$0.hasPrefix("-") }) }
        guard arguments.contains("--help") || arguments.contains("-h") else { return nil }
        var path: [String] = []
        for argument in arguments {
            guard !argument.hasPrefix("-"), node(path + [argument]) != nil else { break }
            path.append(argument)
        }
        return path
    }
}
