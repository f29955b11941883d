// The web console (SPEC 12): Hummingbird's router on HummingbirdCore's server, over TCP, inside
// labad's own service group (not `Application`, whose date timer would wake an idle daemon), with
// HTTPS from `console.tls` or from a self-signed certificate when serving beyond loopback.

import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import LabaCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

public enum Console {
    /// The console's service, on the daemon's front door; none when the configuration has no `console:`.
    public static func build(door: any ConsoleDoor, config: Config, logger: Logger) throws -> (any Service)? {
        guard let settings = config.console else { return nil }
        var tls: TLSConfiguration?
        if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
            tls = try tlsConfiguration(certificate: certificate, key: key)
        } else if !settings.isLoopback {
            // Browsers give the microphone only to a secure context: make a certificate once.
            let layout = StateLayout(directory: door.stateDirectory)
            if try SelfSigned.ensure(certificate: layout.consoleCertificate, key: layout.consoleKey, host: settings.host) {
                logger.notice("console: made a self-signed certificate; compare its fingerprint with `laba console cert`",
                              metadata: ["certificate": "\(layout.consoleCertificate)",
                                         "sha256": "\(SelfSigned.fingerprint(pemFile: layout.consoleCertificate) ?? "")"])
            }
            tls = try tlsConfiguration(certificate: layout.consoleCertificate, key: layout.consoleKey)
        }
        let site = try Site(door: door, settings: settings, logger: logger, secure: tls != nil)
        let router = Router(context: ConsoleContext.self)
        site.routes(router)
        let responder = router.buildResponder()
        // The talk button's WebSocket: an upgrade of HTTP/1.1, routed on its own router.
        let sockets = Router(context: ConsoleContext.self)
        site.webSocketRoutes(sockets)
        let scheme = tls == nil ? "http" : "https"
        let respond: HTTPChannelHandler.Responder = { request, responseWriter, channel in
            let context = ConsoleContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
                // The router answers an unknown path with a bare 404: give it the console's own answer.
                if response.status == .notFound, response.headers[.contentType] == nil {
                    response = await site.failure(Failure.notFound, request, context)
                }
            } catch {
                response = await site.failure(error, request, context)
            }
            Site.harden(&response)
            try await responseWriter.write(response: response.head, body: response.body)
        }
        // Every connection counted against its address, its TLS handshake and first request
        // bounded in time, at most ConnectionLimits.total at once (SPEC 17).
        let http = HTTP1WebSocketUpgradeChannel(responder: respond, webSocketResponder: sockets.buildResponder(),
                                                configuration: .init(http1: .init(idleTimeout: ConnectionLimits.idleTimeout)))
        let guarded = GuardedChannel(base: http, limits: ConnectionLimits(logger: logger), tls: try tls.map { try NIOSSLContext(configuration: $0) })
        // What the descriptor limit leaves beside the reserve (SPEC 17), at most ConnectionLimits.total.
        let total = Descriptors.consoleShare(limit: Descriptors.limit, wanted: ConnectionLimits.total)
        if total < ConnectionLimits.total {
            logger.warning("console: the descriptor limit allows only \(total) connections at once",
                           metadata: ["limit": "\(Descriptors.limit)", "reserve": "\(Descriptors.reserve)"])
        }
        return guarded.server(
            configuration: ServerConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "labad",
                                               availableConnectionsDelegate: MaximumAvailableConnections(total, logger: logger)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
                logger.notice("console listening on \(scheme)://\(host):\(port)")
            },
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    }

    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain,
                                                        privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    }
}

/// A request context that keeps the connection, for the caller's address, and can be upgraded
/// to a WebSocket (the talk button).
struct ConsoleContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let webSocket = WebSocketHandlerReference<ConsoleContext>()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The caller's IP address, for the login limits and the log.
    var address: String { channel.remoteAddress?.ipAddress ?? "unknown" }
}
