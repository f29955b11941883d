// `laba backup FILE` and `laba restore FILE` (issue 31): a unit's record and keys moved to a new
// board, a commander's store kept off-site.
//
// The CLI reads the state dir itself (`--state-dir`, run as root or the laba user) rather than
// asking labad over the control socket: the socket's group is the operators', and a backup holds
// the fleet's secret keys and every account's hash, which the file permissions of the state dir
// and /etc/laba already keep from them; SQLite's online backup reads a consistent copy from
// another process while labad writes (WAL: the reader never blocks the writer); recordings are
// written once and renamed into place, so a copy sees whole files; and `restore` must work on a
// stopped daemon anyway. A backup is a tar file, 0600, with `state/` (the database as one
// snapshot, the recordings, the console's certificate, the operators' schedule), `config/` (the
// configuration and the key, certificate and password files it names, under their absolute
// paths) and `MANIFEST`.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import LabaStore

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the state dir (record, recordings, keys) into FILE while labad runs (mode 0600).")

    @Argument(help: ArgumentHelp("The backup file to write (a tar file).", valueName: "FILE"))
    var file: String

    @OptionGroup var state: StateOptions
    @OptionGroup var config: ConfigOptions

    func run() throws {
        let directory = state.directory
        let layout = StateLayout(directory: directory)
        guard FileManager.default.fileExists(atPath: layout.database) else {
            complain(.stateDirMissing, ["dir": directory])
            throw ExitCode.failure
        }
        // Everything made from here on is for this user only: the backup holds keys.
        umask(0o077)
        let work = try temporaryFolder(beside: file)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let stateCopy = work + "/state"
        do {
            try copyTree(directory, to: stateCopy, skip: { name, top in
                top && ["laba.sqlite", "laba.sqlite-wal", "laba.sqlite-shm"].contains(name)
                    || name.hasPrefix(".receiving-") || name.hasPrefix(".laba-health-") || name.hasSuffix(".part")
            })
            try Store.backup(database: layout.database, to: stateCopy + "/laba.sqlite")
        } catch {
            complain(.backupFailed, ["error": "\(error)"])
            throw ExitCode.failure
        }
        var configFiles: [String] = []
        if FileManager.default.fileExists(atPath: config.path) {
            configFiles = [absolute(config.path)] + (localConfig(config.path).map(Self.filesNamed) ?? [])
            for path in configFiles where FileManager.default.fileExists(atPath: path) {
                let target = work + "/config" + path
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: path, toPath: target)
            }
        }
        let manifest = """
            laba-backup 1
            version \(LabaVersion.string)
            created \(Instant(Date()))
            state_dir \(absolute(directory))

            """
        try manifest.write(toFile: work + "/MANIFEST", atomically: true, encoding: .utf8)
        let partial = file + ".part"
        let tar = try runTool("/usr/bin/tar", ["-c", "-f", partial, "-C", work, "MANIFEST", "state"]
                              + (FileManager.default.fileExists(atPath: work + "/config") ? ["config"] : []))
        guard tar.status == 0 else {
            unlink(partial)
            complain(.backupFailed, ["error": tar.stderr])
            throw ExitCode.failure
        }
        chmod(partial, 0o600)
        guard rename(partial, file) == 0 else {
            unlink(partial)
            complain(.backupFailed, ["error": String(cString: strerror(errno))])
            throw ExitCode.failure
        }
        let records = (try? Store(path: stateCopy + "/laba.sqlite").count(table: "broadcast")) ?? 0
        print(t(.backupWritten, ["file": file, "records": String(records), "dir": directory]))
    }

    /// The key, certificate and password files a configuration names (absolute paths).
    static func filesNamed(_ config: Config) -> [String] {
        var files: [String?] = []
        if let fleet = config.fleet {
            files += [fleet.tls?.ca?.value, fleet.tls?.cert?.value, fleet.tls?.key?.value, fleet.passwordFile?.value,
                      fleet.signKey?.value, fleet.stream?.passwordFile.value]
            if let key = fleet.signKey?.value { files.append((key as NSString).deletingPathExtension + ".pub") }
            files += fleet.trust.map(\.key.value)
        }
        files += [config.console?.tlsCertificate, config.console?.tlsKey, config.metrics?.tokenFile]
        var seen = Set<String>()
        return files.compactMap { $0 }.filter { seen.insert($0).inserted }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup made by `laba backup` into the state dir, with labad stopped.",
        discussion: """
            The state dir's former contents, if any, are moved aside to DIR.before-restore-TIME. With \
            --with-config the configuration and the key files in the backup are written back to their \
            paths too.
            """)

    @Argument(help: ArgumentHelp("The backup file.", valueName: "FILE"))
    var file: String

    @OptionGroup var state: StateOptions

    @Flag(help: "Also write the backup's configuration and key files back to their paths.")
    var withConfig = false

    func run() throws {
        let directory = absolute(state.directory)
        let layout = StateLayout(directory: directory)
        let holders = processesHolding([layout.database, layout.database + "-wal"])
        if !holders.isEmpty {
            complain(.restoreDaemonRuns, ["dir": directory, "pids": holders.map(String.init).joined(separator: ", ")])
            throw ExitCode.failure
        }
        umask(0o077)
        let work = try temporaryFolder(beside: directory)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tar = try runTool("/usr/bin/tar", ["-x", "-f", file, "-C", work, "--no-same-owner"])
        guard tar.status == 0, (try? String(contentsOfFile: work + "/MANIFEST", encoding: .utf8))?.hasPrefix("laba-backup 1") == true,
              FileManager.default.fileExists(atPath: work + "/state/laba.sqlite")
        else {
            complain(.notABackup, ["file": file])
            throw ExitCode.failure
        }
        // The snapshot must be sound before anything is replaced.
        var records = 0
        do {
            let snapshot = try Store(path: work + "/state/laba.sqlite")
            guard try snapshot.integrityCheck() == "ok" else { throw CocoaError(.fileReadCorruptFile) }
            records = try snapshot.count(table: "broadcast")
        } catch {
            complain(.notABackup, ["file": file])
            throw ExitCode.failure
        }
        let fm = FileManager.default
        let owner = try? fm.attributesOfItem(atPath: directory)
        if fm.fileExists(atPath: directory), let names = try? fm.contentsOfDirectory(atPath: directory), !names.isEmpty {
            let aside = directory + ".before-restore-" + String(Int(Date().timeIntervalSince1970))
            try fm.createDirectory(atPath: aside, withIntermediateDirectories: false)
            for name in names { try fm.moveItem(atPath: directory + "/" + name, toPath: aside + "/" + name) }
            print(t(.restoreMovedAside, ["dir": aside]))
        }
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: work + "/state") {
            try fm.moveItem(atPath: work + "/state/" + name, toPath: directory + "/" + name)
        }
        // Given back to the state dir's owner (the laba user), so that labad can write them.
        if getuid() == 0, let uid = (owner?[.ownerAccountID] as? NSNumber)?.uint32Value,
           let gid = (owner?[.groupOwnerAccountID] as? NSNumber)?.uint32Value {
            _ = try runTool("/bin/chown", ["-R", "\(uid):\(gid)", directory])
        }
        var configFiles: [String] = []
        if let enumerator = fm.enumerator(atPath: work + "/config") {
            for case let relative as String in enumerator {
                var isFolder: ObjCBool = false
                if fm.fileExists(atPath: work + "/config/" + relative, isDirectory: &isFolder), !isFolder.boolValue {
                    configFiles.append("/" + relative)
                }
            }
        }
        for path in configFiles.sorted() {
            if withConfig {
                try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try? fm.removeItem(atPath: path)
                try fm.copyItem(atPath: work + "/config" + path, toPath: path)
                print(t(.restoreConfigWritten, ["file": path]))
            } else {
                print(t(.restoreConfigHeld, ["file": path]))
            }
        }
        print(t(.restoreDone, ["file": file, "dir": directory, "records": String(records)]))
    }
}

/// `path` made absolute against the working directory.
func absolute(_ path: String) -> String {
    let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (p as NSString).standardizingPath
}

/// A new private folder beside `path` (on its file system, so that moves are renames).
func temporaryFolder(beside path: String) throws -> String {
    let parent = (absolute(path) as NSString).deletingLastPathComponent
    var template = Array((parent + "/.laba-backup-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else {
        complain(.backupFailed, ["error": "\(parent): \(String(cString: strerror(errno)))"])
        throw ExitCode.failure
    }
    return String(cString: made)
}

/// Copies a folder's regular files and folders (not sockets, not the files `skip` names).
func copyTree(_ source: String, to target: String, skip: (String, Bool) -> Bool, top: Bool = true) throws {
    let fm = FileManager.default
    try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
    for name in try fm.contentsOfDirectory(atPath: source) where !skip(name, top) {
        let from = source + "/" + name, to = target + "/" + name
        var s = stat()
        guard lstat(from, &s) == 0 else { continue }
        switch s.st_mode & S_IFMT {
        case S_IFDIR: try copyTree(from, to: to, skip: skip, top: false)
        case S_IFREG: try fm.copyItem(atPath: from, toPath: to)
        default: continue
        }
    }
}

/// The processes that have one of `paths` open (labad holding its database), from /proc.
func processesHolding(_ paths: [String]) -> [Int32] {
    let wanted = Set(paths.map(absolute))
    var pids: [Int32] = []
    let me = getpid()
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), pid != me,
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else { continue }
        for fd in fds {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(fd)"),
               wanted.contains(target) {
                pids.append(pid)
                break
            }
        }
    }
    return pids
}

/// Runs a system tool to completion.
func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
