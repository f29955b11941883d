// labad's descriptors (SPEC 17): the limit is raised at start, and the console's connections
// take only what the limit leaves beside a reserve, so that the control socket, the store and
// the audio files always open, also while the office LAN holds every connection it may.

import Foundation

public enum Descriptors {
    /// Kept for everything but the console's connections: the control socket and its clients,
    /// SQLite and its journal, the recordings being played and scanned, the fleet's link, Icecast.
    public static let reserve = 256
    /// The soft limit is raised at most this far (a hard limit of millions is not a reason to
    /// allow that many).
    public static let ceiling = 65_536

    /// The soft limit on open descriptors now.
    public static var limit: Int {
        var current = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &current) == 0 else { return 1024 }
        return current.rlim_cur >= rlim_t(ceiling) ? ceiling : Int(current.rlim_cur)
    }

    /// Raises the soft limit to the hard one (at most `ceiling`). Returns the limit in force and
    /// whether it could be raised (under the shipped systemd unit `LimitNOFILE=` already sets both
    /// and the system call filter refuses `setrlimit`: nothing to raise then).
    @discardableResult
    public static func raise() -> (limit: Int, raised: Bool) {
        var current = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &current) == 0 else { return (limit, false) }
        let wanted = min(current.rlim_max, rlim_t(ceiling))
        guard current.rlim_cur < wanted else { return (limit, false) }
        var raised = current
        raised.rlim_cur = wanted
        let ok = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0
        return (limit, ok)
    }

    /// How many connections the console may hold at once with `limit` descriptors: `wanted`,
    /// unless the limit leaves less beside the reserve (never below a handful, so that a
    /// technician can still sign in on a board started with a tiny limit).
    public static func consoleShare(limit: Int, wanted: Int) -> Int {
        max(8, min(wanted, limit - reserve))
    }
}
