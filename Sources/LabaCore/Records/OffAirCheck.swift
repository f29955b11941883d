// The off-air check (SPEC 18, issue 30): whether a broadcast was heard at the horn, from the
// envelope of what was played and that of a microphone near the horn. The delay between them is
// found by cross-correlating the two envelopes; each segment is heard where its sounding blocks
// come back above the room's noise, measured before the program.

import Foundation

/// Whether a segment was heard at the horn.
public enum Heard: String, Codable, Sendable, CaseIterable {
    case yes, partly, no
}

/// The check's word on one segment of a broadcast.
public struct SegmentHeard: Codable, Equatable, Sendable {
    /// The segment's program-wide index (passes laid end to end), as the renderer numbers it.
    public var segment: Int
    /// A language, `neutral`, `chime` or `upload`.
    public var label: String
    public var heard: Heard
    /// How far the microphone rose above the room's noise over the segment's sound (dB); nil when
    /// the segment had no sound to hear.
    public var levelDB: Double?
    /// From the program to the microphone (ms): the device's queue and the air; nil when the
    /// capture did not follow the program at all.
    public var delayMS: Double?

    public init(segment: Int, label: String, heard: Heard, levelDB: Double?, delayMS: Double?) {
        self.segment = segment
        self.label = label
        self.heard = heard
        self.levelDB = levelDB
        self.delayMS = delayMS
    }

    enum CodingKeys: String, CodingKey {
        case segment, label, heard, levelDB = "level_db", delayMS = "delay_ms"
    }
}

public enum OffAirCheck {
    /// The envelopes' block: 10 ms.
    public static let blockSeconds = 0.010
    /// The longest delay looked for (a sound server's queue, the air).
    public static let maxDelay = 2.0
    /// The span of the program the delay is looked for in.
    public static let correlationWindow = 60.0
    /// A capture this far ahead of the program is allowed for (the two clocks' stamps).
    public static let maxLead = 0.2
    /// A block of the program sounds when it is within this of its segment's loudest block and
    /// above `soundingFloorDB`.
    public static let soundingRangeDB = 25.0
    public static let soundingFloorDB = -55.0
    /// A sounding block is heard when the microphone is this far above the room's noise.
    public static let heardMarginDB = 6.0
    /// The quietest room the noise is taken to be (digital silence is not quieter than this).
    public static let noiseFloorDB = -90.0
    /// Shares of a segment's sounding blocks heard: at least `yesShare` is heard, at least
    /// `partlyShare` partly heard, less not heard.
    public static let yesShare = 0.8
    public static let partlyShare = 0.15
    /// The capture follows the program when their envelopes correlate at least this well.
    public static let minimumCorrelation = 0.15

    /// One segment's span in the program's envelope (blocks, end excluded).
    public struct Span: Equatable, Sendable {
        public var segment: Int
        public var label: String
        public var start: Int
        public var end: Int

        public init(segment: Int, label: String, start: Int, end: Int) {
            self.segment = segment
            self.label = label
            self.start = start
            self.end = end
        }
    }

    /// The result for a whole broadcast.
    public struct Result: Equatable, Sendable {
        public var segments: [SegmentHeard]
        /// The room's noise before the program (dBFS).
        public var noiseDB: Double
        /// Program → microphone (ms); nil when the capture does not follow the program.
        public var delayMS: Double?

        /// The broadcast as a whole: heard when every segment with sound was; not heard when none was.
        public var heard: Heard {
            let judged = segments.filter { $0.levelDB != nil }
            if judged.isEmpty { return .no }
            if judged.allSatisfy({ $0.heard == .yes }) { return .yes }
            if judged.allSatisfy({ $0.heard == .no }) { return .no }
            return .partly
        }
    }

    static func decibels(_ rms: Float) -> Double { rms > 0 ? 20 * log10(Double(rms)) : -200 }

    /// Compares the program with the capture.
    ///
    /// - Parameters:
    ///   - program: the RMS of each block of what was played, from its first frame.
    ///   - spans: each segment's blocks in `program`.
    ///   - capture: the RMS of each block of the microphone, from the capture's start.
    ///   - offset: the capture block at which the program's first frame was written (the blocks
    ///     before it are the room's noise).
    public static func judge(program: [Float], spans: [Span], capture: [Float], offset: Int) -> Result {
        let noiseBlocks = capture[..<min(max(0, offset), capture.count)].map(decibels).sorted()
        // The room: the median of the blocks before the program.
        let noise = max(noiseFloorDB, noiseBlocks.isEmpty ? noiseFloorDB : noiseBlocks[noiseBlocks.count / 2])
        let lag = delay(program: program, capture: capture, offset: offset)
        let delayMS = lag.map { Double($0) * blockSeconds * 1000 }
        var out: [SegmentHeard] = []
        for span in spans {
            let start = max(0, span.start), end = min(program.count, span.end)
            let levels = start < end ? program[start..<end].map(decibels) : []
            let loudest = levels.max() ?? -200
            let sounding = levels.indices.filter { levels[$0] >= max(soundingFloorDB, loudest - soundingRangeDB) }.map { $0 + start }
            guard !sounding.isEmpty else {
                out.append(SegmentHeard(segment: span.segment, label: span.label, heard: .no, levelDB: nil, delayMS: delayMS))
                continue
            }
            let shift = offset + (lag ?? 0)
            var heardBlocks = 0
            var rises: [Double] = []
            for block in sounding {
                let at = block + shift
                let level = at >= 0 && at < capture.count ? decibels(capture[at]) : -200
                let rise = max(0, level - noise)
                rises.append(rise)
                if rise >= heardMarginDB { heardBlocks += 1 }
            }
            let share = Double(heardBlocks) / Double(sounding.count)
            let heard: Heard = lag == nil ? .no : share >= yesShare ? .yes : share >= partlyShare ? .partly : .no
            rises.sort()
            out.append(SegmentHeard(segment: span.segment, label: span.label, heard: heard,
                                    levelDB: (rises[rises.count / 2] * 10).rounded() / 10, delayMS: delayMS))
        }
        return Result(segments: out, noiseDB: noise, delayMS: delayMS)
    }

    /// The lag (blocks, capture after program) at which the capture's envelope follows the
    /// program's best, by normalised cross-correlation over the program and the noise before it;
    /// nil when nothing in the capture follows it.
    public static func delay(program: [Float], capture: [Float], offset: Int) -> Int? {
        let lead = Int(maxLead / blockSeconds), longest = Int(maxDelay / blockSeconds)
        // The program on the capture's timeline: silence before its first frame.
        // The delay is the chain's, the same all along: the program's first minute finds it, so
        // that an hour-long program costs no more than a short one.
        let before = max(0, offset), window = min(program.count, Int(correlationWindow / blockSeconds))
        var p = [Double](repeating: 0, count: before + window)
        for (i, v) in program.prefix(window).enumerated() { p[before + i] = Double(v) }
        let c = capture.map(Double.init)
        var best: (lag: Int, r: Double)?
        for lag in -lead...longest {
            // p[k] against c[k + lag - (before - offset)]; before == offset unless offset < 0.
            let from = max(0, -(lag + offset - before)), to = min(p.count, c.count - (lag + offset - before))
            guard to - from >= 20 else { continue }
            var sp = 0.0, sc = 0.0, spp = 0.0, scc = 0.0, spc = 0.0
            for k in from..<to {
                let x = p[k], y = c[k + lag + offset - before]
                sp += x; sc += y; spp += x * x; scc += y * y; spc += x * y
            }
            let n = Double(to - from)
            let cov = spc - sp * sc / n, vp = spp - sp * sp / n, vc = scc - sc * sc / n
            guard vp > 1e-12, vc > 1e-12 else { continue }
            let r = cov / (vp * vc).squareRoot()
            if r > (best?.r ?? minimumCorrelation) { best = (lag, r) }
        }
        return best?.lag
    }
}

/// An output's off-air check as the status shows it.
public struct MonitorStatus: Sendable, Equatable {
    /// The last broadcast judged: `yes`, `partly` or `no`; nil before the first.
    public var heard: Heard?
    /// Broadcasts in a row not heard.
    public var unheard: Int
    /// `unheard` reached `monitor.silent_after`: the horn is taken to be silent until one is heard.
    public var silent: Bool
    /// Why the last check could not be made, for the catalogue.
    public var problemCode: MonitorProblem?
    /// The same with the sound system's own words (ALSA's, in English), for the log and a technician.
    public var problem: String?

    public init(heard: Heard? = nil, unheard: Int = 0, silent: Bool = false, problemCode: MonitorProblem? = nil, problem: String? = nil) {
        self.heard = heard
        self.unheard = unheard
        self.silent = silent
        self.problemCode = problemCode
        self.problem = problem
    }
}

/// Why a broadcast could not be checked at the horn.
public enum MonitorProblem: String, Codable, Sendable, CaseIterable {
    /// The monitor's input (`monitor.input`) cannot be opened.
    case inputUnavailable = "input_unavailable"
    /// The capture stopped before it heard enough.
    case captureFailed = "capture_failed"
}
