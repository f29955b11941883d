// `laba play-file`: play files in the foreground through the daemon's engine (a speaker test).

import ArgumentParser
import Foundation
import LabaAudio
import LabaCatalog
import LabaCore

struct PlayFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play-file",
        abstract: "Play audio files through Laba's engine, without the daemon.",
        discussion: """
            Like aplay, but with Laba's gain, loudness normalisation, peak guard and fades. The files \
            play one after another in one stream, at 48 kHz and the device's channel count: each is \
            resampled (libsoxr) and its channels mixed as the daemon does.
            """)

    @Option(help: ArgumentHelp("The ALSA PCM to play on.", valueName: "pcm"))
    var device = "default"

    @Flag(help: "Bring each file to the target loudness (EBU R128).")
    var normalize = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Loudness target for --normalize, in LUFS.", valueName: "lufs"))
    var targetLufs = -16.0

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Extra gain in dB (negative to attenuate); the peak guard lowers it where a file would pass -1 dBFS.",
                               valueName: "db"))
    var gainDb = 0.0

    @Argument(help: "Audio files (anything libsndfile reads).")
    var files: [String]

    func run() throws {
        var segments: [ProgramSegment] = []
        var failed = false
        for file in files {
            var gain = gainDb
            if normalize {
                do {
                    let m = try Loudness.measure(path: file)
                    gain = Loudness.gain(for: m, target: .lufs(targetLufs), volumeDB: gainDb)
                } catch {
                    printError("laba: \(error)")
                    failed = true
                    continue
                }
            }
            segments.append(ProgramSegment(label: file, path: file, gainDB: gain))
        }
        let renderer = ProgramRenderer(output: PCMOutput(device: device))
        let result = renderer.play(Program(segments: segments, gap: .zero)) { event in
            switch event {
            case .segmentStarted(let index, let label):
                let info = (try? Decoder(path: label)).map { d in
                    t(.playFileFormat, ["format": d.format.format, "rate": String(d.format.sampleRate),
                                        "channels": String(d.format.channels), "seconds": String(format: "%.1f", d.format.duration),
                                        "gain": String(format: "%+.1f", segments[index].gainDB)])
                }
                print(info.map { t(.playFilePlayingWithFormat, ["file": label, "format": $0]) } ?? t(.playFilePlaying, ["file": label]))
            case .segmentFinished(_, _, .failed(let error)):
                printError("laba: \(error)")
            case .segmentFinished, .progress, .segmentPlanned:
                break
            }
        }
        if case .deviceFailed(_, let error) = result.outcome {
            printError("laba: \(error)")
            throw ExitCode.failure
        }
        if result.xruns > 0 { printError("laba: " + Catalog.plural(result.xruns, one: .underrunsOne, other: .underrunsOther)) }
        if failed || result.segments.contains(where: { if case .failed = $0.outcome { true } else { false } }) {
            throw ExitCode.failure
        }
    }
}
