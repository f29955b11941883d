// One executable for the daemon and the CLI (issue 32): the name it was started under chooses,
// as busybox's does, and the arguments come from the C library's hand-over to the program, not
// from /proc, which a bare chroot or an early boot may not have mounted.

import CArguments
import Foundation

public enum ProcessArguments {
    /// The command line, program name first: the C library's copy when a constructor saw it,
    /// otherwise the Swift runtime's (which reads /proc/self/cmdline on a static build).
    public static let all: [String] = {
        let count = Int(laba_argc())
        guard count > 0, let argv = laba_argv() else { return CommandLine.arguments }
        return (0..<count).map { argv[$0].map { String(cString: $0) } ?? "" }
    }()

    /// The program's name as started (`labad` for the daemon's link), without its directory.
    public static var invokedName: String {
        let first = all.first ?? ""
        return first.split(separator: "/").last.map(String.init) ?? first
    }

    /// Started as `laba labad …`: busybox's form, for when no link exists.
    private static var namesDaemonFirst: Bool { invokedName != "labad" && all.dropFirst().first == "labad" }

    /// Whether this process runs the daemon: started as `labad`, or as `laba labad …`.
    public static var runsDaemon: Bool { invokedName == "labad" || namesDaemonFirst }

    /// The arguments after the program's name (and after `labad` in busybox's form).
    public static var commandArguments: [String] { Array(all.dropFirst(namesDaemonFirst ? 2 : 1)) }

    /// Whether /proc is mounted: the daemon reads its descriptors, its peers and its memory there.
    public static var procMounted: Bool { access("/proc/self/stat", R_OK) == 0 }
}
