// `laba devices`: the ALSA PCM names usable in `device:`.

import ArgumentParser
import Foundation
import LabaAudio
import LabaCore

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the ALSA PCMs that can go in an output's device:, marking those the configuration uses.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let used = Dictionary(grouping: ConfigLoader.load(path: options.path).config?.outputs ?? [], by: \.device.value)
            .mapValues { $0.map(\.id.value) }
        let hints = Devices.playbackPCMs()
        var rows = hints.map { [$0.name, used[$0.name].map { "used by " + $0.joined(separator: ", ") } ?? "", $0.description] }
        // Configured devices that ALSA does not list (plugins without hints, or cards that are absent).
        for (device, outputs) in used.sorted(by: { $0.key < $1.key }) where !hints.contains(where: { $0.name == device }) {
            rows.append([device, "used by " + outputs.joined(separator: ", "), "(not listed by ALSA)"])
        }
        print(rows.isEmpty ? "ALSA lists no playback PCM" : TextTable(header: ["PCM", "USE", "DESCRIPTION"], rows: rows).render())
    }
}
