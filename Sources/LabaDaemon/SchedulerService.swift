// The scheduling loop: sleeps on a timerfd until the next occurrence or deadline, and wakes when
// the wall clock is set (TFD_TIMER_CANCEL_ON_SET), so that a jump is seen at once, without polling.

import CLinux
import Foundation
import LabaCore
import Logging
import ServiceLifecycle

/// A CLOCK_REALTIME timerfd the engine arms (absolute, cancelled when the clock is set).
///
/// Thread rules: `arm`, `clockWasSet` and `stop` may be called from any thread; `wait` blocks and
/// belongs to the loop's own thread.
public final class ClockTimer: WakeTimer, @unchecked Sendable {
    enum Wake: Equatable { case timer, clockSet, stopped }

    private let fd: Int32
    private let clock: WallClock
    private let logger: Logger
    /// Half the systemd watchdog interval, when one is set: the loop wakes at least this often.
    let watchdogInterval: TimeSpan?
    private let condition = NSCondition()
    private var armed = false
    private var stopping = false
    private var clockSet = false

    public init(clock: WallClock, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.clock = clock
        self.logger = logger
        if let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = TimeSpan(microseconds: usec / 2)
        } else {
            watchdogInterval = nil
        }
        fd = timerfd_create(CLOCK_REALTIME, Int32(TFD_CLOEXEC))
        if fd < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    /// Sets the timer for an instant of the daemon's clock; nil: far away (a month), so that a
    /// clock change still wakes the loop.
    public func arm(_ wake: Instant?) {
        let now = clock.now()
        var target = wake ?? (now + .seconds(30 * 86_400))
        if let watchdogInterval { target = min(target, now + watchdogInterval) }
        set(clock.system(target))
    }

    /// The clock's test offset changed: handled as the kernel's notice that the clock was set.
    func clockWasSet() {
        condition.lock()
        clockSet = true
        condition.unlock()
        set(Instant(microseconds: 1))
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.unlock()
        set(Instant(microseconds: 1))
    }

    private func set(_ instant: Instant) {
        var spec = itimerspec()
        let us = max(1, instant.microseconds)
        spec.it_value.tv_sec = Int(us / 1_000_000)
        spec.it_value.tv_nsec = Int(us % 1_000_000) * 1000
        condition.lock()
        if timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME) | Int32(TFD_TIMER_CANCEL_ON_SET), &spec, nil) < 0 {
            logger.error("timerfd_settime failed", metadata: ["errno": "\(errno)"])
        }
        armed = true
        condition.signal()
        condition.unlock()
    }

    /// Blocks until the armed timer fires or the clock is set.
    func wait() -> Wake {
        condition.lock()
        while !armed { condition.wait() }
        condition.unlock()
        var expirations: UInt64 = 0
        while true {
            let n = read(fd, &expirations, 8)
            let failure = errno
            if n < 0, failure == EINTR { continue }
            condition.lock()
            defer { condition.unlock() }
            armed = false
            if stopping { return .stopped }
            if (n < 0 && failure == ECANCELED) || clockSet {
                clockSet = false
                return .clockSet
            }
            return .timer
        }
    }
}

/// Runs the engine's schedule at each wake of the timer, in the service group.
struct SchedulerService: Service {
    let engine: Engine
    let timer: ClockTimer
    let notifier: Notifier
    let logger: Logger

    func run() async throws {
        let (wakes, continuation) = AsyncStream.makeStream(of: ClockTimer.Wake.self)
        // The blocking read lives on its own thread; it only hands wakes on.
        let timer = self.timer
        let thread = Thread {
            while true {
                let wake = timer.wait()
                if wake == .stopped { break }
                continuation.yield(wake)
            }
            continuation.finish()
        }
        thread.name = "laba-scheduler"
        thread.start()
        await engine.runSchedule()
        await withGracefulShutdownHandler {
            for await wake in wakes {
                if timer.watchdogInterval != nil { notifier.send("WATCHDOG=1") }
                switch wake {
                case .clockSet:
                    logger.notice("the wall clock was set")
                    await engine.clockChanged()
                case .timer, .stopped:
                    await engine.runSchedule()
                }
            }
        } onGracefulShutdown: {
            timer.stop()
        }
    }
}
