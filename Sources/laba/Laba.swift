// laba: the operator's command line. One type per subcommand.

import ArgumentParser
import Foundation
import LabaControl

@main
struct Laba: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laba",
        abstract: "Check, plan and control Laba broadcasts.",
        version: LabaVersion.string,
        subcommands: [Check.self, Edit.self, CalendarCommand.self, Next.self, Play.self, Stop.self, Status.self, Queue.self, Zone.self,
                      History.self, Report.self, DevicesCommand.self,
                      Reload.self, PlayFile.self, Fleet.self])
}

/// `--config`, for the commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String?

    /// The flag, then `LABA_CONFIG`, then the installed file.
    var path: String {
        config ?? ProcessInfo.processInfo.environment["LABA_CONFIG"] ?? "/etc/laba/laba.yaml"
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
