// Login attempts, counted per account *and* address: twenty wrong passwords for one account from
// one address lock that account for that address only, so that nobody on the LAN can lock the
// township head out; an address that guesses at many accounts is locked as a whole. An attempt is
// counted *before* its password is checked (a burst cannot slip past the count while bcrypt runs),
// and only one check runs at a time per account and address, a few in all. Pure: the caller
// passes the time (µs), and nothing runs between attempts (no timer wakes the daemon).

struct LoginLimiter {
    struct Policy {
        /// Wrong passwords for one account from one address before that pair is locked.
        var perAccount = 20
        /// Wrong passwords from one address, whatever the accounts, before the address is locked.
        var perAddress = 50
        /// Failures older than this are forgotten.
        var window: Int64 = 15 * 60 * 1_000_000
        /// How long a lock lasts.
        var lock: Int64 = 15 * 60 * 1_000_000
        /// Password checks (bcrypt, ~0.1 s of a core each) running at once, over every address.
        var checksInFlight = 8
        /// Accounts and addresses remembered at most (an IPv6 LAN has more addresses than memory):
        /// beyond it, the entries whose last failure is oldest go first. Locks are kept.
        var remembered = 10_000
    }

    enum Key: Hashable {
        case account(String, address: String)
        case address(String)
    }

    enum Decision: Equatable {
        case allowed
        /// Locked until this instant (µs), for this key.
        case locked(until: Int64, Key)
        /// A check for the same account from the same address is running, or too many checks
        /// run at once: try again in a moment (nothing was counted).
        case busy
    }

    let policy: Policy
    private var failures: [Key: [Int64]] = [:]
    private var locks: [Key: Int64] = [:]
    /// The (account, address) pairs whose password is being checked.
    private var checking: Set<Key> = []

    init(policy: Policy = Policy()) { self.policy = policy }

    /// Begins an attempt for `account` from `address`: counted now, before its password is
    /// checked. `.allowed` means check it, then call `finished`, whatever the outcome.
    mutating func begin(account: String, address: String, now: Int64) -> Decision {
        forget(before: now)
        let pair = Key.account(account, address: address)
        for key in [Key.address(address), pair] {
            if let until = locks[key], until > now { return .locked(until: until, key) }
        }
        guard !checking.contains(pair), checking.count < policy.checksInFlight else { return .busy }
        checking.insert(pair)
        for key in [pair, .address(address)] { failures[key, default: []].append(now) }
        if failures.count > policy.remembered {
            let oldest = failures.sorted { ($0.value.last ?? 0) < ($1.value.last ?? 0) }.prefix(failures.count - policy.remembered)
            for (key, _) in oldest where key != pair && key != .address(address) { failures[key] = nil }
        }
        return .allowed
    }

    /// Ends an attempt: a right password takes it off the counts and clears that account's count
    /// from that address; a wrong one stays counted, and may lock.
    /// - Returns: the lock it caused, if it caused one.
    mutating func finished(account: String, address: String, right: Bool, now: Int64) -> Decision {
        let pair = Key.account(account, address: address)
        checking.remove(pair)
        if right {
            failures[pair] = nil
            if var times = failures[.address(address)], !times.isEmpty {
                times.removeLast()
                failures[.address(address)] = times.isEmpty ? nil : times
            }
            return .allowed
        }
        var decision = Decision.allowed
        for (key, limit) in [(pair, policy.perAccount), (.address(address), policy.perAddress)] {
            if (failures[key]?.count ?? 0) >= limit, locks[key] == nil {
                locks[key] = now + policy.lock
                failures[key] = nil
                if decision == .allowed { decision = .locked(until: now + policy.lock, key) }
            }
        }
        return decision
    }

    /// Keys remembered now (tests).
    var remembered: Int { failures.count }

    /// What is kept is bounded: expired locks and failures past the window go at every attempt.
    private mutating func forget(before now: Int64) {
        locks = locks.filter { $0.value > now }
        let horizon = now - policy.window
        failures = failures.compactMapValues { times in
            let recent = times.filter { $0 > horizon }
            return recent.isEmpty ? nil : recent
        }
    }
}
