// The console's self-signed certificate: browsers give the microphone only to a secure context,
// so a console served beyond loopback without `console.tls` gets HTTPS with a certificate made
// once in the state dir (swift-certificates and swift-crypto; no `openssl` needed on the board).

import Crypto
import Foundation
import SwiftASN1
import X509

enum SelfSigned {
    /// Makes `certificate` and `key` (PEM, the key 0600) unless both exist already.
    ///
    /// - Returns: whether it made them.
    static func ensure(certificate: String, key: String, host: String) throws -> Bool {
        let files = FileManager.default
        if files.fileExists(atPath: certificate), files.fileExists(atPath: key) { return false }
        try files.createDirectory(atPath: (certificate as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                  attributes: [.posixPermissions: 0o700])
        let privateKey = P256.Signing.PrivateKey()
        var hostName = [CChar](repeating: 0, count: 256)
        gethostname(&hostName, hostName.count)
        let machine = String(cString: hostName)
        let name = try DistinguishedName {
            OrganizationName("Laba")
            CommonName(machine.isEmpty ? "laba" : machine)
        }
        var names: [GeneralName] = [.dnsName("localhost")]
        if !machine.isEmpty { names.append(.dnsName(machine)) }
        for address in Set(localAddresses() + [host]) {
            if let bytes = ipv4Bytes(address), bytes != [0, 0, 0, 0] {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
            } else if ipv4Bytes(address) == nil, address != "0.0.0.0", address != "::", !address.contains(":") {
                names.append(.dnsName(address))
            }
        }
        let now = Date()
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
        let certificateValue = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(privateKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(privateKey))
        let pem = try certificateValue.serializeAsPEM().pemString
        guard files.createFile(atPath: key, contents: Data(privateKey.pemRepresentation.utf8),
                               attributes: [.posixPermissions: 0o600]),
              files.createFile(atPath: certificate, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: certificate])
        }
        return true
    }

    /// SHA-256 of the certificate's DER bytes, `AB:CD:...`, as browsers show it.
    static func fingerprint(pemFile: String) -> String? {
        guard let pem = try? String(contentsOfFile: pemFile, encoding: .utf8),
              let document = try? PEMDocument(pemString: pem) else { return nil }
        return SHA256.hash(data: document.derBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }

    /// The machine's IPv4 addresses, so that the certificate names the one a clerk types.
    static func localAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var out: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var a = sin.pointee.sin_addr
                _ = inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
            }
            out.append(String(cString: text))
        }
        return out
    }
}
