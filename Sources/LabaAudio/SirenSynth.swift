// The civil-defence signals' sound (SPEC 18): a sine, swept or steady, in the sounding parts of a
// pattern, with 10 ms fades at each edge, at a fixed amplitude (no loudness normalisation).

import Foundation
import LabaCore

/// Renders a `SirenPattern` a block at a time, at one rate, in mono.
///
/// The phase runs on continuously through a sounding part as the frequency changes (no clicks);
/// each sounding part starts its sweep from `low`.
struct SirenSynth {
    let pattern: SirenPattern
    let rate: Int
    /// The peak sample value of the sounding parts.
    let amplitude: Double
    /// The sounding parts in frames: [start, end).
    let soundings: [(start: Int, end: Int)]
    /// The whole signal in frames, the last silence included.
    let totalFrames: Int
    let edgeFrames: Int

    private(set) var frame = 0
    private var index = 0
    /// In cycles, 0 ..< 1.
    private var phase = 0.0

    init(pattern: SirenPattern, rate: Int, amplitude: Double, edgeFade: Double = ProgramRenderer.edgeFade) {
        self.pattern = pattern
        self.rate = rate
        self.amplitude = amplitude
        let r = Double(rate)
        soundings = pattern.soundings.map { (Int(($0.start * r).rounded()), Int(($0.end * r).rounded())) }
        totalFrames = Int((pattern.duration * r).rounded())
        edgeFrames = max(1, Int(edgeFade * r))
    }

    var isFinished: Bool { frame >= totalFrames }

    /// Writes the next `count` frames (at most what is left) into `buffer`; returns how many.
    mutating func render(into buffer: UnsafeMutablePointer<Float>, count: Int) -> Int {
        let n = min(count, totalFrames - frame)
        let r = Double(rate)
        for i in 0..<max(0, n) {
            let f = frame + i
            while index < soundings.count, f >= soundings[index].end {
                index += 1
                phase = 0
            }
            guard index < soundings.count, f >= soundings[index].start else {
                buffer[i] = 0
                continue
            }
            let (start, end) = soundings[index]
            let envelope = min(1, Double(f - start) / Double(edgeFrames), Double(end - 1 - f) / Double(edgeFrames))
            buffer[i] = Float(amplitude * envelope * sin(2 * Double.pi * phase))
            phase += pattern.frequency(atSoundingTime: Double(f - start) / r) / r
            phase -= phase.rounded(.down)
        }
        frame += max(0, n)
        return max(0, n)
    }
}
