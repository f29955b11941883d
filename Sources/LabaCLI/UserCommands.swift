// `laba user add|passwd|zones|remove|list` (the web console's accounts, in the state dir) and
// `laba console cert` (the fingerprint of the console's certificate, for the clerk to compare).

import ArgumentParser
import Crypto
import Foundation
import HummingbirdBcrypt
import LabaCatalog
import LabaCore
import LabaStore

/// `--state-dir`: the daemon's state dir, where the accounts live.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("labad's state directory (default: $LABA_STATE_DIR or /var/lib/laba).", valueName: "dir"))
    var stateDir: String?

    var directory: String { stateDir ?? ProcessInfo.processInfo.environment["LABA_STATE_DIR"] ?? StateLayout.defaultDirectory }

    /// Opens the database; a state dir that cannot be opened is named with the reason (exit 1).
    func store() throws -> Store {
        let path = StateLayout(directory: directory).database
        guard FileManager.default.fileExists(atPath: directory) else {
            complain(.stateDirMissing, ["dir": directory])
            throw ExitCode.failure
        }
        do { return try Store(path: path) } catch {
            complain(.stateDirUnusable, ["path": path, "error": "\(error)"])
            throw ExitCode.failure
        }
    }

    /// Run as root, gives the database files it may have created back to the state dir's owner
    /// (the laba user), so that labad can still write them.
    func handBack() {
        guard getuid() == 0, let owner = try? FileManager.default.attributesOfItem(atPath: directory)[.ownerAccountID] as? NSNumber,
              let group = try? FileManager.default.attributesOfItem(atPath: directory)[.groupOwnerAccountID] as? NSNumber else { return }
        let database = StateLayout(directory: directory).database
        for path in [database, database + "-wal", database + "-shm"] where FileManager.default.fileExists(atPath: path) {
            _ = chown(path, uid_t(owner.uint32Value), gid_t(group.uint32Value))
        }
    }
}

/// The bcrypt cost of the console's password hashes (OWASP's minimum; a small board checks one in
/// well under a second).
let passwordCost: UInt8 = 10

struct User: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the web console's accounts (run as root or the laba user).",
        subcommands: [Add.self, Passwd.self, Zones.self, Remove.self, List.self])

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case viewer, `operator`, admin
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account; the password is asked twice, or read from standard input.")
        @Argument(help: "The account's name (what the record shows).") var name: String
        @Option(help: "viewer (sees), operator (broadcasts, stops, records, moves units) or admin (also manages accounts).")
        var role: Role
        @Flag(help: "Read the password as one line from standard input.") var passwordStdin = false
        @OptionGroup var zones: ZoneOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var state: StateOptions

        func validate() throws { try validateAccountName(name) }

        func run() throws {
            if role == .admin, zones.given != nil, zones.given != .configured {
                complain(.accountZonesForAdmin)
                throw ExitCode(64)
            }
            let store = try state.store()
            defer { state.handBack() }
            if (try? store.account(name)) ?? nil != nil {
                complain(.accountExists, ["name": name])
                throw ExitCode.failure
            }
            let password = try readPassword(fromStdin: passwordStdin)
            let account = ConsoleAccount(name: name, role: ConsoleRole(rawValue: role.rawValue)!,
                                         passwordHash: Bcrypt.hash(password, cost: passwordCost),
                                         createdAt: Instant(Date()).microseconds, zones: try zones.checked(config: config.path) ?? .configured)
            do { try store.addAccount(account) } catch {
                complain(.accountExists, ["name": name])
                throw ExitCode.failure
            }
            print(t(.accountAdded, ["name": name, "role": role.rawValue]))
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set an account's password (its sessions end).")
        @Argument(help: "The account.") var name: String
        @Flag(help: "Read the password as one line from standard input.") var passwordStdin = false
        @OptionGroup var state: StateOptions

        func run() throws {
            let store = try state.store()
            defer { state.handBack() }
            guard (try? store.account(name)) ?? nil != nil else {
                complain(.accountMissing, ["name": name])
                throw ExitCode.failure
            }
            let password = try readPassword(fromStdin: passwordStdin)
            try store.setPassword(name, hash: Bcrypt.hash(password, cost: passwordCost))
            print(t(.passwordChanged, ["name": name]))
        }
    }

    struct Zones: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zones",
            abstract: "Set where an account may broadcast, stop, talk, move and schedule (its sessions go on).",
            discussion: "Without zones, an operator acts within operators.zones of the configuration, or everywhere when that is unset; an admin acts everywhere.")
        @Argument(help: "The account.") var name: String
        @Argument(help: "Its zones, separated by commas (and the zones below them).") var list: String?
        @Flag(help: "Everywhere, whatever operators.zones says.") var everywhere = false
        @Flag(help: "As operators.zones of the configuration says (the default).") var configured = false
        @OptionGroup var config: ConfigOptions
        @OptionGroup var state: StateOptions

        var options: ZoneOptions { ZoneOptions(zones: list, everywhere: everywhere, configured: configured) }

        func validate() throws {
            guard options.given != nil else { throw ValidationError(t(.cliZonesGive)) }
            try options.validate()
        }

        func run() throws {
            let store = try state.store()
            defer { state.handBack() }
            guard let account = (try? store.account(name)) ?? nil else {
                complain(.accountMissing, ["name": name])
                throw ExitCode.failure
            }
            let zones = try options.checked(config: config.path) ?? .configured
            if account.role == .admin, zones != .configured {
                complain(.accountZonesForAdmin)
                throw ExitCode(64)
            }
            try store.setZones(name, zones: zones)
            print(t(.accountZonesSet, ["name": name, "zones": describe(zones, role: account.role)]))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an account (its sessions end; its records stay).")
        @Argument(help: "The account.") var name: String
        @OptionGroup var state: StateOptions

        func run() throws {
            defer { state.handBack() }
            do { try state.store().removeAccount(name) } catch AccountError.notFound {
                complain(.accountMissing, ["name": name])
                throw ExitCode.failure
            }
            print(t(.accountRemoved, ["name": name]))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts and their roles.")
        @OptionGroup var state: StateOptions

        func run() throws {
            defer { state.handBack() }
            let accounts = try state.store().accounts()
            if accounts.isEmpty {
                print(t(.noAccounts))
                return
            }
            print(TextTable(header: [t(.columnAccount), t(.columnRole), t(.columnZones), t(.columnLanguage)],
                            rows: accounts.map { [$0.name, $0.role.rawValue, describe($0.zones, role: $0.role), $0.language ?? "-"] }).render())
        }
    }
}

/// `--zones Z,...`, `--everywhere`, `--configured`: where an account may act (SPEC 17).
struct ZoneOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The zones it may act in, separated by commas (and the zones below them); default: operators.zones of the configuration.",
                               valueName: "zones"))
    var zones: String?
    @Flag(help: "It may act everywhere, whatever operators.zones says.") var everywhere = false
    @Flag(help: "It acts as operators.zones of the configuration says (the default).") var configured = false

    init() {}

    init(zones: String?, everywhere: Bool, configured: Bool) {
        self.zones = zones
        self.everywhere = everywhere
        self.configured = configured
    }

    /// What was asked; nil: nothing.
    var given: AccountZones? {
        if everywhere { return .everywhere }
        if configured { return .configured }
        guard let zones else { return nil }
        return .only(zones.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    func validate() throws {
        guard [zones != nil, everywhere, configured].filter({ $0 }).count <= 1 else {
            throw ValidationError(t(.cliZonesExclusive))
        }
        if case .only(let ids) = given {
            guard !ids.isEmpty else { throw ValidationError(t(.cliZonesEmpty)) }
            for id in ids where !Config.isValidID(id) {
                throw ValidationError(t(.accountZonesUnknown, ["zone": id, "config": "--zones"]))
            }
        }
    }

    /// The zones asked for, each one the configuration's when the configuration can be read.
    func checked(config path: String) throws -> AccountZones? {
        let zones = given
        guard case .only(let ids) = zones, let config = localConfig(path) else { return zones }
        let tree = ZoneTree(config)
        for id in ids where tree[id] == nil {
            complain(.accountZonesUnknown, ["zone": id, "config": path])
            if let close = closestMatch(to: id, in: tree.ids) { printError(t(.didYouMean, ["suggestion": close]).trimmingCharacters(in: CharacterSet(charactersIn: "; "))) }
            throw ExitCode(64)
        }
        return zones
    }
}

/// Where an account acts, for `laba user list`.
func describe(_ zones: AccountZones, role: ConsoleRole) -> String {
    if role == .admin { return t(.accountZonesAdmin) }
    return switch zones {
    case .configured: t(.accountZonesConfigured)
    case .everywhere: t(.accountZonesEverywhere)
    case .only(let ids): ids.joined(separator: ",")
    }
}

/// An account name: 1 to 64 characters, no control characters, slashes or spaces at either end.
func validateAccountName(_ name: String) throws {
    guard !name.isEmpty, name.count <= 64, name == name.trimmingCharacters(in: .whitespaces),
          !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "/" }) else {
        throw ValidationError(t(.badAccountName, ["name": name]))
    }
    try validateName(name, option: "NAME")
}

/// The password: one line of standard input, or asked twice on the terminal without echo.
func readPassword(fromStdin: Bool) throws -> String {
    let password: String
    if fromStdin || isatty(STDIN_FILENO) == 0 {
        guard let line = readLine(strippingNewline: true) else {
            complain(.passwordMissing)
            throw ExitCode(64)
        }
        password = line
    } else {
        guard let first = getpass(t(.passwordPrompt)).map({ String(cString: $0) }),
              let second = getpass(t(.passwordAgain)).map({ String(cString: $0) }) else { throw ExitCode.failure }
        guard first == second else {
            complain(.passwordsDiffer)
            throw ExitCode.failure
        }
        password = first
    }
    guard password.count >= 8 else {
        complain(.passwordTooShort)
        throw ExitCode(64)
    }
    return password
}

struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "The web console.",
                                                    subcommands: [Cert.self])

    struct Cert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cert",
            abstract: "Print the SHA-256 fingerprint of the console's certificate, for the clerk to compare with the browser's.")
        @OptionGroup var config: ConfigOptions
        @OptionGroup var state: StateOptions

        func run() throws {
            let path = localConfig(config.path)?.console?.tlsCertificate ?? StateLayout(directory: state.directory).consoleCertificate
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                complain(.noCertificate, ["path": path])
                throw ExitCode.failure
            }
            guard let fingerprint = certificateFingerprint(pem: pem) else {
                complain(.badCertificate, ["path": path])
                throw ExitCode.failure
            }
            print("SHA-256 \(fingerprint)")
            print(path)
        }
    }
}

/// `AB:CD:...`: the SHA-256 of the first certificate's DER bytes, as browsers show it.
func certificateFingerprint(pem: String) -> String? {
    guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"),
          let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex) else { return nil }
    let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
    guard let der = Data(base64Encoded: String(body)) else { return nil }
    return SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
}
