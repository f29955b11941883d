// A client of gpsd's JSON protocol (`?WATCH={"enable":true,"json":true}`, TPV reports) over TCP,
// on a thread of its own: it sleeps in poll(2) until gpsd sends something, reconnects with backoff
// (1 s doubling to 60 s) when gpsd is gone, and hands each report to the engine in order.

import CLinux
import Foundation
import LabaCore
import Logging
import ServiceLifecycle

/// One gpsd connection at a time, blocking calls only on its own thread.
///
/// Thread rules: `run` blocks and belongs to the client's thread; `stop` may be called from any thread.
final class GPSClient: @unchecked Sendable {
    let host: String
    let port: Int
    let logger: Logger
    /// Written by `stop`, read by poll(2): ends a wait at once.
    private let stopFD: Int32

    static let watch = #"?WATCH={"enable":true,"json":true}"# + "\n"
    static let firstBackoff = 1.0
    static let maxBackoff = 60.0

    init(host: String, port: Int, logger: Logger) {
        self.host = host
        self.port = port
        self.logger = logger
        stopFD = eventfd(0, Int32(EFD_CLOEXEC))
    }

    deinit { close(stopFD) }

    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD, &one, 8)
    }

    /// Connects, watches and reads until stopped; `report` gets every TPV as a fix or a lost fix,
    /// and `.gone` each time the connection ends or fails.
    func run(_ report: (GPSReport) -> Void) {
        var backoff = Self.firstBackoff
        var saidGone = false
        while true {
            var received = false
            if let fd = connect() {
                logger.info("gps: connected to gpsd", metadata: ["gpsd": "\(host):\(port)"])
                saidGone = false
                received = session(fd, report)
                close(fd)
                if stopped { return }
                logger.warning("gps: the connection to gpsd ended; reconnecting", metadata: ["gpsd": "\(host):\(port)"])
                report(.gone)
            } else {
                if stopped { return }
                if !saidGone {
                    logger.warning("gps: gpsd cannot be reached; retrying with backoff", metadata: ["gpsd": "\(host):\(port)"])
                    report(.gone)
                    saidGone = true
                }
            }
            if received { backoff = Self.firstBackoff }
            if wait(seconds: backoff) { return }
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }

    private var stopped: Bool {
        var pfd = pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }

    /// Sleeps until `seconds` pass or `stop` is called; true when stopped.
    private func wait(seconds: Double) -> Bool {
        var pfd = pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)
        while true {
            let n = poll(&pfd, 1, Int32(seconds * 1000))
            if n < 0, errno == EINTR { continue }
            return n > 0
        }
    }

    /// A connected socket, or nil; the connect waits in poll(2) with the stop descriptor (10 s at most).
    private func connect() -> Int32? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            entry = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
                var n: Int32
                repeat { n = poll(&fds, 2, 10_000) } while n < 0 && errno == EINTR
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if n > 0, fds[1].revents == 0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 {
                    return fd
                }
            }
            close(fd)
        }
        return nil
    }

    /// Watches and reads lines until the connection ends or `stop`; true when a report came.
    private func session(_ fd: Int32, _ report: (GPSReport) -> Void) -> Bool {
        var received = false
        let request = Array(Self.watch.utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var lines = GPSLineFramer()
        var chunk = [UInt8](repeating: 0, count: 8192)
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let n = poll(&fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }
                return received
            }
            if fds[1].revents != 0 { return received }
            let count = recv(fd, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return received }
            for piece in lines.take(chunk[0..<count]) {
                switch piece {
                case .line(let line):
                    if let r = Self.report(line) {
                        received = true
                        report(r)
                    }
                case .overlong:
                    logger.warning("gps: a line from gpsd longer than 64 KiB was dropped; reading on from the next line",
                                   metadata: ["gpsd": "\(host):\(port)"])
                }
            }
        }
    }

    private struct Message: Decodable {
        var `class`: String
        var mode: Int?
        /// gpsd's fix status; 8 is a simulated fix (a receiver in demo mode).
        var status: Int?
        var lat: Double?
        var lon: Double?
        var time: String?
    }

    /// gpsd's TPV `status` of a simulated fix.
    static let simulated = 8

    /// A TPV line as a report: a fix with its own time (mode 2 or 3), or no fix (mode 0 or 1). A
    /// TPV without a time cannot count dwell and is passed over, as is a simulated one (status 8:
    /// a receiver in demo mode is nowhere) and every other class.
    static func report(_ line: [UInt8]) -> GPSReport? {
        guard let m = try? JSONDecoder().decode(Message.self, from: Data(line)), m.class == "TPV",
              m.status != Self.simulated else { return nil }
        guard let mode = m.mode, mode >= 2 else { return .noFix }
        guard let lat = m.lat, let lon = m.lon, let text = m.time,
              let time = try? TimeParsing.instant(text, in: TimeZone(identifier: "UTC")!, now: Instant(microseconds: 0))
        else { return nil }
        return .fix(GPSFix(position: GeoPoint(lat: lat, lon: lon), time: time))
    }
}

/// gpsd's lines out of what its socket gives, each byte looked at once (no rescanning of what
/// waits for its newline). A line is at most `limit` bytes (gpsd's own are a few KiB): a longer one
/// is dropped whole, said once, and the reading starts again after its newline.
struct GPSLineFramer {
    enum Piece: Equatable {
        case line([UInt8])
        /// A line longer than `limit` was dropped.
        case overlong
    }

    static let limit = 64 * 1024

    /// The start of a line whose newline has not come yet.
    private var pending: [UInt8] = []
    /// Inside a line already dropped: everything up to its newline goes too.
    private var dropping = false

    /// The lines that `bytes` completes, in order, without their newlines.
    mutating func take(_ bytes: some Collection<UInt8>) -> [Piece] {
        if let pieces = bytes.withContiguousStorageIfAvailable({ take(buffer: $0) }) { return pieces }
        return Array(bytes).withUnsafeBufferPointer { take(buffer: $0) }
    }

    private mutating func take(buffer: UnsafeBufferPointer<UInt8>) -> [Piece] {
        guard let base = buffer.baseAddress else { return [] }
        var pieces: [Piece] = []
        var start = 0
        while start < buffer.count {
            let newline = memchr(base + start, 0x0A, buffer.count - start).map { UnsafeRawPointer(base).distance(to: $0) }
            let end = newline ?? buffer.count
            if !dropping {
                if pending.count + (end - start) > Self.limit {
                    pieces.append(.overlong)
                    pending = []
                    dropping = true
                } else {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
                }
            }
            guard let newline else { break }
            if !dropping { pieces.append(.line(pending)) }
            pending = []
            dropping = false
            start = newline + 1
        }
        return pieces
    }
}

/// Runs the gpsd client when an output follows GPS, handing its reports to the engine.
struct GPSService: Service {
    let engine: Engine
    let client: GPSClient

    func run() async throws {
        let (reports, continuation) = AsyncStream.makeStream(of: GPSReport.self)
        let client = self.client
        let thread = Thread {
            client.run { continuation.yield($0) }
            continuation.finish()
        }
        thread.name = "laba-gps"
        thread.start()
        await withGracefulShutdownHandler {
            for await report in reports { await engine.gps(report) }
        } onGracefulShutdown: {
            client.stop()
        }
    }
}
