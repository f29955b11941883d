// `laba edit`: the safe way to change the schedule, as `crontab -e` and `visudo` do it. The
// operator edits a copy; the installed file is replaced (atomically) only by a copy that checks.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore

struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit the configuration safely: check it, show what changes, install it and reload labad.",
        discussion: """
            Opens a copy of the configuration in $VISUAL or $EDITOR (default vi). When the editor closes, \
            the copy is checked: if it is invalid, the errors are shown and you may edit it again; the \
            installed file is never left invalid. A valid copy is shown as a change to the next 24 hours of \
            the plan, replaces the file atomically (keeping its owner and mode), and labad reloads it.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    func run() async throws {
        let path = options.path
        guard let original = FileManager.default.contents(atPath: path) else {
            complain(.cannotRead, ["path": path, "reason": t(FileManager.default.fileExists(atPath: path) ? .permissionDenied : .noSuchFile)])
            throw ExitCode.failure
        }
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        guard access(directory, W_OK) == 0, access(path, W_OK) == 0 else {
            complain(.editNotWritable, ["path": path])
            throw ExitCode.failure
        }
        let copy = try Self.temporaryCopy(of: original, name: (path as NSString).lastPathComponent)
        var edited = original
        while true {
            try Self.runEditor(on: copy)
            edited = FileManager.default.contents(atPath: copy) ?? Data()
            if edited == original {
                print(t(.editNoChanges, ["path": path]))
                Self.discard(copy)
                return
            }
            guard let text = String(data: edited, encoding: .utf8) else {
                printError(Diagnostic.error(t(.notUTF8), at: SourceLocation(file: copy, line: 1, column: 1)).description)
                if Self.ask(t(.editAgain)) { continue }
                Self.refuse(path: path, copy: copy)
            }
            let report = CheckReport.make(ConfigLoader.parse(yaml: text, file: copy, directory: directory), path: copy,
                                          installedPath: path)
            if report.valid {
                // The copy becomes the installed file: its warnings are the installed file's.
                for var d in report.ordered where d.severity == .warning {
                    if d.location?.file == copy { d.location?.file = path }
                    print(d.line())
                }
                if let new = report.loaded.config, let library = report.library {
                    let old = ConfigLoader.load(path: path)
                    if let oldConfig = old.config, old.isValid {
                        PlanChange(old: oldConfig, new: new, newLibrary: library, outputZones: await outputZones()).printText()
                    }
                }
                break
            }
            for d in report.ordered { printError(d.line()) }
            complain(.editInvalid, ["errors": Catalog.plural(report.errors, one: .errorsOne, other: .errorsOther)])
            if Self.ask(t(.editAgain)) { continue }
            Self.refuse(path: path, copy: copy)
        }
        do {
            try Self.replace(path, with: edited)
        } catch {
            complain(.editCannotInstall, ["error": "\(error)", "copy": copy])
            throw ExitCode.failure
        }
        Self.discard(copy)
        print(t(.editInstalled, ["path": path]))
        try await reload(path)
    }

    /// The outputs' zones as the daemon knows them (a mobile unit may have moved), if it runs.
    private func outputZones() async -> [String: String] {
        guard let reply = try? await ControlClient(socket: socket.path).attempt(.GET, "/outputs"),
              let list = try? reply.decode(OutputList.self) else { return [:] }
        return Dictionary(list.outputs.map { ($0.id, $0.zone) }) { a, _ in a }
    }

    /// Asks labad to reload, when it runs on this file.
    private func reload(_ path: String) async throws {
        let client = ControlClient(socket: socket.path)
        let status: ControlClient.Reply
        do {
            status = try await client.attempt(.GET, "/status")
        } catch let error as ControlClient.Unreachable {
            if access(socket.path, F_OK) == 0 {
                // A socket we cannot use (not in its group): say so rather than "not running".
                print(t(.editNotAskedToReload, ["reason": error.reason]))
            } else {
                print(t(.editDaemonNotRunning))
            }
            return
        }
        guard let info = try? status.decode(StatusJSON.self) else {
            print(t(.editStatusAnswered, ["status": String(status.status)]))
            return
        }
        guard Self.samePath(info.config, path) else {
            print(t(.editOtherConfig, ["running": info.config, "path": path]))
            return
        }
        let reply = try await client.send(.POST, "/reload")
        let result = try reply.decode(ReloadJSON.self)
        guard result.reloaded else {
            for line in result.diagnostics { printError(line) }
            complain(.editReloadRefused)
            throw ExitCode.failure
        }
        print(t(.editReloaded))
        if !result.restartNeeded.isEmpty { print(t(.restartNeeded, ["keys": result.restartNeeded.joined(separator: ", ")])) }
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return a == b }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    static func discard(_ copy: String) {
        unlink(copy)
        rmdir((copy as NSString).deletingLastPathComponent)
    }

    /// Leaves the installed file alone and keeps the operator's work.
    static func refuse(path: String, copy: String) -> Never {
        complain(.editUnchanged, ["path": path, "copy": copy])
        Foundation.exit(1)
    }

    /// A yes/no question on the terminal; no terminal (or end of input) means no.
    static func ask(_ question: String) -> Bool {
        guard isatty(STDIN_FILENO) != 0 else { return false }
        FileHandle.standardError.write(Data("\(question) \(t(.yesNo)) ".utf8))
        guard let answer = readLine() else { return false }
        return ["", "y", "yes", "是", "好"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// A private copy in $TMPDIR that keeps the file's name (and so the editor's YAML mode).
    static func temporaryCopy(of data: Data, name: String) throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/laba-edit-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            complain(.editNoTemporaryDirectory, ["directory": base, "error": String(cString: strerror(errno))])
            throw ExitCode.failure
        }
        let copy = String(cString: made) + "/" + name
        guard FileManager.default.createFile(atPath: copy, contents: data, attributes: [.posixPermissions: 0o600]) else {
            complain(.cannotWrite, ["path": copy])
            throw ExitCode.failure
        }
        return copy
    }

    /// Runs `$VISUAL`/`$EDITOR` (through the shell, so that it may carry arguments) on the terminal.
    static func runEditor(on file: String) throws {
        let environment = ProcessInfo.processInfo.environment
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        var pid = pid_t()
        let argv = ["/bin/sh", "-c", editor + " \"$1\"", "sh", file]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &cArgs, environ)
        guard spawned == 0 else {
            complain(.editCannotRunEditor, ["editor": editor, "error": String(cString: strerror(spawned))])
            throw ExitCode.failure
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exited = status & 0x7f == 0
        guard exited, (status >> 8) & 0xff == 0 else {
            let how = exited ? t(.exitStatus, ["status": String((status >> 8) & 0xff)]) : t(.killedBySignal, ["signal": String(status & 0x7f)])
            complain(.editEditorFailed, ["editor": editor, "how": how, "path": file])
            throw ExitCode.failure
        }
    }

    /// Writes `data` beside `path` with its owner and mode, syncs it, renames it over `path` and
    /// syncs the directory: a crash leaves either the old file or the new one.
    static func replace(_ link: String, with data: Data) throws {
        // A symbolic link stays one: what it points to is replaced.
        let path = URL(fileURLWithPath: link).resolvingSymlinksInPath().path
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".laba-edit"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, info.st_mode & 0o7777)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var failure: Int32 = 0
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                offset += n
            }
        }
        if failure == 0 {
            _ = fchown(fd, info.st_uid, info.st_gid)  // as root: keep the owner; otherwise it is ours already
            _ = fchmod(fd, info.st_mode & 0o7777)
            if fsync(fd) != 0 { failure = errno }
        }
        close(fd)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
