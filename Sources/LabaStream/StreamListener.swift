// A unit's side of a fleet talk (SPEC 14): the commander's Ogg Opus stream read from Icecast over
// https, the server's certificate checked against the fleet's CA (or over plain http where the
// configuration allows it), by AsyncHTTPClient, whose event loop hands the bytes to a small
// buffer; decoded by
// libopusfile on a thread of its own, and pushed into the talk's `LiveFeed`. libogg watches the
// pages go by: a stream whose last page says end-of-stream was ended by the commander; one that
// stops without it was lost.

import AsyncHTTPClient
import COpus
import Foundation
import LabaAudio
import LabaCore
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// How a stream ended on a unit.
public struct StreamEnd: Sendable, Equatable {
    /// The commander ended it (its last page said so).
    public var complete: Bool
    /// Seconds of audio received.
    public var seconds: Double
    /// Why: the reason of the talk's record.
    public var reason: RecordReason
}

/// One stream read until it ends, is lost, or the talk it feeds ends here.
///
/// Thread rules: `open` once, then `start` once; `cancel` from anywhere.
public final class StreamListener: @unchecked Sendable {
    /// No byte for this long: the stream is lost (Icecast sends a page every 20 ms while a talk lasts).
    public static let readTimeout: Int64 = 5

    public let url: String
    private let client: HTTPClient
    private let buffer = StreamBuffer()
    private let delegate: StreamDelegate
    /// The request once made; `cancelled` once `cancel` was called (a later `open` makes none).
    private let request = Mutex<(task: HTTPClient.Task<Void>?, cancelled: Bool)>((nil, false))

    /// - Parameter caFile: the certificate authorities an https server's certificate must come
    ///   from (a PEM file: the fleet's CA); nil: the system's.
    public init(url: String, caFile: String? = nil) {
        self.url = url
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile { tls.trustRoots = .file(caFile) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls,
                                                     timeout: .init(connect: .seconds(5), read: .seconds(Self.readTimeout)))
        configuration.decompression = .disabled
        // The URL came from a command; where it leads is not followed elsewhere.
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        delegate = StreamDelegate(buffer: buffer)
    }

    /// Whether `url` names a talk's stream as a commander makes it: `https://HOST[:PORT]/laba-live-<32 hex>.opus`
    /// (or `http://`). Units open nothing else, so that a command cannot make them fetch an arbitrary address.
    public static func isTalkStream(_ url: String) -> Bool {
        guard let c = URLComponents(string: url), c.scheme == "http" || c.scheme == "https", c.host?.isEmpty == false, c.user == nil,
              c.query == nil, c.fragment == nil else { return false }
        return c.path.range(of: #"^/laba-live-[0-9a-f]{32}\.opus$"#, options: .regularExpression) != nil
    }

    /// Connects and waits for the server's answer.
    ///
    /// - Throws: `StreamError` when the stream is not there (the talk has ended, a wrong URL,
    ///   the server unreachable); the listener is done then.
    public func open() async throws(StreamError) {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url)
        } catch {
            shutdown()
            throw StreamError("'\(Self.redacted(url))' is not a stream URL: \(error)")
        }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                delegate.answered.withLock { $0 = continuation }
                let made = self.request.withLock { r -> Bool in
                    guard !r.cancelled else { return false }
                    r.task = client.execute(request: request, delegate: delegate, deadline: nil)
                    return true
                }
                if !made { delegate.answer(.failure(StreamError("cancelled"))) }
            }
        } catch {
            shutdown()
            if Self.isUntrusted(error) {
                throw StreamError("the stream server \(Self.redacted(url)) is not trusted: its certificate is not signed by "
                                  + "the fleet's CA or does not name the server (\(error))", untrusted: true)
            }
            throw StreamError("the stream \(Self.redacted(url)) cannot be received: \(error)")
        }
    }

    /// Whether `url` is https, whose server's certificate is checked.
    public static func isEncrypted(_ url: String) -> Bool { URLComponents(string: url)?.scheme == "https" }

    /// Whether the TLS handshake failed on the server's certificate (its chain or its name),
    /// rather than on the network or the protocol.
    static func isUntrusted(_ error: any Error) -> Bool {
        if let e = error as? NIOSSLExtraError, e == .failedToValidateHostname { return true }
        if let e = error as? NIOSSLError, case .handshakeFailed(let inner) = e {
            return "\(inner)".contains("CERTIFICATE_VERIFY_FAILED")
        }
        return false
    }

    /// Decodes on a thread of its own into `feed` until the stream ends or the feed is closed
    /// (the talk ended here); then `feed` is finished with the reason and `onEnd` called.
    public func start(into feed: LiveFeed, onEnd: @escaping @Sendable (StreamEnd) -> Void) {
        let thread = Thread { [self] in
            let end = run(feed)
            cancel()
            onEnd(end)
            feed.finish(reason: end.reason)
        }
        thread.name = "laba-stream-in"
        thread.start()
    }

    /// Stops receiving (the talk ended here, or it was refused after `open`).
    public func cancel() {
        request.withLock { r -> HTTPClient.Task<Void>? in
            r.cancelled = true
            return r.task
        }?.cancel()
        // An `open` still waiting for the answer gets it now.
        delegate.answer(.failure(StreamError("cancelled")))
        buffer.finish(error: nil)
        shutdown()
    }

    private func shutdown() {
        client.shutdown { _ in }
    }

    private func run(_ feed: LiveFeed) -> StreamEnd {
        var callbacks = OpusFileCallbacks(
            read: { stream, data, count in
                Unmanaged<StreamBuffer>.fromOpaque(stream!).takeUnretainedValue().read(into: data!, max: Int(count))
            },
            seek: nil, tell: nil, close: nil)
        var error: Int32 = 0
        // A talk that ends here while the stream stalls is not left waiting for the read timeout.
        buffer.stopWhen { feed.isClosed }
        let opaque = Unmanaged.passUnretained(buffer).toOpaque()
        guard let file = op_open_callbacks(opaque, &callbacks, nil, 0, &error) else {
            return lost(frames: 0, "the stream could not be decoded (libopusfile error \(error))")
        }
        defer { op_free(file) }
        var frames = 0
        var pcm = [Float](repeating: 0, count: 5760 * 2)
        var mono = [Float](repeating: 0, count: 5760)
        while !feed.isClosed {
            let n = pcm.withUnsafeMutableBufferPointer { op_read_float(file, $0.baseAddress, Int32($0.count), nil) }
            if n == OP_HOLE { continue }  // a page lost on the way: go on from the next
            if feed.isClosed { break }
            if n < 0 { return lost(frames: frames, "the stream could not be decoded (libopusfile error \(n))") }
            if n == 0 {
                return buffer.sawEndOfStream
                    ? StreamEnd(complete: true, seconds: seconds(frames), reason: RecordReason(.commanderEnded))
                    : lost(frames: frames, buffer.error ?? "the connection was closed")
            }
            let channels = max(1, Int(op_head(file, -1)?.pointee.channel_count ?? 1))
            let count = Int(n)
            if channels == 1 {
                pcm.withUnsafeBufferPointer { feed.push(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            } else {
                for i in 0..<count {
                    var sum: Float = 0
                    for c in 0..<channels { sum += pcm[i * channels + c] }
                    mono[i] = sum / Float(channels)
                }
                mono.withUnsafeBufferPointer { feed.push(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            }
            frames += count
        }
        return StreamEnd(complete: false, seconds: seconds(frames), reason: RecordReason(.endedHere))
    }

    private func seconds(_ frames: Int) -> Double { Double(frames) / Double(LiveCapture.rate) }

    private func lost(frames: Int, _ why: String) -> StreamEnd {
        StreamEnd(complete: false, seconds: seconds(frames),
                  reason: RecordReason(.streamLost, ["seconds": String(format: "%.1f", seconds(frames)), "detail": why]))
    }

    /// A stream URL as logs may show it: the mount is the talk's secret.
    public static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "(a stream URL)" }
        return "\(components.scheme ?? "http")://\(host)\(components.port.map { ":\($0)" } ?? "")/…"
    }
}

/// Bytes between the HTTP client's event loop (writer) and the decoding thread (reader), with
/// libogg following the page framing to see the end-of-stream flag.
final class StreamBuffer: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var offset = 0
    private var finished = false
    private var failure: String?
    private var sync = ogg_sync_state()
    private var eos = false
    /// More than this waiting (a reader that stopped): the oldest bytes go.
    private let limit = 1 << 20
    private var waiting = 0
    private var stop: (@Sendable () -> Bool)?

    init() { ogg_sync_init(&sync) }
    deinit { ogg_sync_clear(&sync) }

    func append(_ bytes: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        guard !finished else { return }
        chunks.append(bytes)
        waiting += bytes.count
        while waiting > limit, chunks.count > 1 {
            waiting -= chunks.removeFirst().count - offset
            offset = 0
        }
        condition.signal()
    }

    func finish(error: String?) {
        condition.lock()
        if !finished {
            finished = true
            failure = error
        }
        condition.broadcast()
        condition.unlock()
    }

    /// A reader waiting for bytes gives up (reads 0) once `condition` holds; checked every 100 ms.
    func stopWhen(_ condition: @escaping @Sendable () -> Bool) {
        self.condition.lock()
        stop = condition
        self.condition.unlock()
    }

    var error: String? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Whether a page with the end-of-stream flag went by (read on the decoding thread).
    var sawEndOfStream: Bool { eos }

    /// libopusfile's read callback: waits for bytes; 0 at the end.
    func read(into data: UnsafeMutablePointer<UInt8>, max: Int) -> Int32 {
        condition.lock()
        while chunks.isEmpty, !finished {
            // The commander's last page came: nothing follows, and the server may be slow to close
            // the connection (over TLS, Icecast 2.4 keeps it until its own timeout).
            if eos { break }
            if stop?() == true { break }
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
        }
        var n = 0
        while n < max, let first = chunks.first {
            let take = min(max - n, first.count - offset)
            first.withUnsafeBufferPointer { (data + n).update(from: $0.baseAddress! + offset, count: take) }
            n += take
            offset += take
            if offset == first.count {
                chunks.removeFirst()
                offset = 0
            }
        }
        waiting -= n
        condition.unlock()
        watchPages(data, n)
        return Int32(n)
    }

    private func watchPages(_ data: UnsafeMutablePointer<UInt8>, _ count: Int) {
        guard count > 0, let target = ogg_sync_buffer(&sync, count) else { return }
        target.withMemoryRebound(to: UInt8.self, capacity: count) { $0.update(from: data, count: count) }
        ogg_sync_wrote(&sync, count)
        var page = ogg_page()
        while ogg_sync_pageout(&sync, &page) == 1 {
            if ogg_page_eos(&page) != 0 { eos = true }
        }
    }
}

/// The HTTP client's side: the head answers `open`, the body goes to the buffer.
private final class StreamDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    let buffer: StreamBuffer
    let answered = Mutex<CheckedContinuation<Void, any Error>?>(nil)

    init(buffer: StreamBuffer) { self.buffer = buffer }

    /// Resumes `open` once (the first answer wins).
    func answer(_ result: Result<Void, any Error>) {
        answered.withLock { c -> CheckedContinuation<Void, any Error>? in
            defer { c = nil }
            return c
        }?.resume(with: result)
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        if head.status == .ok {
            answer(.success(()))
        } else {
            let why = head.status == .notFound ? "the talk is not (or no longer) on the server" : "the server answered \(head.status.code)"
            answer(.failure(StreamError(why)))
            buffer.finish(error: why)
            task.cancel()
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        buffer.append(Array(part.readableBytesView))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        answer(.failure(error))
        buffer.finish(error: Self.words(error))
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        answer(.success(()))
        buffer.finish(error: nil)
    }

    static func words(_ error: any Error) -> String {
        if let e = error as? HTTPClientError, e == .readTimeout {
            return "nothing came for \(StreamListener.readTimeout) s"
        }
        return "\(error)"
    }
}
