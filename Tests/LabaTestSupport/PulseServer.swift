import Foundation
import Synchronization

/// A PulseAudio server with a null sink, started for the tests that need playback to take real time.
public final class PulseServer: Sendable {
    static let started = Mutex<[pid_t]>([])

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/pulseaudio") }

    /// The server's process id. Spawned with posix_spawn, not Foundation's Process: Foundation's
    /// child monitor can block on a child that never exits and then miss other children's exits.
    public let pid: pid_t

    /// Starts a server whose native-protocol socket is `socket`; nil when it does not come up.
    public init?(socket: String) {
        guard Self.available else { return nil }
        // Each server needs a runtime folder of its own (it keeps its pid file there).
        let runtime = socket + ".runtime"
        try? FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let arguments = ["/usr/bin/pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
                         "--log-target=stderr", "-L", "module-null-sink",
                         "-L", "module-native-protocol-unix socket=\(socket) auth-anonymous=1"]
        let environment = ["HOME=\(runtime)", "XDG_RUNTIME_DIR=\(runtime)", "PULSE_RUNTIME_PATH=\(runtime)"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Its log beside the socket, for a failing test to print.
        posix_spawn_file_actions_addopen(&actions, 2, socket + ".log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, arguments[0], &actions, nil, &argv, &envp) == 0 else { return nil }
        pid = child
        Self.started.withLock { $0.append(child) }
        atexit { PulseServer.started.withLock { $0.forEach { Glibc.kill($0, SIGKILL) } } }
        // The server is ready when its socket accepts a connection.
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(socket) {
            var status: Int32 = 0
            if Date() > deadline || waitpid(child, &status, WNOHANG) == child {
                kill()
                return nil
            }
            usleep(20_000)
        }
    }

    public func kill() {
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    public static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }
}

