// The console's connection limits (SPEC 17): the office LAN cannot take every descriptor of the
// daemon. At most `perAddress` connections from one address (others are closed at once), at most
// `total` in all (beyond that the server stops accepting until one closes: they wait in the
// kernel's backlog, holding no descriptor of ours), a TLS handshake finished within
// `handshakeDeadline`, a first request begun within `idleTimeout`, and later idleness bounded by
// the HTTP channel's idle timeout (Hummingbird adds that handler only once a request has come).

import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// The limits and the counts of open connections per address, shared by every connection.
final class ConnectionLimits: Sendable {
    static let perAddress = 32
    static let total = 512
    static let handshakeDeadline = TimeAmount.seconds(10)
    static let idleTimeout = TimeAmount.seconds(30)

    let perAddress: Int
    let logger: Logger
    private let state = Mutex<State>(State())

    struct State {
        var open: [String: Int] = [:]
        /// When the cap was last logged (µs since the epoch): once a minute at most.
        var loggedAt: Int64?
    }

    init(perAddress: Int = ConnectionLimits.perAddress, logger: Logger) {
        self.perAddress = perAddress
        self.logger = logger
    }

    /// Counts a connection from `address`; false (not counted) when that address has its share.
    func open(_ address: String) -> Bool {
        let (taken, log) = state.withLock { s -> (Bool, Bool) in
            if s.open[address, default: 0] >= perAddress {
                let now = Int64(Date().timeIntervalSince1970 * 1e6)
                let log = s.loggedAt.map { now - $0 >= 60_000_000 } ?? true
                if log { s.loggedAt = now }
                return (false, log)
            }
            s.open[address, default: 0] += 1
            return (true, false)
        }
        if log {
            logger.warning("console: connections refused from an address that holds its share",
                           metadata: ["address": "\(address)", "limit": "\(perAddress)"])
        }
        return taken
    }

    func close(_ address: String) {
        state.withLock { s in
            let left = s.open[address, default: 1] - 1
            s.open[address] = left > 0 ? left : nil
        }
    }

    /// Open connections from `address` (tests).
    func count(_ address: String) -> Int { state.withLock { $0.open[address, default: 0] } }
}

/// A server child channel with the guard in front: when the console speaks HTTPS, the redirect of
/// plain HTTP and the TLS handler; then the guard, then the base channel's HTTP pipeline.
struct GuardedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let limits: ConnectionLimits
    let tls: NIOSSLContext?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if let tls {
                try channel.pipeline.syncOperations.addHandler(PlainHTTPRedirect())
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
            }
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuard(limits: limits, handshakeDeadline: tls == nil ? nil : ConnectionLimits.handshakeDeadline))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        // What the HTTP and WebSocket layers log about one connection's end (an error line for
        // each connection the guard closed: "Error handling upgrade result") is the LAN's to
        // cause, one line per connection: a flood of idle connections would flood the journal.
        // The guard logs the limits itself, once a minute at most; the site logs its own failures.
        var quiet = logger
        quiet.logLevel = .critical
        await base.handle(value: value, logger: quiet)
    }
}

/// One connection's guard, in its pipeline after the TLS handler (when there is one): counts the
/// connection against its address while it is open, and closes one whose TLS handshake has not
/// finished, or whose first bytes have not come, in time.
final class ConnectionGuard: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    let limits: ConnectionLimits
    let handshakeDeadline: TimeAmount?
    private var address: String?
    private var decided = false
    private var handshake: Scheduled<Void>?
    private var quiet: Scheduled<Void>?

    init(limits: ConnectionLimits, handshakeDeadline: TimeAmount?) {
        self.limits = limits
        self.handshakeDeadline = handshakeDeadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard limits.open(address) else {
            context.close(promise: nil)
            return
        }
        self.address = address
        let channel = context.channel
        if let deadline = handshakeDeadline {
            handshake = context.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
        }
        quiet = context.eventLoop.scheduleTask(in: ConnectionLimits.idleTimeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let quiet {
            quiet.cancel()
            self.quiet = nil
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            handshake?.cancel()
            handshake = nil
        }
        // The browser closed its side: nothing more will come, and a live view (server-sent
        // events) would otherwise hold its connection and its share of the session's views until
        // the next change fails to write. Browsers never half-close an HTTP/1.1 connection.
        if case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
            return
        }
        // labad is stopping: a connection that has not begun a request has nothing to finish,
        // and must not hold up the stop (SPEC 7: within 2 s).
        if event is ChannelShouldQuiesceEvent, quiet != nil || handshake != nil {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func release() {
        handshake?.cancel()
        handshake = nil
        quiet?.cancel()
        quiet = nil
        if let address {
            limits.close(address)
            self.address = nil
        }
    }
}
