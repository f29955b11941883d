// The control API's alert routes (SPEC 13): `POST /v1/alerts` takes a CAP 1.2 document as the
// body, `GET /v1/alerts` lists what was received and what came of it.

import Foundation
import Hummingbird
import LabaControl
import LabaCore
import NIOCore

extension ControlServer {
    static func addPlacesRoutes(_ router: Router<ControlContext>, door: FrontDoor, engine: Engine) {
        let prefix = ControlProtocol.pathPrefix
        router.post("\(prefix)/alerts") { request, _ in
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: Engine.maxAlertSize)
            } catch {
                throw APIFailure(.tooLarge, "an alert is at most \(Engine.maxAlertSize / 1024) KiB")
            }
            guard let taken = await door.alert(Data(buffer.readableBytesView), via: .api) else {
                throw APIFailure(.internalError, "the alert was not taken")
            }
            let receipt = taken.receipt
            if let invalid = receipt.invalid {
                throw APIFailure(.invalidAlert, "\(invalid.english()) (recorded as alert \(receipt.record.id ?? 0))")
            }
            var w = WireFormat(await engine.configuration.timeZone)
            // Accepted when something plays: here, or on the units it was forwarded to.
            return try json(w.alert(receipt.record), status: receipt.record.broadcasts.isEmpty && taken.command == nil ? .ok : .accepted)
        }
        router.get("\(prefix)/alerts") { request, _ in
            let limitText = request.uri.queryParameters["limit"].map(String.init)
            let limit = limitText.flatMap(Int.init) ?? 100
            guard (1...10_000).contains(limit) else { throw APIFailure(.badRequest, "limit must be a number from 1 to 10000") }
            var w = WireFormat(await engine.configuration.timeZone)
            return try json(AlertList(alerts: await engine.alerts(limit: limit).map { w.alert($0) }))
        }
    }
}
