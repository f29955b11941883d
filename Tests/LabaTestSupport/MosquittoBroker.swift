// A real mosquitto for the tests: its own config in a temp folder, a free port on the loopback,
// ready once its log says it runs and the port accepts; killed at the end.

import Foundation
import Synchronization

/// A fresh temporary folder, removed by `remove()`.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init(_ prefix: String = "laba-fleet") {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-XXXXXX").utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

public struct BrokerError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// One mosquitto process. `start` again after `kill` restarts it on the same port and persistence.
public final class MosquittoBroker: @unchecked Sendable {
    public let folder: TemporaryFolder
    public private(set) var port: Int
    /// Whether the port was chosen here (and so may be chosen again when another process took it first).
    private let portChosen: Bool
    private let settings: String
    /// A whole configuration file of the test's own, instead of one made from `settings`.
    private let configFile: String?
    private var process: Process?
    private let log = Lines()

    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    /// - Parameter settings: lines added to the listener's config (TLS, ACL, passwords).
    public init(settings: String = "allow_anonymous true", port: Int? = nil,
         folder: TemporaryFolder = TemporaryFolder("laba-broker")) throws {
        self.folder = folder
        self.settings = settings
        self.configFile = nil
        self.port = try port ?? Self.freePort()
        self.portChosen = port == nil
        // The port was free a moment ago; another test's server or client may take it before
        // mosquitto binds it. Then mosquitto exits, and a fresh port is tried.
        var attempt = 1
        while true {
            do {
                try start()
                return
            } catch let error as BrokerError where portChosen && attempt < 4 && error.description.contains("in use") {
                attempt += 1
                self.port = try Self.freePort()
            }
        }
    }

    /// Runs `mosquitto -c configFile`, which must log to stderr and listen on `port` on the loopback.
    public init(configFile: String, port: Int, folder: TemporaryFolder) throws {
        self.folder = folder
        self.settings = ""
        self.configFile = configFile
        self.port = port
        self.portChosen = false
        try start()
    }

    deinit { kill(signal: SIGKILL) }

    /// Everything the broker logged, one line each.
    public var logLines: [String] { log.lines.withLock { $0 } }

    public func start() throws {
        let config = configFile ?? folder.file("mosquitto.conf")
        if configFile == nil { try """
            persistence true
            persistence_location \(folder.path)/
            autosave_interval 60
            log_dest stderr
            log_type all
            # As root, mosquitto would switch to its own user, which cannot read this temp folder.
            user \(ProcessInfo.processInfo.userName)
            per_listener_settings false
            listener \(port) 127.0.0.1
            \(settings)

            """.write(toFile: config, atomically: true, encoding: .utf8) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-c", config]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let running = DispatchSemaphore(value: 0)
        let ran = Lines()
        let handle = pipe.fileHandleForReading
        // Reads the log as it comes, so that the pipe never fills, and says when the broker runs.
        Thread.detachNewThread { [log, ran] in
            var pending = Data()
            var signalled = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    log.lines.withLock { $0.append(line) }
                    if !signalled, line.contains(" running") {
                        signalled = true
                        ran.lines.withLock { $0.append(line) }
                        running.signal()
                    }
                }
            }
            if !signalled { running.signal() }
        }
        try process.run()
        self.process = process
        // Its own "running" line, not only an open port: when mosquitto could not bind (the port
        // was taken), the port may still accept, and it is another process's.
        let signalled = running.wait(timeout: .now() + 30) == .success
        guard signalled, !ran.lines.withLock({ $0.isEmpty }), process.isRunning, Self.accepts(port: port) else {
            kill(signal: SIGKILL)
            let lines = logLines
            let inUse = lines.contains { $0.contains("Address already in use") } ? " (port \(port) in use)" : ""
            throw BrokerError(description: "mosquitto did not start\(inUse):\n" + lines.joined(separator: "\n"))
        }
    }

    /// Sends `signal` and waits for the process to end (SIGTERM: mosquitto saves its persistence first).
    public func kill(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitForEnd()
        self.process = nil
    }

    public static var executable: String {
        for candidate in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "mosquitto"
    }

    /// A port the kernel had free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BrokerError(description: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connection to the port is accepted.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
