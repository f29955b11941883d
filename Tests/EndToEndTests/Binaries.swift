import Foundation
import LabaTestSupport

/// Runs the built `laba` and `labad` binaries.
enum Binaries {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// How long a test waits for what should come (a log line, a record, a message, an exit): long,
    /// for a loaded machine (two cores shared with builds and other suites) can take many times an
    /// idle one's time. A wait that is met returns at once: only a failing test waits this long.
    static let patience: Double = 60

    /// The repository's root, from this file's place in it.
    static func repo(_ relative: String = "") -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        return relative.isEmpty ? root : root + "/" + relative
    }

    /// The folder of the built binaries: `LABA_BIN_DIR`, else beside the test bundle.
    static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["LABA_BIN_DIR"] { return dir }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("laba").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return repo(".build/debug")
    }

    /// Runs a binary to completion with the given environment additions.
    /// Runs a binary to completion; one that takes longer than `timeout` seconds is killed, so
    /// that a hung child fails its test instead of hanging the run.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                    stdin: String? = nil, timeout: Double = 60) throws -> Result {
        try run(executable: directory + "/" + name, arguments, environment: environment, stdin: stdin, timeout: timeout)
    }

    /// Runs any program by its path, with the same rules.
    static func run(executable: String, _ arguments: [String], environment: [String: String] = [:],
                    stdin: String? = nil, timeout: Double = 60) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // English messages unless a test asks for another language: tests read the catalogue's en texts.
        process.environment = ProcessInfo.processInfo.environment.filter { !["LC_ALL", "LC_MESSAGES"].contains($0.key) }
            .merging(["LANG": "C.UTF-8"]) { $1 }.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
        let errBox = DataBox()
        let errDone = DispatchSemaphore(value: 0)
        let errHandle = err.fileHandleForReading
        Thread.detachNewThread {
            errBox.data = errHandle.readDataToEndOfFile()
            errDone.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        errDone.wait()
        // Read to the end: closed here, not when Foundation lets go of the Process (a full run once
        // held 1,400 such ends, and libmosquitto's select() aborts on a descriptor above 1023).
        try? out.fileHandleForReading.close()
        try? errHandle.close()
        let status = process.endStatus()
        let errData = errBox.data
        return Result(status: status, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable {
        var data = Data()
    }

    static func temporaryDirectory() throws -> String {
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("laba-e2e-XXXXXX")).utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }
}
