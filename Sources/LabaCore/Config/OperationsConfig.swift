// `metrics:` and `retention:`: what a county's monitoring scrapes, and how long a unit keeps what
// grows on its SD card (SPEC 18, issue 31).

import Foundation
import Yams

/// Where `/metrics` and `/healthz` are served; absent: not served.
public struct MetricsConfig: Sendable {
    /// `host:port` as written (`127.0.0.1:9464`, `0.0.0.0:9464`, `[::1]:9464`).
    public var listen: Located<String>
    public var host: String
    public var port: Int
    /// The file whose first line is the bearer token a scraper must send; required beyond loopback.
    public var tokenFile: String?
    /// Where it is named.
    public var tokenFileLocation: SourceLocation?

    public var isLoopback: Bool { ConsoleConfig.isLoopback(host) }

    static let keys = ["listen", "token_file"]
}

/// A size in bytes, as a technician writes it: `512MB`, `2GB`, `1.5G`, `100MiB`, `4096`.
public struct ByteSize: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static func < (a: ByteSize, b: ByteSize) -> Bool { a.bytes < b.bytes }

    /// Decimal (`kB`, `MB`, `GB`, `TB`, and `K`, `M`, `G`, `T`) and binary (`KiB`, `MiB`, `GiB`,
    /// `TiB`) units; a bare number is bytes. Nil when it is not a size.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let split = t.firstIndex(where: { !($0.isNumber || $0 == ".") }) ?? Optional(t.endIndex),
              let number = Double(t[..<split]), number >= 0, number.isFinite else { return nil }
        let unit = t[split...].trimmingCharacters(in: .whitespaces).lowercased()
        let factors: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard let factor = factors[unit], number * factor < 9e18 else { return nil }
        bytes = Int64((number * factor).rounded())
    }

    public var description: String {
        for (unit, factor) in [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where Double(bytes) >= factor {
            let value = Double(bytes) / factor
            return value == value.rounded() ? "\(Int64(value))\(unit)" : String(format: "%.1f%@", value, unit)
        }
        return "\(bytes)B"
    }
}

/// How long one kind of thing is kept: whichever limit removes first.
public struct RetentionLimit: Sendable, Equatable {
    /// Older than this goes (by the daemon's clock).
    public var maxAge: TimeSpan?
    /// For records: at most this many rows, the oldest removed first.
    public var maxCount: Int?
    /// For files: at most this many bytes in all, the oldest removed first.
    public var maxSize: ByteSize?

    public init(maxAge: TimeSpan? = nil, maxCount: Int? = nil, maxSize: ByteSize? = nil) {
        self.maxAge = maxAge
        self.maxCount = maxCount
        self.maxSize = maxSize
    }
}

/// `retention:`: per kind, by age and size. Defaults keep a busy unit's 16 GB SD card from filling
/// in a year (README, "Retention"): records ≤ about 1 GB, talk recordings ≤ 2 GB, uploads ≤ 2 GB.
public struct RetentionConfig: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        /// This daemon's own broadcast records (done ones; queued and playing ones are never removed).
        case records
        /// Live talks' FLAC recordings, `<state dir>/live/`.
        case talkRecordings = "talk_recordings"
        /// Uploaded recordings, `<state dir>/uploads/` (a file a waiting broadcast needs is kept).
        case uploads
        /// A commander's copies of its units' records.
        case fleetRecords = "fleet_records"

        /// Records are counted; files are measured.
        public var isRecords: Bool { self == .records || self == .fleetRecords }
    }

    public var records = RetentionLimit(maxAge: .seconds(400 * 86_400), maxCount: 1_000_000)
    public var talkRecordings = RetentionLimit(maxAge: .seconds(90 * 86_400), maxSize: ByteSize(bytes: 2_000_000_000))
    public var uploads = RetentionLimit(maxAge: .seconds(90 * 86_400), maxSize: ByteSize(bytes: 2_000_000_000))
    public var fleetRecords = RetentionLimit(maxAge: .seconds(400 * 86_400), maxCount: 10_000_000)
    /// Retention runs after a broadcast ends, at most once per this span of the
    /// daemon's clock: never on a timer, so an idle daemon stays asleep.
    public var every: TimeSpan = .seconds(3600)

    public init() {}

    public subscript(kind: Kind) -> RetentionLimit {
        get {
            switch kind {
            case .records: records
            case .talkRecordings: talkRecordings
            case .uploads: uploads
            case .fleetRecords: fleetRecords
            }
        }
        set {
            switch kind {
            case .records: records = newValue
            case .talkRecordings: talkRecordings = newValue
            case .uploads: uploads = newValue
            case .fleetRecords: fleetRecords = newValue
            }
        }
    }

    static let keys = Kind.allCases.map(\.rawValue) + ["every"]
    static let recordKeys = ["max_age", "max_count"]
    static let fileKeys = ["max_age", "max_size"]
}

extension ConsoleConfig {
    /// Whether a host is a loopback one (only this machine can reach it).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

extension ConfigLoader {
    /// Reads `metrics:`; a relative `token_file` resolves against `directory`.
    static func readMetrics(_ node: Node, directory: String, _ reader: inout NodeReader) -> MetricsConfig? {
        guard let f = reader.mapping(node, "metrics", known: MetricsConfig.keys) else { return nil }
        guard let n = f["listen"] else {
            reader.missing("metrics needs listen, the address to serve, such as \"127.0.0.1:9464\"", in: f, key: "listen", of: "metrics")
            return nil
        }
        guard let listen = reader.string(n, "metrics.listen") else { return nil }
        guard let (host, port) = ConsoleConfig.address(listen.value) else {
            reader.reject(listen, "metrics.listen must be HOST:PORT such as \"127.0.0.1:9464\" or \"0.0.0.0:9464\", found '\(listen.value)'",
                          code: "invalid_format", what: "metrics.listen", ["format": "host_port", "example": "127.0.0.1:9464", "value": listen.value])
            return nil
        }
        var metrics = MetricsConfig(listen: listen, host: host, port: port)
        if let n = f["token_file"], let text = reader.string(n, "metrics.token_file") {
            let p = text.value.hasPrefix("/") ? text.value : (directory as NSString).appendingPathComponent(text.value)
            metrics.tokenFile = (p as NSString).standardizingPath
            metrics.tokenFileLocation = text.location
        }
        if !metrics.isLoopback, metrics.tokenFile == nil {
            reader.error("metrics.listen \(listen.value) is reachable from other machines: give metrics.token_file, "
                         + "a file whose first line is the bearer token scrapers send", at: listen.location,
                         code: "metrics_needs_token", ["value": listen.value])
        }
        return metrics
    }

    /// Reads `retention:`: each kind's limits replace that kind's defaults where given.
    static func readRetention(_ node: Node, _ reader: inout NodeReader) -> RetentionConfig {
        var retention = RetentionConfig()
        guard let f = reader.mapping(node, "retention", known: RetentionConfig.keys) else { return retention }
        if let n = f["every"], let span = reader.timeSpan(n, "retention.every") {
            if span.value < .seconds(60) {
                reader.error("retention.every must be at least 1min, such as 1h", at: span.location, code: "at_least", what: "retention.every",
                             ["min": "1min", "value": "\(span.value)", "example": "1h"])
            } else {
                retention.every = span.value
            }
        }
        for kind in RetentionConfig.Kind.allCases {
            guard let n = f[kind.rawValue] else { continue }
            let what = "retention.\(kind.rawValue)"
            guard let fields = reader.mapping(n, what, known: kind.isRecords ? RetentionConfig.recordKeys : RetentionConfig.fileKeys)
            else { continue }
            var limit = retention[kind]
            // `none` (or `~`) lifts a limit.
            func none(_ n: Node) -> Bool {
                if reader.isNull(n) { return true }
                if case .scalar(let s) = n { return s.string == "none" }
                return false
            }
            if let n = fields["max_age"] {
                if none(n) {
                    limit.maxAge = nil
                } else if let span = reader.timeSpan(n, "\(what).max_age") {
                    if span.value < .seconds(3600) {
                        reader.error("\(what).max_age must be at least 1h, such as 90d, or none", at: span.location, code: "at_least_or_none",
                                     what: "\(what).max_age", ["min": "1h", "value": "\(span.value)", "example": "90d"])
                    } else {
                        limit.maxAge = span.value
                    }
                }
            }
            if let n = fields["max_count"] {
                if none(n) {
                    limit.maxCount = nil
                } else if let count = reader.integer(n, "\(what).max_count", in: 100...1_000_000_000) {
                    limit.maxCount = count.value
                }
            }
            if let n = fields["max_size"] {
                if none(n) {
                    limit.maxSize = nil
                } else if let text = reader.string(n, "\(what).max_size") {
                    if let size = ByteSize(parsing: text.value) {
                        if size.bytes < 1_000_000 {
                            reader.error("\(what).max_size must be at least 1MB, such as 2GB, or none", at: text.location, code: "at_least_or_none",
                                         what: "\(what).max_size", ["min": "1MB", "value": text.value, "example": "2GB"])
                        } else {
                            limit.maxSize = size
                        }
                    } else {
                        reader.reject(text, "\(what).max_size must be a size such as 500MB or 2GB, found '\(text.value)'", code: "invalid_format",
                                      what: "\(what).max_size", ["format": "size", "example": "500MB", "value": text.value])
                    }
                }
            }
            retention[kind] = limit
        }
        return retention
    }
}
