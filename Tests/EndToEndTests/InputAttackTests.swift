// Issue 24's attacks that fit `make test`'s time budget (a few seconds each), run here as well as
// by `make attack`: the outside inputs (Bench/attack/cap-and-gps.py) and the console's logins and
// journal (Bench/attack/logins-and-logs.py). The flood of idle connections (root, a network
// namespace, 30 s) stays in `make attack`; ConsoleTests covers its limits one by one.

import Foundation
import Testing

@Suite struct InputAttackTests {
    /// Hostile CAP files in the watched folder (DOCTYPEs, entity bombs, elements out of order, a
    /// foreign geocode, links) and hostile gpsd lines (wrong fix times, a simulated fix, 8 MiB
    /// without a newline) against the real labad: the script exits 0 only when the attack failed.
    @Test func hostileAlertsAndGPSLinesLeaveTheHornsWorking() async throws {
        let result = try await blocking { try Binaries.run(executable: "/usr/bin/env", ["python3", Binaries.repo("Bench/attack/cap-and-gps.py"), Binaries.directory],
                                      timeout: 240) }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
    }

    /// 300 wrong passwords at once from one address, then the right one, and a login name that
    /// tries to forge a journal entry, against the real console: exits 0 only when both failed.
    @Test func aBurstOfLoginsAndAForgedLogLineLeaveTheHeadSigningIn() async throws {
        let result = try await blocking { try Binaries.run(executable: "/usr/bin/env",
                                      ["python3", Binaries.repo("Bench/attack/logins-and-logs.py"), Binaries.directory], timeout: 240) }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
    }
}
