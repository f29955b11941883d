// The typed configuration: what `laba.yaml` says, with the position of every value.

import Foundation

/// A calendar date in the configuration's time zone (`from:`, `until:`, `valid_until:`).
public struct LocalDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`, refusing dates that do not exist (2026-02-30).
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= LocalDate.daysInMonth(year: y, month: m)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), negative before it.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(dayNumber z: Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// 0 = Monday ... 6 = Sunday.
    public var weekday: Int {
        ((dayNumber % 7) + 7 + 3) % 7
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }
}

/// A daily window of local time, `22:00-07:00`; it may wrap past midnight.
public struct QuietHours: Hashable, Sendable, CustomStringConvertible {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let s = QuietHours.minutes(parts[0]), let e = QuietHours.minutes(parts[1]),
              s != e
        else { return nil }
        self.init(start: s, end: e)
    }

    static func minutes(_ text: String) -> Int? {
        let hm = text.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, (1...2).contains(hm[0].count), hm[1].count == 2,
              let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m),
              h * 60 + m <= 24 * 60
        else { return nil }
        return h * 60 + m
    }

    /// Whether a local time of day (in minutes, fractions allowed) falls inside; the start is in, the end is out.
    public func contains(minuteOfDay t: Double) -> Bool {
        let s = Double(start), e = Double(end)
        return start < end ? (t >= s && t < e) : (t >= s || t < e)
    }

    /// Minutes per day inside the window.
    public var length: Int { start < end ? end - start : 24 * 60 - start + end }

    public var description: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(start / 60)):\(two(start % 60))-\(two(end / 60)):\(two(end % 60))"
    }
}

/// The loudness a recording is brought to before playing.
public enum LoudnessTarget: Hashable, Sendable, CustomStringConvertible {
    /// EBU R128 integrated loudness in LUFS.
    case lufs(Double)
    /// Play as recorded.
    case off

    public var description: String {
        switch self {
        case .lufs(let v): "\(v) LUFS"
        case .off: "off"
        }
    }
}

/// Settings a zone inherits from its ancestors and from `defaults`. A nil field is not set here.
public struct ZoneSettings: Sendable {
    public var languages: Located<[Located<String>]>?
    public var gap: Located<TimeSpan>?
    /// `.some(nil)` is an explicit "no chime", which overrides an inherited one.
    public var chime: Located<String?>?
    public var loudness: Located<LoudnessTarget>?
    public var volumeDB: Located<Double>?
    /// `.some(nil)` is an explicit "no quiet hours", which overrides inherited ones.
    public var quietHours: Located<QuietHours?>?
    /// `volume_schedule: ["22:00-07:00 -12dB"]` (night volume); an empty list or `none` clears
    /// an inherited one.
    public var volumeSchedule: Located<[VolumeWindow]>?

    public init() {}

    static let keys = ["languages", "gap", "chime", "loudness_lufs", "volume_db", "quiet_hours", "volume_schedule"]
}

/// When a message plays in a zone and every zone below it.
public struct ScheduleEntry: Sendable {
    /// Its `id:` when the file gives one, else `zone#message-HASH` of the declaring zone, the message
    /// and the calendar expressions: never its position, so that inserting, moving or removing
    /// another entry does not change it (the occurrence ledger is keyed by it).
    public var id: String
    /// Where the id is given (or the entry, for a derived id).
    public var idLocation: SourceLocation
    public var zone: String
    public var location: SourceLocation
    public var message: Located<String>
    /// The calendar expressions as written: `at: "Mon..Fri 10:30"` or a list of them.
    public var at: [Located<String>]
    /// The expressions of `at` that parsed (all of them in a valid configuration).
    public var calendars: [CalendarSpec] = []
    public var repeatCount: Located<Int>?
    public var from: Located<LocalDate>?
    public var until: Located<LocalDate>?
    /// `every: Nd`: the entry fires only on every N-th day counted from `from`.
    public var everyDays: Located<Int>?
    public var catchUp: Located<TimeSpan>?
    public var maxDelay: Located<TimeSpan>?
    public var languages: Located<[Located<String>]>?

    public static let defaultMaxDelay = TimeSpan.seconds(600)

    public var repeats: Int { repeatCount?.value ?? 1 }
    public var catchUpWindow: TimeSpan { catchUp?.value ?? .zero }
    public var deadlineDelay: TimeSpan { maxDelay?.value ?? Self.defaultMaxDelay }

    static let keys = ["id", "message", "at", "repeat", "from", "until", "every", "catch_up", "max_delay", "languages"]

    public init(id: String, zone: String, location: SourceLocation, message: Located<String>, at: [Located<String>]) {
        self.id = id
        self.idLocation = location
        self.zone = zone
        self.location = location
        self.message = message
        self.at = at
    }

    /// `zone#message-HASH`, HASH being 8 hex digits of an FNV-1a hash of the expressions as written.
    public static func derivedID(zone: String, message: String, at: [String]) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in at.joined(separator: "\n").utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return "\(zone)#\(message)-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}

public struct ZoneConfig: Sendable {
    public var id: Located<String>
    public var name: String?
    public var parent: Located<String>?
    public var settings: ZoneSettings
    public var schedule: [ScheduleEntry]
    public var location: SourceLocation
    /// `code:` and `area:` (SPEC 13).
    public var place = ZonePlace()

    static let keys = ["id", "name", "parent", "schedule"] + ZoneSettings.keys + ZonePlace.keys
}

/// One ALSA PCM: a loudspeaker.
public struct OutputConfig: Sendable {
    public var id: Located<String>
    /// What people read (`宁蒗1号宣传车`); the id stays for machines.
    public var name: String?
    public var device: Located<String>
    /// The zone it serves at start.
    public var zone: Located<String>
    public var volumeDB: Located<Double>?
    /// Fixed PCM rate and channel count; by default the recording's own.
    public var rate: Located<Int>?
    public var channels: Located<Int>?
    public var location: SourceLocation
    /// `follow: gps`: the zone follows the unit's position (SPEC 13).
    public var follow: Located<FollowMode>?
    /// `power:`: the amplifier switched for each broadcast (SPEC 18).
    public var power: PowerConfig?
    /// `monitor:`: a microphone near the horn, the off-air check (SPEC 18).
    public var monitor: MonitorConfig?
    /// `volume_range:`: how far operators may turn it down or up from `volume_db` (issue 27).
    public var volumeRange: Located<VolumeRange>?
    /// The operators' volume (dB from `volume_db`, inside the range), from their layer in the state dir.
    public var operatorVolumeDB: Double?

    /// The range operators may set: the technician's, or −12 dB to 0 dB.
    public var allowedVolume: VolumeRange { volumeRange?.value ?? .standard }
    /// The output's own gain: the technician's `volume_db` and the operators' volume.
    public var gainDB: Double { (volumeDB?.value ?? 0) + (operatorVolumeDB ?? 0) }

    static let keys = ["id", "name", "device", "zone", "volume_db", "volume_range", "rate", "channels", "follow", "power", "monitor"]
}

/// The operators' volume range of a loudspeaker, in dB from its `volume_db`: `[-12, 0]` lets them
/// turn it down by up to 12 dB and never above what the technician set.
public struct VolumeRange: Sendable, Equatable {
    public var lower: Double
    public var upper: Double

    public static let standard = VolumeRange(lower: -12, upper: 0)
    /// Each end's bound, as `volume_db`'s.
    public static let limit = 60.0

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ db: Double) -> Bool { db >= lower && db <= upper }
    public func clamped(_ db: Double) -> Double { min(max(db, lower), upper) }
}

/// Optional metadata about a message; the messages themselves are the folders of `audio_dir`.
public struct MessageInfo: Sendable {
    public var id: Located<String>
    public var title: String?
    public var validFrom: Located<LocalDate>?
    public var validUntil: Located<LocalDate>?
    public var location: SourceLocation

    static let keys = ["id", "title", "valid_from", "valid_until"]
}

/// A language: a built-in one or one the configuration adds.
public struct Language: Hashable, Sendable {
    public var id: String
    public var name: String
    /// ISO 639-3 code, when there is one.
    public var code: String?

    public init(id: String, name: String, code: String?) {
        self.id = id
        self.name = name
        self.code = code
    }

    /// The seven languages of the Lijiang recordings.
    public static let builtIn: [Language] = [
        Language(id: "naxi", name: "纳西语", code: "nxq"),
        Language(id: "bai", name: "白语", code: "bca"),
        Language(id: "yi", name: "彝语", code: "iii"),
        Language(id: "pumi", name: "普米语", code: "pmi"),
        Language(id: "mosuo", name: "摩梭语", code: "nru"),
        Language(id: "lisu", name: "傈僳语", code: "lis"),
        Language(id: "mandarin", name: "普通话", code: "cmn"),
    ]

    /// The file name stem of a language-neutral recording (a chime, a siren).
    public static let neutral = "neutral"

    static let keys = ["id", "name", "code"]
}

public struct ControlConfig: Sendable {
    /// The group that owns the control socket: its own (not the group that reads the state dir).
    public var group: Located<String>?

    public static let defaultGroup = "laba-control"
    public var groupName: String { group?.value ?? Self.defaultGroup }

    static let keys = ["group"]
}

/// Live talk (SPEC 14): the input captured, and the guards that end a live broadcast.
public struct LiveConfig: Sendable {
    /// The ALSA capture PCM (`plughw:1,0` for a USB card's microphone input).
    public var input: Located<String>?
    /// The longest a live broadcast may run.
    public var max: Located<TimeSpan>?
    /// A live broadcast silent this long ends by itself.
    public var silence: Located<TimeSpan>?

    public static let defaultInput = "default"
    public static let defaultMax = TimeSpan.seconds(10 * 60)
    public static let defaultSilence = TimeSpan.seconds(30)
    public var inputValue: String { input?.value ?? Self.defaultInput }
    public var maxValue: TimeSpan { max?.value ?? Self.defaultMax }
    public var silenceValue: TimeSpan { silence?.value ?? Self.defaultSilence }

    public init() {}

    static let keys = ["input", "max", "silence"]
}

/// What the daemon takes as an uploaded recording.
public struct UploadsConfig: Sendable {
    /// The longest recording an upload may be (checked from its header).
    public var maxDuration: Located<TimeSpan>?

    public static let defaultMaxDuration = TimeSpan.seconds(15 * 60)
    public var maxDurationValue: TimeSpan { maxDuration?.value ?? Self.defaultMaxDuration }

    public init() {}

    static let keys = ["max_duration"]
}

/// What the technician lets operators (clerks at the console, socket users other than root) do
/// to the schedule: `operators: {schedule: true, zones: [gucheng]}`.
public struct OperatorsConfig: Sendable {
    /// `schedule: false` forbids the operators' schedule; absent means allowed.
    public var schedule: Located<Bool>?
    /// The subtrees operators may schedule in; absent means every zone.
    public var zones: Located<[Located<String>]>?

    public init() {}

    public var allowed: Bool { schedule?.value ?? true }

    /// Whether operators may schedule in `zone` (inside one of `zones`, when given).
    public func permits(zone: String, in tree: ZoneTree) -> Bool {
        guard allowed else { return false }
        guard let zones else { return true }
        return zones.value.contains { tree.zone(zone, isWithin: $0.value) }
    }

    static let keys = ["schedule", "zones"]
}

/// A whole configuration file, decoded and checked on its own (without the recordings).
public struct Config: Sendable {
    /// The path it was read from, as given.
    public var file: String
    /// The IANA time zone name; nil means the system's.
    public var timeZoneName: Located<String>?
    public var timeZone: TimeZone
    /// Absolute, or relative to the working directory when the file's own path was.
    public var audioDirectory: String
    /// Where `audio_dir` is written, or the top of the file when it is not.
    public var audioDirectoryLocation: SourceLocation
    public var defaults: ZoneSettings
    /// Built-in languages first, then the ones this file adds.
    public var languages: [Language]
    public var outputs: [OutputConfig]
    public var zones: [ZoneConfig]
    public var messages: [MessageInfo]
    public var control: ControlConfig
    public var uploads = UploadsConfig()
    public var live = LiveConfig()
    /// `fleet:`: this daemon is a unit of a fleet (SPEC 11).
    public var fleet: FleetConfig? = nil
    /// `operators:`: where the operators' schedule may add entries.
    public var operators = OperatorsConfig()
    /// The web console; nil: none.
    public var console: ConsoleConfig?
    /// `gps:` and `alerts:` (SPEC 13).
    public var gps: GPSConfig?
    public var alerts: AlertsConfig?
    /// `sirens:` (SPEC 18): the civil-defence signals' tones and priority.
    public var sirens = SirensConfig()
    /// `metrics:`: `/metrics` and `/healthz`; nil: not served.
    public var metrics: MetricsConfig?
    /// `retention:`: how long records and recordings are kept (defaults when absent).
    public var retention = RetentionConfig()

    public func language(_ id: String) -> Language? { languages.first { $0.id == id } }
    public func output(_ id: String) -> OutputConfig? { outputs.first { $0.id.value == id } }
    public func messageInfo(_ id: String) -> MessageInfo? { messages.first { $0.id.value == id } }

    static let keys = ["timezone", "audio_dir", "defaults", "languages", "outputs", "zones", "messages", "control", "uploads", "fleet",
                       "operators", "console", "gps", "alerts", "live", "sirens", "metrics", "retention"]
}

/// A volume in dB as people read it: `-6`, `-4.5`, `0`.
public enum VolumeText {
    public static func db(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
