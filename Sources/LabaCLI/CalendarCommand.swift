// `laba calendar`: the next instants of calendar expressions, as `systemd-analyze calendar` gives them.

import ArgumentParser
import Foundation
import LabaCatalog
import LabaCore

struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Print the next instants of calendar expressions.",
        discussion: """
            Each expression uses systemd's OnCalendar syntax (man systemd.time). One RFC 3339 line is \
            printed per instant; the blocks of several expressions are separated by an empty line. An \
            expression that never elapses (2100-02-29) prints nothing on standard output, says "never" \
            on standard error and exits 0, as systemd-analyze calendar does.
            """)

    @Argument(help: "Calendar expressions, e.g. 'Mon..Fri 07:30'.")
    var expressions: [String]

    @Option(help: ArgumentHelp("Count from this time: RFC 3339, YYYY-MM-DD[ HH:MM[:SS]] or @EPOCH.", valueName: "time"))
    var baseTime: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("How many instants to print per expression (at least 1).", valueName: "n"))
    var iterations = 1

    @Option(help: ArgumentHelp("The IANA time zone; default: the system's.", valueName: "tz"))
    var timezone: String?

    func validate() throws {
        try validateCount(iterations, option: "--iterations", in: 1...Int.max)
    }

    func run() throws {
        let zone: TimeZone
        let base: Instant
        do {
            zone = try timezone.map(TimeParsing.zone) ?? TimeZone.current
        } catch {
            throw ValidationError(englishOr("--timezone: \(error)", .cliBadTimezone, ["value": timezone ?? ""]))
        }
        do {
            let now = Instant(Date())
            base = try baseTime.map { try TimeParsing.instant($0, in: zone, now: now) } ?? now
        } catch {
            throw ValidationError(englishOr("--base-time: \(error)", .cliBadTime, ["option": "--base-time", "value": baseTime ?? ""]))
        }
        var specs: [CalendarSpec] = []
        var failed = false
        for expression in expressions {
            do {
                specs.append(try CalendarSpec(parsing: expression))
            } catch {
                complain(.calendarInvalid, ["expression": expression, "error": "\(error)"])
                failed = true
            }
        }
        if failed { throw ExitCode.failure }

        var out = OutputBuffer()
        var display = ZoneConverter(zone)
        var never: [String] = []
        for (index, spec) in specs.enumerated() {
            if index > 0 { out.append("\n") }
            var converter = ZoneConverter(spec.effectiveZone(zone))
            var now = base
            for _ in 0..<iterations {
                guard let next = spec.next(after: now, converter: &converter) else { break }
                out.appendTimestamp(next, converter: &display)
                out.appendByte(0x0A)
                now = next
            }
            if now == base { never.append(expressions[index]) }
        }
        out.flush()
        // Standard output stays the instants only, so that scripts keep working; the word is for people.
        for expression in never {
            complain(.calendarNever, ["expression": expression, "base": RFC3339.format(base, in: zone)])
        }
    }
}

/// Collects output and writes it in large blocks: a hundred thousand lines should not be a hundred
/// thousand system calls.
struct OutputBuffer {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func appendByte(_ byte: UInt8) {
        bytes.append(byte)
        if bytes.count >= 1 << 16 { flush() }
    }

    /// An RFC 3339 timestamp with as many fraction digits as it needs.
    mutating func appendTimestamp(_ instant: Instant, converter: inout ZoneConverter) {
        RFC3339.append(instant, converter: &converter, fractionDigits: -1, to: &bytes)
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
