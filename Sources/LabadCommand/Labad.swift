// labad: the Laba daemon. Flags, logging and signals; the work is in LabaDaemon.

import ArgumentParser
import Foundation
import LabaArguments
import LabaControl
import LabaConsole
import LabaCore
import LabaDaemon
import Logging

/// The daemon's entry, for `labad` and for the one executable started under that name.
public enum LabadEntry {
    /// Hands Swift Concurrency to NIO's event loops before any task exists, then runs the command
    /// on `arguments` (those after the program's name). Never returns.
    public static func main(_ arguments: [String]) -> Never {
        if ProcessInfo.processInfo.environment["LABA_DISPATCH_EXECUTOR"] == nil { ConcurrencyTakeOver.install() }
        signal(SIGXFSZ, SIG_IGN)  // a file-size limit makes writes fail (and be reported), not kill us
        signal(SIGPIPE, SIG_IGN)  // a stream server gone mid-talk fails libshout's send, not the daemon
        Task {
            await Labad.main(arguments)
            exit(0)
        }
        dispatchMain()
    }
}

struct Labad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labad",
        abstract: "Schedule and play public-information recordings over ALSA.",
        discussion: "Runs in the foreground. SIGHUP reloads the configuration; SIGTERM fades out and exits.",
        version: LabaVersion.string)

    static let environment = ProcessInfo.processInfo.environment

    @Option(help: ArgumentHelp("The configuration file (LABA_CONFIG).", valueName: "path"))
    var config: String = Self.environment["LABA_CONFIG"] ?? "/etc/laba/laba.yaml"

    @Option(help: ArgumentHelp("Where the database and uploads live (LABA_STATE_DIR).", valueName: "dir"))
    var stateDir: String = Self.environment["LABA_STATE_DIR"] ?? "/var/lib/laba"

    @Option(help: ArgumentHelp("The control socket (LABA_SOCKET).", valueName: "path"))
    var socket: String = Self.environment["LABA_SOCKET"] ?? ControlProtocol.defaultSocket

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
    }

    func run() async throws {
        // Without /proc (a bare chroot) the daemon cannot count its descriptors, check its peers
        // or read its memory: it says so instead of starting half-blind.
        guard ProcessArguments.procMounted else {
            FileHandle.standardError.write(Data("labad: /proc is not mounted; mount it (mount -t proc proc /proc) and start labad again\n".utf8))
            throw ExitCode(71)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { DaemonLogHandler(label: $0, level: level) }
        let logger = Logger(label: "labad")
        // Room for the console's connections beside a reserve for the control socket, the store
        // and the audio files (SPEC 17); under the shipped unit LimitNOFILE= has set it already.
        let descriptors = Descriptors.raise()
        logger.info("descriptors", metadata: ["limit": "\(descriptors.limit)", "raised": "\(descriptors.raised)"])
        do {
            var options = DaemonOptions(configPath: config, stateDirectory: stateDir, socketPath: socket)
            options.services = [{ context in try Console.build(door: context.door, config: context.config, logger: context.logger) }]
            try await Daemon.run(options, logger: logger)
        } catch let error as DaemonError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            if case .invalidConfig = error {
                FileHandle.standardError.write(Data("labad: \(config) is invalid; nothing started\n".utf8))
                throw ExitCode(78)
            }
            throw ExitCode(1)
        }
    }
}
