// `laba fleet`: the fleet's commands. `laba fleet keygen PATH` makes a commander's key pair.

import ArgumentParser
import Foundation
import LabaFleet

struct Fleet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "The fleet: units commanded through an MQTT broker.",
        subcommands: [Keygen.self])

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Write a new commander key pair: PATH.key (secret, mode 0600) and PATH.pub.",
            discussion: """
                The secret key goes in the commander's fleet.sign_key; the public key in each unit's \
                fleet.trust, with the zones it may command. KEY_ID (printed) is the first 16 hex digits \
                of the SHA-256 of the public key. Existing files are never replaced.
                """)

        @Argument(help: ArgumentHelp("Where to write the keys, without extension (keys/gucheng).", valueName: "path"))
        var path: String

        @Option(help: "A comment at the end of each key line; default: the file name.")
        var comment: String?

        func validate() throws {
            if path.isEmpty || path.hasSuffix("/") { throw ValidationError("PATH names the files to write, e.g. keys/gucheng") }
        }

        func run() throws {
            let key: FleetSigningKey
            do {
                key = try FleetKeyFile.generate(at: path, comment: comment ?? (path as NSString).lastPathComponent)
            } catch {
                printError("laba: \(error)")
                throw ExitCode.failure
            }
            print("key id \(key.id)")
            print("secret \(path).key  (fleet.sign_key of the commander; keep it secret)")
            print("public \(path).pub  (fleet.trust of each unit it commands)")
        }
    }
}
