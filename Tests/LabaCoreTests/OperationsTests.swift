// `metrics:` and `retention:` decoded with their positions, sizes, and retention's pure decisions.

import Testing
@testable import LabaCore

@Suite struct OperationsConfigTests {
    @Test func metricsOnLoopbackNeedsNoToken() throws {
        let result = load("metrics: {listen: \"127.0.0.1:9464\"}\n")
        #expect(errorLines(result).isEmpty)
        let metrics = try #require(result.config?.metrics)
        #expect(metrics.host == "127.0.0.1" && metrics.port == 9464 && metrics.isLoopback && metrics.tokenFile == nil)
    }

    @Test func metricsBeyondLoopbackTakesATokenFileRelativeToTheConfiguration() throws {
        let result = load("metrics:\n  listen: \"0.0.0.0:9464\"\n  token_file: secrets/metrics.token\n")
        #expect(errorLines(result).isEmpty)
        #expect(result.config?.metrics?.tokenFile == "/cfg/secrets/metrics.token")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var yaml: String
        var error: String
        var testDescription: String { error }
    }

    static let errors: [Case] = [
        .init(yaml: "metrics:\n  listen: \"0.0.0.0:9464\"\n",
              error: "2:11 metrics.listen 0.0.0.0:9464 is reachable from other machines: give metrics.token_file, "
                  + "a file whose first line is the bearer token scrapers send"),
        .init(yaml: "metrics: {listen: 9464}\n",
              error: "1:19 metrics.listen must be HOST:PORT such as \"127.0.0.1:9464\" or \"0.0.0.0:9464\", found '9464'"),
        .init(yaml: "metrics: {token_file: t}\n", error: "1:10 metrics needs listen, the address to serve, such as \"127.0.0.1:9464\""),
        .init(yaml: "metrics: {listen: \"127.0.0.1:9464\", tokn_file: t}\n",
              error: "1:37 unknown key 'tokn_file' in metrics; did you mean 'token_file'?"),
        .init(yaml: "retention:\n  uploads: {max_size: lots}\n",
              error: "2:23 retention.uploads.max_size must be a size such as 500MB or 2GB, found 'lots'"),
        .init(yaml: "retention:\n  records: {max_size: 1GB}\n",
              error: "2:13 unknown key 'max_size' in retention.records"),
        .init(yaml: "retention:\n  talk_recordings: {max_age: 10min}\n",
              error: "2:30 retention.talk_recordings.max_age must be at least 1h, such as 90d, or none"),
        .init(yaml: "retention:\n  records: {max_count: 5}\n",
              error: "2:24 retention.records.max_count must be between 100 and 1000000000, found 5"),
    ]

    @Test(arguments: errors) func errorsNameTheirPlace(_ c: Case) {
        #expect(errorLines(load(c.yaml)) == [c.error])
    }

    @Test func retentionReplacesOnlyWhatItNames() throws {
        let result = load("""
            retention:
              records: {max_age: 2y}
              uploads: {max_size: 500MB, max_age: none}
              fleet_records: {max_count: 200000}
              every: 30min
            """)
        #expect(errorLines(result).isEmpty)
        let r = try #require(result.config?.retention)
        let defaults = RetentionConfig()
        #expect(r.records.maxAge == .seconds(2 * 31_557_600) && r.records.maxCount == defaults.records.maxCount)
        #expect(r.uploads.maxSize == ByteSize(bytes: 500_000_000) && r.uploads.maxAge == nil)
        #expect(r.fleetRecords.maxCount == 200_000 && r.fleetRecords.maxAge == defaults.fleetRecords.maxAge)
        #expect(r.talkRecordings == defaults.talkRecordings)
        #expect(r.every == .seconds(1800))
    }

    @Test(arguments: [("4096", 4096), ("500MB", 500_000_000), ("2GB", 2_000_000_000), ("1.5G", 1_500_000_000),
                      ("100MiB", 104_857_600), ("1 GiB", 1_073_741_824), ("64kB", 64_000)] as [(String, Int64)])
    func sizes(_ text: String, _ bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test(arguments: ["", "lots", "-1GB", "2XB", "GB"]) func notSizes(_ text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }
}

@Suite struct RetentionTests {
    static let day: Int64 = 86_400_000_000
    static let now = Instant(microseconds: 1_000 * day)

    func file(_ name: String, daysOld: Int64, size: Int64) -> RetainedFile {
        RetainedFile(path: name, modified: Instant(microseconds: Self.now.microseconds - daysOld * Self.day), size: size)
    }

    @Test func tooOldGoesThenTheOldestWhileTooBig() {
        let files = [file("a", daysOld: 100, size: 10), file("b", daysOld: 50, size: 40), file("c", daysOld: 20, size: 40),
                     file("d", daysOld: 1, size: 40)]
        let limit = RetentionLimit(maxAge: .seconds(90 * 86_400), maxSize: ByteSize(bytes: 100))
        // a is too old; then 120 bytes remain, over 100: b goes too.
        #expect(Retention.filesToRemove(files, limit: limit, now: Self.now).map(\.path) == ["a", "b"])
    }

    @Test func aFileInUseStaysAndStillCounts() {
        let files = [file("a", daysOld: 100, size: 60), file("b", daysOld: 50, size: 60), file("c", daysOld: 1, size: 60)]
        let limit = RetentionLimit(maxAge: .seconds(90 * 86_400), maxSize: ByteSize(bytes: 100))
        #expect(Retention.filesToRemove(files, limit: limit, now: Self.now, keep: ["a"]).map(\.path) == ["b", "c"])
    }

    @Test func noLimitsRemoveNothing() {
        #expect(Retention.filesToRemove([file("a", daysOld: 5000, size: 1 << 40)], limit: RetentionLimit(), now: Self.now).isEmpty)
    }

    @Test func dueOncePerSpanOrWhenTheClockWentBack() {
        let hour = TimeSpan.seconds(3600)
        #expect(Retention.isDue(last: nil, now: Self.now, every: hour))
        let t = Self.now.microseconds
        #expect(!Retention.isDue(last: Self.now, now: Instant(microseconds: t + 3_599_000_000), every: hour))
        #expect(Retention.isDue(last: Self.now, now: Instant(microseconds: t + 3_600_000_000), every: hour))
        #expect(Retention.isDue(last: Self.now, now: Instant(microseconds: t - 1), every: hour))
    }
}
