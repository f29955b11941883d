// A flag one thread raises and the output thread checks between periods, with a pipe that wakes
// the output thread at once when it waits on the device.

import Glibc
import Synchronization

/// Asks a playing program to stop. Safe to use from any thread.
public final class CancelToken: Sendable {
    private let flag = Atomic<Bool>(false)
    private let pipe: (read: Int32, write: Int32)

    public init() {
        var fds: [Int32] = [-1, -1]
        if Glibc.pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            }
        } else {
            fds = [-1, -1]
        }
        pipe = (fds[0], fds[1])
    }

    deinit {
        if pipe.read >= 0 { close(pipe.read) }
        if pipe.write >= 0 { close(pipe.write) }
    }

    public func cancel() {
        guard !flag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if pipe.write >= 0 {
            var byte: UInt8 = 1
            _ = write(pipe.write, &byte, 1)
        }
    }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }

    /// Readable once the token is cancelled: add it to a poll() to wake up at once.
    public var pollDescriptor: Int32 { pipe.read }
}
