// swift-tools-version:6.0
import Foundation
import PackageDescription

let package = Package(
    name: "laba",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "labad", targets: ["labad"]),
        .executable(name: "laba", targets: ["laba"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The web console: bcrypt, templates, TLS and its self-signed certificate.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // The console's talk button: the browser's microphone over a WebSocket.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // NIOTLS: the console's connection guard hears when a TLS handshake completes.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // labad's /metrics in Prometheus's text format.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, module maps only.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CEBUR128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CShout"),
        .systemLibrary(name: "CGPIOD"),
        .systemLibrary(name: "COpus", pkgConfig: "libopusenc", providers: [.apt(["libopusenc-dev", "libopusfile-dev", "libogg-dev"])]),
        .systemLibrary(name: "CXlsxWriter"),
        // libshout, libgpiod and libxlsxwriter are not linked: the functions Laba calls load their
        // library on first use (dlopen), so that neither `laba` nor `labad` loads them, and
        // libshout's 27 libraries, at every start (headers only above: libshout-dev, libgpiod-dev,
        // libxlsxwriter-dev).
        .target(name: "CLazyLibraries"),

        // The message catalogue (en, zh-Hans) of everything a clerk reads; Foundation only, so that the
        // CLI and the web console share it.
        .target(name: "LabaCatalog"),
        // Pure core: configuration, calendar, zones, planning, arbiter.
        .target(name: "LabaCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The only target that touches libasound, libsndfile, libebur128 and libsoxr.
        .target(name: "LabaAudio", dependencies: ["LabaCore", "CALSA", "CSndFile", "CEBUR128", "CSoxr",
                                                  .product(name: "Logging", package: "swift-log")]),
        // Durable state (history, queue, occurrence ledger, loudness cache).
        .target(name: "LabaStore", dependencies: ["LabaCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // API types shared by the daemon and the CLI.
        .target(name: "LabaControl", dependencies: ["LabaCore", "LabaCatalog"]),
        // The fleet: the MQTT connection (the only target that touches libmosquitto), signed commands, topics.
        .target(name: "LabaFleet", dependencies: ["LabaCore", "CMosquitto",
                                                  .product(name: "Crypto", package: "swift-crypto"),
                                                  .product(name: "Logging", package: "swift-log")]),
        // A commander's live talk to its units through Icecast: the only target that touches
        // libshout, libopusenc, libopusfile and libogg.
        .target(name: "LabaStream", dependencies: ["LabaAudio", "CShout", "COpus", "CLazyLibraries",
                                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                   .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        // Spreadsheets (.xlsx) of the record, the report, the schedule log and the coverage: the only
        // target that touches libxlsxwriter.
        .target(name: "LabaSheet", dependencies: ["CXlsxWriter", "CLazyLibraries", "LabaControl", "LabaCatalog", "LabaCore"]),
        // Services and their composition.
        .target(name: "LabaDaemon", dependencies: ["LabaCore", "LabaAudio", "LabaStore", "LabaControl", "LabaFleet", "LabaStream", "LabaCatalog", "CLinux", "CGPIOD", "CLazyLibraries",
                                                   .product(name: "Logging", package: "swift-log"),
                                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                   .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                                                   .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "Prometheus", package: "swift-prometheus")]),
        // The web console (SPEC 12): routes, sessions, templates and assets, on the front door's
        // protocol (ConsoleDoor): it knows neither the daemon nor its store nor its audio.
        .target(name: "LabaConsole", dependencies: [
            "LabaCore", "LabaControl", "LabaCatalog", "LabaSheet",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The arguments as the C library hands them to the program (no /proc needed), and the
        // one executable's choice of program by the name it was started under.
        .target(name: "CArguments"),
        .target(name: "LabaArguments", dependencies: ["CArguments"]),
        // The daemon's command: flags, logging, signals.
        .target(name: "LabadCommand", dependencies: [
            "LabaDaemon", "LabaConsole", "LabaCore", "LabaControl", "LabaArguments",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The daemon alone, for development and the tests; the package installs `laba` only,
        // with `labad` a link to it (issue 32).
        .executableTarget(name: "labad", dependencies: ["LabadCommand", "LabaArguments"]),
        // The one executable: the CLI, or the daemon when started as `labad`.
        .executableTarget(name: "laba", dependencies: ["LabaCLI", "LabadCommand", "LabaArguments"]),
        // The operator's command line: it knows the control API, not the daemon.
        .target(name: "LabaCLI", dependencies: [
            "LabaArguments",
            "LabaCore", "LabaAudio", "LabaControl", "LabaCatalog", "LabaFleet", "LabaStore", "LabaSheet",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "LabaCatalogTests", dependencies: ["LabaCatalog"]),
        // The CLI's own logic (argument repairs, CSV), as tables; the binary itself is in EndToEndTests.
        .testTarget(name: "LabaCLITests", dependencies: ["LabaCLI", "LabaControl", "LabaCatalog", "LabaCore", "LabaFleet", "LabaSheet"]),
        .testTarget(name: "LabaCoreTests", dependencies: ["LabaCore"]),
        .target(name: "LabaTestSupport", path: "Tests/LabaTestSupport"),
        .testTarget(name: "LabaAudioTests", dependencies: ["LabaAudio", "LabaCore", "CSndFile", "CEBUR128", "LabaTestSupport"]),
        .testTarget(name: "LabaConsoleTests", dependencies: ["LabaConsole", "LabaControl", "LabaCore", "LabaStore", "LabaCatalog", "LabaAudio"]),
        .testTarget(name: "LabaStoreTests", dependencies: ["LabaStore", "LabaCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "LabaDaemonTests", dependencies: ["LabaDaemon", "LabaCore", "LabaStore", "LabaAudio", "LabaFleet",
                                                            .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "LabaStreamTests", dependencies: ["LabaStream", "LabaAudio", "LabaTestSupport"]),
        .testTarget(name: "LabaFleetTests", dependencies: ["LabaFleet", "LabaCore", "LabaTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["LabaCore", "LabaStore", "LabaFleet", "LabaTestSupport"]),
    ]
)

// `make fuzz` only (LABA_FUZZ=1, built with -sanitize=fuzzer): libFuzzer targets, whose main is libFuzzer's.
if ProcessInfo.processInfo.environment["LABA_FUZZ"] != nil {
    package.targets += [
        .executableTarget(name: "fuzz-config", dependencies: ["LabaCore"], path: "Fuzz/Config"),
        .executableTarget(name: "fuzz-calendar", dependencies: ["LabaCore"], path: "Fuzz/Calendar"),
    ]
    package.products += [
        .executable(name: "fuzz-config", targets: ["fuzz-config"]),
        .executable(name: "fuzz-calendar", targets: ["fuzz-calendar"]),
    ]
}
