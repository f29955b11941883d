// The folder of CAP files (`alerts.watch`): inotify on a thread of its own (a file is taken when
// it is closed after writing, or moved in), never polling. Files already there at start are read
// too; each file is read once (by name and modification time, as recorded).

import CLinux
import Foundation
import LabaCore
import Logging
import ServiceLifecycle

/// Waits for files in one folder. Thread rules: `next` blocks and belongs to the watcher's thread;
/// `stop` may be called from any thread.
final class FolderWatcher: @unchecked Sendable {
    let path: String
    private let inotify: Int32
    private let stopFD: Int32

    /// - Throws: `POSIXError` when the folder cannot be watched.
    init(path: String) throws {
        self.path = path
        inotify = inotify_init1(Int32(IN_CLOEXEC))
        stopFD = eventfd(0, Int32(EFD_CLOEXEC))
        guard inotify >= 0, stopFD >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard inotify_add_watch(inotify, path, UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) >= 0 else {
            let e = errno
            close(inotify)
            close(stopFD)
            throw POSIXError(POSIXErrorCode(rawValue: e) ?? .EIO)
        }
    }

    deinit {
        close(inotify)
        close(stopFD)
    }

    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD, &one, 8)
    }

    /// Blocks until files are written or moved in; their names, or nil once stopped.
    func next() -> [String]? {
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let n = poll(&fds, 2, -1)
            if n < 0, errno == EINTR { continue }
            if n < 0 || fds[1].revents != 0 { return nil }
            let count = read(inotify, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            var names: [String] = []
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let length = buffer.withUnsafeBytes { Int($0.load(fromByteOffset: offset + 12, as: UInt32.self)) }
                let nameBytes = buffer[(offset + header)..<min(count, offset + header + length)].prefix { $0 != 0 }
                if !nameBytes.isEmpty { names.append(String(decoding: nameBytes, as: UTF8.self)) }
                offset += header + length
            }
            if !names.isEmpty { return names }
        }
    }
}

/// A file of the watched folder, read.
struct AlertFile: Sendable {
    var name: String
    var mtime: Int64
    var data: Data
}

/// Hands each CAP file of the watched folder to the front door; the folder is watched and the files
/// are read on the watcher's thread, the door takes them in order.
struct AlertWatchService: Service {
    let door: FrontDoor
    let watcher: FolderWatcher
    let logger: Logger

    /// A name that is not an alert: hidden files and editors' and copiers' temporary files.
    static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix("~") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part")
    }

    func run() async throws {
        let (files, continuation) = AsyncStream.makeStream(of: AlertFile.self)
        let watcher = self.watcher, logger = self.logger
        let thread = Thread {
            // What was dropped while labad was not running (the watch is already set: nothing is missed).
            var names = ((try? FileManager.default.contentsOfDirectory(atPath: watcher.path)) ?? []).sorted()
            repeat {
                for name in names where Self.isCandidate(name) {
                    if let file = Self.read(name, in: watcher.path, logger: logger) { continuation.yield(file) }
                }
                guard let next = watcher.next() else { break }
                names = next
            } while true
            continuation.finish()
        }
        thread.name = "laba-alerts"
        thread.start()
        await withGracefulShutdownHandler {
            for await file in files {
                _ = await door.alert(file.data, via: .file(name: file.name, mtime: file.mtime))
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
    }

    /// A regular file's content and modification time; one larger than an alert can be is passed
    /// on as too large, so that it is recorded. A symbolic link is never followed (whoever may
    /// drop files here must not make labad read, and keep, a file it points to): it is skipped
    /// with one log line.
    static func read(_ name: String, in folder: String, logger: Logger) -> AlertFile? {
        let path = (folder as NSString).appendingPathComponent(name)
        // O_NOFOLLOW: a link swapped in after a check is refused by the open itself.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ELOOP {
                logger.warning("alert file is a symbolic link: skipped, links are never followed", metadata: ["file": "\(path)"])
            } else if errno != ENOENT {
                logger.warning("alert file cannot be read", metadata: ["file": "\(path)", "error": "\(String(cString: strerror(errno)))"])
            }
            return nil
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000
        if info.st_size > Engine.maxAlertSize { return AlertFile(name: name, mtime: mtime, data: Data(count: Engine.maxAlertSize + 1)) }
        // Read up to one byte more than an alert may be: a file that grew since fstat is still too large.
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= Engine.maxAlertSize {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else {
                logger.warning("alert file cannot be read", metadata: ["file": "\(path)", "error": "\(String(cString: strerror(errno)))"])
                return nil
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return AlertFile(name: name, mtime: mtime, data: data)
    }
}
