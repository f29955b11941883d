// libFuzzer target: the configuration loader, its checks and the planner on whatever it accepts.
// Built by `make fuzz` with -sanitize=fuzzer,address; any input may be refused, none may crash.

import Foundation
import LabaCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let loaded = ConfigLoader.parse(yaml: text, file: "fuzz.yaml", directory: "/nonexistent")
    for diagnostic in loaded.diagnostics { _ = diagnostic.description }
    guard let config = loaded.config, loaded.isValid else { return 0 }
    let library = MessageLibrary(directory: config.audioDirectory)
    let now = Instant(seconds: 1_796_342_400)
    _ = ConfigCheck(config: config, library: library, now: now).diagnostics
    let planner = Planner(config: config, library: nil)
    for b in planner.upcoming(after: now, count: 20) { _ = b.skip?.description }
    return 0
}
