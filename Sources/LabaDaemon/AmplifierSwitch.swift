// The hands of `power:` (SPEC 18): a GPIO line through libgpiod, or two shell commands. Each
// output's switching runs on its own serial queue, never on the engine's actor or an event loop
// (a relay's command may take a second); the engine learns the outcome through `report`.

import CGPIOD
import Foundation
import LabaCore

final class AmplifierSwitch: @unchecked Sendable {
    /// The longest a switching command may take before it is killed and reported.
    static let commandTimeout: TimeInterval = 10

    let output: String
    let switching: PowerConfig.Switch
    private let queue: DispatchQueue
    /// The requested GPIO line, kept for the daemon's life (released, the line's level is the
    /// kernel's to choose). Touched on `queue` only.
    private var chip: OpaquePointer?
    private var line: OpaquePointer?

    init(output: String, switching: PowerConfig.Switch) {
        self.output = output
        self.switching = switching
        queue = DispatchQueue(label: "laba.power.\(output)")
    }

    deinit {
        if let line { gpiod_line_release(line) }
        if let chip { gpiod_chip_close(chip) }
    }

    /// Switches on or off; `report` gets nil on success or what went wrong, in a technician's words.
    func set(_ on: Bool, report: @escaping @Sendable (PowerProblem?) -> Void) {
        queue.async { [self] in
            switch switching {
            case .commands(let onCommand, let offCommand):
                report(Self.run(on ? onCommand : offCommand))
            case .gpio(let name, let offset, let activeHigh):
                report(setLine(chip: name, offset: offset, value: on == activeHigh ? 1 : 0))
            }
        }
    }

    /// Waits for the switching queued so far (shutdown: the last `off` is carried out).
    func drain(timeout: TimeInterval) {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        _ = done.wait(timeout: .now() + timeout)
    }

    private func setLine(chip name: String, offset: Int, value: Int32) -> PowerProblem? {
        let at = ["chip": name, "line": String(offset)]
        if line == nil {
            guard let opened = gpiod_chip_open_lookup(name) else {
                let missing = errno == ENOENT
                return PowerProblem(missing ? "chip_missing" : "chip_cannot_open", ["chip": name],
                                    detail: "GPIO chip \(name) cannot be opened: \(String(cString: strerror(errno)))")
            }
            guard let requested = gpiod_chip_get_line(opened, UInt32(offset)) else {
                let error = String(cString: strerror(errno))
                gpiod_chip_close(opened)
                return PowerProblem("line_missing", at, detail: "GPIO line \(name):\(offset) does not exist: \(error)")
            }
            guard gpiod_line_request_output(requested, "labad", value) == 0 else {
                let busy = errno == EBUSY
                let error = String(cString: strerror(errno))
                gpiod_chip_close(opened)
                return PowerProblem(busy ? "line_busy" : "line_cannot_take", at, detail: "GPIO line \(name):\(offset) cannot be taken: \(error)")
            }
            chip = opened
            line = requested
            return nil
        }
        guard gpiod_line_set_value(line, value) == 0 else {
            return PowerProblem("line_cannot_set", at, detail: "GPIO line \(name):\(offset) cannot be set: \(String(cString: strerror(errno)))")
        }
        return nil
    }

    /// Runs a command with /bin/sh; nil when it exits 0.
    static func run(_ command: String) -> PowerProblem? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            return PowerProblem("command_cannot_start", ["command": command], detail: "'\(command)' cannot be started: \(error)")
        }
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + commandTimeout, execute: watchdog)
        // What it says on stderr, at most 4 KiB of it (the rest is read and dropped).
        var said = Data()
        let handle = errors.fileHandleForReading
        while let chunk = try? handle.read(upToCount: 4096), !chunk.isEmpty {
            if said.count < 4096 { said.append(chunk.prefix(4096 - said.count)) }
        }
        process.waitUntilExit()
        watchdog.cancel()
        let text = String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal {
            return PowerProblem("command_killed", ["command": command, "signal": String(status)],
                                detail: "'\(command)' was killed (signal \(status))" + (text.isEmpty ? "" : ": \(text)"))
        }
        guard status == 0 else {
            // 127: the shell did not find the program (126: found, not executable).
            return PowerProblem(status == 127 ? "command_not_found" : "command_exited", ["command": command, "status": String(status)],
                                detail: "'\(command)' exited with status \(status)" + (text.isEmpty ? "" : ": \(text)"))
        }
        return nil
    }
}
