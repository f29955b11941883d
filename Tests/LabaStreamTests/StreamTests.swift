// A fleet talk's stream through a real Icecast 2: what a commander sends (libopusenc, libshout)
// is what a unit decodes (AsyncHTTPClient, libopusfile); a talk that ends says so in its last
// page, and a server that dies mid-way is told apart from it.

import Foundation
@testable import LabaAudio
import LabaCore
import LabaStream
import LabaTestSupport
import Synchronization
import Testing

final class Counter: Sendable {
    let value = Mutex(0)
}

/// How a source ended: nil while it runs, then its error (nil: none).
final class Outcome: Sendable {
    let value = Mutex<String??>(nil)
}

@Suite struct TalkStreamURLTests {
    /// Units open only what a commander makes: `https://HOST[:PORT]/laba-live-<32 hex>.opus` (or http).
    @Test(arguments: [
        ("http://10.0.0.2:8000/laba-live-0123456789abcdef0123456789abcdef.opus", true),
        ("http://stream.lijiang/laba-live-0123456789abcdef0123456789abcdef.opus", true),
        ("https://10.0.0.2/laba-live-0123456789abcdef0123456789abcdef.opus", true),
        ("https://stream.lijiang:8443/laba-live-0123456789abcdef0123456789abcdef.opus", true),
        ("ftp://10.0.0.2/laba-live-0123456789abcdef0123456789abcdef.opus", false),
        ("http://10.0.0.2:8000/laba-live-0123456789ABCDEF0123456789abcdef.opus", false),
        ("http://10.0.0.2:8000/laba-live-0123.opus", false),
        ("http://10.0.0.2:8000/admin/stats", false),
        ("http://10.0.0.2:8000/laba-live-0123456789abcdef0123456789abcdef.opus?x=1", false),
        ("http://u:p@10.0.0.2/laba-live-0123456789abcdef0123456789abcdef.opus", false),
        ("file:///laba-live-0123456789abcdef0123456789abcdef.opus", false),
        ("http:///laba-live-0123456789abcdef0123456789abcdef.opus", false),
    ])
    func onlyATalksStreamIsOpened(_ url: String, _ accepted: Bool) {
        #expect(StreamListener.isTalkStream(url) == accepted)
    }
}

@Suite(.serialized, .enabled(if: IcecastProcess.available)) struct StreamTests {
    /// A source on a fresh mount of `icecast`, sending what `ring` receives (`sent` says how it
    /// ended), and a listener on it. The source runs before the test waits for anything: it
    /// keeps the mount alive however long this test's task waits for a thread.
    /// Over TLS (`icecast.tls`), both ends check the server's certificate against `ca`; the source
    /// names the server `localhost` (libshout checks host names), the listener its address.
    func connect(_ icecast: IcecastProcess, ring: LiveRing, sent: Outcome, ca: String? = nil) async throws -> (IcecastSource, StreamListener) {
        // A send to a server that died raises SIGPIPE: the daemon ignores it, and so does this process.
        signal(SIGPIPE, SIG_IGN)
        let mount = "/laba-test-\(UUID().uuidString.lowercased()).opus"
        let tls = icecast.tls != nil
        let source = IcecastSource(server: IcecastServer(host: tls ? "localhost" : "127.0.0.1", port: icecast.port,
                                                         password: IcecastProcess.sourcePassword, tls: tls, caFile: ca),
                                   mount: mount, name: "test")
        try source.open()
        source.start(reading: ring) { error in sent.value.withLock { $0 = .some(error) } }
        let listener = StreamListener(url: "\(icecast.scheme)://127.0.0.1:\(icecast.port)\(mount)", caFile: ca)
        try await listener.open()
        return (source, listener)
    }

    /// Writes `seconds` of a 700 Hz tone into `ring` in real time, as a microphone does, then, unless
    /// `keepOpen`, closes it. (Faster than real time, the ring, which keeps a second, lost the oldest
    /// frames whenever the source fell behind on a busy machine.)
    func speak(into ring: LiveRing, seconds: Double, keepOpen: Bool = false) {
        let block = LiveCapture.blockFrames
        let start = Date()
        var phase = 0
        for k in 0..<Int(seconds * Double(LiveCapture.rate)) / block {
            let samples = (0..<block).map { i in Float(0.5 * sin(2 * Double.pi * 700 * Double(phase + i) / Double(LiveCapture.rate))) }
            phase += block
            samples.withUnsafeBufferPointer { ring.write($0) }
            let wait = start.addingTimeInterval(Double((k + 1) * block) / Double(LiveCapture.rate)).timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        }
        if !keepOpen { ring.close() }
    }

    /// Everything the feed gives until it ends; its silence (a stalled sender, the source's
    /// filler) left out.
    /// `count` follows how many frames were heard so far.
    func drain(_ feed: LiveFeed, count: Counter? = nil) -> [Float] {
        var heard: [Float] = []
        var block = [Float](repeating: 0, count: LiveCapture.blockFrames)
        let cancel = CancelToken()
        while true {
            let n = (try? block.withUnsafeMutableBufferPointer { try feed.read(into: $0.baseAddress!, frames: $0.count, cancel: cancel) }) ?? 0
            if n == 0 { break }
            heard += block[0..<n].filter { abs($0) > 0.01 }
            count?.value.withLock { $0 = heard.count }
        }
        return heard
    }

    /// Upward zero crossings per second.
    func frequency(_ samples: [Float]) -> Double {
        guard samples.count > 1 else { return 0 }
        var crossings = 0
        for i in 1..<samples.count where samples[i - 1] < 0 && samples[i] >= 0 { crossings += 1 }
        return Double(crossings) / (Double(samples.count) / Double(LiveCapture.rate))
    }

    @Test func aToneSentThroughIcecastArrivesAndTheEndOfTheTalkIsTold() async throws {
        let icecast = try IcecastProcess()
        let ring = LiveRing(capacity: LiveCapture.rate * 4)  // room for a source starved by a busy machine
        let sent = Outcome()
        let (source, listener) = try await connect(icecast, ring: ring, sent: sent)
        // The mount is the talk's secret: the server's status page does not list it.
        let status = try icecast.statusPage()
        #expect(status.contains("icestats") && !status.contains("laba-test-"), "\(status)")
        let feed = LiveFeed()
        let ended = Mutex<StreamEnd?>(nil)
        listener.start(into: feed) { end in ended.withLock { $0 = end } }
        Thread.detachNewThread { speak(into: ring, seconds: 2) }
        let heard = drain(feed)

        let end = try #require(ended.withLock { $0 })
        #expect(end.complete && end.reason == RecordReason(.commanderEnded), "\(end)")
        #expect(source.waitUntilEnded(timeout: 10))
        #expect(sent.value.withLock { $0 } == .some(nil), "the source stopped early: \(String(describing: sent.value.withLock { $0 }))")
        // Two seconds were said and received (`end.seconds` below); what this test's reader took
        // can be less when the machine starved it: the feed keeps at most a second and drops the
        // oldest (a horn stays at most a second behind the voice), so at least a second is heard.
        #expect(Double(heard.count) / Double(LiveCapture.rate) > 1.0, "\(heard.count) frames heard")
        #expect(Double(heard.count) / Double(LiveCapture.rate) < 2.1, "\(heard.count) frames heard: more than was said")
        #expect(abs(frequency(heard) - 700) < 15, "\(frequency(heard)) Hz")
        // (More when the source filled a wait for the speaker with silence.)
        #expect(end.seconds > 1.8, "\(end.seconds)")
    }

    @Test func aServerThatDiesMidWayEndsTheStreamAsLost() async throws {
        let icecast = try IcecastProcess()
        let ring = LiveRing(capacity: LiveCapture.rate)
        let sent = Outcome()
        let (source, listener) = try await connect(icecast, ring: ring, sent: sent)
        let feed = LiveFeed()
        let ended = Mutex<StreamEnd?>(nil)
        listener.start(into: feed) { end in ended.withLock { $0 = end } }
        // The server dies once the unit has heard half a second (however busy the machine is).
        let count = Counter()
        Thread.detachNewThread {
            let deadline = Date().addingTimeInterval(60)
            while count.value.withLock({ $0 }) < LiveCapture.rate / 2, Date() < deadline {
                speak(into: ring, seconds: 0.1, keepOpen: true)
            }
            icecast.kill()
            speak(into: ring, seconds: 1)
        }
        let heard = drain(feed, count: count)

        let end = try #require(ended.withLock { $0 })
        #expect(!end.complete && end.reason.code == .streamLost, "\(end)")
        #expect(end.seconds >= 0.5, "\(end)")
        #expect(abs(frequency(heard) - 700) < 15, "\(frequency(heard)) Hz")
        // The commander's side stops sending and says why.
        #expect(source.waitUntilEnded(timeout: 10))
        #expect(sent.value.withLock { $0 }??.contains("stopped taking the stream") == true, "\(String(describing: sent.value.withLock { $0 }))")
    }

    /// A server that takes the connection and never answers does not hold the commander: the
    /// source gives up at its deadline and says so.
    @Test func aServerThatNeverAnswersIsGivenUpAtTheDeadline() throws {
        let silent = try SilentServer()
        let source = IcecastSource(server: IcecastServer(host: "127.0.0.1", port: silent.port, password: "x"),
                                   mount: "/laba-live-0123456789abcdef0123456789abcdef.opus", name: "test")
        let started = Date()
        #expect(throws: StreamError.self) { try source.open(timeout: 1) }
        do { try source.open(timeout: 1) } catch {
            #expect(error.message.contains("no answer within 1 s"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aMountThatIsNotThereIsRefusedAtOnce() async throws {
        let icecast = try IcecastProcess()
        let listener = StreamListener(url: "http://127.0.0.1:\(icecast.port)/laba-live-0123456789abcdef.opus")
        do {
            try await listener.open()
            Issue.record("a mount that is not there was opened")
        } catch {
            #expect(error.message.contains("not (or no longer) on the server"), "\(error)")
        }
    }

    /// The live stream over TLS (SPEC 17): Icecast with a certificate from the fleet's CA; the
    /// commander's source and the unit's listener both check it against that CA, and the tone
    /// said arrives whole, the end of the talk told.
    @Test func aToneSentOverTLSArrivesCheckedAgainstTheFleetsCA() async throws {
        let folder = TemporaryFolder("laba-stream-tls")
        defer { folder.remove() }
        let fleetCA = try IcecastProcess.TLS.testCA(in: folder.file("fleet"))
        let icecast = try IcecastProcess(tls: fleetCA)
        let ring = LiveRing(capacity: LiveCapture.rate * 4)
        let sent = Outcome()
        let (source, listener) = try await connect(icecast, ring: ring, sent: sent, ca: fleetCA.ca)
        let feed = LiveFeed()
        let ended = Mutex<StreamEnd?>(nil)
        listener.start(into: feed) { end in ended.withLock { $0 = end } }
        let started = Date()
        Thread.detachNewThread { speak(into: ring, seconds: 2) }
        let heard = drain(feed)
        // The talk ends on the unit with the commander's last page, not when the server gets round to
        // closing the connection (Icecast over TLS keeps it open: that took the read timeout, 5 s).
        let took = Date().timeIntervalSince(started)
        #expect(took < 2 + Double(StreamListener.readTimeout) - 0.5, "the talk ended \(took) s after it began")

        let end = try #require(ended.withLock { $0 })
        #expect(end.complete && end.reason.code.rawValue == "commander_ended", "\(end)")
        #expect(source.waitUntilEnded(timeout: 10))
        #expect(sent.value.withLock { $0 } == .some(nil), "the source stopped early: \(String(describing: sent.value.withLock { $0 }))")
        #expect(source.bytesSent > 4_000, "\(source.bytesSent) bytes sent")
        #expect(Double(heard.count) / Double(LiveCapture.rate) > 1.0, "\(heard.count) frames heard")
        #expect(abs(frequency(heard) - 700) < 15, "\(frequency(heard)) Hz")
        #expect(end.seconds > 1.8, "\(end.seconds)")
    }

    /// An Icecast whose certificate another CA signed (someone else's server where the fleet's
    /// should be): the commander's source refuses it before sending its password, the unit's
    /// listener before asking for the mount, and each says the server is not trusted. The same
    /// server is reached when its own CA is given (the refusal is the CA's, not the network's).
    @Test func aServerWithACertificateFromAnotherCAIsRefusedAtBothEnds() async throws {
        let folder = TemporaryFolder("laba-stream-tls")
        defer { folder.remove() }
        let fleetCA = try IcecastProcess.TLS.testCA(in: folder.file("fleet"))
        let otherCA = try IcecastProcess.TLS.testCA(in: folder.file("other"))
        let icecast = try IcecastProcess(tls: otherCA)
        let mount = "/laba-live-0123456789abcdef0123456789abcdef.opus"

        let source = IcecastSource(server: IcecastServer(host: "localhost", port: icecast.port, password: IcecastProcess.sourcePassword,
                                                         tls: true, caFile: fleetCA.ca), mount: mount, name: "test")
        do {
            try source.open()
            Issue.record("a source was sent to a server of another CA")
        } catch {
            #expect(error.untrusted, "\(error)")
            #expect(error.message.contains("is not trusted: its certificate is not signed by the fleet's CA"), "\(error)")
        }
        // Icecast never saw the source's request (no mount, no login attempt).
        #expect(!icecast.log.contains(mount), "\(icecast.log)")

        let listener = StreamListener(url: "https://127.0.0.1:\(icecast.port)\(mount)", caFile: fleetCA.ca)
        do {
            try await listener.open()
            Issue.record("a listener opened a stream of a server of another CA")
        } catch {
            #expect(error.untrusted, "\(error)")
            #expect(error.message.contains("is not trusted"), "\(error)")
        }

        // With the server's own CA, the same server answers: the mount is simply not there.
        let trusting = StreamListener(url: "https://127.0.0.1:\(icecast.port)\(mount)", caFile: otherCA.ca)
        do {
            try await trusting.open()
            Issue.record("a mount that is not there was opened")
        } catch {
            #expect(!error.untrusted && error.message.contains("not (or no longer) on the server"), "\(error)")
        }
        // A plain http client on the TLS port gets no stream either.
        let plain = StreamListener(url: "http://127.0.0.1:\(icecast.port)\(mount)", caFile: fleetCA.ca)
        await #expect(throws: StreamError.self) { try await plain.open() }
    }

    /// libshout checks the certificate's host names: a source naming the server by an address the
    /// certificate carries only as an IP entry is refused (hence `laba check`'s error for an
    /// https `fleet.stream.server` given as an address).
    @Test func aSourceNamingTheServerByItsAddressIsRefused() throws {
        let folder = TemporaryFolder("laba-stream-tls")
        defer { folder.remove() }
        let fleetCA = try IcecastProcess.TLS.testCA(in: folder.file("fleet"))
        let icecast = try IcecastProcess(tls: fleetCA)
        let source = IcecastSource(server: IcecastServer(host: "127.0.0.1", port: icecast.port, password: IcecastProcess.sourcePassword,
                                                         tls: true, caFile: fleetCA.ca),
                                   mount: "/laba-live-0123456789abcdef0123456789abcdef.opus", name: "test")
        #expect(throws: StreamError.self) { try source.open() }
    }
}
