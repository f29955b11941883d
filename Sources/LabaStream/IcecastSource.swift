// A commander's live talk on its way to the fleet (SPEC 14): the talk's frames encoded as Ogg Opus
// by libopusenc (which does the Ogg muxing) and sent to an Icecast mount by libshout, on a thread
// of its own.

import COpus
import CShout
import Foundation
import LabaAudio
import Synchronization

/// Why a stream could not be opened or went on no longer.
public struct StreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// The server's certificate was refused: not signed by the authorities trusted here, or not
    /// for the server's name.
    public var untrusted: Bool
    public init(_ message: String, untrusted: Bool = false) {
        self.message = message
        self.untrusted = untrusted
    }
    public var description: String { message }
}

/// An Icecast server as a source reaches it.
public struct IcecastServer: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The source password (user `source`).
    public var password: String
    /// TLS from the first byte (Icecast's `<ssl>1</ssl>` listen socket), the server's certificate
    /// checked against `caFile` and for `host` (libshout compares host names, not addresses).
    public var tls: Bool
    /// The certificate authorities trusted for `tls`, a PEM file; nil: the system's.
    public var caFile: String?

    public init(host: String, port: Int, password: String, tls: Bool = false, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.password = password
        self.tls = tls
        self.caFile = caFile
    }
}

/// One live stream to an Icecast mount: `open` connects (so that the mount exists before the
/// units are told), `start` encodes what a ring receives until the ring is closed, then ends the
/// Ogg stream (its last page says end-of-stream) and disconnects.
///
/// Thread rules: `open` and `start` once, from one thread; the encoding runs on its own thread,
/// which alone touches libopusenc and libshout from then on. `state` from any thread.
public final class IcecastSource: @unchecked Sendable {
    /// Opus at 32 kbit/s mono: speech, well above what a horn reproduces.
    public static let bitrate: Int32 = 32_000
    /// A page is sent at least every 20 ms (libopusenc's default waits up to a second).
    public static let muxingDelay: Int32 = 960

    public let server: IcecastServer
    public let mount: String
    private let shout: OpaquePointer
    /// A setting libshout refused (a TLS it was built without): `open` says so.
    private var setupFailure: String?
    private let failure = Mutex<String?>(nil)
    private let sentBytes = Atomic<Int>(0)
    /// Signalled once the thread has disconnected.
    private let ended = DispatchSemaphore(value: 0)

    /// - Parameter mount: the mount's path (`/laba-live-<token>.opus`).
    public init(server: IcecastServer, mount: String, name: String) {
        shout_init()
        self.server = server
        self.mount = mount
        shout = shout_new()
        _ = shout_set_host(shout, server.host)
        _ = shout_set_port(shout, UInt16(server.port))
        _ = shout_set_user(shout, "source")
        _ = shout_set_password(shout, server.password)
        _ = shout_set_mount(shout, mount)
        _ = shout_set_protocol(shout, UInt32(SHOUT_PROTOCOL_HTTP))
        if server.tls {
            // RFC 2818: TLS before the first byte of HTTP, as https. libshout checks the chain
            // against the CA file and the certificate's names against `host`; it fails the
            // connection (SHOUTERR_TLSBADCERT) before the source password is sent.
            if shout_set_tls(shout, SHOUT_TLS_RFC2818) != SHOUTERR_SUCCESS {
                setupFailure = "this libshout cannot speak TLS: \(String(cString: shout_get_error(shout)))"
            } else if let ca = server.caFile, shout_set_ca_file(shout, ca) != SHOUTERR_SUCCESS {
                setupFailure = "libshout cannot use the CA file \(ca): \(String(cString: shout_get_error(shout)))"
            }
        } else {
            _ = shout_set_tls(shout, SHOUT_TLS_DISABLED)
        }
        _ = shout_set_content_format(shout, UInt32(SHOUT_FORMAT_OGG), UInt32(SHOUT_USAGE_AUDIO), nil)
        _ = shout_set_meta(shout, SHOUT_META_NAME, name)
        // Not listed in Icecast's directory: the mount is a secret.
        _ = shout_set_public(shout, 0)
        // Never blocked by a server that stops answering: `open` and `send` keep their own deadlines.
        _ = shout_set_nonblocking(shout, UInt32(SHOUT_BLOCKING_NONE))
    }

    deinit {
        // (libshout 2.4.6 frees nothing of a handle that is closed: a few hundred bytes per talk.)
        shout_free(shout)
    }

    /// Bytes libshout may hold for a server that does not take them (about 12 s of the stream)
    /// before the stream counts as stopped.
    public static let queueLimit = 48 * 1024

    /// Connects to the server and claims the mount, waiting at most `timeout` seconds (blocking).
    ///
    /// - Throws: `StreamError` saying why (the server cannot be reached or does not answer, the
    ///   password is refused, the mount is taken).
    public func open(timeout: Double = 5) throws(StreamError) {
        if let setupFailure { throw StreamError("the stream server \(server.host):\(server.port) cannot be reached: \(setupFailure)") }
        let deadline = Date().addingTimeInterval(timeout)
        var result = shout_open(shout)
        while result == SHOUTERR_BUSY, Date() < deadline {
            usleep(5_000)
            result = shout_get_connected(shout)
        }
        guard result == SHOUTERR_SUCCESS || result == SHOUTERR_CONNECTED else {
            if result == SHOUTERR_TLSBADCERT {
                _ = shout_close(shout)
                throw StreamError("the stream server \(server.host):\(server.port) is not trusted: its certificate is not signed by "
                                  + (server.caFile.map { "the fleet's CA (\($0))" } ?? "an authority this system trusts")
                                  + " or does not name \(server.host)", untrusted: true)
            }
            let why = result == SHOUTERR_BUSY ? "no answer within \(Int(timeout)) s" : String(cString: shout_get_error(shout))
            _ = shout_close(shout)
            throw StreamError("the stream server \(server.host):\(server.port) refused the source: \(why)")
        }
    }

    /// Disconnects a source that was opened and never started (the talk could not go out).
    public func close() {
        _ = shout_close(shout)
    }

    /// Bytes sent to the server so far.
    public var bytesSent: Int { sentBytes.load(ordering: .relaxed) }

    /// Why sending stopped, when it stopped before the ring closed.
    public var error: String? { failure.withLock { $0 } }

    /// Starts the thread that encodes and sends what `ring` receives until it is closed.
    ///
    /// - Parameter onEnd: called once on that thread after the disconnect, with the error that
    ///   stopped it early (nil: the talk ended and so did the stream).
    public func start(reading ring: LiveRing, onEnd: @escaping @Sendable (String?) -> Void) {
        let thread = Thread { [self] in
            run(ring)
            onEnd(error)
            ended.signal()
        }
        thread.name = "laba-stream-out"
        thread.start()
    }

    /// Waits (blocking) until the thread has disconnected, at most `timeout` seconds.
    public func waitUntilEnded(timeout: Double) -> Bool {
        guard ended.wait(timeout: .now() + timeout) == .success else { return false }
        ended.signal()
        return true
    }

    private func fail(_ message: String) {
        failure.withLock { if $0 == nil { $0 = message } }
    }

    private func run(_ ring: LiveRing) {
        defer { shout_close(shout) }
        var callbacks = OpusEncCallbacks(
            write: { user, data, length in
                let source = Unmanaged<IcecastSource>.fromOpaque(user!).takeUnretainedValue()
                return source.send(data, Int(length))
            },
            close: { _ in 0 })
        let comments = ope_comments_create()
        defer { ope_comments_destroy(comments) }
        _ = ope_comments_add(comments, "TITLE", "Laba live")
        var error: Int32 = 0
        guard let encoder = ope_encoder_create_callbacks(&callbacks, Unmanaged.passUnretained(self).toOpaque(), comments,
                                                         Int32(LiveCapture.rate), 1, 0, &error) else {
            fail("the Opus encoder cannot start: \(String(cString: ope_strerror(error)))")
            return
        }
        defer { ope_encoder_destroy(encoder) }
        // libopusenc holds 2 s of audio by default (to decide where a chained stream's links go)
        // and up to a second per page: live wants neither.
        _ = laba_ope_set(encoder, OPE_SET_DECISION_DELAY_REQUEST, 0)
        _ = laba_ope_set(encoder, OPE_SET_MUXING_DELAY_REQUEST, Self.muxingDelay)
        _ = laba_ope_set(encoder, OPUS_SET_BITRATE_REQUEST, Self.bitrate)
        _ = laba_ope_set(encoder, OPUS_SET_SIGNAL_REQUEST, OPUS_SIGNAL_VOICE)
        // The headers go out at once: a unit that joins can start decoding before the first words.
        _ = ope_encoder_flush_header(encoder)
        var block = [Float](repeating: 0, count: LiveCapture.blockFrames * 2)
        var written = 0
        var idle = 0
        while self.error == nil {
            guard var n = block.withUnsafeMutableBufferPointer({ ring.read(into: $0.baseAddress!, max: $0.count, timeout: 0.1) }) else {
                break
            }
            if n == 0 {
                // Nothing for 0.1 s (a capture that stalls): silence keeps the stream's clock going
                // and the server from dropping a source that sends nothing (its source-timeout).
                idle += 1
                guard idle >= 5 else { continue }
                n = block.count
                for i in 0..<n { block[i] = 0 }
            } else {
                idle = 0
            }
            let result = block.withUnsafeBufferPointer { ope_encoder_write_float(encoder, $0.baseAddress, Int32(n)) }
            if result != OPE_OK {
                fail("the Opus encoder failed: \(String(cString: ope_strerror(result)))")
                break
            }
            written += n
        }
        // The last page says end-of-stream: units tell a talk that ended from a stream that was lost.
        // (libopusenc cannot drain an encoder that never had a sample: give it one frame of silence.)
        if self.error == nil {
            if written == 0 {
                block = [Float](repeating: 0, count: LiveCapture.blockFrames)
                _ = block.withUnsafeBufferPointer { ope_encoder_write_float(encoder, $0.baseAddress, Int32($0.count)) }
            }
            _ = ope_encoder_drain(encoder)
            // What libshout still holds goes out before the disconnect (2 s at most).
            let deadline = Date().addingTimeInterval(2)
            var nothing: UInt8 = 0
            while self.error == nil, shout_queuelen(shout) > 0, Date() < deadline {
                // (BUSY: bytes still wait; libshout leaves its error code as it was.)
                let r = shout_send(shout, &nothing, 0)
                if r != SHOUTERR_SUCCESS, r != SHOUTERR_BUSY { break }
                usleep(5_000)
            }
        }
    }

    /// libopusenc's write callback: one or more Ogg pages. A failure is kept and reported as
    /// success, so that the encoder is never left half-written (the loop stops on it).
    private func send(_ data: UnsafePointer<UInt8>?, _ length: Int) -> Int32 {
        guard error == nil, let data, length > 0 else { return 0 }
        let result = shout_send(shout, data, length)
        if result != SHOUTERR_SUCCESS, result != SHOUTERR_BUSY {
            fail("the stream server \(server.host):\(server.port) stopped taking the stream: \(String(cString: shout_get_error(shout)))")
        } else if shout_queuelen(shout) > Self.queueLimit {
            fail("the stream server \(server.host):\(server.port) stopped taking the stream: "
                 + "\(shout_queuelen(shout)) bytes wait for it")
        } else {
            sentBytes.add(length, ordering: .relaxed)
        }
        return 0
    }
}
