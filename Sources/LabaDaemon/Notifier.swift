// sd_notify(3) over $NOTIFY_SOCKET: READY, STATUS, RELOADING, STOPPING, WATCHDOG.

import Foundation
import Glibc

/// Sends state changes to systemd; does nothing when not started by it.
public struct Notifier: Sendable {
    let path: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends one datagram such as "READY=1\nSTATUS=…"; errors are ignored, as sd_notify's are.
    public func send(_ message: String) {
        guard let path else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        // An abstract socket is written with a leading '@' and named with a leading NUL.
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let length = min(bytes.count, MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for i in 0..<length { raw[i] = bytes[i] }
        }
        let size = socklen_t(MemoryLayout<sa_family_t>.size + length)
        _ = message.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, text, strlen(text), 0, $0, size) }
            }
        }
    }
}
