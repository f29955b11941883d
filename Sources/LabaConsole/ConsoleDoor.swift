// What the console asks of the daemon (SPEC 15): the front door's requests — broadcasts, stops,
// talks, recordings, schedule changes — and the state its pages show, accounts and sessions
// included. labad gives it the daemon's front door; the console knows nothing else of the daemon,
// its store or its audio, and decides nothing about who may play what, where.

import Foundation
import LabaControl
import LabaCore
import NIOCore

/// The console's one way into the daemon.
public protocol ConsoleDoor: Sendable {
    // MARK: What the pages show

    /// The configuration in force.
    var configuration: Config { get async }
    /// The recordings in force.
    var library: MessageLibrary { get async }
    /// The state dir, where the console keeps its certificate.
    var stateDirectory: String { get }
    /// The daemon's clock.
    func now() async -> Instant
    func status() async -> EngineStatus
    func history(_ filter: BroadcastFilter) async -> [BroadcastRecord]
    func record(id: String) async -> BroadcastRecord?
    func schedule(from: Instant?, count: Int, zone: String?, output: String?) async throws(Refusal) -> [PlannedBroadcast]
    /// One element at every change of what the overview shows, from now on; it ends at shutdown.
    func changes() async -> AsyncStream<Void>
    /// Which zones heard a message (or an alert), in which languages (SPEC 16).
    func coverage(_ request: CoverageRequest) async throws(Refusal) -> (coverage: BroadcastCoverage, records: Int)

    // MARK: The county's desk (a commander's units)

    /// This daemon's id in the fleet; nil without a `fleet:` section.
    var fleetUnitID: String? { get }
    /// On a commander, its units as their last statuses say (`only`: those of them); nil elsewhere.
    func fleetUnits(only: Set<String>?) async -> [UnitJSON]?
    /// On a commander, its units' ids (no status read, no record looked up); nil elsewhere.
    func fleetUnitIDs() async -> [String]?
    /// On a commander, the id of each unit whose status or records are stored, from now on; nil
    /// elsewhere. It ends at shutdown.
    func unitChanges() async -> AsyncStream<String>?
    /// The latest alerts, newest first, with what came of each here and on the units.
    func deskAlerts(limit: Int) async -> [DeskAlert]
    /// A CAP document read (not taken): for the emergency's confirmation.
    func readAlert(_ xml: Data) -> Result<CAPAlert, CAPError>
    /// Takes an alert from the console; nil for a document taken before.
    func sendAlert(_ xml: Data, by requester: RequestedBy?) async -> AlertSent?
    /// On a commander, how far each recording it published has spread through its units; nil elsewhere.
    func librarySpread() async -> [LibrarySpread]?
    /// Units' records (`unit` nil: every unit's), newest first, after `before` when given.
    func unitRecords(unit: String?, _ filter: BroadcastFilter,
                     before: (plannedAt: Int64, unit: String, id: String)?) async -> [DeskRecord]

    // MARK: Requests

    func broadcast(_ request: AdmissionRequest) async throws(Refusal) -> Broadcasts
    func stop(_ target: AdmissionRequest.Target, clear: Bool, by requester: RequestedBy?) async throws(Refusal) -> Stopped
    /// Ends a broadcast (or a talk); nil for a talk.
    func cancel(_ id: String, by requester: RequestedBy?) async throws(Refusal) -> BroadcastRecord?
    func move(output: String, to zone: String, by requester: RequestedBy?) async throws(Refusal) -> OutputStatus
    /// A loudspeaker's operators' volume (dB from its `volume_db`, inside its `volume_range`);
    /// true when it applies from the next program at once.
    func setVolume(output: String, db: Double, by requester: RequestedBy?) async throws(Refusal) -> Bool
    func talk(_ request: ConsoleTalkRequest) async throws(Refusal) -> ConsoleTalk
    /// Nil for a talk unknown (or ended long ago).
    func talkProgress(_ id: String) async -> TalkProgress?
    /// Receives a recording for `message` in `language` (a file or the microphone's WAV), trims
    /// and measures it, puts it in the library and reloads; only for who may act everywhere.
    /// `title`, when given, is kept as the message's title in the operators' layer.
    func saveRecording<Body: AsyncSequence & Sendable>(_ body: Body, contentLength: Int?, message: String, language: String,
                                                       title: String?, by requester: RequestedBy?)
        async throws(Refusal) -> SavedRecording where Body.Element == ByteBuffer
    /// Receives an upload and holds it back (converted, trimmed, measured) until the clerk has heard it.
    func stageRecording<Body: AsyncSequence & Sendable>(_ body: Body, contentLength: Int?, by requester: RequestedBy?)
        async throws(Refusal) -> StagedRecording where Body.Element == ByteBuffer
    /// The staged recording's file (WAV), or nil when it is gone.
    func stagedRecording(_ token: String) async -> String?
    /// Saves a staged recording as `saveRecording` saves an upload.
    func saveStagedRecording(_ token: String, message: String, language: String, title: String?, by requester: RequestedBy?)
        async throws(Refusal) -> SavedRecording
    /// The zones offered to `requester` (its zones and those below them, in tree order); nil: every zone.
    func offeredZones(to requester: RequestedBy?) async -> [String]?

    // MARK: The operators' schedule

    func scheduleEntries(zone: String?) async throws(ScheduleRefusal) -> ScheduleEntriesJSON
    func changeSchedule(_ action: ScheduleAction, id: String?, request: ScheduleEntryRequest?, baseVersion: Int?,
                        requester: RequestedBy?, dryRun: Bool) async throws(ScheduleRefusal) -> ScheduleChangeJSON
    func scheduleLog(since: Int64?, until: Int64?, limit: Int) async throws -> ScheduleLogJSON

    // MARK: One-tap buttons (admins set them up; pressing one is a broadcast like any other)

    func buttons() throws -> [OneTapButton]
    func addButton(_ button: OneTapButton) throws
    func removeButton(_ id: String) throws

    // MARK: Accounts and sessions

    func account(_ name: String) throws -> ConsoleAccount?
    func accounts() throws -> [ConsoleAccount]
    func addAccount(_ account: ConsoleAccount) throws
    func setZones(_ name: String, zones: AccountZones) throws
    /// A new password (its bcrypt hash); every session of the account ends.
    func setPassword(_ name: String, hash: String) throws
    func removeAccount(_ name: String) throws
    func session(tokenHash: String, now: Int64) throws -> (ConsoleSession, ConsoleAccount)?
    func addSession(_ session: ConsoleSession) throws
    func removeSession(tokenHash: String) throws
    func setLanguage(_ name: String, language: String) throws
}
