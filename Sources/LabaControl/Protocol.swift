// LabaControl: the control protocol shared by the daemon and the CLI.

import LabaCore

/// The control API version; it appears in every path (`/v1/...`).
///
/// Changelog:
/// - v1: first version (status, outputs, broadcasts, stop, schedule, report, reload).
///   Later additions within v1 (readers ignore what they do not know): `all` in broadcast and stop
///   requests; `refused` in the answer of a request for several outputs; `drill`, the sources
///   `live`, `alert` and `fleet`, and the tagged `requested_by`; `records_behind` and `warnings` in
///   the status; `within` as a time span or a number of seconds; `/v1/schedule/entries` and
///   `/v1/schedule/log` (the operators' schedule), with the codes `conflict` and `forbidden`. The
///   fleet (SPEC 11): `fleet` in the status; `GET /v1/fleet`, `GET /v1/fleet/units/{id}`,
///   `POST /v1/library`; `command` in the answers of `POST /v1/broadcasts` and `POST /v1/stop` on a
///   commander; `unit=` and `fleet=` in `GET /v1/broadcasts` (records with `unit` and `command`);
///   `by=unit` and `fleet=` in the report; the error code `not_commander`. Places (SPEC 13):
///   `position` in broadcasts, `gps` in the status, `/v1/alerts`, the code `invalid_alert`. Accounts'
///   zones (SPEC 17): `forbidden` (403) also for a request outside the requester's zones, with the
///   refusals `outside_zones` and `library_needs_everywhere`.
public enum ControlProtocol {
    public static let version = 1
    public static let pathPrefix = "/v1"
    public static let defaultSocket = "/run/laba/laba.sock"
}

/// The version of `laba` and `labad`, shown by `--version` and `GET /v1/status`.
///
/// `make deb` compiles with `-D LABA_BUILD_STAMP` and writes `BuildStamp.swift` beside this file
/// (gitignored) with the commit it builds; a plain `swift build` says `dev` instead.
public enum LabaVersion {
    /// The release this tree is; `make deb` names the package after it.
    public static let release = "0.1.0"
    #if LABA_BUILD_STAMP
    public static let string = "\(release) (commit \(LabaBuildStamp.commit))"
    /// The date of the commit built: no clock that is right reads earlier.
    public static let buildDate = Instant(seconds: LabaBuildStamp.date)
    #else
    public static let string = "\(release) (dev)"
    /// A tree built without a stamp: the start of this release's work (2026-11-01 UTC).
    public static let buildDate = Instant(seconds: 1_793_491_200)
    #endif
}
