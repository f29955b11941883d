import Foundation
import Testing

/// `make install-files DESTDIR=...` (what `make install` runs after the release build) lays out
/// the files; a second install keeps the operator's configuration; uninstall keeps it and the state.
@Suite struct InstallTests {
    func make(_ target: String, _ dest: String) throws -> Binaries.Result {
        try Binaries.run(executable: "/usr/bin/make", ["-s", "-C", Binaries.repo(), target, "DESTDIR=\(dest)",
                                                       "INSTALL_BIN=\(Binaries.directory)"])
    }

    @Test func installLaysOutTheFiles() throws {
        let dest = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dest) }
        let install = try make("install-files", dest)
        #expect(install.status == 0, "\(install.stderr)")
        for file in ["/usr/local/bin/labad", "/usr/local/bin/laba", "/etc/systemd/system/laba.service",
                     "/usr/lib/sysusers.d/laba.conf", "/etc/udev/rules.d/60-laba-gpio.rules", "/etc/laba/laba.yaml", "/var/lib/laba/audio/chime/neutral.flac",
                     "/var/lib/laba/audio/masks/naxi.flac", "/etc/laba/areas/ninglang.geojson",
                     "/usr/local/share/man/man1/laba.1", "/usr/local/share/man/man1/labad.1",
                     "/usr/local/share/bash-completion/completions/laba", "/usr/local/share/zsh/site-functions/_laba",
                     "/usr/local/share/fish/vendor_completions.d/laba.fish",
                     "/usr/local/share/bash-completion/completions/labad"] {
            #expect(FileManager.default.fileExists(atPath: dest + file), "\(file)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: dest + "/usr/local/bin/labad"))
        let config = try String(contentsOfFile: dest + "/etc/laba/laba.yaml", encoding: .utf8)
        #expect(config.contains("\naudio_dir: /var/lib/laba/audio\n"))

        // The man page and the completions know the subcommands.
        let manual = try String(contentsOfFile: dest + "/usr/local/share/man/man1/laba.1", encoding: .utf8)
        #expect(manual.contains(".Dt LABA 1") && manual.contains("edit") && manual.contains("--diff"))
        let rendered = try Binaries.run(executable: "/usr/bin/man", ["-l", dest + "/usr/local/share/man/man1/labad.1"])
        #expect(rendered.status == 0 && rendered.stdout.contains("--state-dir"), "\(rendered.stderr)")
        let bash = try String(contentsOfFile: dest + "/usr/local/share/bash-completion/completions/laba", encoding: .utf8)
        #expect(bash.contains("play-file") && bash.contains("complete -o filenames -F _laba laba"))
        let check = try Binaries.run(executable: "/bin/bash", ["-n", dest + "/usr/local/share/bash-completion/completions/laba"])
        #expect(check.status == 0, "\(check.stderr)")

        // The operator's edits survive a second install.
        try "# edited\n".write(toFile: dest + "/etc/laba/laba.yaml", atomically: true, encoding: .utf8)
        #expect(try make("install-files", dest).status == 0)
        #expect(try String(contentsOfFile: dest + "/etc/laba/laba.yaml", encoding: .utf8) == "# edited\n")

        #expect(try make("uninstall", dest).status == 0)
        #expect(!FileManager.default.fileExists(atPath: dest + "/usr/local/bin/labad"))
        #expect(!FileManager.default.fileExists(atPath: dest + "/etc/systemd/system/laba.service"))
        #expect(!FileManager.default.fileExists(atPath: dest + "/usr/local/share/man/man1/laba.1"))
        #expect(!FileManager.default.fileExists(atPath: dest + "/usr/local/share/fish/vendor_completions.d/laba.fish"))
        #expect(FileManager.default.fileExists(atPath: dest + "/etc/laba/laba.yaml"))
        #expect(FileManager.default.fileExists(atPath: dest + "/var/lib/laba/audio/masks/naxi.flac"))
    }
}
