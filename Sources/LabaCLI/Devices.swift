// `laba devices`: the ALSA PCM names usable in `device:`.

import ArgumentParser
import Foundation
import LabaAudio
import LabaCatalog
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
        func usedBy(_ outputs: [String]) -> String { t(.usedBy, ["outputs": outputs.joined(separator: ", ")]) }
        var rows = hints.map { [$0.name, used[$0.name].map(usedBy) ?? "", $0.description] }
        // Configured devices that ALSA does not list (plugins without hints, or cards that are absent).
        for (device, outputs) in used.sorted(by: { $0.key < $1.key }) where !hints.contains(where: { $0.name == device }) {
            rows.append([device, usedBy(outputs), t(.notListedByALSA)])
        }
        print(rows.isEmpty ? t(.noPlaybackPCM) :
              TextTable(header: [t(.columnPCM), t(.columnUse), t(.columnDescription)], rows: rows).render())
    }
}
