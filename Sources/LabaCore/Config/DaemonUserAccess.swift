// Whether labad's user (laba.service's `User=`) may read the files the configuration names:
// `laba check`, run as root, reads them as root, which reads everything. Judged from each file's
// and each folder's owner, group and mode against the user's uid and groups, as the kernel does
// for a process without capabilities (POSIX ACLs are not read).

import Foundation

/// A user as the kernel sees its processes: uid and every group id.
public struct DaemonUser: Sendable, Equatable {
    /// The user laba.service runs labad as.
    public static let shippedName = "laba"

    public var name: String
    public var uid: uid_t
    /// The primary group and the supplementary ones.
    public var gids: [gid_t]

    public init(name: String, uid: uid_t, gids: [gid_t]) {
        self.name = name
        self.uid = uid
        self.gids = gids
    }

    /// The user of that name and its groups (`getpwnam`, `getgrouplist`, as `initgroups` gives
    /// them to a service); nil when there is no such user.
    public static func lookup(_ name: String) -> DaemonUser? {
        guard let entry = getpwnam(name) else { return nil }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count) * 2)
            count = Int32(groups.count)
        }
        return DaemonUser(name: name, uid: uid, gids: Array(Set([gid] + groups.prefix(Int(count)))).sorted())
    }

    /// What stops this user from reading `path` (a folder: listing it), or nil when it may.
    /// A path that cannot be examined (missing) is nil: that is the file's own problem.
    public func denial(reading path: String, isFolder: Bool = false) -> AccessDenial? {
        guard uid != 0 else { return nil }
        // Both the path as written and the one its links lead to are walked.
        let absolute = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        var walks = [(absolute as NSString).standardizingPath]
        if let real = realpath(path, nil) {
            walks.append(String(cString: real))
            free(real)
        }
        for walk in walks {
            var components = walk.split(separator: "/").map(String.init)
            let last = components.popLast()
            var folder = ""
            for component in [""] + components {
                folder = component.isEmpty ? "/" : (folder == "/" ? "/" : folder + "/") + component
                if let denial = check(folder, need: 0o100) { return denial }  // search
            }
            guard let last else { continue }
            let target = (folder == "/" ? "/" : folder + "/") + last
            if let denial = check(target, need: isFolder ? 0o500 : 0o400) { return denial }
        }
        return nil
    }

    /// nil when the user has the `need` bits (expressed as owner bits) on `path`, or it cannot be examined.
    func check(_ path: String, need: mode_t) -> AccessDenial? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = info.st_mode
        let granted: mode_t
        if info.st_uid == uid {
            granted = mode & 0o700
        } else if gids.contains(info.st_gid) {
            granted = (mode & 0o070) << 3
        } else {
            granted = (mode & 0o007) << 6
        }
        guard granted & need != need else { return nil }
        return AccessDenial(path: path, mode: String(format: "%04o", mode & 0o7777),
                            owner: Self.userName(info.st_uid), group: Self.groupName(info.st_gid),
                            isFolder: (info.st_mode & S_IFMT) == S_IFDIR)
    }

    static func userName(_ uid: uid_t) -> String {
        getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? String(uid)
    }

    static func groupName(_ gid: gid_t) -> String {
        getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? String(gid)
    }
}

/// The file or folder on the way that keeps a user out, as `ls -l` would show it.
public struct AccessDenial: Sendable, Equatable {
    public var path: String
    /// `0600`
    public var mode: String
    public var owner: String
    public var group: String
    public var isFolder: Bool
}

extension ConfigFiles {
    /// The folder of `path` that laba.service hides from labad (`ProtectHome=yes`: /home, /root,
    /// /run/user; `PrivateTmp=yes`: its own /tmp and /var/tmp), or nil.
    public static func hiddenByService(_ path: String) -> String? {
        let absolute = (path as NSString).standardizingPath
        return ["/home", "/root", "/run/user", "/tmp", "/var/tmp"].first { absolute == $0 || absolute.hasPrefix($0 + "/") }
    }

    /// One error per named file or folder that laba.service hides from labad.
    public static func problems(hiddenByServiceIn config: Config) -> [Diagnostic] {
        named(config).compactMap { file in
            guard let folder = hiddenByService(file.path) else { return nil }
            return Diagnostic(.error, at: file.location,
                              "\(file.key): laba.service hides \(folder) from labad (ProtectHome=yes, PrivateTmp=yes), so it "
                              + "cannot read \(file.path); move it under /etc/laba",
                              code: "file_hidden_by_service", arguments: ["key": file.key, "path": file.path, "folder": folder])
        }
    }

    /// One error per named file or folder that `user` cannot read, at the line that names it.
    public static func problems(readableBy user: DaemonUser, _ config: Config) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for file in named(config) {
            guard let denial = user.denial(reading: file.path, isFolder: file.isFolder) else { continue }
            let arguments = ["key": file.key, "path": file.path, "user": user.name, "blocker": denial.path,
                             "mode": denial.mode, "owner": denial.owner, "group": denial.group]
            out.append(Diagnostic(.error, at: file.location,
                                  "\(file.key): labad's user \(user.name) cannot read \(file.path): \(denial.path) is "
                                  + "\(denial.mode), owned by \(denial.owner):\(denial.group)",
                                  code: "file_denied_to_user", arguments: arguments))
        }
        return out
    }
}
