// Who is on the other end of a control-socket connection, read once when it is accepted
// (SO_PEERCRED), so that a request the client gave up on before labad read it keeps its requester
// in the record (SPEC 17): by then the connection may be closed and its options unreadable.

import HummingbirdCore
import LabaCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// `struct ucred` of <sys/socket.h>.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// The requester these credentials name: the user's login name when it has one.
    var requester: RequestedBy {
        var user: String?
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name { user = String(cString: name) }
        return .socket(uid: Int(uid), user: user)
    }
}

/// The credentials of each open control connection, from its accept to the end of its last request.
final class PeerBook: Sendable {
    private let entries = Mutex<[ObjectIdentifier: PeerCredentials]>([:])

    func record(_ credentials: PeerCredentials, for channel: any Channel) {
        entries.withLock { $0[ObjectIdentifier(channel)] = credentials }
    }

    func credentials(of channel: any Channel) -> PeerCredentials? {
        entries.withLock { $0[ObjectIdentifier(channel)] }
    }

    func forget(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Open connections known (tests).
    var count: Int { entries.withLock { $0.count } }
}

/// A server child channel that reads the peer's credentials as the connection is set up, before
/// any request of it can be read, and keeps them until the connection's requests are all answered.
struct PeerCredentialChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let book: PeerBook

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let credentials: EventLoopFuture<PeerCredentials?>
        if let provider = channel as? any SocketOptionProvider {
            credentials = provider.unsafeGetSocketOption(
                level: NIOBSDSocket.OptionLevel.socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)
            ).map { (value: PeerCredentials) -> PeerCredentials? in value }.recover { _ in nil }
        } else {
            credentials = channel.eventLoop.makeSucceededFuture(nil)
        }
        return credentials.flatMap { found in
            if let found { book.record(found, for: channel) }
            return base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
        book.forget(value.channel)
    }
}
