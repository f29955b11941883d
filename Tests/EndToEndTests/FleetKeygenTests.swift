import Foundation
import Testing

@Suite struct FleetKeygenTests {
    @Test func keygenWritesTheTwoKeyFilesAndPrintsTheKeyID() throws {
        var template = Array((NSTemporaryDirectory() + "laba-keygen-XXXXXX").utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/gucheng"
        let result = try Binaries.run("laba", ["fleet", "keygen", path])
        #expect(result.status == 0, "\(result.stderr)")
        let secret = try String(contentsOfFile: path + ".key", encoding: .utf8)
        let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(secret.hasPrefix("laba-ed25519-secret ") && secret.hasSuffix(" gucheng\n"))
        #expect(pub.hasPrefix("laba-ed25519-public ") && pub.hasSuffix(" gucheng\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: path + ".key")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // KEY_ID: the first 16 hex digits of the SHA-256 of the raw public key, as sha256sum says.
        let raw = Data(base64Encoded: String(pub.split(separator: " ")[1]))!
        #expect(raw.count == 32)
        try raw.write(to: URL(fileURLWithPath: folder + "/raw"))
        let sum = try Binaries.run(executable: "/usr/bin/sha256sum", [folder + "/raw"])
        #expect(result.stdout.hasPrefix("key id \(sum.stdout.prefix(16))\n"))

        // Never replaces a key.
        let again = try Binaries.run("laba", ["fleet", "keygen", path])
        #expect(again.status == 1)
        #expect(again.stderr == "laba: \(path).key: exists already; remove it first or choose another path\n")
        #expect(try String(contentsOfFile: path + ".key", encoding: .utf8) == secret)
    }

    /// Issue 25: `--issuer NAME` writes the comment `issuer=NAME`, which units trusting the key
    /// check and the commander signs as; a name that is not an id is refused before any file.
    @Test func keygenWithAnIssuerWritesItAsTheComment() throws {
        var template = Array((NSTemporaryDirectory() + "laba-keygen-XXXXXX").utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try Binaries.run("laba", ["fleet", "keygen", folder + "/county", "--issuer", "county-office"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\nissuer county-office\n"), "\(result.stdout)")
        for file in ["county.key", "county.pub"] {
            #expect(try String(contentsOfFile: folder + "/" + file, encoding: .utf8).hasSuffix(" issuer=county-office\n"))
        }
        let bad = try Binaries.run("laba", ["fleet", "keygen", folder + "/city", "--issuer", "City Office"])
        #expect(bad.status != 0 && bad.stderr.contains("not a valid id"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/city.key"))
        let both = try Binaries.run("laba", ["fleet", "keygen", folder + "/city", "--issuer", "city", "--comment", "x"])
        #expect(both.status != 0)
    }
}
