// MQTTConnection against a real mosquitto: sessions, retained messages and wills, expiry,
// reconnection, TLS with client certificates, and the shipped ACL.

import Foundation
import LabaCore
import LabaFleet
import LabaTestSupport
import Testing

/// A connection to `broker` with its event log, started.
func connect(_ broker: MosquittoBroker, _ clientID: String, will: MQTTOptions.Will? = nil, tls: MQTTOptions.TLS? = nil,
             username: String? = nil, password: String? = nil, start: Bool = true) throws -> (MQTTConnection, EventLog) {
    var options = MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: clientID, tls: tls, username: username,
                              password: password, will: will)
    options.keepalive = 60
    // A restarted broker is found within 2 s of coming up, however long a loaded machine took to
    // start it (the backoff would otherwise have grown to 4 s and 8 s meanwhile).
    options.maximumDelay = .seconds(2)
    let connection = try MQTTConnection(options)
    let log = EventLog(connection)
    if start { connection.start() }
    return (connection, log)
}

let statusTopic = FleetTopics(fleet: "lijiang").topic(.unitStatus(unit: "unit-a"))

@Suite struct MQTTConnectionTests {
    @Test func aRetainedStatusAndTheWillReachAnotherClient() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let will = MQTTOptions.Will(topic: statusTopic, payload: FleetJSON.encode(UnitStatus.offline(unit: "unit-a")))
        let (unit, unitLog) = try connect(broker, "unit-a", will: will)
        #expect(try await unitLog.connected() == false)
        let online = FleetJSON.encode(UnitStatus(unit: "unit-a", state: .online, since: Instant(seconds: 1_800_000_000)))
        let id = try unit.publish(topic: statusTopic, payload: online, retain: true)
        #expect(try await unitLog.acknowledged(id) == 0x10)  // accepted; no subscriber yet

        // A commander subscribing later gets the retained status.
        let (commander, commanderLog) = try connect(broker, "commander")
        defer { Task { await commander.stop() } }
        commander.subscribe(statusTopic, retained: .always)
        let first = try await commanderLog.message()
        #expect(first.retained)
        #expect(try FleetJSON.decode(UnitStatus.self, from: first.payload).state == .online)

        // The unit goes away: the broker publishes its will, retained.
        await unit.stop(publishingWill: true)
        let gone = try await commanderLog.message()
        #expect(try FleetJSON.decode(UnitStatus.self, from: gone.payload) == UnitStatus.offline(unit: "unit-a"))
        let (late, lateLog) = try connect(broker, "late")
        defer { Task { await late.stop() } }
        late.subscribe(statusTopic)
        let stored = try await lateLog.message()
        #expect(stored.retained)
        #expect(try FleetJSON.decode(UnitStatus.self, from: stored.payload).state == .offline)
    }

    @Test func aQuietDisconnectDoesNotPublishTheWill() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let (commander, commanderLog) = try connect(broker, "commander")
        defer { Task { await commander.stop() } }
        commander.subscribe(statusTopic)
        #expect(try await commanderLog.subscribed() == [1])
        let will = MQTTOptions.Will(topic: statusTopic, payload: Array("offline".utf8))
        let (unit, unitLog) = try connect(broker, "unit-a", will: will)
        _ = try await unitLog.connected()
        await unit.stop(publishingWill: false)
        // A marker published after the disconnect arrives first: the will never came.
        let marker = try commander.publish(topic: statusTopic, payload: Array("marker".utf8))
        #expect(try await commanderLog.acknowledged(marker) == 0)
        #expect(try await commanderLog.message().payload == Array("marker".utf8))
    }

    @Test func aMessagePublishedWhileAPersistentSubscriberIsAwayIsDeliveredWhenItReturns() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let topic = FleetTopics(fleet: "lijiang").topic(.zoneCommand(zone: "gucheng"))
        let (unit, unitLog) = try connect(broker, "unit-a")
        #expect(try await unitLog.connected() == false)
        unit.subscribe(topic)
        #expect(try await unitLog.subscribed() == [1])
        await unit.stop(publishingWill: false)

        let (commander, commanderLog) = try connect(broker, "commander")
        defer { Task { await commander.stop() } }
        _ = try await commanderLog.connected()
        let id = try commander.publish(topic: topic, payload: Array("command 1".utf8))
        // 0x10: no matching subscribers would mean the session was lost.
        #expect(try await commanderLog.acknowledged(id) == 0)

        // The same client id finds its session, subscription and queued message; it subscribes to nothing.
        let (back, backLog) = try connect(broker, "unit-a")
        defer { Task { await back.stop() } }
        #expect(try await backLog.connected() == true)
        let message = try await backLog.message()
        #expect(message.topic == topic)
        #expect(message.payload == Array("command 1".utf8))
        #expect(message.qos == 1)
    }

    @Test func aMessageWhoseExpiryPassedWhileTheSubscriberWasAwayIsDropped() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let topic = FleetTopics(fleet: "lijiang").topic(.unitCommand(unit: "unit-a"))
        let (unit, unitLog) = try connect(broker, "unit-a")
        _ = try await unitLog.connected()
        unit.subscribe(topic)
        _ = try await unitLog.subscribed()
        await unit.stop(publishingWill: false)

        let (commander, commanderLog) = try connect(broker, "commander")
        defer { Task { await commander.stop() } }
        _ = try await commanderLog.connected()
        // Counted from before the publish: the broker's clock starts when it receives the message,
        // which on a busy machine can be well before the acknowledgement reaches us.
        let published = Date()
        let now = Instant(published)
        let short = try commander.publish(topic: topic, payload: Array("short".utf8), expiry: (now + .seconds(1), now))
        let long = try commander.publish(topic: topic, payload: Array("long".utf8), expiry: (now + .seconds(3600), now))
        #expect(try await commanderLog.acknowledged(short) == 0)
        #expect(try await commanderLog.acknowledged(long) == 0)
        // The one wait of this test is the expiry itself: mosquitto counts whole seconds.
        try await Task.sleep(for: .milliseconds(2100))

        let (back, backLog) = try connect(broker, "unit-a")
        defer { Task { await back.stop() } }
        #expect(try await backLog.connected() == true)
        let first = try await backLog.message()
        #expect(first.payload == Array("long".utf8))
        // Lowered by the time it waited at the broker (at least the 2 s slept; more on a busy machine).
        let waited = Int(Date().timeIntervalSince(published).rounded(.up))
        #expect((3600 - waited - 1...3598).contains(first.expiresIn ?? 0), "\(first.expiresIn ?? 0) after \(waited) s")
    }

    @Test func theExpiryIntervalIsComputedAtEachPublishFromTheAbsoluteExpiry() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let topic = FleetTopics(fleet: "lijiang").topic(.unitCommand(unit: "unit-a"))
        let (unit, unitLog) = try connect(broker, "unit-a")
        defer { Task { await unit.stop() } }
        unit.subscribe(topic)
        _ = try await unitLog.subscribed()
        let expiry = Instant(Date()) + .seconds(600)
        // Published again 9.5 minutes later (by the command's own clock): 30 s are left, not 600.
        for (now, expected) in [(expiry - .seconds(600), 599...600), (expiry - .seconds(30), 29...30),
                                (expiry - .milliseconds(1500), 1...2)] {
            try unit.publish(topic: topic, payload: [1], expiry: (expiry, now))
            let message = try await unitLog.message()
            #expect(expected.contains(message.expiresIn ?? -1), "expiresIn \(String(describing: message.expiresIn))")
        }
        #expect(throws: MQTTError.expired) { try unit.publish(topic: topic, payload: [1], expiry: (expiry, expiry)) }
    }

    @Test func aUnitThatMovesStopsHearingItsOldZone() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let topics = FleetTopics(fleet: "lijiang")
        let old = topics.topic(.zoneCommand(zone: "xianghe")), new = topics.topic(.zoneCommand(zone: "yulong"))
        let (unit, log) = try connect(broker, "truck-1")
        defer { Task { await unit.stop() } }
        unit.subscribe(old)
        unit.subscribe(new)
        _ = try await log.subscribed()
        _ = try await log.subscribed()
        unit.unsubscribe(old)
        // The broker handles one connection's packets in order: the UNSUBSCRIBE before these.
        try unit.publish(topic: old, payload: Array("old".utf8))
        try unit.publish(topic: new, payload: Array("new".utf8))
        #expect(try await log.message().payload == Array("new".utf8))
        #expect(!log.all.contains { if case .message(let m) = $0 { m.topic == old } else { false } })
    }

    @Test func publishingWithoutAConnectionSaysSoAtOnce() throws {
        var options = MQTTOptions(host: "127.0.0.1", port: try MosquittoBroker.freePort(), clientID: "alone")
        options.keepalive = 60
        let connection = try MQTTConnection(options)
        #expect(throws: MQTTError.notConnected) { try connection.publish(topic: statusTopic, payload: [1]) }
    }

    @Test func aMissingBrokerDoesNotBlockAndIsRetried() async throws {
        let port = try MosquittoBroker.freePort()
        var options = MQTTOptions(host: "127.0.0.1", port: port, clientID: "early")
        options.initialDelay = .milliseconds(100)
        // Attempts keep coming while the broker starts (slow on a loaded machine), so that the one
        // after it is up falls within the wait below.
        options.maximumDelay = .milliseconds(400)
        let connection = try MQTTConnection(options)
        let log = EventLog(connection)
        connection.start()
        _ = try await log.next("connect failure") { if case .connectFailed = $0 { true } else { nil } }
        _ = try await log.next("second connect failure") { if case .connectFailed = $0 { true } else { nil } }
        // The broker comes up on that port: the next attempt connects.
        let folder = TemporaryFolder("laba-broker")
        let broker = try MosquittoBroker(port: port, folder: folder)
        defer { broker.kill(signal: SIGKILL); folder.remove() }
        #expect(try await log.connected() == false)
        await connection.stop()
    }

    @Test func aBrokerThatNeverAnswersIsAbandonedAndRetried() async throws {
        // A listening socket nobody accepts from: the kernel completes the TCP handshake, and no
        // CONNACK ever comes (a broker hung half-started, a stalled TLS handshake).
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        })
        var options = MQTTOptions(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)), clientID: "patient")
        options.initialDelay = .milliseconds(50)
        options.maximumDelay = .milliseconds(100)
        options.connectTimeout = .milliseconds(300)
        let connection = try MQTTConnection(options)
        let log = EventLog(connection)
        connection.start()
        for attempt in ["first", "second"] {
            let reason = try await log.next("\(attempt) abandoned attempt") { if case .connectFailed(let r) = $0 { r } else { nil } }
            #expect(reason.contains("no answer"))
        }
        #expect(!connection.isConnected)
        await connection.stop()
    }

    @Test func itReconnectsAfterTheBrokerIsKilledAndRestarted() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        let topic = FleetTopics(fleet: "lijiang").topic(.zoneCommand(zone: "lijiang"))
        let (unit, unitLog) = try connect(broker, "unit-a")
        defer { Task { await unit.stop() } }
        // The first connect is taken here, so that the wait below is for the reconnect.
        _ = try await unitLog.connected()
        unit.subscribe(topic)
        _ = try await unitLog.subscribed()

        broker.kill(signal: SIGKILL)
        _ = try await unitLog.next("disconnected") { if case .disconnected = $0 { true } else { nil } }
        #expect(!unit.isConnected)
        #expect(throws: MQTTError.notConnected) { try unit.publish(topic: topic, payload: [1]) }
        try broker.start()
        // Generous: on a starved machine (stress-ng beside it) the restarted broker and the
        // client's backoff both run late.
        _ = try await unitLog.connected(within: 90)
        // Subscribed again on connect: a command published now arrives.
        _ = try await unitLog.subscribed(within: 30)
        let id = try unit.publish(topic: topic, payload: Array("after".utf8))
        #expect(try await unitLog.acknowledged(id) == 0)
        #expect(try await unitLog.message().payload == Array("after".utf8))
    }
}

@Suite struct MQTTIdleTests {
    /// Wake-ups (voluntary context switches) and CPU time (clock ticks) of this process's thread named `name`.
    static func usage(ofThread name: String) -> (wakeUps: Int, ticks: Int)? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
        for task in tasks {
            let base = "/proc/self/task/\(task)/"
            let comm = (try? String(contentsOfFile: base + "comm", encoding: .utf8)) ?? ""
            guard comm.trimmingCharacters(in: .newlines) == name,
                  let status = try? String(contentsOfFile: base + "status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("voluntary_ctxt_switches:") }),
                  let wakeUps = Int(line.split(separator: "\t").last!.trimmingCharacters(in: .whitespaces)),
                  let stat = try? String(contentsOfFile: base + "stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
            return (wakeUps, user + system)
        }
        return nil
    }

    @Test func anIdleConnectionSleepsUntilItsKeepalive() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        // Thread names are cut to 15 bytes: "mqtt " and ten of the client id.
        let (connection, log) = try connect(broker, "idle-check")
        defer { Task { await connection.stop() } }
        connection.subscribe(statusTopic)
        _ = try await log.subscribed()
        // What the subscription brings is handled first (on a busy machine the thread may still be
        // on its way back to sleep when the SUBACK's event arrives here).
        try await Task.sleep(for: .milliseconds(1000))
        let before = try #require(Self.usage(ofThread: "mqtt idle-check"))
        // Watching an idle second and a half: the network thread neither wakes nor spins (keepalive 60 s).
        try await Task.sleep(for: .milliseconds(1500))
        let after = try #require(Self.usage(ofThread: "mqtt idle-check"))
        // A few at most: on two cores loaded by every suite at once, a futex the thread shares with the
        // connection's users can put it to sleep a few times (4 seen with a dozen builds beside the
        // tests); a polling loop (10-100 ms) wakes 15-150 times.
        #expect(after.wakeUps - before.wakeUps <= 6, "\(after.wakeUps - before.wakeUps) wake-ups")
        #expect(after.ticks - before.ticks <= 1, "\(after.ticks - before.ticks) ticks of CPU")
    }
}
