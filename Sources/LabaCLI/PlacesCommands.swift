// Places in the CLI: the history as a map (GeoJSON), and `laba alerts`.

import ArgumentParser
import Foundation
import LabaControl
import NIOCore

/// `laba history --format geojson`: a FeatureCollection of points, one per broadcast of a
/// following output, where it started (RFC 7946: positions are [longitude, latitude]).
struct HistoryMap: Encodable {
    struct Feature: Encodable {
        struct Point: Encodable {
            let type = "Point"
            var coordinates: [Double]
        }

        struct Properties: Encodable {
            var id: String
            var message: String
            var languages: [String]
            var outcome: String?
            /// When it started (or was planned, for one that did not play).
            var time: String
            var output: String
            var zone: String
            /// The fix's own time.
            var fix: String

            enum CodingKeys: String, CodingKey { case id, message, languages, outcome, time, output, zone, fix }
        }

        let type = "Feature"
        var geometry: Point
        var properties: Properties
    }

    let type = "FeatureCollection"
    var features: [Feature]

    init(_ broadcasts: [BroadcastJSON]) {
        features = broadcasts.compactMap { b in
            guard let p = b.position else { return nil }
            return Feature(geometry: .init(coordinates: [p.lon, p.lat]),
                           properties: .init(id: b.id, message: b.message,
                                             languages: b.languages.played.isEmpty ? b.languages.planned : b.languages.played,
                                             outcome: b.outcome?.description ?? b.state.description,
                                             time: b.startedAt ?? b.plannedAt, output: b.output, zone: b.zone, fix: p.at))
        }
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "The CAP alerts received: where they reached, what played, or why nothing did.",
        discussion: "With --send FILE, gives labad a CAP 1.2 file (as dropping it in alerts.watch does) and prints its record.")

    @Option(help: ArgumentHelp("Send this CAP 1.2 file to labad.", valueName: "path")) var send: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many, newest first (1–10000).", valueName: "n")) var limit = 20
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        try validateCount(limit, option: "--limit", in: 1...10_000)
    }

    func run() async throws {
        let client = ControlClient(socket: socket.path)
        if let send {
            guard let data = FileManager.default.contents(atPath: send) else {
                throw ValidationError(t(.cliCannotRead, ["path": send]))
            }
            let reply = try await client.send(.POST, "/alerts", contentType: "application/cap+xml", bytes: ByteBuffer(bytes: data))
            guard [200, 202].contains(reply.status), let alert = try? reply.decode(AlertJSON.self) else { throw reply.refusal() }
            print(socket.json ? try jsonLine(alert) : Self.describe(alert))
            return
        }
        let reply = try await client.send(.GET, "/alerts?limit=\(limit)")
        guard reply.status == 200, let list = try? reply.decode(AlertList.self) else { throw reply.refusal() }
        if socket.json {
            print(try jsonLine(list))
            return
        }
        if list.alerts.isEmpty { print(t(.alertsNone)) }
        for alert in list.alerts { print(Self.describe(alert)) }
    }

    static func describe(_ a: AlertJSON) -> String {
        var lines = ["\(a.receivedAt)  \(a.identifier ?? t(.alertUnreadable))  \(a.msgType ?? "")  \(a.status ?? "")"
                     + (a.drill ? t(.alertDrill) : "") + "  " + t(.alertVia, ["via": a.via]) + (a.file.map { " \($0)" } ?? "")]
        if let event = a.event {
            lines.append(t(.alertEvent, ["event": event, "message": a.message ?? "", "priority": a.priority ?? ""]))
        }
        if !a.zones.isEmpty { lines.append(t(.alertZones, ["zones": a.zones.joined(separator: ", ")])) }
        if !a.broadcasts.isEmpty { lines.append(t(.alertBroadcasts, ["broadcasts": a.broadcasts.joined(separator: ", ")])) }
        // From the codes (an older record's words as kept); outputs and zones by id, as the rest of this view.
        for r in a.refusedWords(place: { output, zone in output ?? zone ?? "" }) { lines.append(t(.alertRefused, ["reason": r])) }
        if a.repeatsLeft > 0 { lines.append(t(.alertRepeats, ["count": String(a.repeatsLeft), "next": a.nextAt ?? "?"])) }
        if let by = a.cancelledBy { lines.append(t(.alertCancelledBy, ["identifier": by])) }
        if let reason = a.reasonWords() { lines.append(t(.alertNothingPlayed, ["reason": reason])) }
        for note in a.noteWords() { lines.append(t(.alertNote, ["note": note])) }
        return lines.joined(separator: "\n")
    }
}
