// What a fleet message may weigh (SPEC 17): each topic's limit, checked on the length libmosquitto
// reports before a byte is copied or decoded, and the bound on what waits between libmosquitto's
// thread and its consumer.

/// The largest payload each kind of fleet message may have.
public enum FleetLimits {
    /// A unit's status, ack or record.
    public static let report = 64 << 10
    /// A signed command (a forwarded CAP alert included).
    public static let command = 1 << 20
    /// A signed library recording.
    public static let library = 16 << 20
    /// The largest of all: the broker's `message_size_limit` (Config/fleet/mosquitto.conf).
    public static let largest = library

    /// The limit for a message on `topic`.
    public static func maximumSize(of topic: FleetTopic) -> Int {
        switch topic {
        case .unitStatus, .unitAck, .unitRecord: report
        case .zoneCommand, .unitCommand: command
        case .library: library
        }
    }

    /// A check for `MQTTOptions.maximumSize`: a topic that is not one of `topics`' is kept to the
    /// smallest limit (the connection subscribes to none, but a broker may send anything).
    public static func sizeCheck(_ topics: FleetTopics) -> @Sendable (String) -> Int {
        { topic in topics.parse(topic).map(maximumSize(of:)) ?? report }
    }
}

/// The messages waiting between libmosquitto's thread and the consumer of `MQTTConnection.events`:
/// at most `maxMessages` and `maxBytes` of payload (one message of any admitted size always fits
/// an empty queue). What does not fit is dropped and counted; the count is logged at most once a
/// minute. A value type: the connection keeps it under its lock.
public struct MessageQueueBudget: Sendable, Equatable {
    public var maxMessages: Int
    public var maxBytes: Int
    public private(set) var messages = 0
    public private(set) var bytes = 0
    /// Dropped since the last log line (too large, or no room).
    public private(set) var dropped = 0
    /// Dropped since the start.
    public private(set) var droppedTotal = 0
    private var lastReport: ContinuousClock.Instant?

    public static let logInterval: Duration = .seconds(60)

    public init(maxMessages: Int = 1024, maxBytes: Int = 48 << 20) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    /// Whether a message of `size` bytes, whose limit is `limit`, may wait in the queue; when it
    /// may, it is counted as waiting until `release`.
    public mutating func admit(size: Int, limit: Int) -> Bool {
        guard size <= limit, messages < maxMessages, messages == 0 || bytes + size <= maxBytes else {
            dropped += 1
            droppedTotal += 1
            return false
        }
        messages += 1
        bytes += size
        return true
    }

    /// The consumer took a message of `size` bytes.
    public mutating func release(size: Int) {
        messages = max(0, messages - 1)
        bytes = max(0, bytes - size)
    }

    /// The number of drops to log now, if any and if the last line was a minute ago or more
    /// (the first drop is logged at once); the count starts again from zero.
    public mutating func report(now: ContinuousClock.Instant) -> Int? {
        guard dropped > 0 else { return nil }
        if let lastReport, now - lastReport < Self.logInterval { return nil }
        lastReport = now
        defer { dropped = 0 }
        return dropped
    }
}
