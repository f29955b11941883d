// libFuzzer target: calendar expressions (and the next instants of those that parse), time spans
// and the CLI's TIME arguments. Built by `make fuzz` with -sanitize=fuzzer,address.

import Foundation
import LabaCore

nonisolated(unsafe) let zones = [TimeZone(identifier: "UTC")!, TimeZone(identifier: "Asia/Shanghai")!,
                                 TimeZone(identifier: "Europe/Berlin")!]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCalendar(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let spec = try? CalendarSpec(parsing: text) {
        _ = spec.description
        for zone in zones {
            var t = Instant(seconds: 1_796_342_400)
            for _ in 0..<3 {
                guard let next = spec.next(after: t, in: zone) else { break }
                precondition(next > t, "\(text): next \(next) is not after \(t)")
                t = next
            }
        }
    }
    _ = try? TimeSpan(parsing: text)
    _ = try? TimeParsing.instant(text, in: zones[1], now: Instant(seconds: 1_800_000_000))
    return 0
}

// The entry point SwiftPM gives an executable (fuzz_calendar_main, aliased to main at link time):
// it hands over to libFuzzer's driver with the function above.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("fuzz_calendar_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return withUnsafeMutablePointer(to: &arguments) { runDriver(&count, $0, fuzzCalendar) }
}
