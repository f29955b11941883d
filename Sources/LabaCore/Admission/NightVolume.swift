// Night volume (SPEC 18): a zone's `volume_schedule: ["22:00-07:00 -12dB"]` lowers what plays in
// those hours, by a gain fixed when a program starts. Quiet hours still skip scheduled broadcasts;
// emergencies and the civil-defence signals keep full volume. Pure.

import Foundation

/// One window of a zone's volume schedule: `22:00-07:00 -12dB`.
public struct VolumeWindow: Hashable, Sendable, CustomStringConvertible {
    public var hours: QuietHours
    /// The change of gain inside the window, in dB (negative: quieter).
    public var gainDB: Double

    public init(hours: QuietHours, gainDB: Double) {
        self.hours = hours
        self.gainDB = gainDB
    }

    /// Parses `HH:MM-HH:MM -12dB` (`dB` in any case, the sign optional for 0).
    public init?(parsing text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let hours = QuietHours(parsing: String(parts[0])) else { return nil }
        var gain = String(parts[1])
        guard gain.lowercased().hasSuffix("db") else { return nil }
        gain.removeLast(2)
        guard let db = Double(gain), db.isFinite else { return nil }
        self.init(hours: hours, gainDB: db)
    }

    public var description: String { "\(hours) \(Self.gainText(gainDB))" }

    /// A gain as the configuration writes it: `-12dB`, `-4.5dB`.
    public static func gainText(_ db: Double) -> String {
        (db == db.rounded() ? String(Int(db)) : String(db)) + "dB"
    }
}

/// How a broadcast plays at an instant of a zone's day.
public enum NightVolume {
    public enum Decision: Hashable, Sendable {
        /// A scheduled broadcast in quiet hours: recorded `skipped`, not played.
        case skipped(QuietHours)
        /// It plays, lowered by the window's gain when one holds (nil: full volume).
        case play(VolumeWindow?)

        /// The change of gain in dB: 0 at full volume.
        public var gainDB: Double {
            if case .play(let window?) = self { return window.gainDB }
            return 0
        }
    }

    /// The window of `schedule` that holds at `civil`: the first that contains it.
    public static func window(of schedule: [VolumeWindow], at civil: CivilTime) -> VolumeWindow? {
        let minute = Double(civil.hour * 60 + civil.minute) + Double(civil.microsecond) / 60e6
        return schedule.first { $0.hours.contains(minuteOfDay: minute) }
    }

    /// How a broadcast of `priority` plays in `zone` at `civil`.
    ///
    /// - Parameters:
    ///   - siren: a civil-defence signal, which always plays at full volume.
    ///   - scheduled: it comes from the schedule: quiet hours skip it, whatever it plays (a drill
    ///     is not sounded at night by the schedule). A manual broadcast in quiet hours was either
    ///     forced (it plays, lowered as any other) or refused by admission.
    public static func decide(zone: ResolvedZone, at civil: CivilTime, priority: Priority, siren: Bool,
                              scheduled: Bool) -> Decision {
        if scheduled, let quiet = Rules.quietHours(of: zone, at: civil) {
            return .skipped(quiet)
        }
        if siren || priority == .emergency { return .play(nil) }
        return .play(window(of: zone.volumeSchedule, at: civil))
    }
}
