// The command line around swift-argument-parser: global options before the subcommand (as
// `docker -H` and `systemctl -H` take them), and usage errors that name the real mistake (an
// unknown option is named even when the parser would first complain about something missing).

import ArgumentParser
import Foundation
import LabaCatalog
import LabaCore
import LabaArguments

/// The commands and options of `laba`, as swift-argument-parser itself describes them (the JSON
/// of `--experimental-dump-help`), so that the checks below never disagree with the parser.
struct CommandTree: Decodable {
    struct Command: Decodable {
        var commandName: String
        var subcommands: [Command]?
        var arguments: [Argument]?

        func subcommand(_ name: String) -> Command? { subcommands?.first { $0.commandName == name } }

        /// Long option names (without dashes) → whether the option takes a value.
        var longOptions: [String: Bool] {
            var names = ["help": false]
            for argument in arguments ?? [] where argument.kind != "positional" {
                for name in argument.names ?? [] where name.kind == "long" { names[name.name] = argument.kind == "option" }
            }
            return names
        }

        /// Short option letters → whether the option takes a value.
        var shortOptions: [Character: Bool] {
            var names: [Character: Bool] = ["h": false]
            for argument in arguments ?? [] where argument.kind != "positional" {
                for name in argument.names ?? [] where name.kind == "short" {
                    if let c = name.name.first { names[c] = argument.kind == "option" }
                }
            }
            return names
        }
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }

        /// `positional`, `option` or `flag`.
        var kind: String
        var names: [Name]?
    }

    var command: Command

    /// `laba`'s tree; nil only if the parser's description could not be read (then the parser's own
    /// messages are shown).
    static let laba: CommandTree? = try? JSONDecoder().decode(CommandTree.self, from: Data(Laba._dumpHelp().utf8))
}

/// `--socket`, `--config` and `--json` may come before the subcommand.
enum GlobalOptions {
    /// Long options (without dashes) that every command may take before its name → whether they take a value.
    static let options = ["socket": true, "config": true, "json": false]

    /// Moves the global options written before the subcommand to just after its name. One the
    /// subcommand does not take is dropped (`laba --config F status`: status does not read the
    /// configuration), as a global option is, by definition, meaningful only where it applies.
    static func hoist(_ arguments: [String], tree: @autoclosure () -> CommandTree?) -> [String] {
        var groups: [(name: String, tokens: [String])] = []
        var i = 0
        while i < arguments.count, arguments[i].hasPrefix("--") {
            let token = arguments[i]
            let name = String(token.dropFirst(2).prefix { $0 != "=" })
            guard let takesValue = options[name] else { break }
            if takesValue && !token.contains("=") {
                groups.append((name, Array(arguments[i..<min(i + 2, arguments.count)])))
                i += 2
            } else {
                groups.append((name, [token]))
                i += 1
            }
        }
        guard !groups.isEmpty, i < arguments.count, !arguments[i].hasPrefix("-") else { return arguments }
        let command = arguments[i]
        let accepted = tree()?.command.subcommand(command)?.longOptions
        let kept = groups.filter { accepted?[$0.name] != nil || accepted == nil }.flatMap(\.tokens)
        return [command] + kept + arguments[(i + 1)...]
    }
}

/// Usage mistakes found in the arguments, worded for the operator.
struct UsageProblems {
    /// The subcommand the mistakes are in, when one was named.
    var command: String?
    var messages: [String]

    /// Looks for an unknown subcommand and for options the subcommand does not have, each with a
    /// suggestion when a known one is close. Nil when neither is found (the parser's own message
    /// then says what is wrong).
    static func find(in arguments: [String], tree: CommandTree) -> UsageProblems? {
        let root = tree.command
        var messages: [String] = []
        var i = 0
        // Options before the subcommand: the root's own (--help, --version) or misspelt global ones.
        let rootOptions = root.longOptions.merging(GlobalOptions.options) { a, _ in a }
        while i < arguments.count, arguments[i].hasPrefix("-") {
            let token = arguments[i]
            if token == "--" { return messages.isEmpty ? nil : UsageProblems(command: nil, messages: messages) }
            i += 1
            guard token.hasPrefix("--") else { continue }
            let name = String(token.dropFirst(2).prefix { $0 != "=" })
            if rootOptions[name] == nil {
                let guess = closestMatch(to: name, in: rootOptions.keys)
                messages.append(unknownOption("--" + name, guess.map { "--" + $0 }))
                if let guess, rootOptions[guess] == true, !token.contains("=") { i += 1 }
            } else if rootOptions[name] == true, !token.contains("=") {
                i += 1
            }
        }
        guard i < arguments.count else { return messages.isEmpty ? nil : UsageProblems(command: nil, messages: messages) }
        let name = arguments[i]
        let names = (root.subcommands ?? []).map(\.commandName)
        guard var command = root.subcommand(name) else {
            let text = closestMatch(to: name, in: names).map {
                Catalog.text(.unknownCommandDidYouMean, ["command": name, "suggestion": $0])
            } ?? Catalog.text(.unknownCommand, ["command": name, "commands": names.filter { $0 != "help" }.joined(separator: ", ")])
            return UsageProblems(command: nil, messages: messages + [text])
        }
        // A subcommand's own subcommand (`fleet keygen`): its options are the ones that count.
        var commandName = name
        i += 1
        while i < arguments.count, let sub = command.subcommand(arguments[i]) {
            command = sub
            commandName += " " + arguments[i]
            i += 1
        }
        let longs = command.longOptions, shorts = command.shortOptions
        while i < arguments.count {
            let token = arguments[i]
            i += 1
            if token == "--" { break }
            if token.hasPrefix("--") {
                let option = String(token.dropFirst(2).prefix { $0 != "=" })
                if let takesValue = longs[option] {
                    if takesValue, !token.contains("=") { i += 1 }
                } else {
                    let guess = closestMatch(to: option, in: longs.keys)
                    messages.append(unknownOption("--" + option, guess.map { "--" + $0 }))
                    // `--zoen x`: x is the value of the option meant, not a stray argument.
                    if let guess, longs[guess] == true, !token.contains("=") { i += 1 }
                }
            } else if token.hasPrefix("-"), token.count > 1 {
                for (k, c) in token.dropFirst().enumerated() {
                    guard let takesValue = shorts[c] else {
                        messages.append(unknownOption("-" + String(c), nil))
                        break
                    }
                    if takesValue {
                        if k == token.count - 2 { i += 1 }
                        break
                    }
                }
            }
        }
        return messages.isEmpty ? nil : UsageProblems(command: commandName, messages: messages)
    }

    static func unknownOption(_ option: String, _ suggestion: String?) -> String {
        suggestion.map { Catalog.text(.unknownOptionDidYouMean, ["option": option, "suggestion": $0]) }
            ?? Catalog.text(.unknownOption, ["option": option])
    }

    /// The messages, then the subcommand's usage, as swift-argument-parser lays out its own errors.
    func render() -> String {
        var text = messages.map { Laba._errorPrefix + $0 }.joined(separator: "\n")
        let type = command.flatMap { name in Laba.configuration.subcommands.first { $0._commandName == name } }
        if let type {
            let usage = CatalogLanguage.current == .en ? nil : command.flatMap { HelpText.usage([$0]) }
            text += "\n" + Catalog.text(.usagePrefix) + (usage ?? Laba.usageString(for: type))
        }
        text += "\n  " + Catalog.text(.seeHelp, ["command": "laba" + (command.map { " " + $0 } ?? "")])
        return text
    }
}

extension Laba {
    /// Parses the arguments (global options moved after the subcommand), runs the command, and
    /// exits with SPEC §9's codes: 64 for every usage mistake, with the mistake named.
    static func main() async {
        // The tree is read only when needed: describing every command costs a few milliseconds.
        let arguments = GlobalOptions.hoist(ProcessArguments.commandArguments, tree: CommandTree.laba)
        // Help in the reader's language (the parser's own in English).
        if let path = HelpText.requestedPath(arguments), let help = HelpText.render(path) {
            print(help)
            Foundation.exit(0)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error) == .validationFailure, let tree = CommandTree.laba,
               let problems = UsageProblems.find(in: arguments, tree: tree) {
                printError(problems.render())
                Foundation.exit(ExitCode.validationFailure.rawValue)
            }
            exitInReadersLanguage(error, arguments: arguments)
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitInReadersLanguage(error, arguments: arguments)
            exit(withError: error)
        }
    }

    /// A usage mistake outside English: the parser's message in the reader's words, the command's
    /// usage and where its help is, then exit 64. Returns for anything else (the parser's own
    /// output then).
    static func exitInReadersLanguage(_ error: any Error, arguments: [String]) {
        guard CatalogLanguage.current != .en, exitCode(for: error) == .validationFailure else { return }
        var path: [String] = []
        for argument in arguments {
            guard !argument.hasPrefix("-"), HelpText.node(path + [argument]) != nil else { break }
            path.append(argument)
        }
        var text = Laba._errorPrefix + Self.readersMessage(Laba.message(for: error))
        if let usage = HelpText.usage(path) { text += "\n" + Catalog.text(.usagePrefix) + usage }
        text += "\n  " + Catalog.text(.seeHelp, ["command": (["laba"] + path).joined(separator: " ")])
        printError(text)
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }

    /// The parser's English messages that a reader meets, in the catalogue's words; others as they are.
    static func readersMessage(_ message: String) -> String {
        let patterns: [(String, Catalog.Key, [String])] = [
            (#"^Missing expected argument '(.+)'$"#, .missingArgument, ["argument"]),
            (#"^Missing value for '(.+)'$"#, .missingValue, ["option"]),
            (#"^Unexpected argument '(.+)'$"#, .unexpectedArgument, ["argument"]),
            (#"^The value '(.*)' is invalid for '(.+)'.*$"#, .invalidValue, ["value", "option"]),
        ]
        for (pattern, key, names) in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
                  let match = regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) else { continue }
            var arguments: [String: String] = [:]
            for (i, name) in names.enumerated() {
                guard let range = Range(match.range(at: i + 1), in: message) else { continue }
                var value = String(message[range])
                // `<message>`: the value's name in the reader's words.
                if value.hasPrefix("<"), value.hasSuffix(">") { value = "<" + HelpText.value(String(value.dropFirst().dropLast())) + ">" }
                arguments[name] = value
            }
            return Catalog.text(key, arguments)
        }
        return message
    }

    /// swift-argument-parser's "Error: " before a message, from the catalogue.
    static var _errorPrefix: String { Catalog.text(.errorPrefix) }
}

/// The CLI's entry, for the one executable (Sources/laba): parses and runs `laba`'s command.
public enum LabaCommandLine {
    public static func main() async { await Laba.main() }
}
