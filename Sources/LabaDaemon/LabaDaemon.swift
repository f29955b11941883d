// LabaDaemon: the services (scheduler, players, control server, notifier) and their composition.

import LabaControl
import LabaCore
import Logging

import NIOCore
import NIOPosix

public enum ConcurrencyTakeOver {
    /// Runs Swift Concurrency's jobs on NIO's event loops instead of libdispatch's worker pool,
    /// whose 1 Hz pool monitor would otherwise wake an idle daemon 60 times a minute. Call it
    /// first thing, on the main thread, before any task runs.
    @discardableResult
    public static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
