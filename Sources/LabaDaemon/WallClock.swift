// The daemon's wall clock: the system's, plus an offset that only tests set. With
// LABA_TEST_CLOCK_OFFSET_FILE in the environment, SIGUSR2 re-reads the offset (seconds) from that
// file and is handled exactly as the kernel's notice that the clock was set, so that a test can
// jump the clock of a running daemon without touching the machine's.

import Foundation
import LabaCore
import Synchronization

public final class WallClock: Sendable {
    private let offset = Atomic<Int64>(0)
    /// Where a test keeps the offset; nil in production.
    public let offsetFile: String?

    public init(offsetFile: String? = ProcessInfo.processInfo.environment["LABA_TEST_CLOCK_OFFSET_FILE"]) {
        self.offsetFile = offsetFile
        reloadOffset()
    }

    public func now() -> Instant {
        Instant(microseconds: Instant(Date()).microseconds + offset.load(ordering: .relaxed))
    }

    /// The system's time of one of our instants (what an absolute timerfd takes).
    func system(_ instant: Instant) -> Instant {
        Instant(microseconds: instant.microseconds - offset.load(ordering: .relaxed))
    }

    /// Reads the offset file (a file that cannot be read leaves the offset as it was).
    func reloadOffset() {
        guard let offsetFile, let text = try? String(contentsOfFile: offsetFile, encoding: .utf8),
              let seconds = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        offset.store(Int64(seconds * 1_000_000), ordering: .relaxed)
    }
}
