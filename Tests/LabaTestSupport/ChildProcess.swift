// Waiting for a child process to end without relying on Foundation alone to have seen its SIGCHLD.

import Foundation

extension Process {
    /// Returns once the child has ended and Foundation has seen it end (so that it lets go of the
    /// child's pipes: its run loop source does that, on the thread that waits, as `waitUntilExit`
    /// does). Once in a full test run Foundation never saw a child's SIGCHLD: a broker killed with
    /// SIGKILL stayed a zombie and `waitUntilExit` spun for ever on both of the cooperative pool's
    /// threads. So a child that has been a zombie (`/proc/PID/stat`) for 5 s ends the wait too.
    public func waitForEnd() {
        let pid = processIdentifier
        var zombieSince: Date?
        while isRunning {
            _ = RunLoop.current.run(mode: .default, before: Date().addingTimeInterval(0.01))
            guard isRunning else { return }
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            // The state is the field after the command's closing parenthesis.
            let state = stat.flatMap { text in text.lastIndex(of: ")").flatMap { text[text.index(after: $0)...].dropFirst().first } }
            if stat == nil || state == "Z" || state == "X" {
                if let since = zombieSince, Date().timeIntervalSince(since) > 5 { return }
                if zombieSince == nil { zombieSince = Date() }
            }
        }
    }

    /// The child's exit status once it has ended (as `terminationStatus`: the exit code, or the
    /// signal that ended it), read without reaping it when Foundation has not seen it end.
    public func endStatus() -> Int32 {
        waitForEnd()
        if !isRunning { return terminationStatus }
        var info = siginfo_t()
        if waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid != 0 {
            return info._sifields._sigchld.si_status
        }
        // Reaped by Foundation a moment ago: its status is about to be set.
        let deadline = Date().addingTimeInterval(5)
        while isRunning, Date() < deadline { usleep(1_000) }
        return isRunning ? -1 : terminationStatus
    }
}
