// A flag one thread raises and the output thread checks between periods.

import Synchronization

/// Asks a playing program to stop. Safe to use from any thread.
public final class CancelToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .releasing) }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
