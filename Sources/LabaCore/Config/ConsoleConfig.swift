// `console:`: the web console's address, optional TLS files and default page language (SPEC 12).

import Foundation
import Yams

/// Where and how the web console is served; absent: no console.
public struct ConsoleConfig: Sendable {
    /// `host:port` as written (`127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`).
    public var listen: Located<String>
    public var host: String
    public var port: Int
    /// The certificate and key files (PEM) for HTTPS, resolved against the configuration's folder.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Where they are named.
    public var tlsCertificateLocation: SourceLocation?
    public var tlsKeyLocation: SourceLocation?
    /// The page language when neither the account nor the browser chooses: `zh-Hans` or `en`.
    public var language: String

    public static let languages = ["zh-Hans", "en"]
    public static let defaultLanguage = "zh-Hans"

    /// Whether the address is a loopback one (only this machine can reach it).
    public var isLoopback: Bool { Self.isLoopback(host) }

    static let keys = ["listen", "tls", "language"]
    static let tlsKeys = ["cert", "key"]

    /// `host:port` → its parts; nil when it is not one.
    public static func address(_ text: String) -> (host: String, port: Int)? {
        var host: Substring
        var port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let p = Int(port), (1...65535).contains(p) else { return nil }
        return (String(host), p)
    }
}

extension ConfigLoader {
    /// Reads `console:`; relative TLS paths resolve against `directory`.
    static func readConsole(_ node: Node, directory: String, _ reader: inout NodeReader) -> ConsoleConfig? {
        guard let f = reader.mapping(node, "console", known: ConsoleConfig.keys) else { return nil }
        guard let n = f["listen"] else {
            reader.missing("console needs listen, the address to serve, such as \"127.0.0.1:8080\"", in: f, key: "listen", of: "console")
            return nil
        }
        guard let listen = reader.string(n, "console.listen") else { return nil }
        guard let (host, port) = ConsoleConfig.address(listen.value) else {
            reader.reject(listen, "console.listen must be HOST:PORT such as \"127.0.0.1:8080\" or \"0.0.0.0:8080\", found '\(listen.value)'",
                          code: "invalid_format", what: "console.listen", ["format": "host_port", "example": "127.0.0.1:8080", "value": listen.value])
            return nil
        }
        var console = ConsoleConfig(listen: listen, host: host, port: port, language: ConsoleConfig.defaultLanguage)
        if let n = f["language"], let language = reader.string(n, "console.language") {
            if ConsoleConfig.languages.contains(language.value) {
                console.language = language.value
            } else {
                reader.reject(language, "console.language must be zh-Hans or en, found '\(language.value)'", code: "must_be_choice",
                              what: "console.language", ["choices": "zh-Hans, en", "value": language.value])
            }
        }
        if let n = f["tls"], let tls = reader.mapping(n, "console.tls", known: ConsoleConfig.tlsKeys) {
            func path(_ key: String) -> Located<String>? {
                guard let node = tls[key] else {
                    reader.missing("console.tls needs \(key), a PEM file", in: tls, key: key, of: "console.tls")
                    return nil
                }
                guard let text = reader.string(node, "console.tls.\(key)") else { return nil }
                let p = text.value.hasPrefix("/") ? text.value : (directory as NSString).appendingPathComponent(text.value)
                return Located((p as NSString).standardizingPath, at: text.location)
            }
            let cert = path("cert"), key = path("key")
            console.tlsCertificate = cert?.value
            console.tlsCertificateLocation = cert?.location
            console.tlsKey = key?.value
            console.tlsKeyLocation = key?.location
        }
        return console
    }
}
