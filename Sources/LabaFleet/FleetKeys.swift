// Ed25519 keys of the fleet and their files: one line each, `laba-ed25519-secret|public BASE64 [comment]`,
// holding the raw 32-byte key (SPEC 11).

import Crypto
import Foundation
import LabaCore

/// Why a key or key file cannot be used.
public struct FleetKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file, when the key came from one.
    public var path: String?
    public var reason: String

    public init(path: String? = nil, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.map { "\($0): \(reason)" } ?? reason }
}

/// What a key line's comment says of its commander.
///
/// A comment `issuer=NAME` (written by `laba fleet keygen --issuer NAME`) names the issuer the
/// key's commands carry: a commander signs as NAME, and a unit whose trust entry names no
/// `issuer:` checks NAME. Any other comment (keygen's default, the file name; a note) names no
/// issuer: keys made before issuers were bound keep working unchanged after an upgrade, their
/// commands still signed with the commander's unit id and their issuer unchecked unless the trust
/// entry names one.
public enum KeyComment {
    public static let issuerPrefix = "issuer="

    /// NAME of a comment `issuer=NAME` when NAME is an id; nil for any other comment.
    public static func issuer(_ comment: String?) -> String? {
        guard let comment, comment.hasPrefix(issuerPrefix) else { return nil }
        let name = String(comment.dropFirst(issuerPrefix.count))
        return FleetTopics.isID(name) ? name : nil
    }

    /// The comment that names `issuer`.
    public static func naming(issuer: String) -> String { issuerPrefix + issuer }
}

/// A key that verifies commands: the public half of a commander's key.
public struct FleetPublicKey: Sendable, Hashable {
    /// The raw 32-byte Ed25519 public key.
    public let raw: [UInt8]
    public let comment: String?
    /// The issuer its comment names (`issuer=NAME`); nil for any other comment.
    public var issuer: String? { KeyComment.issuer(comment) }
    /// KEY_ID: the first 16 hex digits of the SHA-256 of `raw`.
    public let id: String

    public static let fileTag = "laba-ed25519-public"

    /// - Throws: `FleetKeyError` unless `raw` is 32 bytes.
    public init(raw: [UInt8], comment: String? = nil) throws(FleetKeyError) {
        guard raw.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw FleetKeyError("an Ed25519 public key is 32 bytes, found \(raw.count)")
        }
        self.raw = raw
        self.comment = comment
        self.id = Self.keyID(raw)
    }

    static func keyID(_ raw: [UInt8]) -> String {
        SHA256.hash(data: raw).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is this key's Ed25519 signature of `data`.
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: data)
    }

    /// The key file's one line.
    public var fileText: String { KeyLine.format(tag: Self.fileTag, raw: raw, comment: comment) }

    /// Reads a `.pub` file's text.
    public init(fileText text: String) throws(FleetKeyError) {
        let line = try KeyLine.parse(text, tag: Self.fileTag)
        try self.init(raw: line.raw, comment: line.comment)
    }
}

/// A commander's secret key: it signs commands.
public struct FleetSigningKey: Sendable {
    /// The raw 32-byte secret (Crypto's key type is not Sendable).
    private let raw: [UInt8]
    public let comment: String?
    public let publicKey: FleetPublicKey

    public static let fileTag = "laba-ed25519-secret"

    /// A new random key.
    public init(comment: String? = nil) {
        self.init(key: Curve25519.Signing.PrivateKey(), comment: comment)
    }

    /// - Throws: `FleetKeyError` unless `raw` is a 32-byte Ed25519 secret key.
    public init(raw: [UInt8], comment: String? = nil) throws(FleetKeyError) {
        guard raw.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw FleetKeyError("an Ed25519 secret key is 32 bytes, found \(raw.count)")
        }
        self.init(key: key, comment: comment)
    }

    private init(key: Curve25519.Signing.PrivateKey, comment: String?) {
        self.raw = Array(key.rawRepresentation)
        self.comment = comment
        // A valid key's public half is always 32 bytes.
        self.publicKey = try! FleetPublicKey(raw: Array(key.publicKey.rawRepresentation), comment: comment)
    }

    /// KEY_ID of the public half.
    public var id: String { publicKey.id }

    /// The issuer its comment names (`issuer=NAME`); nil for any other comment.
    public var issuer: String? { publicKey.issuer }

    /// The Ed25519 signature of `data` (64 bytes).
    public func signature(for data: [UInt8]) -> [UInt8] {
        // Signing with a valid key over bytes in memory does not fail.
        Array(try! Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: data))
    }

    /// The key file's one line.
    public var fileText: String { KeyLine.format(tag: Self.fileTag, raw: raw, comment: comment) }

    /// Reads a `.key` file's text.
    public init(fileText text: String) throws(FleetKeyError) {
        let line = try KeyLine.parse(text, tag: Self.fileTag)
        try self.init(raw: line.raw, comment: line.comment)
    }
}

/// `TAG BASE64 [comment]`, alone in its file.
enum KeyLine {
    static func format(tag: String, raw: [UInt8], comment: String?) -> String {
        let comment = comment.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
        return ([tag, Data(raw).base64EncodedString()] + (comment.map { [$0] } ?? [])).joined(separator: " ") + "\n"
    }

    static func parse(_ text: String, tag: String) throws(FleetKeyError) -> (raw: [UInt8], comment: String?) {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        guard lines.count == 1 else {
            throw FleetKeyError(lines.isEmpty ? "the file is empty" : "expected one line, found \(lines.count)")
        }
        let fields = lines[0].split(maxSplits: 2, whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, fields[0] == tag else {
            let other = tag == FleetPublicKey.fileTag ? FleetSigningKey.fileTag : FleetPublicKey.fileTag
            if fields.first.map(String.init) == other {
                throw FleetKeyError("this is a \(other == FleetSigningKey.fileTag ? "secret" : "public") key; expected '\(tag) BASE64 [comment]'")
            }
            throw FleetKeyError("expected '\(tag) BASE64 [comment]'")
        }
        guard let data = Data(base64Encoded: String(fields[1])) else {
            throw FleetKeyError("the key is not valid base64")
        }
        let comment = fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespaces) : nil
        return (Array(data), comment?.isEmpty == false ? comment : nil)
    }
}

/// Reading and writing key files.
public enum FleetKeyFile {
    /// Reads a public key file (`PATH.pub`).
    ///
    /// - Throws: `FleetKeyError` naming the file.
    public static func readPublic(_ path: String) throws(FleetKeyError) -> FleetPublicKey {
        let text = try read(path)
        do { return try FleetPublicKey(fileText: text) } catch { throw FleetKeyError(path: path, error.reason) }
    }

    /// Reads a secret key file (`PATH.key`), which only its owner may read.
    ///
    /// - Throws: `FleetKeyError` naming the file, also when group or others may read it.
    public static func readSecret(_ path: String) throws(FleetKeyError) -> FleetSigningKey {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            throw FleetKeyError(path: path, "a secret key must be readable by its owner only (mode \(String(info.st_mode & 0o777, radix: 8)); chmod 600 it)")
        }
        let text = try read(path)
        do { return try FleetSigningKey(fileText: text) } catch { throw FleetKeyError(path: path, error.reason) }
    }

    /// Reads a public key file as labad does: a `FileProblem` for a clerk.
    public static func publicKey(_ path: String) throws(FileProblem) -> FleetPublicKey {
        let text = try ConfigFiles.text(path)
        do { return try FleetPublicKey(fileText: text) } catch { throw FileProblem(.notPublicKey) }
    }

    /// Reads a secret key file as labad does, refusing one that group or others may read.
    public static func secretKey(_ path: String) throws(FileProblem) -> FleetSigningKey {
        let key: FleetSigningKey
        do { key = try FleetSigningKey(fileText: try ConfigFiles.text(path)) } catch let problem as FileProblem {
            throw problem
        } catch {
            throw FileProblem(.notSecretKey)
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            throw FileProblem(.secretKeyOpen, String(info.st_mode & 0o777, radix: 8))
        }
        return key
    }

    /// Writes a new key pair: `PATH.key` (mode 0600) and `PATH.pub`; never replaces a file.
    ///
    /// - Returns: the new key.
    /// - Throws: `FleetKeyError` when a file exists or cannot be written.
    @discardableResult
    public static func generate(at path: String, comment: String?) throws(FleetKeyError) -> FleetSigningKey {
        let key = FleetSigningKey(comment: comment)
        let secretPath = path + ".key", publicPath = path + ".pub"
        for existing in [secretPath, publicPath] where FileManager.default.fileExists(atPath: existing) {
            throw FleetKeyError(path: existing, "exists already; remove it first or choose another path")
        }
        try create(key.fileText, at: secretPath, mode: 0o600)
        do {
            try create(key.publicKey.fileText, at: publicPath, mode: 0o644)
        } catch {
            unlink(secretPath)
            throw error
        }
        return key
    }

    private static func read(_ path: String) throws(FleetKeyError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FleetKeyError(path: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FleetKeyError(path: path, "is not text") }
        return text
    }

    /// Creates `path` (never replacing one) with `mode` from the start, so that a secret is never
    /// readable by others, even for an instant.
    private static func create(_ text: String, at path: String, mode: mode_t) throws(FleetKeyError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FleetKeyError(path: path, String(cString: strerror(errno))) }
        defer { close(fd) }
        fchmod(fd, mode)  // umask may have taken bits off the public key's mode
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw FleetKeyError(path: path, reason)
        }
    }
}
