// Issue 24's attack on the daemon's outside inputs (Bench/attack/cap-and-gps.py), run by `make
// test` as well as `make attack`: it fits the time budget (a few seconds).

import Foundation
import Testing

@Suite struct InputAttackTests {
    /// Hostile CAP files in the watched folder (DOCTYPEs, entity bombs, elements out of order, a
    /// foreign geocode, links) and hostile gpsd lines (wrong fix times, a simulated fix, 8 MiB
    /// without a newline) against the real labad: the script exits 0 only when the attack failed.
    @Test func hostileAlertsAndGPSLinesLeaveTheHornsWorking() throws {
        let result = try Binaries.run(executable: "/usr/bin/env", ["python3", Binaries.repo("Bench/attack/cap-and-gps.py"), Binaries.directory],
                                      timeout: 240)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
    }
}
