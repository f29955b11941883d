// The MQTT connection: the one file that owns a libmosquitto handle (as PCMOutput owns the ALSA one).
//
// libmosquitto runs on a network thread of this file's own. `mosquitto_loop_start` would give one
// too, but its loop (`mosquitto_loop_forever`) gives up for good after a TLS read error (it returns
// when errno is EPROTO, which every TLS connection lost sets), its "exponential" backoff is
// quadratic, and its first connect with MQTT 5 properties (`mosquitto_connect_bind_v5`) blocks the
// caller. So the thread here runs `mosquitto_loop` itself: the first connect happens there, a lost
// connection of any kind is retried after 1 s, doubling to 60 s, and the caller never waits on the
// network.

import CMosquitto
import Foundation
import LabaCore
import Logging
import Synchronization

/// How to reach and talk to the broker.
public struct MQTTOptions: Sendable {
    public struct TLS: Sendable, Equatable {
        /// PEM file of the certificate authorities to trust; nil: the system's.
        public var caFile: String?
        /// The client certificate and its key (PEM), for brokers that require them.
        public var certFile: String?
        public var keyFile: String?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// Published by the broker when the connection is lost (or closed with `stop(publishingWill: true)`).
    public struct Will: Sendable, Equatable {
        public var topic: String
        public var payload: [UInt8]
        public var retain: Bool

        public init(topic: String, payload: [UInt8], retain: Bool = true) {
            self.topic = topic
            self.payload = payload
            self.retain = retain
        }
    }

    public var host: String
    public var port: Int
    /// The session's name on the broker: the same id finds the same persistent session.
    public var clientID: String
    public var tls: TLS?
    public var username: String?
    public var password: String?
    /// Seconds between pings when idle (the only wake-ups of an idle connection).
    public var keepalive: Int = 60
    /// How long the broker keeps the session (subscriptions and queued QoS 1 messages) while this
    /// client is away, in seconds; above 0 for a persistent session (MQTT 5).
    public var sessionExpiry: UInt32 = 7 * 86_400
    public var will: Will?
    /// Reconnect backoff: the first delay, doubled after each failed attempt up to `maximumDelay`.
    public var initialDelay: Duration = .seconds(1)
    public var maximumDelay: Duration = .seconds(60)
    /// How long one attempt may take from the TCP connect to the broker's CONNACK before it is
    /// abandoned and retried: a broker that accepts the socket and never answers (a half-started
    /// broker, a stalled TLS handshake) must not hold the connection for a whole keepalive.
    public var connectTimeout: Duration = .seconds(10)
    /// The largest payload accepted on a topic, checked on the length before the payload is
    /// copied (SPEC 17); a larger message is dropped and counted. nil: no limit of its own.
    public var maximumSize: (@Sendable (String) -> Int)?
    /// How many received messages, and how many bytes of them, may wait for the consumer of
    /// `events`; beyond, they are dropped and counted (one log line a minute).
    public var queue = MessageQueueBudget()

    public init(host: String, port: Int, clientID: String, tls: TLS? = nil, username: String? = nil,
                password: String? = nil, will: Will? = nil) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.tls = tls
        self.username = username
        self.password = password
        self.will = will
    }
}

/// A message received on a subscription.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int
    /// True when the broker sent a stored retained message (at subscription time).
    public var retained: Bool
    /// Seconds until the message expires, as the broker counts them (MQTT 5 message expiry);
    /// nil when it never does.
    public var expiresIn: Int?

    public init(topic: String, payload: [UInt8], qos: Int, retained: Bool, expiresIn: Int? = nil) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
        self.expiresIn = expiresIn
    }
}

/// `MQTTConnection.events`: the connection's events in order; each message handed on frees its
/// room in the connection's bounded queue.
public struct MQTTEvents: AsyncSequence, Sendable {
    public typealias Element = MQTTEvent
    let base: AsyncStream<MQTTEvent>
    let budget: SharedBudget

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<MQTTEvent>.AsyncIterator
        let budget: SharedBudget

        public mutating func next() async -> MQTTEvent? {
            let event = await base.next()
            if case .message(let m)? = event { budget.mutex.withLock { $0.release(size: m.payload.count) } }
            return event
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> MQTTEvent? {
            let event = await base.next(isolation: actor)
            if case .message(let m)? = event { budget.mutex.withLock { $0.release(size: m.payload.count) } }
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), budget: budget) }
}

/// The queue's budget, shared by the network thread and the events' iterator.
final class SharedBudget: Sendable {
    let mutex: Mutex<MessageQueueBudget>
    init(_ budget: MessageQueueBudget) { mutex = Mutex(budget) }
}

/// What happens on the connection, in order, from the network thread.
public enum MQTTEvent: Sendable, Equatable {
    /// CONNACK accepted. `sessionPresent`: the broker still had this client's session.
    case connected(sessionPresent: Bool)
    /// CONNACK refused (bad credentials, not authorised): retried with backoff.
    case refused(reason: String)
    /// A connection attempt failed before the broker answered (no route, refused, TLS handshake):
    /// retried with backoff.
    case connectFailed(reason: String)
    /// An accepted connection closed; it is retried with backoff unless `stop` was called.
    case disconnected(reason: String)
    case message(MQTTMessage)
    /// The broker acknowledged the QoS 1 publish `messageID` (PUBACK). A `reasonCode` of 0x80 or
    /// more means it refused it (0x87: not authorised by the ACL); below, it has it.
    case acknowledged(messageID: Int32, reasonCode: Int)
    /// SUBACK: one granted QoS (0...2) or a refusal (0x80 and above) per filter.
    case subscribed(filters: [String], granted: [Int])
}

/// An MQTT failure, named at the libmosquitto call that reported it.
public enum MQTTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `call` returned `code`; `reason` is libmosquitto's text.
    case library(call: String, code: Int32, reason: String)
    /// Not connected now: the caller keeps the message (an outbox) and publishes it on `connected`.
    case notConnected
    /// The message's expiry has passed: publishing it would be useless.
    case expired
    /// A TLS file cannot be read.
    case unreadableFile(String)

    public var description: String {
        switch self {
        case .library(let call, let code, let reason): "\(call) failed: \(reason) (\(code))"
        case .notConnected: "not connected to the broker"
        case .expired: "the message expired before it could be published"
        case .unreadableFile(let path): "cannot read \(path)"
        }
    }

    static func check(_ code: Int32, _ call: String) throws(MQTTError) {
        guard code == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError.library(call: call, code: code, reason: reason(code)) }
    }

    static func reason(_ code: Int32) -> String {
        code == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(code))
    }
}

/// One MQTT 5 client session with persistent state on the broker.
///
/// Thread rules: every method may be called from any thread and returns without waiting on the
/// network; libmosquitto's callbacks run on the connection's own thread and only yield to `events`.
/// Lifetime: `start()` once, `stop()` once; the handle is freed when the last reference goes.
public final class MQTTConnection: @unchecked Sendable {
    /// Everything the connection reports; one consumer.
    public let events: MQTTEvents

    public let options: MQTTOptions
    private let continuation: AsyncStream<MQTTEvent>.Continuation
    private let handle: OpaquePointer
    private let logger: Logger

    private struct State {
        var started = false
        var stopping = false
        var finished = false
        var connected = false
        var attempts = 0
        /// Filter → subscription options, sent again on every connect.
        var subscriptions: [String: Int32] = [:]
        /// SUBSCRIBE message id → its filters, until the SUBACK.
        var pendingSubscriptions: [Int32: [String]] = [:]
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    /// The messages waiting in `events`: shared with its iterator, which releases what it hands on.
    private let budget: SharedBudget
    /// Wakes the backoff wait when `stop` is called.
    private let backoff = NSCondition()

    private static let libraryReady: Bool = {
        mosquitto_lib_init()
        return true
    }()

    /// Creates the handle and applies the options; nothing touches the network before `start`.
    ///
    /// - Throws: `MQTTError` when a TLS file cannot be read or libmosquitto refuses an option.
    public init(_ options: MQTTOptions, logger: Logger = Logger(label: "laba.mqtt")) throws(MQTTError) {
        _ = Self.libraryReady
        self.options = options
        var logger = logger
        logger[metadataKey: "broker"] = "\(options.host):\(options.port)"
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: MQTTEvent.self)
        self.continuation = continuation
        let budget = SharedBudget(options.queue)
        self.budget = budget
        events = MQTTEvents(base: stream, budget: budget)
        // clean_start false: the broker keeps the session (with a session expiry above 0, below).
        guard let handle = mosquitto_new(options.clientID, false, nil) else {
            throw MQTTError.library(call: "mosquitto_new", code: MOSQ_ERR_NOMEM.rawValue, reason: String(cString: strerror(errno)))
        }
        self.handle = handle
        try configure(options)
    }

    deinit {
        continuation.finish()
        mosquitto_destroy(handle)
    }

    private func configure(_ options: MQTTOptions) throws(MQTTError) {
        try MQTTError.check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5),
                            "mosquitto_int_option(PROTOCOL_VERSION)")
        try MQTTError.check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "mosquitto_int_option(TCP_NODELAY)")
        // Publishes from other threads only queue the packet and wake the network thread.
        try MQTTError.check(mosquitto_threaded_set(handle, true), "mosquitto_threaded_set")
        if let tls = options.tls {
            for path in [tls.caFile, tls.certFile, tls.keyFile].compactMap({ $0 }) where access(path, R_OK) != 0 {
                throw MQTTError.unreadableFile(path)
            }
            if tls.caFile == nil {
                try MQTTError.check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "mosquitto_int_option(TLS_USE_OS_CERTS)")
            }
            try MQTTError.check(mosquitto_tls_set(handle, tls.caFile, nil, tls.certFile, tls.keyFile, nil), "mosquitto_tls_set")
        }
        if options.username != nil || options.password != nil {
            try MQTTError.check(mosquitto_username_pw_set(handle, options.username, options.password), "mosquitto_username_pw_set")
        }
        if let will = options.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set_v5(handle, will.topic, Int32(bytes.count), bytes.baseAddress, 1, will.retain, nil)
            }
            try MQTTError.check(rc, "mosquitto_will_set_v5")
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        mosquitto_user_data_set(handle, context)
        mosquitto_connect_v5_callback_set(handle) { _, context, rc, flags, _ in
            MQTTConnection.from(context).didConnect(rc: rc, sessionPresent: flags & 1 != 0)
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, context, rc, _ in
            MQTTConnection.from(context).didDisconnect(rc: rc)
        }
        mosquitto_publish_v5_callback_set(handle) { _, context, mid, reason, _ in
            MQTTConnection.from(context).continuation.yield(.acknowledged(messageID: mid, reasonCode: Int(reason)))
        }
        mosquitto_message_v5_callback_set(handle) { _, context, message, properties in
            guard let message = message?.pointee else { return }
            let connection = MQTTConnection.from(context)
            // The length first: a message over its topic's limit or with no room is never copied.
            guard connection.admit(topic: message.topic, size: Int(message.payloadlen)) else { return }
            let payload = message.payload.map {
                Array(UnsafeRawBufferPointer(start: $0, count: Int(message.payloadlen)))
            } ?? []
            var expiry: UInt32 = 0
            let hasExpiry = mosquitto_property_read_int32(properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue),
                                                          &expiry, false) != nil
            let received = MQTTMessage(topic: String(cString: message.topic), payload: payload, qos: Int(message.qos),
                                       retained: message.retain, expiresIn: hasExpiry ? Int(expiry) : nil)
            connection.continuation.yield(.message(received))
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, context, mid, count, granted, _ in
            let connection = MQTTConnection.from(context)
            let filters = connection.state.withLock { $0.pendingSubscriptions.removeValue(forKey: mid) } ?? []
            let codes = (0..<Int(count)).map { Int(granted![$0]) }
            connection.continuation.yield(.subscribed(filters: filters, granted: codes))
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            guard let text, level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0 else { return }
            MQTTConnection.from(context).logger.warning("libmosquitto: \(String(cString: text))")
        }
    }

    /// Whether a message of `size` bytes on `topic` goes on to the consumer; logs the drops, at most
    /// once a minute. On the network thread.
    private func admit(topic: UnsafeMutablePointer<CChar>?, size: Int) -> Bool {
        let limit = topic.flatMap { t in options.maximumSize.map { $0(String(cString: t)) } } ?? Int.max
        let (admitted, report) = budget.mutex.withLock { budget in
            let admitted = budget.admit(size: size, limit: limit)
            return (admitted, budget.report(now: .now))
        }
        if let report {
            logger.warning("fleet messages dropped: too large or too many waiting", metadata: [
                "dropped": "\(report)", "last_size": "\(size)", "last_topic": "\(topic.map { String(cString: $0) } ?? "")",
            ])
        }
        return admitted
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> MQTTConnection {
        Unmanaged<MQTTConnection>.fromOpaque(context!).takeUnretainedValue()
    }

    // MARK: Public calls

    /// Messages received and dropped since the start: over their topic's limit, or no room in the queue.
    public var messagesDropped: Int { budget.mutex.withLock { $0.droppedTotal } }

    /// Whether the broker accepted the connection and it has not been lost since.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// Starts the network thread, which connects and reconnects by itself. Returns at once.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in
            nameThread("mqtt \(options.clientID)")
            run()
        }
        thread.start()
    }

    /// Closes the connection and ends the network thread; returns when it has ended.
    ///
    /// - Parameter publishingWill: ask the broker to publish the will (the unit's `offline`
    ///   status) as if the connection had been lost; false for a quiet disconnect.
    public func stop(publishingWill: Bool = true) async {
        // Under the lock, so that the network thread, once it sees `stopping`, finds the DISCONNECT
        // queued and sends it before it ends.
        let wasStarted = state.withLock { state -> Bool in
            state.stopping = true
            if state.started {
                // 0x04: disconnect with will message; 0: normal disconnection (the broker drops the will).
                _ = mosquitto_disconnect_v5(handle, publishingWill ? 4 : 0, nil)
            }
            return state.started
        }
        guard wasStarted else { return }
        wakeBackoff()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state -> Bool in
                if !state.finished { state.finishWaiters.append(waiter) }
                return state.finished
            }
            if finished { waiter.resume() }
        }
    }

    /// Publishes `payload` on `topic` at QoS 1; returns the message id that `acknowledged` will name.
    ///
    /// - Parameters:
    ///   - expiry: the instant after which the broker drops the message (MQTT 5 message expiry,
    ///     computed here from the caller's clock `now`, so that a message published again expires
    ///     at the same instant); nil: it never expires.
    /// - Throws: `MQTTError.notConnected` when there is no connection (publish again on
    ///   `connected`), `.expired` when the expiry is not after `now`, `.library` otherwise.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], retain: Bool = false,
                        expiry: (at: Instant, now: Instant)? = nil) throws(MQTTError) -> Int32 {
        guard isConnected else { throw MQTTError.notConnected }
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if let expiry {
            let remaining = expiry.at.microseconds - expiry.now.microseconds
            guard remaining > 0 else { throw MQTTError.expired }
            // Whole seconds, rounded up: never expire before the instant.
            let seconds = min((remaining + 999_999) / 1_000_000, Int64(UInt32.max))
            try MQTTError.check(mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue),
                                                             UInt32(seconds)), "mosquitto_property_add_int32")
        }
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, 1, retain, properties)
        }
        if rc == MOSQ_ERR_NO_CONN.rawValue { throw MQTTError.notConnected }
        try MQTTError.check(rc, "mosquitto_publish_v5 '\(topic)'")
        return mid
    }

    /// When the broker sends the retained messages that match a subscription.
    public enum RetainedDelivery: Sendable {
        /// On every (re)subscription: for state that must be read again after a restart, when the
        /// persistent session already holds the subscription (units' statuses on a commander).
        case always
        /// Only when the subscription is new, so that a reconnect does not deliver them again.
        case whenNew
        case never

        var option: Int32 {
            switch self {
            case .always: Int32(MQTT_SUB_OPT_SEND_RETAIN_ALWAYS.rawValue)
            case .whenNew: Int32(MQTT_SUB_OPT_SEND_RETAIN_NEW.rawValue)
            case .never: Int32(MQTT_SUB_OPT_SEND_RETAIN_NEVER.rawValue)
            }
        }
    }

    /// Subscribes to `filter` at QoS 1, now when connected and again on every connect.
    public func subscribe(_ filter: String, retained: RetainedDelivery = .whenNew) {
        let options = retained.option
        let connected = state.withLock { state -> Bool in
            state.subscriptions[filter] = options
            return state.connected
        }
        if connected { sendSubscribe([(filter, options)]) }
    }

    /// Stops receiving `filter`.
    public func unsubscribe(_ filter: String) {
        let connected = state.withLock { state -> Bool in
            state.subscriptions[filter] = nil
            return state.connected
        }
        if connected {
            let rc = mosquitto_unsubscribe_v5(handle, nil, filter, nil)
            if rc != MOSQ_ERR_SUCCESS.rawValue, rc != MOSQ_ERR_NO_CONN.rawValue {
                logger.warning("mosquitto_unsubscribe_v5 '\(filter)' failed: \(MQTTError.reason(rc))")
            }
        }
    }

    // MARK: The network thread

    private func sendSubscribe(_ items: [(String, Int32)]) {
        for (filter, options) in items {
            var mid: Int32 = 0
            // Held across the call so that the SUBACK (on the network thread) finds its filters.
            let rc = state.withLock { state -> Int32 in
                let rc = mosquitto_subscribe_v5(handle, &mid, filter, 1, options, nil)
                if rc == MOSQ_ERR_SUCCESS.rawValue { state.pendingSubscriptions[mid] = [filter] }
                return rc
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue, rc != MOSQ_ERR_NO_CONN.rawValue {
                logger.warning("mosquitto_subscribe_v5 '\(filter)' failed: \(MQTTError.reason(rc))")
            }
        }
    }

    private func didConnect(rc: Int32, sessionPresent: Bool) {
        guard rc == 0 else {
            let reason = String(cString: mosquitto_reason_string(rc))
            logger.warning("the broker refused the connection: \(reason)")
            continuation.yield(.refused(reason: reason))
            return
        }
        let subscriptions = state.withLock { state -> [(String, Int32)] in
            state.connected = true
            state.attempts = 0
            return state.subscriptions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        logger.info("connected", metadata: ["session": "\(sessionPresent ? "resumed" : "new")"])
        continuation.yield(.connected(sessionPresent: sessionPresent))
        sendSubscribe(subscriptions)
    }

    private func didDisconnect(rc: Int32) {
        let wasConnected = state.withLock { state -> Bool in
            defer { state.connected = false }
            return state.connected
        }
        let reason = rc == 0 ? "closed" : MQTTError.reason(rc)
        if wasConnected {
            logger.info("disconnected: \(reason)")
            continuation.yield(.disconnected(reason: reason))
        } else {
            connectFailed(reason)
        }
    }

    /// Names the calling thread for ps and /proc (Linux keeps 15 bytes; Foundation's `Thread.name`
    /// does not reach the kernel there, and glibc's pthread_setname_np is not in Swift's overlay).
    private func nameThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    private func wakeBackoff() {
        backoff.lock()
        backoff.broadcast()
        backoff.unlock()
    }

    private func connectFailed(_ reason: String) {
        logger.debug("cannot connect: \(reason)")
        continuation.yield(.connectFailed(reason: reason))
    }

    private func run() {
        var properties: OpaquePointer?
        mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), options.sessionExpiry)
        // The only call that may block on the network (name lookup, TCP and TLS handshakes): it
        // stores the CONNECT properties that every later reconnect sends again.
        var rc = mosquitto_connect_bind_v5(handle, options.host, Int32(options.port), Int32(options.keepalive), nil, properties)
        mosquitto_property_free_all(&properties)
        if rc != MOSQ_ERR_SUCCESS.rawValue { connectFailed(MQTTError.reason(rc)) }
        let timeout = Int32(max(1, options.keepalive) * 1000)
        var attemptStarted = ContinuousClock.now
        var wasConnected = false
        while !state.withLock({ $0.stopping }) {
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                if state.withLock({ $0.connected }) {
                    wasConnected = true
                    // Waits for the socket, the wake-up pipe or the keepalive; handles one round.
                    rc = mosquitto_loop(handle, timeout, 1)
                    if rc == MOSQ_ERR_SUCCESS.rawValue { continue }
                } else if wasConnected {
                    // The broker closed the connection (a DISCONNECT) in a round that still
                    // returned success: reconnect with backoff, a new attempt.
                    wasConnected = false
                    rc = MOSQ_ERR_CONN_LOST.rawValue
                } else if ContinuousClock.now - attemptStarted < options.connectTimeout {
                    // An attempt under way: short rounds, so that its deadline is seen.
                    rc = mosquitto_loop(handle, 200, 1)
                    if rc == MOSQ_ERR_SUCCESS.rawValue { continue }
                    // The attempt failed inside the loop (refused once the TCP handshake ran):
                    // said, so that a unit that keeps failing shows why.
                    connectFailed(MQTTError.reason(rc))
                } else {
                    connectFailed("no answer from the broker within \(options.connectTimeout)")
                }
            }
            let attempt = state.withLock { state -> Int in
                defer { state.attempts += 1 }
                return state.attempts
            }
            let delay = min(options.initialDelay * (1 << min(attempt, 16)), options.maximumDelay)
            backoff.lock()
            let deadline = Date().addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            while !state.withLock({ $0.stopping }), backoff.wait(until: deadline) {}
            backoff.unlock()
            if state.withLock({ $0.stopping }) { break }
            // Non-blocking from here on: the TCP and TLS handshakes complete inside mosquitto_loop.
            // A reconnect closes whatever socket the last attempt left open.
            attemptStarted = ContinuousClock.now
            wasConnected = false
            rc = mosquitto_reconnect_async(handle)
            if rc != MOSQ_ERR_SUCCESS.rawValue { connectFailed(MQTTError.reason(rc)) }
        }
        // Flush the DISCONNECT that `stop` queued, if the connection is still there.
        for _ in 0..<10 where mosquitto_want_write(handle) {
            if mosquitto_loop(handle, 100, 1) != MOSQ_ERR_SUCCESS.rawValue { break }
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            state.connected = false
            defer { state.finishWaiters = [] }
            return state.finishWaiters
        }
        continuation.finish()
        for waiter in waiters { waiter.resume() }
    }
}
