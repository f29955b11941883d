import Foundation
import LabaCore
@testable import LabaDaemon
import Testing

/// A phone's recording told by its first bytes, its MPEG-4 index moved first, and ffmpeg stopped
/// by its limits (issue 27).
@Suite struct PhoneConversionTests {
    static let sniffed: [(String, [UInt8], PhoneFormat?)] = [
        ("m4a", [0, 0, 0, 28] + Array("ftypM4A ".utf8), .m4a),
        ("3gp", [0, 0, 0, 20] + Array("ftyp3gp4".utf8), .m4a),
        ("adts", [0xFF, 0xF1, 0x50, 0x80], .aac),
        ("adts mpeg-2", [0xFF, 0xF9, 0x50, 0x80], .aac),
        ("mp3 frame", [0xFF, 0xFB, 0x90, 0x64], nil),
        ("amr", Array("#!AMR\n".utf8) + [0x3C], .amr),
        ("amr-wb", Array("#!AMR-WB\n".utf8), .amrWB),
        ("wechat silk", [0x02] + Array("#!SILK_V3".utf8), .silk),
        ("silk", Array("#!SILK_V3".utf8), .silk),
        ("wav", Array("RIFF\0\0\0\0WAVE".utf8), nil),
        ("text", Array("Meeting at the school".utf8), nil),
        ("empty", [], nil),
    ]

    @Test(arguments: sniffed.indices)
    func aPhonesFormatIsToldByItsFirstBytes(_ i: Int) {
        let (name, bytes, format) = Self.sniffed[i]
        #expect(PhoneFormat.sniff(bytes) == format, "\(name)")
    }

    /// A tone (or noise, which FLAC cannot shrink) as AAC in MPEG-4, its index at the end.
    static func tone(_ dir: String, seconds: Int, faststart: Bool = false, noise: Bool = false) throws -> String {
        let path = dir + "/tone\(seconds)\(faststart ? "-fast" : "")\(noise ? "-noise" : "").m4a"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", noise ? "anoisesrc=duration=\(seconds)" : "sine=frequency=500:duration=\(seconds)",
                             "-c:a", "aac"] + (faststart ? ["-movflags", "+faststart"] : []) + ["-y", path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return path
    }

    static func temporary() throws -> String {
        let dir = NSTemporaryDirectory() + "laba-phone-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A phone writes the index (`moov`) after the samples; moved first, with the chunk offsets
    /// shifted, ffmpeg reads the whole recording from a pipe (20 s: far beyond its pipe buffer).
    @Test func theIndexIsMovedFirstAndTheWholeRecordingIsConverted() throws {
        let dir = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.tone(dir, seconds: 20)
        let late = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func order(_ bytes: [UInt8]) -> [String] { (MP4Layout.boxes(bytes, in: 0..<bytes.count) ?? []).map(\.type) }
        #expect(order(late).firstIndex(of: "mdat")! < order(late).firstIndex(of: "moov")!, "\(order(late))")
        let moved = MP4Layout.fastStart(late)
        #expect(moved.count == late.count && order(moved).firstIndex(of: "moov")! < order(moved).firstIndex(of: "mdat")!, "\(order(moved))")
        #expect(MP4Layout.fastStart(moved) == moved, "already in order: left as it is")
        #expect(MP4Layout.fastStart(Array("not mp4 at all".utf8)) == Array("not mp4 at all".utf8))
        let output = dir + "/out.flac"
        try PhoneConverter(maxDuration: .seconds(900)).convert(path, format: .m4a, to: output)
        let soxi = Process()
        let pipe = Pipe()
        soxi.executableURL = URL(fileURLWithPath: "/usr/bin/soxi")
        soxi.arguments = ["-D", output]
        soxi.standardOutput = pipe
        try soxi.run()
        soxi.waitUntilExit()
        let seconds = Double(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(seconds > 19.9 && seconds < 20.2, "\(seconds) s")
    }

    static let limits: [(String, @Sendable (inout PhoneConverter) -> Void, String)] = [
        ("output", { $0.outputBytes = 20_000 }, "output"),
        ("time", { $0.wallSeconds = 0.001 }, "time"),
        // No CPU time at all: killed at its first tick.
        ("cpu", { $0.cpuSeconds = 0 }, "cpu"),
        // Too little address space to map its libraries.
        ("memory", { $0.memoryBytes = 64 << 20 }, "memory"),
    ]

    @Test(arguments: limits.indices)
    func aConversionThatRunsPastItsLimitIsStopped(_ i: Int) throws {
        let (name, set, which) = Self.limits[i]
        let dir = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try Self.tone(dir, seconds: 20, noise: true)
        var converter = PhoneConverter(maxDuration: .seconds(900))
        let output = dir + "/out.flac"
        try converter.convert(input, format: .m4a, to: output)
        #expect(FileManager.default.fileExists(atPath: output), "within the limits it converts")
        set(&converter)
        #expect(throws: PhoneConversionError.limit(which), "\(name)") { try converter.convert(input, format: .m4a, to: output) }
        #expect(!FileManager.default.fileExists(atPath: output), "nothing half-converted is left")
    }
}
