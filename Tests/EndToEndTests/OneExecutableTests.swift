// Issue 32: `laba` is also the daemon when started under the name `labad` (the package installs
// one executable and a link), and it reads its arguments from the C library, not from /proc.

import Foundation
import Testing

@Suite struct OneExecutableTests {
    /// A folder holding `labad` as a symbolic link to the built `laba`, as the package lays it out.
    static func linkedDaemon() throws -> (dir: String, labad: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("laba-link-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/labad", withDestinationPath: Binaries.directory + "/laba")
        return (dir, dir + "/labad")
    }

    @Test func launchedAsLabadTheCLIIsTheDaemon() throws {
        let (dir, labad) = try Self.linkedDaemon()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ownVersion = try Binaries.run("labad", ["--version"])
        let linked = try Binaries.run(executable: labad, ["--version"])
        #expect(linked.status == 0)
        #expect(linked.stdout == ownVersion.stdout)
        let help = try Binaries.run(executable: labad, ["--help"])
        #expect(help.stdout.contains("USAGE: labad"), "\(help.stdout)")
        #expect(help.stdout.contains("--state-dir"))

        // The daemon's own path: a configuration that does not parse is refused with labad's code.
        let config = dir + "/broken.yaml"
        try "zones: [\n".write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try Binaries.run(executable: labad, ["--config", config, "--state-dir", dir + "/state", "--socket", dir + "/laba.sock"])
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("is invalid; nothing started"))
    }

    /// libshout (and its 27 libraries), libgpiod and libxlsxwriter are loaded on first use, not at
    /// every start: `laba --version` does not load them.
    @Test func theOptionalLibrariesAreLoadedOnlyWhenUsed() throws {
        let lazy = ["libshout.so.3", "libgpiod.so.2", "libxlsxwriter.so.4"]
        // The dynamic linker's own account of what it loads (LD_DEBUG=files): what the binary
        // names (NEEDED) and what they name in turn.
        let version = try Binaries.run("laba", ["--version"], environment: ["LD_DEBUG": "files"])
        #expect(version.status == 0 && version.stderr.contains("file=libc.so.6"), "\(version.stderr.suffix(400))")
        for soname in lazy { #expect(!version.stderr.contains("file=\(soname)"), "laba --version loaded \(soname)") }
        #expect(!version.stderr.contains("file=libcairo"))

        // Used, it comes: SpreadsheetTests sees libxlsxwriter loaded by `laba history --format xlsx`.
    }

    @Test func busyboxFormRunsTheDaemonToo() throws {
        let result = try Binaries.run("laba", ["labad", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: labad"), "\(result.stdout)")
        // Under its own name, laba is the CLI.
        let cli = try Binaries.run("laba", ["--help"])
        #expect(cli.stdout.contains("USAGE: laba "), "\(cli.stdout)")
    }

    /// A bare chroot has no /proc: the arguments still arrive (from the C library), and the daemon
    /// says it needs /proc instead of starting with its defaults.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
                   "unmounting /proc in a mount namespace needs root"))
    func withoutProcTheArgumentsStillCountAndTheDaemonSaysWhatItNeeds() throws {
        let (dir, labad) = try Self.linkedDaemon()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
            umount -l /proc || exit 3
            [ -e /proc/self ] && exit 4
            "$1" --version || exit 5
            "$1" --config /nonexistent.yaml --state-dir "$2/state" --socket "$2/laba.sock"
            """
        let expected = try Binaries.run("labad", ["--version"]).stdout
        let result = try Binaries.run(executable: "/usr/bin/unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", labad, dir])
        #expect(!expected.isEmpty && result.stdout == expected, "\(result.stdout) \(result.stderr)")
        #expect(result.status == 71, "\(result.stderr)")
        #expect(result.stderr.contains("/proc is not mounted"), "\(result.stderr)")
    }
}
