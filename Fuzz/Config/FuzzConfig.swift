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

// The entry point SwiftPM gives an executable (fuzz_config_main, aliased to main at link time):
// it hands over to libFuzzer's driver with the function above.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("fuzz_config_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return withUnsafeMutablePointer(to: &arguments) { runDriver(&count, $0, fuzzConfig) }
}
