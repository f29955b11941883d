// SPEC 17's sizes: each topic's limit, checked on the length before a payload is copied, and the
// bounded queue between libmosquitto's thread and the fleet service.

import Foundation
import LabaCore
@testable import LabaFleet
import LabaTestSupport
import Testing

struct SizeCase: CustomTestStringConvertible, Sendable {
    var topic: String
    var limit: Int
    var testDescription: String { topic }
}

struct BudgetCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// (size, limit) of each message offered, none taken.
    var offered: [(Int, Int)]
    var admitted: [Bool]
    var testDescription: String { name }
}

@Suite struct FleetLimitsTests {
    static let topics = FleetTopics(fleet: "lijiang")

    static let sizes: [SizeCase] = [
        .init(topic: topics.topic(.unitStatus(unit: "baisha-1")), limit: 64 << 10),
        .init(topic: topics.topic(.unitAck(unit: "baisha-1")), limit: 64 << 10),
        .init(topic: topics.topic(.unitRecord(unit: "baisha-1")), limit: 64 << 10),
        .init(topic: topics.topic(.zoneCommand(zone: "gucheng")), limit: 1 << 20),
        .init(topic: topics.topic(.unitCommand(unit: "baisha-1")), limit: 1 << 20),
        .init(topic: topics.topic(.library(key: "3f9a0c21d4e5b6a7", message: "masks", language: "zh")), limit: 16 << 20),
        .init(topic: "laba/v1/another-fleet/unit/baisha-1/record", limit: 64 << 10),
        .init(topic: "somewhere/else", limit: 64 << 10),
    ]

    @Test(arguments: sizes) func eachTopicHasItsLimit(_ c: SizeCase) {
        #expect(FleetLimits.sizeCheck(Self.topics)(c.topic) == c.limit)
    }

    @Test func theShippedBrokerRefusesWhatNoTopicTakes() throws {
        let conf = try String(contentsOfFile: repositoryRoot + "/Config/fleet/mosquitto.conf", encoding: .utf8)
        let limit = conf.split(separator: "\n").first { $0.hasPrefix("message_size_limit ") }
        #expect(limit == "message_size_limit \(FleetLimits.largest)")
    }

    static let budgets: [BudgetCase] = [
        .init(name: "a message at its limit passes, one byte more does not",
              offered: [(100, 100), (101, 100)], admitted: [true, false]),
        .init(name: "at most maxMessages wait", offered: Array(repeating: (1, 10), count: 4), admitted: [true, true, true, false]),
        .init(name: "at most maxBytes wait", offered: [(600, 1000), (400, 1000), (1, 1000)], admitted: [true, true, false]),
        .init(name: "one message larger than maxBytes still fits an empty queue", offered: [(5000, 10_000), (1, 10)],
              admitted: [true, false]),
    ]

    @Test(arguments: budgets) func theQueueIsBounded(_ c: BudgetCase) {
        var budget = MessageQueueBudget(maxMessages: 3, maxBytes: 1000)
        #expect(c.offered.map { budget.admit(size: $0.0, limit: $0.1) } == c.admitted)
        #expect(budget.dropped == c.admitted.filter { !$0 }.count)
    }

    @Test func aMessageTakenFreesItsRoom() {
        var budget = MessageQueueBudget(maxMessages: 2, maxBytes: 1000)
        let first = [budget.admit(size: 500, limit: 1000), budget.admit(size: 500, limit: 1000), budget.admit(size: 1, limit: 1000)]
        #expect(first == [true, true, false])
        budget.release(size: 500)
        let again = budget.admit(size: 500, limit: 1000)
        #expect(again)
        #expect(budget.messages == 2 && budget.bytes == 1000)
    }

    @Test func dropsAreLoggedAtMostOnceAMinuteWithTheirCount() {
        var budget = MessageQueueBudget(maxMessages: 1, maxBytes: 1000)
        let t = ContinuousClock.now
        #expect(budget.report(now: t) == nil)
        _ = budget.admit(size: 2000, limit: 1000)
        #expect(budget.report(now: t) == 1)
        for _ in 0..<5 { _ = budget.admit(size: 2000, limit: 1000) }
        #expect(budget.report(now: t + .seconds(59)) == nil)
        #expect(budget.report(now: t + .seconds(60)) == 5)
        #expect(budget.report(now: t + .seconds(200)) == nil)
    }

    @Test func aRecordOverItsLimitIsDroppedAndTheNextArrives() async throws {
        let broker = try MosquittoBroker()
        defer { broker.kill(signal: SIGKILL); broker.folder.remove() }
        var options = MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "commander")
        options.maximumSize = FleetLimits.sizeCheck(Self.topics)
        let commander = try MQTTConnection(options)
        let log = EventLog(commander)
        commander.start()
        defer { Task { await commander.stop() } }
        _ = try await log.connected()
        commander.subscribe(Self.topics.topic(.unitRecord(unit: "baisha-1")))
        _ = try await log.subscribed()
        let (unit, unitLog) = try connect(broker, "baisha-1")
        defer { Task { await unit.stop() } }
        _ = try await unitLog.connected()
        let topic = Self.topics.topic(.unitRecord(unit: "baisha-1"))
        let big = try unit.publish(topic: topic, payload: Array(repeating: UInt8(ascii: "x"), count: (64 << 10) + 1))
        #expect(try await unitLog.acknowledged(big) == 0)
        let small = try unit.publish(topic: topic, payload: Array("{}".utf8))
        #expect(try await unitLog.acknowledged(small) == 0)
        // Delivered in order: the first message the commander sees is the small one.
        #expect(try await log.message().payload == Array("{}".utf8))
        await unit.stop()
        await commander.stop()
    }
}
