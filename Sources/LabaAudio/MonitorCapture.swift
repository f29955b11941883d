// The off-air check's ear (SPEC 18, issue 30): a microphone near the horn, captured on a thread
// of its own while a broadcast plays, kept only as the RMS of each 10 ms block (an hour is
// 360 000 numbers), each block stamped on the monotonic clock; and the meter that keeps the same
// envelope of what the output wrote.

import Foundation
import Synchronization

/// The RMS of each 10 ms block written to an output, from the first frame of a program.
///
/// Thread rules: fed by the output's thread; read once the program has ended.
public final class EnvelopeMeter: @unchecked Sendable {
    public private(set) var blocks: [Float] = []
    /// When the first frame was written (monotonic, ns).
    public private(set) var firstWrite: UInt64?
    private var blockFrames = 0
    private var sum: Double = 0
    private var filled = 0

    public init() {}

    /// Frames written so far, in blocks (where the next segment starts).
    public var position: Int { blocks.count }

    /// Adds interleaved frames as they went to the device.
    public func add(_ samples: UnsafePointer<Float>, frames: Int, rate: Int, channels: Int) {
        guard frames > 0 else { return }
        if firstWrite == nil { firstWrite = DispatchTime.now().uptimeNanoseconds }
        if blockFrames == 0 { blockFrames = max(1, rate / 100) }
        for frame in 0..<frames {
            var square: Float = 0
            for c in 0..<channels {
                let v = samples[frame * channels + c]
                square += v * v
            }
            sum += Double(square / Float(channels))
            filled += 1
            if filled == blockFrames {
                blocks.append(Float((sum / Double(blockFrames)).squareRoot()))
                sum = 0
                filled = 0
            }
        }
    }
}

/// Captures a monitor input until stopped, keeping its envelope.
///
/// Thread rules: `start`, `stop` and the readers may be called from any thread.
public final class MonitorCapture: @unchecked Sendable {
    public static let rate = 16_000
    public static let blockFrames = rate / 100

    public let device: String
    private struct State {
        var blocks: [Float] = []
        /// Monotonic time (ns) at which the first block had been read.
        var firstBlock: UInt64?
        var failure: String?
        var finished = false
    }
    private let state = Mutex(State())
    private let cancel = CancelToken()
    private let ended = DispatchSemaphore(value: 0)

    public init(device: String) {
        self.device = device
    }

    /// Opens the input and starts reading.
    ///
    /// - Throws: `AudioError.open` when the input cannot be opened.
    public func start() throws(AudioError) {
        let input = try PCMInput(device: device, rate: Self.rate)
        let thread = Thread { [self] in run(input) }
        thread.name = "laba-monitor"
        thread.start()
    }

    /// Blocks captured so far.
    public var count: Int { state.withLock { $0.blocks.count } }

    /// Waits (blocking) until `blocks` blocks were captured, the capture failed, or `timeout` passed.
    public func wait(forBlocks blocks: Int, timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (n, done) = state.withLock { ($0.blocks.count, $0.finished) }
            if n >= blocks || done { return }
            usleep(5_000)
        }
    }

    /// Stops and waits for the thread; returns the envelope, the block at which `instant`
    /// (monotonic ns) falls, and why the capture failed, if it did.
    public func stop(locating instant: UInt64?) -> (blocks: [Float], index: Int?, failure: String?) {
        cancel.cancel()
        _ = ended.wait(timeout: .now() + 2)
        return state.withLock { s in
            var index: Int?
            if let instant, let first = s.firstBlock {
                // The first block was complete at `first`: block k began (k + 1) blocks before
                // `first` + k blocks.
                let blockNanos = Double(Self.blockFrames) / Double(Self.rate) * 1e9
                index = Int(((Double(instant) - Double(first)) / blockNanos).rounded()) + 1
            }
            return (s.blocks, index, s.failure)
        }
    }

    /// Blocks taken per read: 50 ms, so that the thread wakes 20 times a second, not 100.
    static let blocksPerRead = 5

    private func run(_ input: PCMInput) {
        let frames = Self.blockFrames * Self.blocksPerRead
        var samples = [Int16](repeating: 0, count: frames)
        var rms = [Float](repeating: 0, count: Self.blocksPerRead)
        let blockNanos = Double(Self.blockFrames) / Double(Self.rate) * 1e9
        var failure: String?
        while !cancel.isCancelled {
            let n: Int
            do {
                n = try samples.withUnsafeMutableBufferPointer { (p) throws(AudioError) -> Int in
                    try input.read(into: p.baseAddress!, frames: frames, cancel: cancel)
                }
            } catch {
                failure = "\(error)"
                break
            }
            let whole = n / Self.blockFrames
            for b in 0..<whole {
                var sum: Int64 = 0
                for v in samples[(b * Self.blockFrames)..<((b + 1) * Self.blockFrames)] { sum += Int64(v) * Int64(v) }
                rms[b] = Float((Double(sum) / Double(Self.blockFrames)).squareRoot() / 32768)
            }
            let now = DispatchTime.now().uptimeNanoseconds
            state.withLock { s in
                // The first block was complete when the read's first block ended.
                if s.firstBlock == nil, whole > 0 { s.firstBlock = now - UInt64(Double(whole - 1) * blockNanos) }
                s.blocks.append(contentsOf: rms[0..<whole])
            }
            guard n == frames else {
                if !cancel.isCancelled { failure = "the input stopped delivering" }
                break
            }
        }
        input.close()
        state.withLock { s in
            s.failure = failure
            s.finished = true
        }
        ended.signal()
    }
}
