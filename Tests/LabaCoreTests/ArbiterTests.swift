import Testing
@testable import LabaCore

/// Each case feeds events at given seconds and expects the actions of every step.
struct ArbiterCase: CustomTestStringConvertible, Sendable {
    var name: String
    var steps: [(at: Int64, event: Arbiter.Event, actions: [Arbiter.Action])]
    var testDescription: String { name }
}

func item(_ id: String, _ priority: Priority, at planned: Int64 = 0, deadline: Int64? = 600) -> ArbiterItem {
    ArbiterItem(id: id, priority: priority, plannedAt: Instant(seconds: planned), deadline: deadline.map { Instant(seconds: $0) })
}

@Suite struct ArbiterTests {
    static let cases: [ArbiterCase] = [
        ArbiterCase(name: "an idle output starts at once and records the completion", steps: [
            (0, .enqueue(item("a", .scheduled)), [.start(id: "a", segment: 0)]),
            (30, .completed(id: "a"), [.record(id: "a", outcome: .completed, reason: nil)]),
        ]),
        ArbiterCase(name: "waiting broadcasts go by priority, then by time", steps: [
            (0, .enqueue(item("a", .scheduled)), [.start(id: "a", segment: 0)]),
            (1, .enqueue(item("late", .scheduled, at: 5)), []),
            (1, .enqueue(item("early", .scheduled, at: 2)), []),
            (1, .enqueue(item("m", .manual, at: 9)), [.fadeStop(id: "a")]),
            (2, .cancelled(id: "a", segment: 1), [.requeue(id: "a", segment: 1), .start(id: "m", segment: 0)]),
            (3, .completed(id: "m"), [.record(id: "m", outcome: .completed, reason: nil), .start(id: "a", segment: 1)]),
            (4, .completed(id: "a"), [.record(id: "a", outcome: .completed, reason: nil), .start(id: "early", segment: 0)]),
            (5, .completed(id: "early"), [.record(id: "early", outcome: .completed, reason: nil), .start(id: "late", segment: 0)]),
        ]),
        ArbiterCase(name: "an emergency preempts, and the interrupted one resumes from the cut language", steps: [
            (0, .enqueue(item("s", .scheduled)), [.start(id: "s", segment: 0)]),
            (5, .segmentStarted(id: "s", segment: 2), []),
            (6, .enqueue(item("e", .emergency, deadline: nil)), [.fadeStop(id: "s")]),
            (6, .cancelled(id: "s", segment: 2), [.requeue(id: "s", segment: 2), .start(id: "e", segment: 0)]),
            (40, .completed(id: "e"), [.record(id: "e", outcome: .completed, reason: nil), .start(id: "s", segment: 2)]),
        ]),
        ArbiterCase(name: "equal priorities never interrupt each other", steps: [
            (0, .enqueue(item("m1", .manual)), [.start(id: "m1", segment: 0)]),
            (1, .enqueue(item("m2", .manual)), []),
            (2, .enqueue(item("s", .scheduled)), []),
            (9, .completed(id: "m1"), [.record(id: "m1", outcome: .completed, reason: nil), .start(id: "m2", segment: 0)]),
        ]),
        ArbiterCase(name: "an interrupted broadcast whose deadline passed is recorded preempted", steps: [
            (0, .enqueue(item("s", .scheduled, deadline: 60)), [.start(id: "s", segment: 0)]),
            (50, .enqueue(item("e", .emergency, deadline: nil)), [.fadeStop(id: "s")]),
            (61, .cancelled(id: "s", segment: 1),
             [.record(id: "s", outcome: .preempted, reason: RecordReason(.interruptedDeadline, ["by": "e"])), .start(id: "e", segment: 0)]),
        ]),
        ArbiterCase(name: "a deadline passed while waiting: missed (or preempted, once cut)", steps: [
            (0, .enqueue(item("e", .emergency, deadline: nil)), [.start(id: "e", segment: 0)]),
            (1, .enqueue(item("s", .scheduled, deadline: 60)), []),
            (61, .tick, [.record(id: "s", outcome: .missed, reason: RecordReason(.deadlinePassedWaiting))]),
            (90, .completed(id: "e"), [.record(id: "e", outcome: .completed, reason: nil)]),
        ]),
        ArbiterCase(name: "a device lost while playing requeues, waits, and resumes when it is back", steps: [
            (0, .enqueue(item("s", .scheduled)), [.start(id: "s", segment: 0)]),
            (3, .deviceFailed(id: "s", segment: 1), [.requeue(id: "s", segment: 1)]),
            (4, .enqueue(item("m", .manual)), []),
            (20, .deviceBack, [.start(id: "m", segment: 0)]),
            (30, .completed(id: "m"), [.record(id: "m", outcome: .completed, reason: nil), .start(id: "s", segment: 1)]),
        ]),
        ArbiterCase(name: "a device lost past the deadline fails the broadcast", steps: [
            (0, .enqueue(item("s", .scheduled, deadline: 10)), [.start(id: "s", segment: 0)]),
            (11, .deviceFailed(id: "s", segment: 1),
             [.record(id: "s", outcome: .failed, reason: RecordReason(.deviceFailedDeadline))]),
        ]),
        ArbiterCase(name: "stop without clear stops what plays; the next one starts", steps: [
            (0, .enqueue(item("a", .manual)), [.start(id: "a", segment: 0)]),
            (1, .enqueue(item("b", .manual)), []),
            (2, .stop(clear: false), [.fadeStop(id: "a")]),
            (2, .cancelled(id: "a", segment: 0), [.record(id: "a", outcome: .stopped, reason: nil), .start(id: "b", segment: 0)]),
        ]),
        ArbiterCase(name: "stop with clear also cancels what waits", steps: [
            (0, .enqueue(item("a", .manual)), [.start(id: "a", segment: 0)]),
            (1, .enqueue(item("b", .manual)), []),
            (1, .enqueue(item("c", .scheduled)), []),
            (2, .stop(clear: true), [.record(id: "b", outcome: .stopped, reason: RecordReason(.cleared)),
                                     .record(id: "c", outcome: .stopped, reason: RecordReason(.cleared)), .fadeStop(id: "a")]),
            (2, .cancelled(id: "a", segment: 0), [.record(id: "a", outcome: .stopped, reason: nil)]),
        ]),
        ArbiterCase(name: "cancelling a waiting broadcast records it; cancelling the playing one stops it", steps: [
            (0, .enqueue(item("a", .manual)), [.start(id: "a", segment: 0)]),
            (1, .enqueue(item("b", .manual)), []),
            (2, .cancel(id: "b"), [.record(id: "b", outcome: .stopped, reason: RecordReason(.cancelled))]),
            (3, .cancel(id: "a"), [.fadeStop(id: "a")]),
            (3, .completed(id: "a"), [.record(id: "a", outcome: .stopped, reason: nil)]),
        ]),
        ArbiterCase(name: "a preemption racing with the end of the program", steps: [
            (0, .enqueue(item("s", .scheduled)), [.start(id: "s", segment: 0)]),
            (5, .enqueue(item("e", .emergency, deadline: nil)), [.fadeStop(id: "s")]),
            (5, .completed(id: "s"), [.record(id: "s", outcome: .completed, reason: nil), .start(id: "e", segment: 0)]),
        ]),
        ArbiterCase(name: "a device missing at start: broadcasts wait for it", steps: [
            (0, .deviceFailed(id: "", segment: 0), []),
            (1, .enqueue(item("s", .scheduled)), []),
            (2, .deviceBack, [.start(id: "s", segment: 0)]),
        ]),
    ]

    @Test(arguments: cases)
    func transitions(_ c: ArbiterCase) {
        var arbiter = Arbiter()
        for (n, step) in c.steps.enumerated() {
            let actions = arbiter.handle(step.event, now: Instant(seconds: step.at))
            #expect(actions == step.actions, "step \(n + 1): \(step.event)")
        }
    }

    @Test func theQueueIsBoundedAndTellsWhy() {
        var arbiter = Arbiter()
        _ = arbiter.handle(.enqueue(item("playing", .manual)), now: Instant(seconds: 0))
        for i in 0..<Arbiter.queueLimit {
            #expect(arbiter.handle(.enqueue(item("w\(i)", .manual, at: Int64(i))), now: Instant(seconds: 0)).isEmpty)
        }
        #expect(arbiter.handle(.enqueue(item("one-too-many", .manual)), now: Instant(seconds: 0))
                == [.reject(id: "one-too-many", reason: RecordReason(.queueFull, ["limit": "100"]))])
        #expect(arbiter.queue.count == Arbiter.queueLimit)
        #expect(arbiter.nextDeadline == Instant(seconds: 600))
        // An emergency is never refused: it cuts in, and the limit still holds for the others.
        #expect(arbiter.handle(.enqueue(item("emergency", .emergency)), now: Instant(seconds: 0)) == [.fadeStop(id: "playing")])
        #expect(arbiter.queue.first?.id == "emergency" && arbiter.waiting == Arbiter.queueLimit)
        #expect(arbiter.handle(.enqueue(item("still-too-many", .manual)), now: Instant(seconds: 0)).count == 1)
    }
}
