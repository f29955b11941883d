// labad: the Laba daemon. Flags, logging and signals; the work is in LabaDaemon.

import ArgumentParser
import Foundation
import LabaCore
import LabaControl
import LabaDaemon

struct Labad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labad",
        abstract: "Schedule and play public-information recordings over ALSA.",
        version: LabaVersion.string)

    @Option(help: "The configuration file.")
    var config: String = ProcessInfo.processInfo.environment["LABA_CONFIG"] ?? "/etc/laba/laba.yaml"

    func run() throws {
        let result = ConfigLoader.load(path: config)
        for d in result.diagnostics { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
        if !result.isValid { throw ExitCode(78) }
        FileHandle.standardError.write(Data("labad: the daemon is not built yet; the configuration is valid\n".utf8))
    }
}

Labad.main()
