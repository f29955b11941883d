// A unit that follows its position: fixes in, zone switches out. Dwell is counted on the fixes'
// own times (gpsd's TPV `time`), never on the daemon's clock, so that a replayed log, a slow link
// or a busy daemon decide exactly as the road did.

/// Where the unit was, at the fix's own time.
public struct GPSFix: Hashable, Sendable {
    public var position: GeoPoint
    public var time: Instant

    public init(position: GeoPoint, time: Instant) {
        self.position = position
        self.time = time
    }
}

/// One following output's state: the zone it serves and the zone it may be entering.
public struct Follower: Equatable, Sendable {
    /// What the unit knows of its position.
    public enum Status: Equatable, Sendable {
        /// No fix since the start, or the receiver lost it.
        case noFix
        /// gpsd cannot be reached (not running, its socket gone): no fix either.
        case unreachable
        /// The last fix is outside every zone's area: the zone stays.
        case outside
        /// The last fix is in this zone (the deepest whose area holds it).
        case inside(String)
    }

    /// A zone the unit has been in since `since` (a fix time), other than the one it serves.
    public struct Candidate: Equatable, Sendable {
        public var zone: String
        public var since: Instant
    }

    public enum Decision: Equatable, Sendable {
        case stay
        /// Switch to `zone`: the unit has been in it from `since` to `fix.time`, at least the dwell.
        case switchTo(zone: String, fix: GPSFix, since: Instant)
    }

    /// The zone the output serves.
    public private(set) var zone: String
    public private(set) var status: Status = .noFix
    /// The last fix, kept when the fix is lost (a broadcast records where the unit last was).
    public private(set) var lastFix: GPSFix?
    public private(set) var candidate: Candidate?
    public let dwell: TimeSpan
    /// Fix times before this (the build's date) are a receiver's clock not yet set.
    public let validFrom: Instant

    /// Fix times from this on (2100-01-01 UTC) are a receiver's clock gone wrong.
    public static let validUntil = Instant(seconds: 4_102_444_800)
    /// A fix this far after the one before is a clock that jumped, not a drive.
    public static let largestStep = TimeSpan.seconds(24 * 3600)

    public init(zone: String, dwell: TimeSpan, validFrom: Instant = Instant(seconds: 0)) {
        self.zone = zone
        self.dwell = dwell
        self.validFrom = validFrom
    }

    /// Whether a fix's time can be counted on: from the build's date, before 2100.
    public func isPlausible(_ time: Instant) -> Bool {
        time >= validFrom && time < Self.validUntil
    }

    /// Takes a fix. The deepest zone whose area holds it becomes the candidate; once the unit has
    /// been in the candidate for `dwell` by the fixes' times, without a fix elsewhere in between,
    /// the output switches. A fix outside every area, or in the served zone, ends the candidate,
    /// so that driving along a border does not flap. A fix whose time goes back (a replayed log
    /// starting over) or jumps more than a day ahead starts the count again; one dated before the
    /// build or from 2100 on counts nothing (the position stands, the count waits for a good time),
    /// so that no wrong clock completes a dwell at once.
    public mutating func handle(_ fix: GPSFix, map: ZoneMap) -> Decision {
        let restart = lastFix.map { fix.time < $0.time || fix.time - $0.time > Self.largestStep } ?? false
        let plausible = isPlausible(fix.time)
        lastFix = fix
        guard let here = map.deepestZone(containing: fix.position, preferring: candidate?.zone ?? zone) else {
            status = .outside
            candidate = nil
            return .stay
        }
        status = .inside(here)
        if here == zone {
            candidate = nil
            return .stay
        }
        guard plausible else {
            candidate = nil
            return .stay
        }
        if restart || candidate?.zone != here {
            candidate = Candidate(zone: here, since: fix.time)
        }
        guard let candidate, fix.time - candidate.since >= dwell else { return .stay }
        zone = here
        self.candidate = nil
        return .switchTo(zone: here, fix: fix, since: candidate.since)
    }

    /// The receiver has no fix, or gpsd is gone (`unreachable`): the zone stays, the count ends.
    public mutating func lost(unreachable: Bool = false) {
        status = unreachable ? .unreachable : .noFix
        candidate = nil
    }

    /// Someone else moved the output (an operator's `laba zone`): the count starts again from there.
    public mutating func moved(to zone: String) {
        self.zone = zone
        candidate = nil
        if case .inside(let here) = status, here != zone, let lastFix, isPlausible(lastFix.time) {
            candidate = Candidate(zone: here, since: lastFix.time)
        }
    }

    /// The status's code, for readers that render it: `no_fix`, `unreachable`, `outside`, `inside`.
    public var statusCode: String {
        switch status {
        case .noFix: "no_fix"
        case .unreachable: "unreachable"
        case .outside: "outside"
        case .inside: "inside"
        }
    }

    /// The status in words, in English: "no fix", "gpsd unreachable", "outside every area", "in ZONE".
    public var statusText: String {
        switch status {
        case .noFix: "no fix"
        case .unreachable: "gpsd unreachable"
        case .outside: "outside every area"
        case .inside(let zone): "in \(zone)"
        }
    }
}
