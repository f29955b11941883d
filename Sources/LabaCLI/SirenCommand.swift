// `laba siren KIND --zone Z... | --all`: sounds a civil-defence signal (SPEC 18), as a broadcast of
// its reserved message name through the control API.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaControl
import LabaCore

extension SirenKind: ExpressibleByArgument {
    /// The signal's name in the operator's language (预先警报, 空袭警报, 解除警报, 灾情警报).
    var title: String {
        switch self {
        case .preliminary: t(.sirenPreliminary)
        case .airRaid: t(.sirenAirRaid)
        case .allClear: t(.sirenAllClear)
        case .disaster: t(.sirenDisaster)
        }
    }
}

struct Siren: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siren",
        abstract: "Sound a civil-defence signal in zones or everywhere.",
        discussion: """
            preliminary: 36 s on, 24 s off, three times; air-raid: 6 s on, 6 s off, fifteen times; all-clear: \
            one steady tone for 3 min; disaster: as sirens.disaster sets it (15 s on, 15 s off, six times). \
            The signal plays at sirens.priority (emergency by default) and does not resume once cut. The same \
            signal is the message siren:KIND wherever a message is named (laba play, schedule entries, alerts).
            """)

    @Argument(help: ArgumentHelp("The signal: preliminary, air-raid, all-clear or disaster.", valueName: "kind"))
    var kind: SirenKind

    @Option(name: .customLong("zone"), help: ArgumentHelp("A zone to reach (repeat for more).", valueName: "zone"))
    var zones: [String] = []

    @Flag(help: "Every zone.")
    var all = false

    @Option(name: .customLong("repeat"), parsing: .unconditional,
            help: ArgumentHelp("Sound the signal this many times (1–100).", valueName: "n"))
    var repeatCount: Int?

    @Flag(help: "Wait for the outcome; exit 1 unless every broadcast completed.")
    var wait = false

    @OptionGroup var socket: SocketOptions
    @OptionGroup var config: ConfigOptions

    func validate() throws {
        if all == !zones.isEmpty { throw ValidationError(t(.zoneOrAll)) }
        try validateCount(repeatCount, option: "--repeat", in: 1...100)
        try validateIDs(zones, option: "--zone", known: localConfig(config.path)?.zones.map(\.id.value) ?? [])
    }

    func run() async throws {
        let client = ControlClient(socket: socket.path)
        // The daemon gives the signal its priority (sirens.priority); none is asked for here.
        let request = BroadcastRequest(message: kind.messageName, zones: all ? nil : zones, all: all ? true : nil,
                                       repeat: repeatCount)
        let reply = try await client.send(.POST, "/broadcasts", body: request)
        guard reply.status == 202, let list = try? reply.decode(BroadcastList.self) else {
            var hint = ""
            if let local = localConfig(config.path), let text = reply.errorMessage {
                hint = suggestion(in: text, for: zones, known: local.zones.map(\.id.value))
            }
            throw reply.refusal(hint: hint)
        }
        for b in list.broadcasts {
            print(socket.json ? try jsonLine(b)
                              : t(.sirenSounding, ["signal": kind.title, "message": kind.messageName, "output": b.output,
                                                   "zone": b.zone, "id": b.id]))
        }
        if let command = list.command {
            print(socket.json ? try jsonLine(["command": command])
                              : t(.fleetCommand, ["id": command, "zones": zones.joined(separator: ", ")]))
        }
        try await followAdmitted(list, client: client, wait: wait)
    }
}
