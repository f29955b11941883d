// LabaControl: the control protocol shared by the daemon and the CLI.

/// The control API version; it appears in every path (`/v1/...`).
///
/// Changelog:
/// - v1: first version (status, outputs, broadcasts, stop, schedule, report, reload).
public enum ControlProtocol {
    public static let version = 1
    public static let pathPrefix = "/v1"
    public static let defaultSocket = "/run/laba/laba.sock"
}

/// Exit codes shared by `laba` and `labad` (sysexits.h).
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case unavailable = 69
    case config = 78
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
    #else
    public static let string = "\(release) (dev)"
    #endif
}
