// Inputs from outside the daemon (SPEC 17): gpsd's lines, bounded and found without rescanning;
// simulated fixes ignored; CAP files in the watched folder read without following links, and kept
// as the bytes received so that their repeats read what came.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
@testable import LabaDaemon
import LabaStore
import Logging
import Testing

@Suite struct GPSInputTests {
    static func lines(_ pieces: [GPSLineFramer.Piece]) -> [String] {
        pieces.map { piece in
            switch piece {
            case .line(let bytes): String(decoding: bytes, as: UTF8.self)
            case .overlong: "<dropped>"
            }
        }
    }

    struct FramingCase: CustomTestStringConvertible, Sendable {
        var name: String
        var chunks: [[UInt8]]
        var lines: [String]
        var testDescription: String { name }
    }

    static let long = [UInt8](repeating: UInt8(ascii: "x"), count: GPSLineFramer.limit)
    static func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let framing: [FramingCase] = [
        .init(name: "lines in one chunk", chunks: [text("a\nb\n")], lines: ["a", "b"]),
        .init(name: "a line across chunks", chunks: [text("{\"cl"), text("ass\":1}\n{")], lines: [#"{"class":1}"#]),
        .init(name: "a line of exactly 64 KiB", chunks: [long, text("\nok\n")], lines: [String(repeating: "x", count: GPSLineFramer.limit), "ok"]),
        .init(name: "one byte more is dropped, once, and the next line read", chunks: [long, text("x"), long, text("\nok\n")],
              lines: ["<dropped>", "ok"]),
        .init(name: "an over-long line ending in the chunk that overflows", chunks: [long + text("yy\nok\n")], lines: ["<dropped>", "ok"]),
        .init(name: "two over-long lines: two drops", chunks: [long + text("y\n") + long + text("y\nok\n")],
              lines: ["<dropped>", "<dropped>", "ok"]),
    ]

    @Test(arguments: framing) func gpsdLinesAreBoundedAndTheReaderResyncsAtTheNextNewline(_ c: FramingCase) {
        var framer = GPSLineFramer()
        #expect(Self.lines(c.chunks.flatMap { framer.take($0) }) == c.lines)
    }

    /// 8 MiB without a newline, as gpsd's socket gives it (8 KiB reads): each byte is looked at
    /// once (a rescan of what waits would take minutes here), and the fix after it is read.
    @Test func anEightMebibyteLineCostsNoMoreThanItsBytes() {
        var framer = GPSLineFramer()
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 8192)
        let clock = ContinuousClock()
        var pieces: [GPSLineFramer.Piece] = []
        let took = clock.measure {
            for _ in 0..<1024 { pieces += framer.take(chunk) }
            pieces += framer.take(Self.text("\n{\"class\":\"TPV\"}\n"))
        }
        #expect(Self.lines(pieces) == ["<dropped>", #"{"class":"TPV"}"#])
        #expect(took < .seconds(5), "\(took)")
    }

    struct TPVCase: CustomTestStringConvertible, Sendable {
        var name: String
        var line: String
        var report: GPSReport?
        var testDescription: String { name }
    }

    static let fixAt = GPSFix(position: GeoPoint(lat: 26.85, lon: 100.12), time: Instant(seconds: 1_796_112_000))
    static let tpvs: [TPVCase] = [
        .init(name: "a 3D fix", line: #"{"class":"TPV","device":"/dev/ttyACM0","status":1,"mode":3,"time":"2026-12-01T08:00:00.000Z","lat":26.85,"lon":100.12}"#,
              report: .fix(fixAt)),
        .init(name: "a fix without status (older gpsd)", line: #"{"class":"TPV","mode":2,"time":"2026-12-01T08:00:00.000Z","lat":26.85,"lon":100.12}"#,
              report: .fix(fixAt)),
        .init(name: "a simulated fix (demo mode, status 8) is ignored",
              line: #"{"class":"TPV","device":"/dev/ttyACM0","status":8,"mode":3,"time":"2026-12-01T08:00:00.000Z","lat":26.85,"lon":100.12}"#,
              report: nil),
        .init(name: "no fix", line: #"{"class":"TPV","mode":1}"#, report: .noFix),
        .init(name: "another class", line: #"{"class":"SKY","satellites":[]}"#, report: nil),
    ]

    @Test(arguments: tpvs) func gpsdReportsAreReadAndSimulatedFixesIgnored(_ c: TPVCase) {
        #expect(GPSClient.report(Array(c.line.utf8)) == c.report)
    }
}

@Suite struct AlertFolderTests {
    static func folder() throws -> String {
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("laba-alerts-XXXXXX")).utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    /// A link in the watched folder, to a file outside or to an alert beside it, is never read.
    @Test func aSymbolicLinkInTheWatchedFolderIsSkipped() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("<alert/>".utf8).write(to: URL(fileURLWithPath: dir + "/real.xml"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/passwd.xml", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: dir + "/again.xml", withDestinationPath: dir + "/real.xml")
        try FileManager.default.createDirectory(atPath: dir + "/sub.xml", withIntermediateDirectories: false)
        let logger = Logger(label: "test")
        #expect(AlertWatchService.read("real.xml", in: dir, logger: logger)?.data == Data("<alert/>".utf8))
        for name in ["passwd.xml", "again.xml", "sub.xml", "gone.xml"] {
            #expect(AlertWatchService.read(name, in: dir, logger: logger) == nil, "\(name)")
        }
    }

    @Test func aFileLargerThanAnAlertIsPassedOnAsTooLarge() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(count: Engine.maxAlertSize + 10).write(to: URL(fileURLWithPath: dir + "/big.xml"))
        #expect(AlertWatchService.read("big.xml", in: dir, logger: Logger(label: "test"))?.data.count == Engine.maxAlertSize + 1)
    }
}

@Suite struct CAPRefusalWordsTests {
    /// Every problem an alert can have is in the catalogue, in every language, with no placeholder left.
    @Test(arguments: CAPError.Problem.allCases) func everyProblemHasWordsInEveryLanguage(_ problem: CAPError.Problem) {
        let args = ["child": "scope", "after": "info", "value": "x", "allowed": "a, b", "count": "3", "kib": "1024",
                    "root": "rss", "namespace": "n", "expected": "e"]
        for language in CatalogLanguage.allCases {
            let text = CAPError(line: 3, column: 5, element: "alert", problem, args).words(file: "quake.xml", in: language)
            #expect(Catalog.capProblem(code: problem.rawValue, args: args, in: language) != nil && !text.contains("{"), "\(language): \(text)")
        }
    }

    @Test func aRefusalNamesTheFileTheElementAndWhatInTheReadersLanguage() {
        let error = CAPError(line: 4, column: 27, element: "alert", .outOfOrder, ["child": "status", "after": "msgType"])
        #expect(error.words(file: "order.xml", in: .en)
                == "not a valid CAP 1.2 alert (order.xml, line 4, column 27, in <alert>): <status> comes after <msgType>; CAP 1.2 puts it before")
        #expect(error.words(file: "order.xml", in: .zhHans)
                == "不是有效的 CAP 1.2 预警（order.xml，第 4 行第 27 列，<alert> 中）：<status> 写在了 <msgType> 之后；CAP 1.2 规定它在前面")
        #expect(CAPError(line: 2, column: 1, element: nil, .doctype).words(in: .zhHans)
                == "不是有效的 CAP 1.2 预警（第 2 行第 1 列）：文件含有 DOCTYPE 声明；含 DOCTYPE 的预警一律拒收（其中的实体不会展开）")
    }
}
