// Live talk through the fleet (SPEC 14): a commander's talk is encoded to Ogg Opus and sent to an
// Icecast mount whose unguessable name is the talk's token; a signed `live` command tells the
// units of the zones where it is; each unit plays it as a live broadcast of its own, and ends it
// when the stream ends (the commander's last page) or is lost (with how far it got).
//
// Both legs are https, the Icecast server's certificate checked against the fleet's CA (SPEC 17):
// the signed command pins the stream's URL, TLS pins who serves it, so nobody on the way reads
// the source password or the mount, or puts other words in the county's mouth. Plain http is
// sent and taken only with `fleet.stream.insecure: true`.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaFleet
import LabaStream
import NIOPosix

extension FleetService {
    /// Whether this daemon can send live talks to its units (`fleet.stream` is set).
    public var streamsLive: Bool { setup.stream != nil && isCommander }

    /// Sends talk `talk` (under way in the engine) to the units of `zones`: opens the stream on
    /// the Icecast server, then publishes the command that tells them where it is.
    ///
    /// - Returns: the command's id.
    /// - Throws: `.notCommander` without `fleet.stream`; `.streamInsecure` for a plain http
    ///   server without `fleet.stream.insecure`; `.streamUntrusted` when the server's certificate
    ///   is not the fleet CA's; `.streamUnavailable` when the server refuses the source;
    ///   `.storageFull` when the outbox cannot take the command.
    public func commandLive(talk: String, zones: [String], priority: Priority, force: Bool,
                            lifetime: TimeSpan) async throws(Refusal) -> String {
        guard let stream = setup.stream else { throw Refusal(.notCommander) }
        guard (stream.server.tls && stream.listen.tls) || setup.streamInsecure else {
            logger.warning("a live talk for the units refused: its stream server is plain http and fleet.stream.insecure is not set",
                           metadata: ["talk": "\(talk)", "server": "\(stream.server)", "listen": "\(stream.listen)"])
            throw Refusal(.streamInsecure)
        }
        var generator = SystemRandomNumberGenerator()
        let token = String(format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64)
        let mount = "/laba-live-\(token).opus"
        let source = IcecastSource(server: IcecastServer(host: stream.server.host, port: stream.server.port, password: stream.password,
                                                         tls: stream.server.tls, caFile: setup.streamCA),
                                   mount: mount, name: "Laba \(unit)")
        do {
            // A blocking connect: off the actor.
            try await NIOThreadPool.singleton.runIfActive { try source.open() }
        } catch let error as StreamError where error.untrusted {
            logger.error("a live talk for the units refused: the stream server is not trusted",
                         metadata: ["talk": "\(talk)", "error": "\(error.message)"])
            throw Refusal(.streamUntrusted, ["server": "\(stream.server.host):\(stream.server.port)"])
        } catch {
            throw Refusal(.streamUnavailable, ["detail": (error as? StreamError)?.message ?? "\(error)"])
        }
        guard let ring = await engine.tapLive(talk, "fleet-stream") else {
            // The talk ended already (its input failed at once): nothing to send.
            source.close()
            throw Refusal(.alreadyEnded, ["id": talk, "outcome": "ended"])
        }
        let url = "\(stream.listen)\(mount)"
        let body = LiveCommand(stream: url, zones: zones,
                               priority: priority == .manual ? nil : priority.description, force: force ? true : nil)
        let command: String
        do {
            command = try issue(.live(body), zones: zones, lifetime: lifetime)
        } catch {
            ring.close()
            source.close()
            throw error
        }
        let logger = self.logger
        source.start(reading: ring) { [weak self] error in
            if let error {
                logger.warning("the live talk's stream to the units stopped", metadata: ["talk": "\(talk)", "error": "\(error)"])
            } else {
                logger.info("the live talk's stream to the units ended", metadata: ["talk": "\(talk)", "bytes": "\(source.bytesSent)"])
            }
            Task { await self?.liveStreamEnded(command: command) }
        }
        return command
    }

    /// The talk's stream is over: its command is not published again (a unit reconnecting now
    /// would find no stream).
    private func liveStreamEnded(command: String) {
        do {
            try store.completeCommand(id: command)
        } catch {
            logger.warning("cannot close a live talk's command in the outbox", metadata: ["command": "\(command)", "error": "\(error)"])
        }
    }

    /// A live command decided (its ack is in the outbox): it goes to the broker now.
    func liveOpened(_ command: String) {
        liveOpening[command] = nil
        liveStoppedWhileOpening.remove(command)
        flushOutbox()
    }

    /// A stop for `zones` reaches the live commands still opening their stream there: they will
    /// not start (a stop obeyed before them must not be overtaken).
    func stopOpeningTalks(in zones: [String]) {
        for (id, talkZones) in liveOpening {
            let meets = talkZones.map { talk in
                talk.contains { t in zones.contains { z in t == z || tree.zone(t, isWithin: z) || tree.zone(z, isWithin: t) } }
            } ?? true
            if meets { liveStoppedWhileOpening.insert(id) }
        }
    }

    /// A commander's talk: the stream opened and played as a live broadcast here, until it ends.
    func obeyLive(_ l: LiveCommand, _ verified: VerifiedCommand, at t: Instant) async {
        let command = verified.command
        let priority: Priority
        do { priority = try Rules.requestedPriority(named: l.priority) } catch {
            refuse(command.id, code: error.code.rawValue, error.english, at: t, claim: true, command: command)
            return
        }
        guard StreamListener.isTalkStream(l.stream) else {
            refuse(command.id, code: Refusal.Code.badRequest.rawValue, "the talk's stream is not one a commander makes "
                   + "(https://HOST:PORT/laba-live-<token>.opus)", at: t, claim: true, command: command)
            return
        }
        guard StreamListener.isEncrypted(l.stream) || setup.streamInsecure else {
            refuse(command.id, code: Refusal.Code.streamInsecure.rawValue, Refusal(.streamInsecure).english, at: t, claim: true,
                   command: command)
            return
        }
        guard l.all == true || !l.zones.isEmpty else {
            refuse(command.id, code: Refusal.Code.badRequest.rawValue, "the talk names no zone", at: t, claim: true, command: command)
            return
        }
        let listener = StreamListener(url: l.stream, caFile: setup.streamCA)
        var failure: StreamError?
        do { try await listener.open() } catch { failure = error }
        if liveStoppedWhileOpening.contains(command.id) {
            listener.cancel()
            refuse(command.id, code: "stopped", "a stop for its zones came while its stream was being opened", at: t, claim: true,
                   command: command)
            return
        }
        if let failure, failure.untrusted {
            // Someone else's server where the command said the talk is: said loudly, here and in the ack.
            logger.error("a fleet talk's stream server is not trusted: nothing of it is played",
                         metadata: ["command": "\(command.id)", "error": "\(failure.message)"])
            let server = URLComponents(string: l.stream).map { "\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "?"
            refuse(command.id, code: Refusal.Code.streamUntrusted.rawValue, Refusal(.streamUntrusted, ["server": server]).english,
                   at: t, claim: true, command: command)
            return
        }
        if let failure {
            // The details stay in this unit's log: the ack says only that the stream was not there.
            logger.warning("a fleet talk's stream cannot be received", metadata: ["command": "\(command.id)", "error": "\(failure.message)"])
            refuse(command.id, code: APIErrorCode.streamUnavailable.rawValue, "the talk's stream cannot be received (it may have ended)",
                   at: t, claim: true, command: command)
            return
        }
        let feed = LiveFeed()
        let request = LiveRequest(target: l.all == true ? .all : .zones(l.zones), priority: priority,
                                  input: "the stream of \(command.issuer) (\(StreamListener.redacted(l.stream)))", feed: feed,
                                  force: l.force ?? false, requestedBy: .fleet(unit: command.issuer, command: command.id, key: signer(of: command)))
        let started: LiveStarted
        do {
            guard let door else { return listener.cancel() }
            started = try await door.talk(request, from: .fleet).started
        } catch where error.code == .storageFull {
            listener.cancel()
            logger.error("a fleet talk could not be stored; it is not acknowledged", metadata: ["command": "\(command.id)", "error": "\(error)"])
            return
        } catch {
            listener.cancel()
            refuse(command.id, code: error.code.rawValue, error.english, at: t, claim: true, command: command)
            return
        }
        let logger = self.logger
        listener.start(into: feed) { end in
            logger.notice("fleet talk's stream ended", metadata: [
                "talk": "\(started.id)", "command": "\(command.id)", "complete": "\(end.complete)",
                "seconds": "\(String(format: "%.1f", end.seconds))", "reason": "\(end.reason)",
            ])
        }
        answer(command, result: .accepted, broadcasts: started.records.map(\.id), skew: verified.clockSkew, at: t)
        logger.notice("fleet command obeyed: live", metadata: [
            "command": "\(command.id)", "issuer": "\(command.issuer)", "talk": "\(started.id)",
            "broadcasts": "\(started.records.map(\.id).joined(separator: ","))",
        ])
    }
}
