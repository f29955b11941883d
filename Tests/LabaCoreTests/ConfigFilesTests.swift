// The files a configuration names, read as labad reads them, and whether labad's user may read
// them (judged from owner, group and mode; a made-up uid stands for labad's user).

import Foundation
import LabaCore
import Testing

@Suite struct ConfigFilesTests {
    func folder() throws -> String {
        var template = Array((NSTemporaryDirectory() + "laba-files-XXXXXX").utf8CString)
        let path = String(cString: mkdtemp(&template)!)
        chmod(path, 0o755)
        return path
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var content: String?
        var read: @Sendable (String) throws(FileProblem) -> Void
        var problem: FileProblem.Kind?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "a missing password", content: nil, read: { p throws(FileProblem) in _ = try ConfigFiles.firstLine(p) }, problem: .missing),
        .init(name: "an empty password", content: "\n", read: { p throws(FileProblem) in _ = try ConfigFiles.firstLine(p) }, problem: .empty),
        .init(name: "a password", content: "secret\n", read: { p throws(FileProblem) in _ = try ConfigFiles.firstLine(p) }, problem: nil),
        .init(name: "not a certificate", content: "hello\n", read: { p throws(FileProblem) in try ConfigFiles.pem(p, .certificate) }, problem: .notCertificate),
        .init(name: "a certificate", content: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
              read: { p throws(FileProblem) in try ConfigFiles.pem(p, .certificate) }, problem: nil),
        .init(name: "a certificate where the key goes", content: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
              read: { p throws(FileProblem) in try ConfigFiles.pem(p, .privateKey) }, problem: .notPrivateKey),
        .init(name: "an EC key", content: "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n",
              read: { p throws(FileProblem) in try ConfigFiles.pem(p, .privateKey) }, problem: nil),
    ]

    @Test(arguments: cases)
    func filesAreReadAsLabadReadsThem(_ c: Case) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/file"
        if let content = c.content { try Data(content.utf8).write(to: URL(fileURLWithPath: path)) }
        do {
            try c.read(path)
            #expect(c.problem == nil)
        } catch {
            #expect(error.kind == c.problem, "\(error)")
        }
    }

    @Test func bytesThatAreNotUTF8AreNotAPassword() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data([0x70, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: dir + "/p"))
        #expect(throws: FileProblem(.notText)) { try ConfigFiles.firstLine(dir + "/p") }
    }

    @Test func aFolderWhereAFileGoesIsSaid() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: FileProblem(.notAFile)) { try ConfigFiles.read(dir) }
        #expect(throws: FileProblem(.notAFolder)) {
            try "x".write(toFile: dir + "/f", atomically: true, encoding: .utf8)
            try ConfigFiles.folder(dir + "/f")
        }
    }

    /// A user who owns nothing here: it reads what others may read, and is kept out by a file's
    /// mode, by a folder on the way, or let in by the group.
    @Test func theDaemonsUserIsKeptOutByAModeOnTheWay() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
        chmod(dir + "/keys", 0o755)
        let key = dir + "/keys/unit.key"
        try "secret".write(toFile: key, atomically: true, encoding: .utf8)
        chmod(key, 0o644)
        let stranger = DaemonUser(name: "stranger", uid: 54321, gids: [54321])
        #expect(stranger.denial(reading: key) == nil)

        chmod(key, 0o640)
        let denied = try #require(stranger.denial(reading: key))
        #expect(denied.path == key && denied.mode == "0640" && !denied.isFolder)
        // In the file's group: allowed.
        var info = stat()
        stat(key, &info)
        #expect(DaemonUser(name: "member", uid: 54321, gids: [info.st_gid]).denial(reading: key) == nil)
        // Its owner: allowed.
        #expect(DaemonUser(name: "owner", uid: info.st_uid == 0 ? 54322 : info.st_uid, gids: []).denial(reading: key)
                == (info.st_uid == 0 ? denied : nil))

        chmod(key, 0o644)
        chmod(dir + "/keys", 0o700)
        let folderDenied = try #require(stranger.denial(reading: key))
        #expect(folderDenied.path == dir + "/keys" && folderDenied.mode == "0700" && folderDenied.isFolder)
        // A folder to list needs read and search.
        chmod(dir + "/keys", 0o711)
        #expect(stranger.denial(reading: key) == nil)
        #expect(stranger.denial(reading: dir + "/keys", isFolder: true)?.path == dir + "/keys")
    }

    @Test(arguments: [("/etc/laba/keys/unit.key", nil), ("/home/li/unit.key", "/home"), ("/root/fleet.password", "/root"),
                      ("/tmp/ca.crt", "/tmp"), ("/var/tmp/x", "/var/tmp"), ("/run/user/0/k", "/run/user"),
                      ("/homestead/k", nil), ("/srv/../home/k", "/home")] as [(String, String?)])
    func theServiceHidesHomesAndTemporaryFolders(_ path: String, _ hidden: String?) {
        #expect(ConfigFiles.hiddenByService(path) == hidden)
    }
}
