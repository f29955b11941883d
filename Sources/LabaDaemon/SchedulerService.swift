// The scheduling loop: sleeps on a timerfd until the next occurrence or deadline, and wakes when
// the wall clock is set (TFD_TIMER_CANCEL_ON_SET), so that a jump is seen at once, without polling.

import CLinux
import Foundation
import LabaCore
import Logging

/// Runs on a thread of its own; `rearm` may be called from any thread.
final class SchedulerLoop: @unchecked Sendable {
    private let engine: Engine
    private let logger: Logger
    private let notifier: Notifier
    /// Half the systemd watchdog interval, when one is set: the loop pings at least this often.
    private let watchdogInterval: TimeSpan?
    private let fd: Int32
    private let clock: WallClock
    private let lock = NSLock()
    private var stopping = false
    private var clockSet = false

    init(engine: Engine, clock: WallClock, notifier: Notifier, logger: Logger) throws {
        self.engine = engine
        self.clock = clock
        self.logger = logger
        self.notifier = notifier
        if let usec = ProcessInfo.processInfo.environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = TimeSpan(microseconds: usec / 2)
        } else {
            watchdogInterval = nil
        }
        fd = timerfd_create(CLOCK_REALTIME, Int32(TFD_CLOEXEC))
        if fd < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "laba-scheduler"
        thread.start()
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        arm(at: Instant(microseconds: 1))
    }

    /// Sets the timer for an absolute wall-clock instant; nil: far away (a month), so that a clock
    /// change still wakes the loop.
    func rearm(_ wake: Instant?) {
        let now = clock.now()
        var target = wake ?? (now + .seconds(30 * 86_400))
        if let watchdogInterval { target = min(target, now + watchdogInterval) }
        arm(at: clock.system(target))
    }

    /// The clock's test offset changed: handled as the kernel's notice that the clock was set.
    func clockWasSet() {
        lock.lock()
        clockSet = true
        lock.unlock()
        arm(at: Instant(microseconds: 1))
    }

    private func arm(at instant: Instant) {
        var spec = itimerspec()
        let us = max(1, instant.microseconds)
        spec.it_value.tv_sec = Int(us / 1_000_000)
        spec.it_value.tv_nsec = Int(us % 1_000_000) * 1000
        if timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME) | Int32(TFD_TIMER_CANCEL_ON_SET), &spec, nil) < 0 {
            logger.error("timerfd_settime failed", metadata: ["errno": "\(errno)"])
        }
    }

    /// Calls into the engine from this thread and waits for the answer.
    private func call(_ body: @escaping @Sendable (Engine) async -> Instant?) -> Instant? {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        let engine = self.engine
        Task {
            box.value = await body(engine)
            done.signal()
        }
        done.wait()
        return box.value
    }

    private final class Box: @unchecked Sendable { var value: Instant? }

    private func run() {
        rearm(call { await $0.runSchedule() })
        var expirations: UInt64 = 0
        while true {
            let n = read(fd, &expirations, 8)
            let failure = errno
            lock.lock()
            let done = stopping
            let set = clockSet
            clockSet = false
            lock.unlock()
            if done { return }
            if watchdogInterval != nil { notifier.send("WATCHDOG=1") }
            if (n < 0 && failure == ECANCELED) || set {
                logger.notice("the wall clock was set")
                rearm(call { await $0.clockChanged() })
            } else if n < 0, failure == EINTR {
                continue
            } else {
                rearm(call { await $0.runSchedule() })
            }
        }
    }
}
