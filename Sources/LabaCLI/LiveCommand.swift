// `laba live`: live talk from the unit's microphone (SPEC 14). The daemon captures; this command
// holds the request open, shows a level meter, and ends the talk on Ctrl-C (or when it goes away).

import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import NIOCore
import NIOHTTP1

struct Live: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Speak live on the zones' horns, from the unit's microphone.",
        discussion: "labad captures from --input (else live.input of the configuration) until Ctrl-C, live.max, or live.silence; what the talk interrupted resumes after it. The talk is recorded in the state dir (laba history shows where). On a commander with fleet.stream, the units of the zones it commands hear it too, through Icecast.")

    @Option(name: .customLong("zone"), help: ArgumentHelp("A zone (repeat for more).", valueName: "zone"))
    var zones: [String] = []

    @Flag(help: "Every zone.")
    var all = false

    @Option(help: ArgumentHelp("The ALSA capture PCM (such as plughw:1,0).", valueName: "pcm"))
    var input: String?

    @Option(help: ArgumentHelp("manual (the default) or emergency.", valueName: "priority"))
    var priority: String = "manual"

    @Flag(help: "Speak in quiet hours too.")
    var force = false

    @OptionGroup var socket: SocketOptions
    @OptionGroup var config: ConfigOptions

    func validate() throws {
        if zones.isEmpty == !all { throw ValidationError(t(.zoneOrAll)) }
        guard ["manual", "emergency"].contains(priority) else {
            throw ValidationError(t(.cliPriorityChoice, ["value": priority]))
        }
        try validateIDs(zones, option: "--zone", known: localConfig(config.path)?.zones.map(\.id.value) ?? [])
    }

    func run() async throws {
        let request = LiveRequestJSON(zones: all ? nil : zones, all: all ? true : nil, priority: Priority(name: priority),
                                      input: input, force: force ? true : nil)
        let client = ControlClient(socket: socket.path)
        let lines: HTTPClientResponse
        do {
            lines = try await client.stream(.POST, "/live", body: request)
        } catch let error as ControlClient.Unreachable {
            printError(error.message)
            throw ExitCode(69)
        }
        guard lines.status == .ok else {
            let body = try await lines.body.collect(upTo: 1 << 20)
            throw ControlClient.Reply(status: Int(lines.status.code), body: Data(body.readableBytesView)).refusal()
        }
        // Ctrl-C asks the daemon to end the talk, and the last line says how it went; a second one leaves at once.
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT)
        let talk = TalkID()
        interrupts.setEventHandler {
            guard let id = talk.take() else { Foundation.exit(130) }
            printError("laba: " + t(.liveStopping))
            Task { _ = try? await client.attempt(.DELETE, "/broadcasts/\(id)") }
        }
        interrupts.resume()
        let meter = isatty(STDOUT_FILENO) == 1 && !socket.json
        var pending = Data()
        var ended: LiveEventJSON?
        for try await chunk in lines.body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[pending.index(after: newline)...])
                guard let event = try? JSONDecoder().decode(LiveEventJSON.self, from: line) else { continue }
                if socket.json, event.event != .level {
                    print(String(decoding: line, as: UTF8.self))
                }
                switch event.event {
                case .started:
                    talk.set(event.id)
                    guard !socket.json else { break }
                    let outputs = (event.broadcasts ?? []).map { "\($0.output) (\($0.zone))" }.joined(separator: ", ")
                    if let command = event.command {
                        // A commander: the units of the zones hear it through the fleet.
                        if outputs.isEmpty {
                            print(t(.liveFleetOnly, ["input": event.input ?? "", "command": command]))
                        } else {
                            print(t(.liveStarted, ["outputs": outputs, "input": event.input ?? ""]))
                            print(t(.liveFleet, ["command": command]))
                        }
                    } else {
                        print(t(.liveStarted, ["outputs": outputs, "input": event.input ?? ""]))
                    }
                    for refused in event.refused ?? [] where event.command == nil || refused.output != nil {
                        print(t(.liveRefusedOutput, ["output": refused.output ?? "?", "reason": refusalText(refused)]))
                    }
                case .level where meter:
                    let bars = Int(((event.level ?? 0) * 30).rounded())
                    let text = t(.liveLevel, ["seconds": String(format: "%.0f", event.seconds ?? 0),
                                              "meter": String(repeating: "█", count: bars) + String(repeating: "·", count: 30 - min(30, bars))])
                    FileHandle.standardOutput.write(Data(("\r" + text).utf8))
                case .level:
                    break
                case .ended:
                    ended = event
                }
            }
        }
        interrupts.cancel()
        guard let ended else { throw ExitCode.failure }
        guard !socket.json else { return }
        if meter { print("") }
        print(t(.liveEnded, ["seconds": String(format: "%.1f", ended.seconds ?? 0), "reason": Catalog.reason(code: ended.reasonCode, args: ended.reasonArgs, words: ended.reason) ?? ""]))
        if let path = ended.recording {
            print(t(.liveRecorded, ["path": path, "loudness": ended.loudness.map { String(format: "%.1f", $0) } ?? "-"]))
        }
    }
}

/// The talk's id once the daemon has said it; taken once by the first Ctrl-C.
private final class TalkID: @unchecked Sendable {
    private let lock = NSLock()
    private var id: String?
    private var taken = false

    func set(_ value: String) {
        lock.withLock { id = value }
    }

    /// The id the first time; nil after (or before the daemon answered: then Ctrl-C leaves, and
    /// the lost connection ends the talk).
    func take() -> String? {
        lock.withLock {
            defer { taken = true }
            return taken ? nil : id
        }
    }
}
