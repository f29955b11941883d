import Foundation
import LabaAudio
import LabaCatalog
import LabaCore
import LabaStore
import Testing
@testable import LabaConsole

@Suite struct LoginLimiterTests {
    static let minute: Int64 = 60_000_000

    /// One attempt, begun and finished as the login page does.
    static func attempt(_ limiter: inout LoginLimiter, _ account: String, _ address: String, right: Bool = false,
                        now: Int64) -> LoginLimiter.Decision {
        let begun = limiter.begin(account: account, address: address, now: now)
        guard begun == .allowed else { return begun }
        return limiter.finished(account: account, address: address, right: right, now: now)
    }

    @Test func twentyWrongPasswordsLockTheAccountForThatAddressOnly() {
        var limiter = LoginLimiter()
        for i in 0..<19 {
            #expect(Self.attempt(&limiter, "head", "10.0.0.9", now: Int64(i)) == .allowed)
        }
        #expect(Self.attempt(&limiter, "head", "10.0.0.9", now: 19)
            == .locked(until: 19 + limiter.policy.lock, .account("head", address: "10.0.0.9")))
        #expect(limiter.begin(account: "head", address: "10.0.0.9", now: 20) != .allowed)
        // The township head, from the office's own machine, still signs in.
        #expect(Self.attempt(&limiter, "head", "10.0.0.2", right: true, now: 20) == .allowed)
        // Another account from the guessing machine is not locked by this.
        #expect(Self.attempt(&limiter, "clerk", "10.0.0.9", right: true, now: 20) == .allowed)
        // The lock ends.
        #expect(limiter.begin(account: "head", address: "10.0.0.9", now: 20 + 15 * Self.minute) == .allowed)
    }

    @Test func anAddressGuessingManyAccountsIsLockedAsAWhole() {
        var limiter = LoginLimiter()
        var last = LoginLimiter.Decision.allowed
        for i in 0..<50 { last = Self.attempt(&limiter, "user\(i)", "10.0.0.9", now: Int64(i)) }
        #expect(last == .locked(until: 49 + limiter.policy.lock, .address("10.0.0.9")))
        #expect(limiter.begin(account: "anyone", address: "10.0.0.9", now: 60) != .allowed)
        #expect(limiter.begin(account: "anyone", address: "10.0.0.2", now: 60) == .allowed)
    }

    /// SPEC 17, what grows is bounded: an IPv6 LAN can guess from more addresses than memory holds;
    /// the limiter remembers at most `remembered` of them, the oldest going first, and the newest
    /// guesser is still counted.
    @Test func guessesFromCountlessAddressesAreRememberedUpToABound() {
        var limiter = LoginLimiter(policy: .init(remembered: 100))
        for i in 0..<1_000 { _ = Self.attempt(&limiter, "head", "fd00::\(i)", now: Int64(i)) }
        #expect(limiter.remembered <= 100)
        for i in 0..<19 { _ = Self.attempt(&limiter, "head", "fd00::9999", now: 2_000 + Int64(i)) }
        #expect(Self.attempt(&limiter, "head", "fd00::9999", now: 2_100)
            == .locked(until: 2_100 + limiter.policy.lock, .account("head", address: "fd00::9999")))
    }

    @Test func failuresOlderThanTheWindowAreForgottenAndARightPasswordClearsTheCount() {
        var limiter = LoginLimiter()
        for i in 0..<19 { _ = Self.attempt(&limiter, "head", "a", now: Int64(i)) }
        // Sixteen minutes later the old failures no longer count.
        #expect(Self.attempt(&limiter, "head", "a", now: 16 * Self.minute) == .allowed)
        for i in 0..<18 { _ = Self.attempt(&limiter, "head", "a", now: 16 * Self.minute + Int64(i) + 1) }
        #expect(Self.attempt(&limiter, "head", "a", right: true, now: 16 * Self.minute + 20) == .allowed)
        #expect(Self.attempt(&limiter, "head", "a", now: 17 * Self.minute) == .allowed)
    }

    /// SPEC 17: an attempt is counted before its password is checked, one check at a time per
    /// account and address: a burst of 300 concurrent guesses gets one check, and cannot slip the
    /// right password in behind the lock.
    @Test func aBurstOfConcurrentGuessesIsCheckedOneAtATime() {
        var limiter = LoginLimiter()
        // 300 attempts arrive before any check ends.
        let begun = (0..<300).map { _ in limiter.begin(account: "head", address: "10.0.0.9", now: 1) }
        #expect(begun.filter { $0 == .allowed }.count == 1 && begun.filter { $0 == .busy }.count == 299)
        #expect(limiter.finished(account: "head", address: "10.0.0.9", right: false, now: 2) == .allowed)
        // Sequential guesses then lock at the twentieth, and the right password comes too late.
        var last = LoginLimiter.Decision.allowed
        for i in 0..<19 { last = Self.attempt(&limiter, "head", "10.0.0.9", now: Int64(3 + i)) }
        #expect(last == .locked(until: 21 + limiter.policy.lock, .account("head", address: "10.0.0.9")))
        #expect(limiter.begin(account: "head", address: "10.0.0.9", now: 22) != .allowed)
    }

    @Test func checksInFlightAreBoundedOverEveryAddress() {
        var limiter = LoginLimiter()
        let begun = (0..<20).map { limiter.begin(account: "head", address: "10.0.0.\($0)", now: 1) }
        #expect(begun.filter { $0 == .allowed }.count == limiter.policy.checksInFlight)
        #expect(begun.dropFirst(limiter.policy.checksInFlight).allSatisfy { $0 == .busy })
        // A busy attempt was not counted: the township head, from its office, signs in once one ends.
        _ = limiter.finished(account: "head", address: "10.0.0.0", right: false, now: 2)
        #expect(Self.attempt(&limiter, "head", "10.0.0.99", right: true, now: 3) == .allowed)
    }
}

@Suite struct PageLanguageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var account: String?
        var header: String?
        var configured: String
        var expected: CatalogLanguage
        var testDescription: String { "\(account ?? "-") / \(header ?? "-") / \(configured) → \(expected.rawValue)" }
    }

    static let cases: [Case] = [
        .init(account: nil, header: nil, configured: "zh-Hans", expected: .zhHans),
        .init(account: nil, header: nil, configured: "en", expected: .en),
        .init(account: nil, header: "en-US,en;q=0.9", configured: "zh-Hans", expected: .en),
        .init(account: nil, header: "zh-CN,zh;q=0.9,en;q=0.8", configured: "en", expected: .zhHans),
        .init(account: nil, header: "fr-FR,en;q=0.5,zh;q=0.7", configured: "en", expected: .zhHans),
        .init(account: nil, header: "zh-TW", configured: "en", expected: .zhHans),
        .init(account: nil, header: "fr-FR, de", configured: "en", expected: .en),
        .init(account: nil, header: "en;q=0, zh;q=0", configured: "zh-Hans", expected: .zhHans),
        .init(account: "en", header: "zh-CN", configured: "zh-Hans", expected: .en),
        .init(account: "zh-Hans", header: "en-US", configured: "en", expected: .zhHans),
    ]

    @Test(arguments: cases)
    func theAccountThenTheBrowserThenTheConfigurationChoose(_ c: Case) {
        #expect(PageLanguage.choose(account: c.account, acceptLanguage: c.header, configured: c.configured) == c.expected)
    }
}

@Suite struct FormTests {
    @Test func fieldsArePercentDecodedAndRepeatedOnesKept() {
        let form = Form("message=notice&zone=town&zone=%E5%8F%A4%E5%9F%8E&note=a+b%2Bc&empty=&loop=true")
        #expect(form["message"] == "notice")
        #expect(form.all("zone") == ["town", "古城"])
        #expect(form["note"] == "a b+c")
        #expect(form["empty"] == nil)
        #expect(form.flag("loop") && !form.flag("force"))
        #expect(Form(Form.encode(form.fields)).all("zone") == ["town", "古城"])
    }
}

@Suite struct SilenceTrimmerTests {
    @Test func silenceBeforeAndAfterIsCutAndTheToneKept() throws {
        let dir = NSTemporaryDirectory() + "laba-trim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 0.5 s of silence, 1 s of 440 Hz, 0.7 s of silence.
        let input = dir + "/in.wav", output = dir + "/out.wav"
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        sox.arguments = ["-n", "-r", "16000", "-c", "1", "-b", "16", input, "synth", "1", "sine", "440", "vol", "0.5", "pad", "0.5", "0.7"]
        try sox.run()
        sox.waitUntilExit()
        let result = try SilenceTrimmer.trim(input: input, output: output, margin: 0.1)
        #expect(abs(result.cutStart - 0.4) < 0.01, "\(result)")
        #expect(abs(result.cutEnd - 0.6) < 0.01, "\(result)")
        #expect(abs(result.format.duration - 1.2) < 0.01, "\(result)")
        let written = try Decoder(path: output)
        #expect(written.format.frames == result.format.frames && written.format.sampleRate == 16000)
        #expect(throws: AudioError.self) { try SilenceTrimmer.trim(input: output, output: dir + "/silent.wav", thresholdDBFS: 0) }
    }
}

@Suite struct AccountStoreTests {
    @Test func sessionsSurviveReopeningAndEndWithTheAccountOrAPasswordChange() throws {
        let dir = NSTemporaryDirectory() + "laba-accounts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/laba.sqlite"
        do {
            let store = try Store(path: path)
            try store.addAccount(ConsoleAccount(name: "李明", role: .operator, passwordHash: "$2b$x", createdAt: 1))
            #expect(throws: AccountError.exists("李明")) { try store.addAccount(ConsoleAccount(name: "李明", role: .viewer, passwordHash: "", createdAt: 2)) }
            try store.addSession(ConsoleSession(tokenHash: "h1", account: "李明", csrf: "c", createdAt: 10, expiresAt: 100))
        }
        let store = try Store(path: path)
        #expect(try store.session(tokenHash: "h1", now: 50)?.1.role == .operator)
        #expect(try store.session(tokenHash: "h1", now: 100) == nil, "expired")
        try store.setPassword("李明", hash: "$2b$y")
        #expect(try store.session(tokenHash: "h1", now: 50) == nil, "a new password ends the sessions")
        try store.addSession(ConsoleSession(tokenHash: "h2", account: "李明", csrf: "c", createdAt: 10, expiresAt: 100))
        try store.removeAccount("李明")
        #expect(try store.session(tokenHash: "h2", now: 50) == nil)
        #expect(throws: AccountError.notFound("李明")) { try store.removeAccount("李明") }
    }
}

@Suite struct ConsoleConfigTests {
    func load(_ console: String) -> ConfigLoadResult {
        ConfigLoader.parse(yaml: """
            outputs:
              - {id: square, device: "null", zone: town}
            zones:
              - id: town
            \(console)
            """, file: "/etc/laba/laba.yaml", directory: "/etc/laba")
    }

    @Test func theConsoleSectionIsReadWithTLSPathsBesideTheFile() throws {
        let result = load("console:\n  listen: \"0.0.0.0:8443\"\n  tls: {cert: console.crt, key: /srv/console.key}\n  language: en")
        #expect(result.isValid, "\(result.diagnostics)")
        let console = try #require(result.config?.console)
        #expect(console.host == "0.0.0.0" && console.port == 8443 && !console.isLoopback)
        #expect(console.tlsCertificate == "/etc/laba/console.crt" && console.tlsKey == "/srv/console.key")
        #expect(console.language == "en")
        #expect(load("").config?.console == nil)
        #expect(load("console: {listen: \"[::1]:8080\"}").config?.console?.isLoopback == true)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var yaml: String
        var message: String
        var testDescription: String { message }
    }

    static let bad: [Bad] = [
        .init(yaml: "console: {listen: \"8080\"}", message: "/etc/laba/laba.yaml:5:19: error: console.listen must be HOST:PORT"),
        .init(yaml: "console: {listen: \"127.0.0.1:99999\"}", message: "/etc/laba/laba.yaml:5:19: error: console.listen must be HOST:PORT"),
        .init(yaml: "console: {language: fr, listen: \"127.0.0.1:1\"}", message: "/etc/laba/laba.yaml:5:21: error: console.language must be zh-Hans or en"),
        .init(yaml: "console: {listen: \"127.0.0.1:1\", port: 1}", message: "/etc/laba/laba.yaml:5:34: error: unknown key 'port' in console"),
        .init(yaml: "console: {language: en}", message: "/etc/laba/laba.yaml:5:10: error: console needs listen"),
        .init(yaml: "console: {listen: \"127.0.0.1:1\", tls: {cert: a.crt}}", message: "/etc/laba/laba.yaml:5:39: error: console.tls needs key"),
    ]

    @Test(arguments: bad)
    func mistakesAreNamedWhereTheyAre(_ c: Bad) {
        let result = load(c.yaml)
        #expect(!result.isValid)
        #expect(result.diagnostics.contains { $0.description.hasPrefix(c.message) }, "\(result.diagnostics.map(\.description))")
    }
}
