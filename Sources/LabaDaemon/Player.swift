// One output's player: its own thread, because ALSA blocks (never Swift's cooperative pool).

import Foundation
import LabaAudio
import LabaCore
import Logging

/// What a player tells the engine, on the player's thread.
public enum PlayerReport: Sendable {
    case segmentStarted(output: String, id: String, segment: Int, label: String)
    /// The first frames of this play went to the device; the engine stamps the record's `started_at`.
    case firstFrame(output: String, id: String)
    /// A segment ended (played through, cut or failed): its pass, the frames it should have
    /// played (nil: unknown) and those it played, at the output's rate (SPEC 16).
    case segmentEnded(output: String, id: String, segment: Int, pass: Int, planned: Int?, played: Int)
    case finished(output: String, id: String, result: RenderResult)
    /// The program could not be built (an upload that cannot be measured): nothing played.
    case unplayable(output: String, id: String, reason: String)
    case deviceBack(output: String)
    /// The off-air check's word on a broadcast (SPEC 18): per segment, heard or not; or why the
    /// monitor's input could not be captured (then nothing is judged).
    case heard(output: String, id: String, result: OffAirCheck.Result)
    case monitorFailed(output: String, id: String, code: MonitorProblem, problem: String)
}

/// Plays one broadcast at a time on one PCM, on a thread of its own.
///
/// Thread rules: `play`, `stop` and `probe` may be called from any thread; they hand work to the
/// player's thread and return at once.
final class Player: @unchecked Sendable {
    let output: String
    private let logger: Logger
    private let report: @Sendable (PlayerReport) -> Void

    private enum Command {
        case play(id: String, build: @Sendable () throws -> Program, from: Int, cancel: CancelToken)
        /// A live broadcast, from the capture's ring for this output.
        case live(id: String, ring: LiveRing, cancel: CancelToken)
        case probe(after: Double)

        var broadcast: String? {
            switch self {
            case .play(let id, _, _, _), .live(let id, _, _): id
            case .probe: nil
            }
        }
    }

    private let condition = NSCondition()
    private var commands: [Command] = []
    private var current: (id: String, cancel: CancelToken)?
    private var shuttingDown = false
    /// The PCM and its fixed format; a reload may change them (guarded by `condition`).
    private var device: Device
    /// Set by `reconfigure`, so that a device probe tries the new PCM at once.
    private var deviceChanged = false
    /// `monitor.input`: the capture PCM near the horn, or nil (guarded by `condition`).
    private var monitorInput: String?

    private struct Device: Equatable {
        var name: String
        var rate: Int?
        var channels: Int?
    }
    private var thread: Thread?

    init(output: String, device: String, fixedRate: Int?, fixedChannels: Int?, logger: Logger,
         report: @escaping @Sendable (PlayerReport) -> Void) {
        self.output = output
        self.device = Device(name: device, rate: fixedRate, channels: fixedChannels)
        self.logger = logger
        self.report = report
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "laba-output-\(output)"
        thread.start()
        self.thread = thread
    }

    /// Plays a program built on the player's thread (building measures loudness, which blocks).
    func play(id: String, from segment: Int, build: @escaping @Sendable () throws -> Program) {
        enqueue(.play(id: id, build: build, from: segment, cancel: CancelToken()))
    }

    /// Plays a live broadcast from `ring` until the ring closes or `stop(id:)`.
    func playLive(id: String, ring: LiveRing) {
        enqueue(.live(id: id, ring: ring, cancel: CancelToken()))
    }

    /// Fades out the broadcast `id` if it is the one playing.
    func stop(id: String) {
        condition.lock()
        if let current, current.id == id { current.cancel.cancel() }
        // Not started yet: drop it from the commands, and say so as a play that ended, so that the
        // engine frees the output (it waits for the player's report of the stop).
        let dropped = commands.compactMap { command -> Int? in
            switch command {
            case .play(let cid, _, let from, _) where cid == id: from
            case .live(let cid, _, _) where cid == id: 0
            default: nil
            }
        }
        commands.removeAll { $0.broadcast == id }
        condition.unlock()
        for segment in dropped {
            report(.finished(output: output, id: id, result: .cancelledBeforeStart(segment: segment)))
        }
    }

    /// Takes another PCM (a reload changed `device:`, `rate:` or `channels:`): what plays finishes
    /// on the old one, the next broadcast opens the new one, and a device probe tries it at once.
    func reconfigure(device: String, fixedRate: Int?, fixedChannels: Int?) {
        condition.lock()
        defer { condition.unlock() }
        let new = Device(name: device, rate: fixedRate, channels: fixedChannels)
        guard new != self.device else { return }
        self.device = new
        deviceChanged = true
        condition.broadcast()
    }

    /// Takes the output's `monitor.input` (nil: no off-air check), from the next broadcast on.
    func setMonitor(_ input: String?) {
        condition.lock()
        monitorInput = input
        condition.unlock()
    }

    private var currentMonitor: String? {
        condition.lock()
        defer { condition.unlock() }
        return monitorInput
    }

    private var currentDevice: Device {
        condition.lock()
        defer { condition.unlock() }
        return device
    }

    /// Tries the device after `seconds`, then with doubling waits up to a minute, until it opens.
    func probe(after seconds: Double) { enqueue(.probe(after: seconds)) }

    /// Stops what plays (it fades out) and asks the thread to end; `join` waits for it.
    func shutdown() {
        condition.lock()
        shuttingDown = true
        current?.cancel.cancel()
        commands.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Returns once the thread has ended (after `shutdown`, the fade has reached the device).
    func join() {
        finished.wait()
        finished.signal()
    }

    /// Signalled by the thread as it ends.
    private let finished = DispatchSemaphore(value: 0)

    private func enqueue(_ command: Command) {
        condition.lock()
        commands.append(command)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        defer { finished.signal() }
        func makeRenderer(for device: Device) -> ProgramRenderer {
            ProgramRenderer(output: PCMOutput(device: device.name), fixedRate: device.rate, fixedChannels: device.channels)
        }
        var renderedDevice = currentDevice
        var renderer = makeRenderer(for: renderedDevice)
        /// The renderer of the PCM configured now (a reload may have changed it).
        func currentRenderer() -> ProgramRenderer {
            if currentDevice != renderedDevice {
                renderedDevice = currentDevice
                renderer = makeRenderer(for: renderedDevice)
            }
            return renderer
        }
        /// Plays one broadcast: its segments and first frame reported as they come, then its end.
        func perform(_ id: String, monitor: MonitorSession? = nil, _ render: (_ progress: (RenderEvent) -> Void) -> RenderResult) {
            var wroteFirst = false
            var planned: (index: Int, pass: Int, frames: Int?)?
            let output = self.output
            let result = render { [report] event in
                switch event {
                case .segmentStarted(let index, let label):
                    if let monitor { monitor.starts.append((index, label, monitor.meter.position)) }
                    report(.segmentStarted(output: output, id: id, segment: index, label: label))
                case .segmentPlanned(let index, let pass, let frames):
                    planned = (index, pass, frames)
                case .segmentFinished(let index, _, let outcome):
                    let played: Int
                    switch outcome {
                    case .played(let frames), .cut(let frames): played = frames
                    case .failed: played = 0
                    }
                    let known = planned?.index == index ? planned : nil
                    report(.segmentEnded(output: output, id: id, segment: index, pass: known?.pass ?? 0,
                                         planned: known?.frames, played: played))
                case .progress where !wroteFirst:
                    wroteFirst = true
                    report(.firstFrame(output: output, id: id))
                default: break
                }
            }
            condition.lock()
            current = nil
            condition.unlock()
            report(.finished(output: output, id: id, result: result))
        }
        while true {
            condition.lock()
            while commands.isEmpty, !shuttingDown { condition.wait() }
            if shuttingDown {
                condition.unlock()
                return
            }
            let command = commands.removeFirst()
            switch command {
            case .play(let id, _, _, let cancel), .live(let id, _, let cancel): current = (id, cancel)
            case .probe: break
            }
            condition.unlock()

            switch command {
            case .play(let id, let build, let from, let cancel):
                let renderer = currentRenderer()
                let program: Program
                do { program = try build() } catch {
                    condition.lock()
                    current = nil
                    condition.unlock()
                    report(.unplayable(output: output, id: id, reason: "\(error)"))
                    continue
                }
                let monitor = currentMonitor.flatMap { startMonitor(id, input: $0, renderer: renderer) }
                perform(id, monitor: monitor) { renderer.play(program, from: from, cancel: cancel, progress: $0) }
                if let monitor { finishMonitor(id, monitor, renderer: renderer) }
            case .live(let id, let ring, let cancel):
                let renderer = currentRenderer()
                perform(id) { renderer.playLive(ring, cancel: cancel, progress: $0) }
            case .probe(let after):
                var wait = after
                while !waitOrShutdown(seconds: wait) {
                    do {
                        let device = currentDevice
                        let pcm = PCMOutput(device: device.name)
                        try pcm.open(PCMOutput.Format(rate: device.rate ?? 48000, channels: device.channels ?? 2))
                        pcm.close()
                        logger.notice("output is back", metadata: ["output": "\(output)"])
                        report(.deviceBack(output: output))
                        break
                    } catch {
                        logger.debug("output still unavailable", metadata: ["output": "\(output)", "error": "\(error)"])
                        wait = min(60, wait * 2)
                    }
                }
            }
        }
    }

    /// The room's noise is measured this long before a monitored program starts.
    static let monitorPreRoll = 0.25
    /// And the microphone is heard this long after the program's end (the air, the capture's queue).
    static let monitorTail = 0.4

    /// A monitored broadcast under way: the capture, the envelope of what is written, and where
    /// each segment started in it.
    final class MonitorSession {
        let capture: MonitorCapture
        let meter = EnvelopeMeter()
        var starts: [(segment: Int, label: String, block: Int)] = []

        init(capture: MonitorCapture) { self.capture = capture }
    }

    static func blocks(_ seconds: Double) -> Int { Int(seconds / OffAirCheck.blockSeconds) }

    /// Starts the monitor's capture and lets it hear the room before the program (SPEC 18); nil
    /// (said to the engine) when the input cannot be opened: the broadcast plays unchecked.
    private func startMonitor(_ id: String, input: String, renderer: ProgramRenderer) -> MonitorSession? {
        let capture = MonitorCapture(device: input)
        do {
            try capture.start()
        } catch {
            logger.warning("the monitor's input cannot be captured; the broadcast plays unchecked",
                           metadata: ["output": "\(output)", "input": "\(input)", "error": "\(error)"])
            report(.monitorFailed(output: output, id: id, code: .inputUnavailable, problem: "\(error)"))
            return nil
        }
        capture.wait(forBlocks: Self.blocks(Self.monitorPreRoll), timeout: 2 * Self.monitorPreRoll + 0.5)
        let session = MonitorSession(capture: capture)
        renderer.output.meter = session.meter
        return session
    }

    /// Hears the tail, stops the capture, compares the envelopes and reports the result (after
    /// the play's own end).
    private func finishMonitor(_ id: String, _ session: MonitorSession, renderer: ProgramRenderer) {
        renderer.output.meter = nil
        let capture = session.capture, meter = session.meter
        capture.wait(forBlocks: capture.count + Self.blocks(Self.monitorTail), timeout: 2 * Self.monitorTail + 0.5)
        let (envelope, offset, failure) = capture.stop(locating: meter.firstWrite)
        guard meter.firstWrite != nil, !session.starts.isEmpty else { return }  // nothing played
        if let failure, envelope.count < Self.blocks(Self.monitorPreRoll) {
            report(.monitorFailed(output: output, id: id, code: .captureFailed, problem: failure))
            return
        }
        let starts = session.starts
        let spans = starts.enumerated().map { i, s in
            OffAirCheck.Span(segment: s.segment, label: s.label, start: s.block,
                             end: i + 1 < starts.count ? starts[i + 1].block : meter.position)
        }
        let result = OffAirCheck.judge(program: meter.blocks, spans: spans, capture: envelope, offset: offset ?? 0)
        report(.heard(output: output, id: id, result: result))
    }

    /// Waits on the condition; true when shutting down.
    private func waitOrShutdown(seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while !shuttingDown, !deviceChanged, condition.wait(until: deadline) {}
        deviceChanged = false
        return shuttingDown
    }
}
