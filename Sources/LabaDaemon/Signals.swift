// Signals the daemon handles in its service group: SIGHUP reloads; in tests, SIGUSR2 moves the clock.

import Foundation
import LabaCore
import Logging
import ServiceLifecycle
import UnixSignals

/// Waits for SIGHUP until the service group shuts down.
struct SignalService: Service {
    let hangups: UnixSignalsSequence
    let reloader: Reloader

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await reloader.reload()
        }
    }
}

/// Tests only: SIGUSR2 moves the daemon's clock to the offset in LABA_TEST_CLOCK_OFFSET_FILE, and
/// is handled exactly as the kernel's notice that the clock was set.
struct TestClockService: Service {
    let signals: UnixSignalsSequence
    let clock: WallClock
    let timer: ClockTimer
    let logger: Logger

    func run() async {
        for await _ in signals.cancelOnGracefulShutdown() {
            clock.reloadOffset()
            logger.notice("test clock set", metadata: ["now": "\(RFC3339.format(clock.now(), in: TimeZone(identifier: "UTC")!))"])
            timer.clockWasSet()
        }
    }
}
