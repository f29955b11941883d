// Login attempts, counted per account *and* address: twenty wrong passwords for one account from
// one address lock that account for that address only, so that nobody on the LAN can lock the
// township head out; an address that guesses at many accounts is locked as a whole. Pure: the
// caller passes the time (µs), and nothing runs between attempts (no timer wakes the daemon).

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
    }

    enum Key: Hashable {
        case account(String, address: String)
        case address(String)
    }

    enum Decision: Equatable {
        case allowed
        /// Locked until this instant (µs), for this key.
        case locked(until: Int64, Key)
    }

    let policy: Policy
    private var failures: [Key: [Int64]] = [:]
    private var locks: [Key: Int64] = [:]

    init(policy: Policy = Policy()) { self.policy = policy }

    /// Whether an attempt for `account` from `address` may be checked at all.
    mutating func check(account: String, address: String, now: Int64) -> Decision {
        forget(before: now)
        for key in [Key.address(address), .account(account, address: address)] {
            if let until = locks[key], until > now { return .locked(until: until, key) }
        }
        return .allowed
    }

    /// Counts a wrong password; returns the lock it caused, if it caused one.
    mutating func failed(account: String, address: String, now: Int64) -> Decision {
        forget(before: now)
        var decision = Decision.allowed
        for (key, limit) in [(Key.account(account, address: address), policy.perAccount), (.address(address), policy.perAddress)] {
            failures[key, default: []].append(now)
            if failures[key]!.count >= limit, locks[key] == nil {
                locks[key] = now + policy.lock
                failures[key] = nil
                if decision == .allowed { decision = .locked(until: now + policy.lock, key) }
            }
        }
        return decision
    }

    /// A right password clears that account's count from that address.
    mutating func succeeded(account: String, address: String) {
        failures[.account(account, address: address)] = nil
    }

    private mutating func forget(before now: Int64) {
        locks = locks.filter { $0.value > now }
        let horizon = now - policy.window
        failures = failures.compactMapValues { times in
            let recent = times.filter { $0 > horizon }
            return recent.isEmpty ? nil : recent
        }
    }
}
