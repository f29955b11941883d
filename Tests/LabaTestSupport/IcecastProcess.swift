// A real Icecast 2 for the tests: its own config in a temp folder, a free port on the loopback,
// ready once the port accepts; killed at the end. Icecast refuses to run as root: as root it is
// told to change to nobody once its socket is bound.

import Foundation

public final class IcecastProcess: @unchecked Sendable {
    public static let sourcePassword = "laba-test-source"

    public let folder: TemporaryFolder
    public let port: Int
    /// The listen socket's TLS: the PEM of the server's key and certificate, and the CA that
    /// checks it (for the status page); nil: plain http.
    public let tls: TLS?
    private let process = Process()
    private let output: String

    public static var executable: String? {
        ["/usr/bin/icecast2", "/usr/local/bin/icecast2", "/usr/bin/icecast"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static var available: Bool { executable != nil }

    /// An `<ssl>1</ssl>` listen socket, as Debian's icecast2 takes it.
    public struct TLS: Sendable {
        /// One PEM file holding the server's certificate and its key (`<ssl-certificate>`).
        public var pem: String
        /// The CA that signed it.
        public var ca: String
        public init(pem: String, ca: String) {
            self.pem = pem
            self.ca = ca
        }

        /// A throwaway CA of its own in `dir` (`Scripts/fleet-test-ca.sh DIR localhost,127.0.0.1`,
        /// as the fleet's TLS tests make theirs), its server certificate and key (broker.crt,
        /// broker.key) joined into the one PEM Icecast reads. Each call makes another CA.
        public static func testCA(in dir: String) throws -> TLS {
            var root = URL(fileURLWithPath: #filePath)
            for _ in 0..<3 { root.deleteLastPathComponent() }
            let script = Process()
            script.executableURL = URL(fileURLWithPath: root.path + "/Scripts/fleet-test-ca.sh")
            script.arguments = [dir, "localhost,127.0.0.1"]
            script.standardOutput = FileHandle.nullDevice
            try script.run()
            script.waitUntilExit()
            guard script.terminationStatus == 0 else { throw BrokerError(description: "fleet-test-ca.sh \(dir) failed") }
            let pem = dir + "/icecast.pem"
            let joined = try String(contentsOfFile: dir + "/broker.crt", encoding: .utf8)
                + String(contentsOfFile: dir + "/broker.key", encoding: .utf8)
            try joined.write(toFile: pem, atomically: true, encoding: .utf8)
            return TLS(pem: pem, ca: dir + "/ca.crt")
        }
    }

    /// `https` or `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// Starts Icecast with no burst for joining listeners (live stays live) and every mount hidden
    /// from its status pages (a talk's mount name is its secret), as `Config/fleet/icecast.xml`.
    ///
    /// A free port is only free when it was asked for: when another test's server (a broker, another
    /// Icecast) took it meanwhile, Icecast exits while the port still accepts. So it counts as started
    /// only once its own status page answers, and it tries again on another port (when none was given).
    public convenience init(port: Int? = nil, tls: TLS? = nil) throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try self.init(port: port ?? MosquittoBroker.freePort(), tls: tls, once: ())
                return
            } catch {
                if port != nil || attempt >= 5 { throw error }
            }
        }
    }

    private init(port: Int, tls: TLS?, once: Void) throws {
        guard let executable = Self.executable else { throw BrokerError(description: "icecast2 is not installed") }
        folder = TemporaryFolder("laba-icecast")
        chmod(folder.path, 0o755)
        self.port = port
        self.tls = tls
        output = folder.file("icecast.log")
        let owner = getuid() == 0
            ? "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" : ""
        try folder.write("icecast.xml", """
            <icecast>
              <limits>
                <clients>100</clients><sources>8</sources><queue-size>524288</queue-size>
                <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>10</source-timeout>
                <burst-on-connect>0</burst-on-connect><burst-size>0</burst-size>
              </limits>
              <authentication>
                <source-password>\(Self.sourcePassword)</source-password>
                <admin-user>admin</admin-user><admin-password>\(UUID().uuidString)</admin-password>
              </authentication>
              <hostname>127.0.0.1</hostname>
              <listen-socket><port>\(self.port)</port><bind-address>127.0.0.1</bind-address>\(tls == nil ? "" : "<ssl>1</ssl>")</listen-socket>
              <fileserve>0</fileserve>
              <mount type="default"><hidden>1</hidden></mount>
              <paths>
                <basedir>\(folder.path)</basedir><logdir>\(folder.path)</logdir>
                <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
                \(tls == nil ? "" : "<ssl-certificate>\(folder.file("server.pem"))</ssl-certificate>")
              </paths>
              <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>3</loglevel></logging>
              <security><chroot>0</chroot>\(owner)</security>
            </icecast>
            """)
        if let tls {
            // Icecast reads it after changing to nobody (run as root): a copy in its own folder.
            try FileManager.default.copyItem(atPath: tls.pem, toPath: folder.file("server.pem"))
            chmod(folder.file("server.pem"), 0o644)
        }
        FileManager.default.createFile(atPath: output, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", folder.file("icecast.xml")]
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = process.standardOutput
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !(MosquittoBroker.accepts(port: self.port) && process.isRunning && ((try? statusPage()) ?? "").contains("icestats")) {
            guard process.isRunning, Date() < deadline else {
                kill()
                throw BrokerError(description: "icecast2 did not start on port \(self.port):\n\(log)")
            }
            usleep(20_000)
        }
    }

    deinit { kill() }

    /// What it logged (access and errors).
    public var log: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// What the server's public status page says (JSON), through curl.
    public func statusPage() throws -> String {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "--max-time", "5"] + (tls.map { ["--cacert", $0.ca] } ?? [])
            + ["\(scheme)://127.0.0.1:\(port)/status-json.xsl"]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Kills it at once (SIGKILL): its sources and listeners lose their connections.
    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
