// The off-air check in the engine (SPEC 18, issue 30): each monitored broadcast's per-segment
// word is kept (`broadcast_heard`), and `monitor.silent_after` broadcasts in a row not heard mark
// the horn silent, in the status, the console and the fleet's status, until one is heard again.

import LabaCore
import LabaStore

extension Engine {
    /// The check of `output`, when it has `monitor:`.
    func monitorStatus(of output: String) -> MonitorStatus? {
        guard setup.config.output(output)?.monitor != nil else { return nil }
        return monitors[output] ?? MonitorStatus()
    }

    /// Keeps the monitor's word on a broadcast and counts the broadcasts not heard.
    func monitorHeard(output: String, broadcast id: String, _ result: OffAirCheck.Result) {
        let silentAfter = setup.config.output(output)?.monitor?.silentAfter ?? 3
        do {
            try store.saveHeard(broadcast: id, result.segments, at: now().microseconds)
        } catch {
            logger.error("cannot keep the monitor's word on a broadcast", metadata: ["broadcast": "\(id)", "error": "\(error)"])
        }
        takeHeard(broadcast: id, result.segments)
        let heard = result.heard
        var status = monitors[output] ?? MonitorStatus()
        let wasSilent = status.silent
        status.heard = heard
        status.problem = nil
        status.problemCode = nil
        status.unheard = heard == .no ? status.unheard + 1 : 0
        status.silent = status.unheard >= silentAfter
        monitors[output] = status
        logger.info("broadcast checked at the horn", metadata: [
            "broadcast": "\(id)", "output": "\(output)", "heard": "\(heard.rawValue)",
            "segments": "\(result.segments.map { "\($0.label) \($0.heard.rawValue) \($0.levelDB.map { "+\($0)dB" } ?? "-")" }.joined(separator: ", "))",
            "delay_ms": "\(result.delayMS.map { "\(Int($0))" } ?? "-")", "noise_db": "\(Int(result.noiseDB))",
        ])
        if status.silent, !wasSilent {
            logger.warning("horn silent: broadcasts in a row were not heard at the horn", metadata: [
                "output": "\(output)", "unheard": "\(status.unheard)",
            ])
        } else if wasSilent, !status.silent {
            logger.notice("horn heard again", metadata: ["output": "\(output)"])
        }
        publish(.output(output))
    }
}

extension Engine {
    /// Writes the monitor's word into the record's segment facts (SPEC 16, 18), so that the
    /// record's JSON, the fleet's copy and coverage carry it. The word comes after the play's end:
    /// the record is then finished, and writing it again reports it to the commander again (which
    /// keeps the newer copy).
    func takeHeard(broadcast id: String, _ words: [SegmentHeard]) {
        guard !words.isEmpty else { return }
        guard var record = live[id] ?? behind[id] ?? (try? store.broadcast(id: id)) ?? nil, var facts = record.segments else { return }
        var changed = false
        for word in words {
            // The latest pass of that segment: a resumed broadcast plays its cut segment anew.
            guard let at = facts.lastIndex(where: { $0.index == word.segment }) else { continue }
            facts[at].take(word)
            changed = true
        }
        guard changed else { return }
        record.segments = facts
        // Not published again when finished: followers count a record's end once (metrics, retention).
        if live[id] != nil {
            live[id] = record
            write(record)
            if record.state != .done { publish(.broadcast(record)) }
        } else {
            write(record)
        }
    }
}
