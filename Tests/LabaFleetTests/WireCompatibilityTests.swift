// Issues 26 and 30: what this version adds to the fleet's messages (an ack's args, an output's
// off-air check) is read by this version, and a message of an older unit, without them, still reads.

import Foundation
import LabaCore
import LabaFleet
import Testing

@Suite struct WireCompatibilityTests {
    @Test func anAcksArgumentsTravelAndAnOlderAckReads() throws {
        var ack = CommandAck(command: "c-1", unit: "east-1", result: .refused, code: "quiet_hours",
                             message: "zone 'east' is in quiet hours (00:00-23:59); force plays it anyway", at: Instant(seconds: 1_800_000_000))
        ack.args = ["zone": "east", "window": "00:00-23:59"]
        let back = try FleetJSON.decode(CommandAck.self, from: Array(FleetJSON.encode(ack)))
        #expect(back == ack)
        let older = #"{"command":"c-1","unit":"east-1","result":"refused","code":"quiet_hours","message":"m","at":"2027-01-15T08:00:00.000Z"}"#
        let read = try FleetJSON.decode(CommandAck.self, from: Array(older.utf8))
        #expect(read.args == nil && read.code == "quiet_hours")
    }

    @Test func anOutputsOffAirCheckTravelsInTheStatusAndAnOlderStatusReads() throws {
        var output = UnitStatus.Output(id: "square", zone: "east", state: "idle")
        output.heard = "no"
        output.unheard = 3
        output.silent = true
        var status = UnitStatus(unit: "east-1", state: .online)
        status.outputs = [output]
        let back = try FleetJSON.decode(UnitStatus.self, from: Array(FleetJSON.encode(status)))
        #expect(back.outputs?.first?.silent == true && back.outputs?.first?.unheard == 3 && back.outputs?.first?.heard == "no")
        let older = #"{"unit":"east-1","state":"online","outputs":[{"id":"square","zone":"east","state":"idle","queue":0}]}"#
        let read = try FleetJSON.decode(UnitStatus.self, from: Array(older.utf8))
        #expect(read.outputs?.first?.silent == nil && read.outputs?.first?.id == "square")
    }

    /// Issue 26: an amplifier's problem travels as a code with arguments beside the unit's words;
    /// a unit of the last release sends its words only, and they read.
    @Test func anAmplifiersProblemCodeTravelsInTheStatusAndAnOlderOneReads() throws {
        var output = UnitStatus.Output(id: "square", zone: "east", state: "idle")
        output.power = "off"
        output.powerProblem = "'relay on' exited with status 4"
        output.powerProblemCode = "command_exited"
        output.powerProblemArgs = ["command": "relay on", "status": "4"]
        var status = UnitStatus(unit: "east-1", state: .online)
        status.outputs = [output]
        let text = String(decoding: FleetJSON.encode(status), as: UTF8.self)
        #expect(text.contains("\"power_problem_code\":\"command_exited\""), "\(text)")
        let back = try FleetJSON.decode(UnitStatus.self, from: Array(text.utf8))
        #expect(back.outputs?.first?.powerProblemCode == "command_exited" && back.outputs?.first?.powerProblemArgs?["status"] == "4")
        let older = #"{"unit":"east-1","state":"online","outputs":[{"id":"square","zone":"east","state":"idle","queue":0,"power":"off","power_problem":"x"}]}"#
        let read = try FleetJSON.decode(UnitStatus.self, from: Array(older.utf8))
        #expect(read.outputs?.first?.powerProblemCode == nil && read.outputs?.first?.powerProblem == "x")
    }
}
