// The one executable (issue 32): started as `labad` (the package's link) it is the daemon,
// otherwise the CLI. The daemon's path must run before any task exists, so this entry is not async.

import Foundation
import LabaArguments
import LabaCLI
import LabadCommand

@main
enum LabaEntry {
    static func main() {
        if ProcessArguments.runsDaemon { LabadEntry.main(ProcessArguments.commandArguments) }
        Task {
            await LabaCommandLine.main()
            exit(0)
        }
        dispatchMain()
    }
}
