import LabaControl
import Testing
@testable import LabaCLI

/// Issue 27's defects of the CLI, each where a newcomer met it.
@Suite struct ClerkCommandsTests {
    /// A socket left to root's group (labad's control group did not exist when it started): the
    /// advice is to create the group, never to join root.
    @Test func aRootOwnedSocketIsNotAdviceToJoinRoot() {
        let root = ControlClient.permissionAdvice("/run/laba/laba.sock", groupID: 0, groupName: "root")
        #expect(!root.contains("-aG root") && root.contains("groupadd --system laba-control") && root.contains("-aG laba-control"), "\(root)")
        let group = ControlClient.permissionAdvice("/run/laba/laba.sock", groupID: 998, groupName: "laba-control")
        #expect(group.contains("join the group 'laba-control'"), "\(group)")
        let unnamed = ControlClient.permissionAdvice("/run/laba/laba.sock", groupID: 4242, groupName: nil)
        #expect(unnamed.contains("join the group that owns it"), "\(unnamed)")
    }

    /// `laba stop` says what it reached.
    @Test(arguments: [
        (StopJSON(outputs: ["baisha-hall"]), ["baisha"], false, "stopped what plays on baisha-hall"),
        (StopJSON(outputs: ["a", "b"]), nil, true, "stopped what plays on a, b and cleared what waits there"),
        (StopJSON(outputs: []), ["xinyingpan"], false, "no loudspeaker serves xinyingpan now: nothing to stop"),
    ] as [(StopJSON, [String]?, Bool, String)])
    func stopSaysWhatItReached(_ stopped: StopJSON, _ zones: [String]?, _ clear: Bool, _ expected: String) {
        #expect(Stop.summary(stopped, zones: zones, clear: clear) == expected)
    }
}
