// Passwords from the console: one's own (the current one first), and an admin's reset of another
// account's. Either ends every session of the account, the one that asked included.

import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import LabaCatalog
import LabaCore
import NIOPosix
import Synchronization

extension Site {
    /// A new password's rule, as `laba user` has it.
    static let minimumPassword = 8

    func passwordPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let visit = try await self.visit(request, context)
        return page("password", visit, title: .webChangePassword, page: "")
    }

    func passwordPage(_ visit: Visit, error: Catalog.Key) -> Response {
        page("password", visit, title: .webChangePassword, page: "", error: visit.texts(error), status: .unprocessableContent)
    }

    func changePassword(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .viewer)
        let old = form["old"] ?? "", new = form["new"] ?? "", again = form["again"] ?? ""
        guard new.count >= Self.minimumPassword else { return passwordPage(visit, error: .webPasswordTooShort) }
        guard new == again else { return passwordPage(visit, error: .webPasswordMismatch) }
        // The current password is a login's secret: its guesses count as the login's do.
        let address = context.address, t = await now()
        switch limiter.withLock({ $0.begin(account: visit.name, address: address, now: t) }) {
        case .locked: return passwordPage(visit, error: .webLocked)
        case .busy: return passwordPage(visit, error: .webLoginBusy)
        case .allowed: break
        }
        let hash = visit.account.passwordHash
        let right = (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(old, hash: hash) }) ?? false
        _ = limiter.withLock { $0.finished(account: visit.name, address: address, right: right, now: t) }
        guard right else {
            logger.notice("console: wrong current password", metadata: ["console": "\(visit.name)", "address": "\(address)"])
            return passwordPage(visit, error: .webOldPasswordWrong)
        }
        let newHash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(new, cost: 10) }
        try door.setPassword(visit.name, hash: newHash)
        logger.notice("console: password changed", metadata: ["console": "\(visit.name)", "address": "\(address)"])
        return Self.redirect("/login?changed=1", cookie: "\(Self.cookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""))
    }

    func resetPassword(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .admin)
        guard let name = form["name"], (try? door.account(name)) != nil else { throw Failure.notFound }
        guard let password = form["password"], password.count >= Self.minimumPassword else {
            return await accountsPage(visit, error: visit.texts(.webPasswordTooShort))
        }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 10) }
        try door.setPassword(name, hash: hash)
        logger.notice("console: password reset", metadata: ["console": "\(visit.name)", "account": "\(name)"])
        // An admin resetting their own password here ends their own session too.
        if name == visit.name { return Self.redirect("/login?changed=1") }
        return await accountsPage(visit, flash: visit.texts(.webPasswordReset, ["name": name]))
    }
}
