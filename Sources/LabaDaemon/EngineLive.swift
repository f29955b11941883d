// Live talk in the engine (SPEC 14): a live broadcast is admitted as any other (source `live`, one
// record per output, the arbiters decide), its audio comes from one capture that every output
// carrying it taps, and it ends when the capture ends or when no output carries it any more.

import Foundation
import LabaAudio
import LabaCore
import LabaStore

/// A live broadcast asked for.
public struct LiveRequest: Sendable {
    public var target: AdmissionRequest.Target
    public var priority: Priority
    /// The ALSA capture PCM; nil: `live.input`. With `feed`, only what the input is called.
    public var input: String?
    /// Frames pushed from elsewhere instead of a capture PCM: the console's microphone, a fleet
    /// stream. Its `finish` ends the talk.
    public var feed: LiveFeed?
    /// Speak in quiet hours.
    public var force: Bool
    public var requestedBy: RequestedBy?
    /// A commander's talk that also goes to its units: no output here is needed, and what only
    /// the units decide (a zone no output here serves, quiet hours here) does not refuse it.
    public var toFleet: Bool

    public init(target: AdmissionRequest.Target, priority: Priority = .manual, input: String? = nil, feed: LiveFeed? = nil,
                force: Bool = false, requestedBy: RequestedBy? = nil, toFleet: Bool = false) {
        self.target = target
        self.toFleet = toFleet
        self.feed = feed
        self.priority = priority
        self.input = input
        self.force = force
        self.requestedBy = requestedBy
    }
}

/// Where a live broadcast stands, for the CLI's meter.
public struct LiveProgress: Sendable {
    public var seconds: Double
    public var level: Float
    /// Set once it has ended: why, and what it left.
    public var summary: LiveSummary?
}

/// One talk: its capture and the records of the outputs that carry it.
final class LiveTalk: Sendable {
    let id: String
    let capture: LiveCapture
    let records: [String]
    let startedAt: Instant

    init(id: String, capture: LiveCapture, records: [String], startedAt: Instant) {
        self.id = id
        self.capture = capture
        self.records = records
        self.startedAt = startedAt
    }
}

extension Engine {
    /// The folder of live recordings: `<state>/live/<id>.flac`.
    var liveDirectory: String {
        ((store.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("live")
    }

    /// Starts a live broadcast from an ALSA input: admitted on every output serving the target
    /// (preempting what plays there at a lower priority), captured until `stopLive`, `live.max`,
    /// `live.silence`, or no output carrying it any more.
    ///
    /// - Throws: `Refusal` when no output admits it (`no_output` also when the input cannot be
    ///   opened: nothing is queued then); `.storageFull`.
    public func startLive(_ request: LiveRequest) throws(Refusal) -> LiveStarted {
        let live = setup.config.live
        let input = request.input ?? live.inputValue
        let talk = newID()
        let path = (liveDirectory as NSString).appendingPathComponent("\(talk).flac")
        var admission = AdmissionRequest(content: .recording(path: path, name: "live"), target: request.target,
                                         priority: request.priority, force: request.force, source: .live,
                                         requestedBy: request.requestedBy)
        // It waits while something higher plays, for as long as it may run.
        admission.within = live.maxValue
        let context = admissionContext(at: now())
        var admitted: [AdmittedBroadcast] = [], refused: [Refusal] = []
        do {
            let admission = try Admission.admit(admission, in: context)
            (admitted, refused) = (admission.admitted, admission.refused)
        } catch {
            guard request.toFleet, error.unitsDecide else { throw error }
            refused = [error]
        }
        let records = admitted.map { BroadcastRecord(id: newID(), $0) }
        let settings = LiveCapture.Settings(device: input, maxSeconds: live.maxValue.seconds,
                                            silenceSeconds: live.silenceValue.seconds, recordingPath: path)
        let capture = LiveCapture(settings) { [weak self] summary in
            guard let self else { return }
            Task { await self.liveEnded(talk, summary) }
        }
        do {
            if let feed = request.feed { capture.start(feed: feed) } else { try capture.start() }
        } catch {
            logger.warning("live talk refused: the input cannot be opened", metadata: ["input": "\(input)", "error": "\(error)"])
            throw Refusal(.inputUnavailable, ["input": input, "detail": "\(error)"])
        }
        // Known before its records are queued: an output free now starts it at once.
        talks[talk] = LiveTalk(id: talk, capture: capture, records: records.map(\.id), startedAt: now())
        do {
            try enqueue(records, durable: true)
        } catch {
            talks[talk] = nil
            capture.stop(reason: RecordReason(.notRecorded))
            throw error
        }
        logger.notice("live talk started", metadata: [
            "talk": "\(talk)", "input": "\(input)", "outputs": "\(records.map(\.output).joined(separator: ","))",
            "priority": "\(request.priority)", "by": "\(request.requestedBy?.label ?? "")",
        ])
        rearm()
        return LiveStarted(id: talk, records: records, refused: refused, input: input, recording: path)
    }

    /// Ends a talk; its outputs fade out what they hold and what it interrupted resumes.
    ///
    /// - Returns: false when no such talk is under way.
    @discardableResult
    public func stopLive(_ id: String, reason: RecordReason) -> Bool {
        guard let talk = talks[id] else { return false }
        talk.capture.stop(reason: reason)
        return true
    }

    /// A ring that receives the talk's frames from now on, under `key` (a commander's stream to
    /// its units); nil when no such talk is under way.
    public func tapLive(_ id: String, _ key: String) -> LiveRing? {
        guard let talk = talks[id], !talk.capture.isFinished else { return nil }
        return talk.capture.tap(key)
    }

    /// Where a talk stands; nil when it is unknown (or ended and reported).
    public func liveProgress(_ id: String) -> LiveProgress? {
        if let summary = endedTalks[id] { return LiveProgress(seconds: summary.seconds, level: 0, summary: summary) }
        guard let talk = talks[id] else { return nil }
        return LiveProgress(seconds: (now() - talk.startedAt).seconds, level: talk.capture.level, summary: nil)
    }

    /// The zones a talk plays in (its records'); nil for an id that is no talk's.
    func talkZones(_ id: String) -> [String]? {
        talks[id].map { $0.records.compactMap { record(id: $0)?.zone } }
    }

    /// The talk a live record belongs to.
    func talk(of record: String) -> LiveTalk? {
        talks.values.first { $0.records.contains(record) }
    }

    /// Plays a live record on its output: a new tap of the capture, taking the stream from now.
    func startLivePlayback(_ record: BroadcastRecord, on output: String) -> Bool {
        guard let talk = talk(of: record.id), !talk.capture.isFinished else { return false }
        players.playLive(output: output, id: record.id, ring: talk.capture.tap(output))
        return true
    }

    /// A live record finished: when none of its talk's records is left, the capture stops.
    func liveRecordFinished(_ record: BroadcastRecord) {
        guard record.source == .live, let talk = talk(of: record.id) else { return }
        talk.capture.untap(record.output)
        if !talk.records.contains(where: { live[$0] != nil }) {
            talk.capture.stop(reason: RecordReason(.noOutputCarriesTalk, ["outcome": record.outcome?.rawValue ?? "ended",
                                                                          "output": record.output]))
        }
    }

    /// The capture ended: records still waiting (muted by a higher broadcast) end with the reason;
    /// those playing finish as their rings drain; every record gets the recording's loudness.
    func liveEnded(_ id: String, _ summary: LiveSummary) {
        guard let talk = talks.removeValue(forKey: id) else { return }
        endedTalks[id] = summary
        endedOrder.append(id)
        while endedOrder.count > 16 { endedTalks[endedOrder.removeFirst()] = nil }
        let reason = summary.end.reason
        for recordID in talk.records {
            if var record = live[recordID] {
                record.loudness = summary.loudness?.integrated.isFinite == true ? summary.loudness?.integrated : nil
                record.recordReason = reason
                if summary.recording == nil { record.uploadPath = nil }
                live[recordID] = record
                if record.state == .queued { feed(record.output, .cancel(id: recordID, reason: reason)) }
            } else if var record = self.record(id: recordID) {
                record.loudness = summary.loudness?.integrated.isFinite == true ? summary.loudness?.integrated : nil
                if record.reason == nil { record.recordReason = reason }
                if summary.recording == nil { record.uploadPath = nil }
                // Done already, and reported to a commander when it ended: the loudness is added here only.
                do { try store.save(record, reporting: nil, at: now().microseconds) } catch { write(record) }
                publish(.broadcast(record))
            }
        }
        logger.notice("live talk ended", metadata: [
            "talk": "\(id)", "reason": "\(reason.description)", "seconds": "\(String(format: "%.1f", summary.seconds))",
            "recording": "\(summary.recording ?? "")",
            "loudness": "\(summary.loudness.map { String(format: "%.1f LUFS", $0.integrated) } ?? "")",
        ])
        rearm()
    }

    /// Live records found at start (the daemon stopped during a talk): nothing captures them any
    /// more, so they end, keeping what was recorded.
    func endOrphanedLive(_ record: inout BroadcastRecord, at t: Instant) -> Bool {
        guard record.source == .live, talk(of: record.id) == nil else { return false }
        if let path = record.uploadPath, !FileManager.default.fileExists(atPath: path) { record.uploadPath = nil }
        finish(&record, outcome: .failed, reason: RecordReason(.labadStoppedDuringLive), at: t)
        return true
    }
}
