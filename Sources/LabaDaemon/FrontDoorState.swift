// What the front door shows its doors besides requests: the state the console's pages read, the
// operators' schedule, recordings added from the console, and the console's accounts.

import Foundation
import LabaAudio
import LabaControl
import LabaCore
import LabaStore
import NIOCore
import NIOPosix

extension FrontDoor {
    // MARK: State

    public var configuration: Config { get async { await engine.configuration } }
    public var library: MessageLibrary { get async { await engine.library } }
    public func status() async -> EngineStatus { await engine.status() }
    public func history(_ filter: BroadcastFilter) async -> [BroadcastRecord] { await engine.history(filter) }
    public func record(id: String) async -> BroadcastRecord? { await engine.record(id: id) }

    public func schedule(from: Instant?, count: Int, zone: String?, output: String?) async throws(Refusal) -> [PlannedBroadcast] {
        try await engine.schedule(from: from, count: count, zone: zone, output: output)
    }

    /// One element at every change of what an overview shows, from now on (the end of a walk of
    /// the schedule that found nothing is not one); it ends at shutdown.
    public func changes() async -> AsyncStream<Void> {
        let events = await engine.follow()
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let pump = Task {
                for await event in events {
                    if case .scheduleWalked(_, false) = event { continue }
                    continuation.yield()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in pump.cancel() }
        }
    }

    /// Stops on the console's behalf (a clerk's stop).
    public func stop(_ target: AdmissionRequest.Target, clear: Bool, by requester: RequestedBy?) async throws(Refusal) -> Stopped {
        try await stop(target, clear: clear, from: .manual, by: requester)
    }

    // MARK: Talk from a browser

    public func talk(_ request: ConsoleTalkRequest) async throws(Refusal) -> ConsoleTalk {
        let feed = LiveFeed()
        let talk = try await talk(LiveRequest(target: request.target, priority: request.priority, input: request.input, feed: feed,
                                              requestedBy: request.requestedBy))
        return ConsoleTalk(started: talk, push: { feed.push(pcm16: $0) }, finish: { feed.finish(reason: $0) })
    }

    public func talkProgress(_ id: String) async -> TalkProgress? {
        guard let progress = await engine.liveProgress(id) else { return nil }
        return TalkProgress(seconds: progress.summary?.seconds ?? progress.seconds, level: Double(progress.level),
                            endReason: progress.summary?.end.reason)
    }

    // MARK: Recordings

    /// - Throws: `.libraryNeedsEverywhere` when the requester may not act everywhere (the
    ///   library is every zone's), before the body is read.
    public func saveRecording<Body: AsyncSequence & Sendable>(_ body: Body, contentLength: Int?, message: String, language: String,
                                                              title: String? = nil, by requester: RequestedBy?)
        async throws(Refusal) -> SavedRecording where Body.Element == ByteBuffer {
        try await checkLibraryChange(by: requester)
        let config = await engine.configuration
        guard Config.isValidID(message) else { throw Refusal(.fleetRecordingName, ["name": message]) }
        guard config.language(language) != nil || language == Language.neutral else {
            throw Refusal.unknown(.unknownLanguage, "language", language, among: config.languages.map(\.id))
        }
        let layout = StateLayout(directory: stateDirectory)
        let incoming = (layout.directory as NSString).appendingPathComponent("console/incoming")
        let received: String
        do {
            received = try await Uploads.receive(body, contentLength: contentLength, into: incoming)
        } catch let failure as APIFailure {
            throw failure.refusal ?? (failure.code == .tooLarge
                ? Refusal(.tooLarge, ["limit": "\(Uploads.maxBody / 1024 / 1024) MiB"])
                : failure.code == .notAudio ? Refusal(.notAudio, ["detail": failure.message]) : .storageFull(failure.message))
        } catch {
            throw .storageFull("\(error)")
        }
        defer { unlink(received) }
        let now = await engine.currentTime()
        var saved: SavedRecording
        do {
            saved = try await NIOThreadPool.singleton.runIfActive {
                try RecordingIntake.place(received: received, message: message, language: language,
                                          audioDirectory: config.audioDirectory, layout: layout, now: now,
                                          maxDuration: config.uploads.maxDurationValue)
            }
        } catch let failure as APIFailure {
            throw failure.refusal ?? Refusal(.notAudio, ["detail": failure.message])
        } catch let error as AudioError {
            // The kind of problem by its code, for the clerk's words; libsndfile's English as the detail.
            var args = ["detail": "\(error)".replacingOccurrences(of: received, with: message)]
            if case .failure(let failure) = SndFileProbe().probe(path: received), let problem = failure.problem { args["problem"] = problem }
            throw Refusal(.notAudio, args)
        } catch {
            throw .storageFull("\(error)")
        }
        // The title the clerk typed, in the operators' layer (the technician's `messages:` keep theirs).
        if let title = title.flatMap(OperatorTitles.clean), config.messageInfo(message)?.title != title {
            let directory = layout.directory
            do {
                try await NIOThreadPool.singleton.runIfActive { try OperatorTitles.set(title, for: message, stateDirectory: directory) }
            } catch {
                throw .storageFull("\(error)")
            }
        }
        if !saved.inStateDirectory { saved.reloaded = await reload().reloaded }
        // A commander's recording goes to its units in the same step, as a signed library recording
        // of its command zones (SPEC 16); one over the library's limit stays here, and says so.
        if let fleet, await fleet.isCommander {
            do {
                saved.publishedTo = try await fleet.publishLibrary(path: saved.path, message: message, language: language).zones
            } catch {
                saved.notPublished = error
                logger.warning("a recording saved from the console could not be published to the fleet's units",
                               metadata: ["message": "\(message)", "language": "\(language)", "error": "\(error.english)"])
            }
        }
        return saved
    }

    /// Where the console's uploads wait for the clerk's confirmation.
    var stagedDirectory: String { (stateDirectory as NSString).appendingPathComponent("console/staged") }

    /// Receives an upload and holds it back, converted, trimmed and measured, until the clerk has
    /// heard it (`saveStagedRecording`); only for who may change the library.
    public func stageRecording<Body: AsyncSequence & Sendable>(_ body: Body, contentLength: Int?, by requester: RequestedBy?)
        async throws(Refusal) -> StagedRecording where Body.Element == ByteBuffer {
        try await checkLibraryChange(by: requester)
        let config = await engine.configuration
        let directory = stagedDirectory
        let received: String
        do {
            received = try await Uploads.receive(body, contentLength: contentLength, into: directory + "/incoming")
        } catch let failure as APIFailure {
            throw failure.refusal ?? (failure.code == .tooLarge
                ? Refusal(.tooLarge, ["limit": "\(Uploads.maxBody / 1024 / 1024) MiB"])
                : failure.code == .notAudio ? Refusal(.notAudio, ["detail": failure.message]) : .storageFull(failure.message))
        } catch {
            throw .storageFull("\(error)")
        }
        defer { unlink(received) }
        let maxDuration = config.uploads.maxDurationValue
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                try RecordingIntake.stage(received: received, into: directory, maxDuration: maxDuration)
            }
        } catch let failure as APIFailure {
            throw failure.refusal ?? Refusal(.notAudio, ["detail": failure.message])
        } catch let error as AudioError {
            // The kind of problem by its code, for the clerk's words; libsndfile's English as the detail.
            var args = ["detail": "\(error)".replacingOccurrences(of: received, with: "upload")]
            if case .failure(let failure) = SndFileProbe().probe(path: received), let problem = failure.problem { args["problem"] = problem }
            throw Refusal(.notAudio, args)
        } catch {
            throw .storageFull("\(error)")
        }
    }

    /// The staged recording's file, for the console's player; nil when it is gone or `token` is not one.
    public func stagedRecording(_ token: String) -> String? {
        guard StagedRecording.isToken(token) else { return nil }
        let path = (stagedDirectory as NSString).appendingPathComponent("\(token).wav")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Saves a staged recording as `message` in `language`, as `saveRecording` saves an upload.
    /// - Throws: `.notFound` when it is gone (an hour passed, or it was saved already).
    public func saveStagedRecording(_ token: String, message: String, language: String, title: String?, by requester: RequestedBy?)
        async throws(Refusal) -> SavedRecording {
        try await checkLibraryChange(by: requester)
        guard let path = stagedRecording(token) else { throw Refusal(.notFound, ["id": token]) }
        let data: Data
        do {
            data = try await NIOThreadPool.singleton.runIfActive { try Data(contentsOf: URL(fileURLWithPath: path)) }
        } catch {
            throw Refusal(.notFound, ["id": token])
        }
        let saved = try await saveRecording(StagedBody(bytes: data), contentLength: data.count, message: message, language: language,
                                            title: title, by: requester)
        unlink(path)
        return saved
    }

    // MARK: The operators' volumes

    /// Sets a loudspeaker's volume in the operators' layer (`volumes.json`: dB from its
    /// `volume_db`), inside its `volume_range`. It applies from the output's next program: the
    /// one playing keeps the gain it started with.
    ///
    /// - Returns: whether the daemon took it at once (a reload; false while the technician's file
    ///   does not load, when it applies from the next reload that does).
    /// - Throws: `.unknownOutput`; `.outsideZones` when the loudspeaker serves a zone outside the
    ///   requester's; `.volumeOutOfRange` naming the range; `.storageFull` when the file cannot be written.
    public func setVolume(output: String, db: Double, by requester: RequestedBy?) async throws(Refusal) -> Bool {
        let config = await engine.configuration
        guard let out = config.output(output) else { throw Refusal.unknownOutput(output) }
        let zone = await engine.status(withNext: false).outputs.first { $0.id == output }?.zone ?? out.zone.value
        try await check([zone], by: requester)
        let range = out.allowedVolume
        guard db.isFinite, range.contains(db) else {
            throw Refusal(.volumeOutOfRange, ["output": output, "value": VolumeText.db(db), "lower": VolumeText.db(range.lower),
                                              "upper": VolumeText.db(range.upper)])
        }
        let directory = stateDirectory
        do {
            try await NIOThreadPool.singleton.runIfActive { try OperatorVolumes.set(db, for: output, stateDirectory: directory) }
        } catch {
            throw .storageFull("\(error)")
        }
        logger.notice("volume set", metadata: ["output": "\(output)", "volume_db": "\(db)", "by": "\(requester?.label ?? "")"])
        return await reload().reloaded
    }

    // MARK: The operators' schedule

    public func scheduleEntries(zone: String?) async throws(ScheduleRefusal) -> ScheduleEntriesJSON { try await editor.entries(zone: zone) }

    /// A change of the operators' schedule, inside the requester's zones (SPEC 17).
    public func changeSchedule(_ action: ScheduleAction, id: String?, request: ScheduleEntryRequest?, baseVersion: Int?,
                               requester: RequestedBy?, dryRun: Bool) async throws(ScheduleRefusal) -> ScheduleChangeJSON {
        try await editor.apply(action, id: id, request: request, baseVersion: baseVersion, requester: requester,
                               reach: await reach(of: requester, editingSchedule: true), dryRun: dryRun)
    }

    public func scheduleLog(since: Int64?, until: Int64?, limit: Int) async throws -> ScheduleLogJSON {
        try await editor.log(since: since, until: until, limit: limit)
    }

    // MARK: The console's one-tap buttons

    public func buttons() throws -> [OneTapButton] { try store.buttons() }
    public func addButton(_ button: OneTapButton) throws { try store.addButton(button) }
    public func removeButton(_ id: String) throws { try store.removeButton(id) }

    // MARK: The console's accounts and sessions

    public func account(_ name: String) throws -> ConsoleAccount? { try store.account(name) }
    public func accounts() throws -> [ConsoleAccount] { try store.accounts() }
    public func addAccount(_ account: ConsoleAccount) throws { try store.addAccount(account) }
    public func setZones(_ name: String, zones: AccountZones) throws { try store.setZones(name, zones: zones) }
    public func setPassword(_ name: String, hash: String) throws { try store.setPassword(name, hash: hash) }
    public func removeAccount(_ name: String) throws { try store.removeAccount(name) }
    public func session(tokenHash: String, now: Int64) throws -> (ConsoleSession, ConsoleAccount)? {
        try store.session(tokenHash: tokenHash, now: now)
    }
    public func addSession(_ session: ConsoleSession) throws { try store.addSession(session) }
    public func removeSession(tokenHash: String) throws { try store.removeSession(tokenHash: tokenHash) }
    public func setLanguage(_ name: String, language: String) throws { try store.setLanguage(name, language: language) }
}

/// One buffer as a request body: a staged recording handed to `saveRecording`.
struct StagedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: Data

    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: ByteBuffer(bytes: bytes)) }
}
