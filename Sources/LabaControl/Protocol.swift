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
public enum LabaVersion {
    public static let string = "0.1.0"
}
