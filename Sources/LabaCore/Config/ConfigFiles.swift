// The files a configuration names beside itself (keys, passwords, certificates, tokens, areas, the
// alert folder): read here the one way labad reads them, so that `laba check` and labad cannot
// disagree about a file; and, for `laba check` run as root, whether labad's user may read them.
//
// A problem is a `Diagnostic` with a code and arguments, so that the CLI renders it from the
// catalogue in its reader's language; its English message is for logs and the API.

import Foundation

/// Why a file the configuration names cannot be used.
public struct FileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case missing = "file_missing"
        case notAFile = "file_not_a_file"
        case notAFolder = "file_not_a_folder"
        /// This process may not read it (EACCES).
        case denied = "file_denied"
        /// Another error of the system's, in `detail`.
        case unreadable = "file_unreadable"
        case empty = "file_empty"
        case notText = "file_not_text"
        case notSecretKey = "file_not_secret_key"
        case notPublicKey = "file_not_public_key"
        /// A secret key that group or others may read; `detail` is its mode.
        case secretKeyOpen = "file_secret_key_open"
        case notCertificate = "file_not_certificate"
        case notPrivateKey = "file_not_private_key"
    }

    public var kind: Kind
    public var detail: String?

    public init(_ kind: Kind, _ detail: String? = nil) {
        self.kind = kind
        self.detail = detail
    }

    /// The words after "KEY: PATH", in English.
    public var description: String {
        switch kind {
        case .missing: "does not exist"
        case .notAFile: "is a folder, not a file"
        case .notAFolder: "is not a folder"
        case .denied: "cannot be read: permission denied"
        case .unreadable: "cannot be read: \(detail ?? "")"
        case .empty: "is empty"
        case .notText: "is not text (UTF-8)"
        case .notSecretKey: "is not a secret key made by laba fleet keygen (a .key file)"
        case .notPublicKey: "is not a public key made by laba fleet keygen (a .pub file)"
        case .secretKeyOpen: "is a secret key that others may read (mode \(detail ?? "")); chmod 600 it"
        case .notCertificate: "is not a PEM certificate (-----BEGIN CERTIFICATE-----)"
        case .notPrivateKey: "is not a PEM private key (-----BEGIN PRIVATE KEY-----)"
        }
    }
}

extension Diagnostic {
    /// A file the configuration names at `location`, under `key` (`fleet.sign_key`), cannot be used.
    public static func file(_ problem: FileProblem, key: String, path: String, at location: SourceLocation,
                            severity: Severity = .error) -> Diagnostic {
        var arguments = ["key": key, "path": path]
        if let detail = problem.detail { arguments["detail"] = detail }
        return Diagnostic(severity, at: location, "\(key): \(path) \(problem)", code: problem.kind.rawValue, arguments: arguments)
    }
}

/// Reading the files a configuration names.
public enum ConfigFiles {
    /// Larger than any key, password, token or certificate chain; a bigger file is not one.
    public static let sizeLimit = 1 << 20

    /// The bytes of a regular file (at most `limit`).
    ///
    /// - Throws: `FileProblem`: missing, a folder, not readable, too large (`unreadable`).
    public static func read(_ path: String, limit: Int = sizeLimit) throws(FileProblem) -> [UInt8] {
        // O_NONBLOCK: a FIFO named by mistake must not hang the check or the daemon.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw problem(errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw problem(errno) }
        if info.st_mode & S_IFMT == S_IFDIR { throw FileProblem(.notAFile) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw FileProblem(.notAFile) }
        guard Int(info.st_size) <= limit else { throw FileProblem(.unreadable, "larger than \(limit >> 20) MiB") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw problem(errno) }
            if n == 0 { break }
            count += n
        }
        return Array(bytes.prefix(count))
    }

    /// A file's text (UTF-8).
    public static func text(_ path: String, limit: Int = sizeLimit) throws(FileProblem) -> String {
        let bytes = try read(path, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileProblem(.notText) }
        return text
    }

    /// The first line of a password or token file, which must not be empty.
    public static func firstLine(_ path: String) throws(FileProblem) -> String {
        let line = try text(path).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { throw FileProblem(.empty) }
        return line
    }

    public enum PEMKind: Sendable {
        /// One or more certificates (a CA file may hold several).
        case certificate
        case privateKey
    }

    /// Checks that a file holds a PEM block of `kind`, as OpenSSL and NIOSSL read them.
    public static func pem(_ path: String, _ kind: PEMKind) throws(FileProblem) {
        let text = try text(path)
        switch kind {
        case .certificate:
            guard text.contains("-----BEGIN CERTIFICATE-----") || text.contains("-----BEGIN TRUSTED CERTIFICATE-----"),
                  text.contains("-----END ") else { throw FileProblem(.notCertificate) }
        case .privateKey:
            let labels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]
            guard labels.contains(where: { text.contains("-----BEGIN \($0)-----") && text.contains("-----END \($0)-----") })
            else { throw FileProblem(.notPrivateKey) }
        }
    }

    /// Checks that a folder exists and can be listed.
    public static func folder(_ path: String) throws(FileProblem) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw problem(errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw FileProblem(.notAFolder) }
        guard let dir = opendir(path) else { throw problem(errno) }
        closedir(dir)
    }

    static func problem(_ code: Int32) -> FileProblem {
        switch code {
        case ENOENT, ENOTDIR: FileProblem(.missing)
        case EACCES, EPERM: FileProblem(.denied)
        case EISDIR: FileProblem(.notAFile)
        default: FileProblem(.unreadable, String(cString: strerror(code)))
        }
    }

    /// The problems of the files outside `fleet:` that labad reads (the console's certificate
    /// and key, the metrics token, the alert folder); `fleet:` is LabaFleet's `FleetSetup`.
    public static func problems(_ config: Config) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func check(_ key: String, _ path: String, _ location: SourceLocation, _ read: (String) throws(FileProblem) -> Void) {
            do { try read(path) } catch { out.append(.file(error, key: key, path: path, at: location)) }
        }
        if let console = config.console {
            if let cert = console.tlsCertificate, let at = console.tlsCertificateLocation {
                check("console.tls.cert", cert, at) { p throws(FileProblem) in try pem(p, .certificate) }
            }
            if let key = console.tlsKey, let at = console.tlsKeyLocation {
                check("console.tls.key", key, at) { p throws(FileProblem) in try pem(p, .privateKey) }
            }
        }
        if let metrics = config.metrics, let token = metrics.tokenFile, let at = metrics.tokenFileLocation {
            check("metrics.token_file", token, at) { p throws(FileProblem) in _ = try firstLine(p) }
        }
        if let watch = config.alerts?.watch {
            check("alerts.watch", watch.value, watch.location) { p throws(FileProblem) in try folder(p) }
        }
        return out
    }

    /// A file or folder labad reads, as the configuration names it.
    public struct Named: Sendable, Equatable {
        public var key: String
        public var path: String
        public var location: SourceLocation
        public var isFolder: Bool

        public init(key: String, path: String, location: SourceLocation, isFolder: Bool = false) {
            self.key = key
            self.path = path
            self.location = location
            self.isFolder = isFolder
        }
    }

    /// Every file and folder labad reads because the configuration names it.
    public static func named(_ config: Config) -> [Named] {
        var out: [Named] = []
        out.append(Named(key: "audio_dir", path: config.audioDirectory, location: config.audioDirectoryLocation, isFolder: true))
        for zone in config.zones {
            if let area = zone.place.area, let file = area.file { out.append(Named(key: "area", path: file, location: area.location)) }
        }
        if let fleet = config.fleet {
            for (key, file) in [("fleet.tls.ca", fleet.tls?.ca), ("fleet.tls.cert", fleet.tls?.cert), ("fleet.tls.key", fleet.tls?.key),
                                ("fleet.password_file", fleet.passwordFile), ("fleet.sign_key", fleet.signKey),
                                ("fleet.stream.password_file", fleet.stream?.passwordFile), ("fleet.stream.ca", fleet.streamCA)] {
                if let file { out.append(Named(key: key, path: file.value, location: file.location)) }
            }
            for entry in fleet.trust { out.append(Named(key: "fleet.trust.key", path: entry.key.value, location: entry.key.location)) }
        }
        if let console = config.console {
            if let cert = console.tlsCertificate, let at = console.tlsCertificateLocation {
                out.append(Named(key: "console.tls.cert", path: cert, location: at))
            }
            if let key = console.tlsKey, let at = console.tlsKeyLocation { out.append(Named(key: "console.tls.key", path: key, location: at)) }
        }
        if let metrics = config.metrics, let token = metrics.tokenFile, let at = metrics.tokenFileLocation {
            out.append(Named(key: "metrics.token_file", path: token, location: at))
        }
        if let watch = config.alerts?.watch {
            out.append(Named(key: "alerts.watch", path: watch.value, location: watch.location, isFolder: true))
        }
        return out
    }
}
