// Plain HTTP on the console's HTTPS port (SPEC 17): a clerk who typed `http://` gets a redirect to
// the same address over HTTPS, rather than an empty reply (and labad's log an error line). The
// first byte tells: a TLS connection starts with a handshake record (0x16); anything else is
// answered by NIO's HTTP/1 codec with 308 and closed, and never reaches the console's pages.

import NIOCore
import NIOHTTP1

/// First in the pipeline of a console that speaks HTTPS: steps aside for TLS, redirects plain HTTP.
final class PlainHTTPRedirect: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// A TLS record of type handshake (RFC 8446 §5.1).
    static let handshakeRecord: UInt8 = 0x16

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        let pipeline = context.pipeline.syncOperations
        if first != Self.handshakeRecord {
            // Plain HTTP: the codec and the redirect go in right after this handler, in front of
            // the TLS handler, which never sees these bytes.
            do {
                try pipeline.addHandlers([ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
                                          HTTPResponseEncoder(), RedirectToHTTPS()],
                                         position: .after(self))
            } catch {
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
        pipeline.removeHandler(context: context, promise: nil)
    }
}

/// Answers the first plain request with 308 to the same host and path over HTTPS, then closes.
final class RedirectToHTTPS: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data), !answered else { return }
        answered = true
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: Self.location(host: request.headers.first(name: "Host"), uri: request.uri,
                                                           fallback: context.channel.localAddress))
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .permanentRedirect, headers: headers))),
                      promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Not HTTP at all: nothing to answer.
        context.close(promise: nil)
    }

    /// `https://HOST/PATH`: the host as the browser named it (when it is a plain host name or
    /// address, with or without a port), else this end's address; the path only when it is one.
    static func location(host: String?, uri: String, fallback: SocketAddress?) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
        let named = host.flatMap { h in !h.isEmpty && h.count <= 255 && h.allSatisfy(allowed.contains) ? h : nil }
        let address = fallback.flatMap { a in a.ipAddress.map { ip in ip.contains(":") ? "[\(ip)]:\(a.port ?? 443)" : "\(ip):\(a.port ?? 443)" } }
            ?? "localhost"
        let path = uri.hasPrefix("/") && !uri.hasPrefix("//") && uri.utf8.count <= 2048
            && uri.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) ? uri : "/"
        return "https://\(named ?? address)\(path)"
    }
}
