// The engine's side of `power:` (SPEC 18): an output's amplifier is switched on `warmup` before
// its first frame (ahead of a scheduled occurrence; at once, then waited, for anything else) and
// off after `hold` with nothing to play, on the daemon's clock. A switching that fails is
// reported in the output's status and playback goes on.

import Foundation
import LabaCore

/// The amplifiers of the outputs that have `power:`.
struct PowerRoom {
    var amplifiers: [String: Amplifier] = [:]
    var switches: [String: AmplifierSwitch] = [:]
    /// The last failed switching of each output, until one succeeds.
    var problems: [String: PowerProblem] = [:]
    /// Broadcasts the arbiter started that wait for their amplifier's warm-up: output → (id, segment).
    var pending: [String: (id: String, segment: Int)] = [:]
    /// Scheduled occurrences up to this instant have had their amplifiers switched on.
    var prewarmedThrough: Instant?

    var longestWarmup: TimeSpan { amplifiers.values.map(\.warmup).max() ?? .zero }
}

extension Engine {
    /// Takes the configuration's `power:` sections: new amplifiers start off (switched off once,
    /// to know their state); a changed switching is rebuilt; an output without `power:` is left alone.
    func configurePower() {
        let t = now()
        var configured = Set<String>()
        for output in setup.config.outputs {
            guard let config = output.power else { continue }
            let id = output.id.value
            configured.insert(id)
            if var amplifier = power.amplifiers[id] {
                amplifier.warmup = config.warmup
                amplifier.hold = config.hold
                power.amplifiers[id] = amplifier
            } else {
                power.amplifiers[id] = Amplifier(warmup: config.warmup, hold: config.hold)
            }
            if power.switches[id]?.switching != config.switching {
                power.switches[id] = AmplifierSwitch(output: id, switching: config.switching)
                if case .off = power.amplifiers[id]?.phase { switchAmplifier(id, on: false) }
            }
        }
        for id in Array(power.amplifiers.keys) where !configured.contains(id) {
            power.amplifiers[id] = nil
            power.switches[id] = nil
            power.problems[id] = nil
            if let pending = power.pending.removeValue(forKey: id) { beginPlayback(id, pending.id, pending.segment, at: t) }
        }
    }

    /// Before a broadcast's first frame on `output`: true when it may play now; otherwise the
    /// amplifier warms up and the broadcast starts when it is warm (`runPower`).
    func amplifierReady(_ output: String, id: String, segment: Int, at t: Instant) -> Bool {
        guard var amplifier = power.amplifiers[output] else { return true }
        let (ready, switching) = amplifier.need(at: t)
        power.amplifiers[output] = amplifier
        if switching == .on { switchAmplifier(output, on: true) }
        guard ready > t else { return true }
        power.pending[output] = (id, segment)
        logger.info("amplifier warming up", metadata: ["output": "\(output)", "broadcast": "\(id)",
                                                       "seconds": "\((ready - t).seconds)"])
        return false
    }

    /// A broadcast stopped before its amplifier was warm: true when it was waiting (and is now
    /// reported cancelled to the arbiter).
    func cancelPendingStart(_ output: String, id: String) -> Bool {
        guard let pending = power.pending[output], pending.id == id else { return false }
        power.pending[output] = nil
        feed(output, .cancelled(id: id, segment: pending.segment))
        return true
    }

    /// The output's arbiter has nothing playing: its amplifier's hold begins.
    func amplifierIdle(_ output: String, at t: Instant) {
        guard power.pending[output] == nil, var amplifier = power.amplifiers[output] else { return }
        amplifier.idle(at: t)
        power.amplifiers[output] = amplifier
    }

    /// Warm-ups that ended start their broadcasts; holds that ended switch off; amplifiers of
    /// scheduled occurrences within the longest warm-up are switched on.
    func runPower(at t: Instant) {
        guard !power.amplifiers.isEmpty else { return }
        for output in power.amplifiers.keys.sorted() {
            guard var amplifier = power.amplifiers[output] else { continue }
            let busy = power.pending[output] != nil || arbiters[output]?.isIdle == false
            let switching = amplifier.tick(at: t, busy: busy)
            power.amplifiers[output] = amplifier
            if switching == .off { switchAmplifier(output, on: false) }
            if case .on = amplifier.phase, let pending = power.pending.removeValue(forKey: output) {
                beginPlayback(output, pending.id, pending.segment, at: t)
            }
        }
        prewarm(at: t)
    }

    /// Switches on the amplifiers of the outputs that have a scheduled occurrence within the
    /// longest warm-up from `t`, so that it starts on time (an amplifier with a shorter warm-up is
    /// on a little earlier than it needs). Occurrences skipped (quiet hours) switch nothing.
    private func prewarm(at t: Instant) {
        let window = t + power.longestWarmup
        let from = max(power.prewarmedThrough ?? t, t)
        guard window > from else { return }
        for occurrence in scheduler.planner.occurrences(after: from, through: window) where occurrence.skip == nil {
            guard var amplifier = power.amplifiers[occurrence.output] else { continue }
            let switching = amplifier.expect(at: occurrence.time, now: t)
            power.amplifiers[occurrence.output] = amplifier
            if switching == .on {
                logger.info("amplifier switched on ahead of a scheduled broadcast",
                            metadata: ["output": "\(occurrence.output)", "entry": "\(occurrence.entry)"])
                switchAmplifier(occurrence.output, on: true)
            }
        }
        power.prewarmedThrough = window
    }

    /// When the power rules need the engine: a warm-up's or hold's end, or the longest warm-up
    /// before the next scheduled occurrence not yet prewarmed.
    var powerWake: Instant? {
        guard !power.amplifiers.isEmpty else { return nil }
        var wakes = power.amplifiers.values.compactMap(\.nextWake)
        if let next = scheduler.nextWake(), next > (power.prewarmedThrough ?? .init(microseconds: .min)) {
            wakes.append(next - power.longestWarmup)
        }
        return wakes.min()
    }

    /// Carries out a switching off the actor; its outcome comes back to `amplifierSwitched`.
    func switchAmplifier(_ output: String, on: Bool) {
        guard let device = power.switches[output] else { return }
        logger.info(on ? "amplifier on" : "amplifier off", metadata: ["output": "\(output)"])
        device.set(on) { [weak self] problem in
            Task { await self?.amplifierSwitched(output, on: on, problem: problem) }
        }
    }

    func amplifierSwitched(_ output: String, on: Bool, problem: PowerProblem?) {
        let before = power.problems[output]
        power.problems[output] = problem
        if on, problem == nil, var amplifier = power.amplifiers[output] {
            amplifier.switchedOn(at: now())
            power.amplifiers[output] = amplifier
            rearm()
        }
        if let problem {
            logger.error("the amplifier cannot be switched; playback goes on", metadata: [
                "output": "\(output)", "switch": "\(on ? "on" : "off")", "error": "\(problem.detail)", "code": "\(problem.code)"])
        } else if before != nil {
            logger.notice("the amplifier switches again", metadata: ["output": "\(output)"])
        }
        // Every outcome is an event: the console and the fleet's status follow the amplifier.
        publish(.output(output))
    }

    /// The status of an output's amplifier, when it has `power:`.
    func powerStatus(of output: String) -> PowerStatus? {
        power.amplifiers[output].map { PowerStatus(state: $0.name, problem: power.problems[output]) }
    }

    /// At shutdown: amplifiers that are on are switched off, and the switching is waited for.
    func powerShutdown() {
        for (output, amplifier) in power.amplifiers where amplifier.phase != .off {
            power.switches[output]?.set(false) { _ in }
        }
        for device in power.switches.values { device.drain(timeout: AmplifierSwitch.commandTimeout) }
    }
}
