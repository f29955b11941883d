// The console's routes, sessions and page frame. Each page is one function (Pages.swift) that
// asks the engine and renders a template; this file holds what they share: who is asking, what
// they may do, the CSRF check, and turning failures into pages.

import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import LabaCatalog
import LabaControl
import LabaCore
import Logging
import Mustache
import NIOCore
import NIOPosix
import Synchronization

/// Why a request is not answered with its page.
enum Failure: Error {
    /// No session: GET goes to the login page, anything else gets 401.
    case signIn
    case forbidden
    /// A change without the session's CSRF token (or from another origin).
    case csrf
    case notFound
    case badRequest(String)
    /// One session holds as many live views as it may (SPEC 17: what grows is bounded).
    case tooManyViews
    /// A request outside what the account may do (its zones), in its words.
    case refused(String)
}

/// Who is asking, in which language.
struct Visit: Sendable {
    var account: ConsoleAccount
    var session: ConsoleSession
    var texts: Texts
    var path: String
    var address: String

    var name: String { account.name }
    var canOperate: Bool { account.role >= .operator }
    /// Who the front door hears.
    var requester: RequestedBy { .console(user: account.name) }
}

final class Site: Sendable {
    static let cookie = "laba_session"
    static let sessionLifetime: Int64 = 7 * 86_400 * 1_000_000
    static let maxForm = 64 * 1024

    /// The daemon's front door: every request, the state the pages show, accounts and sessions.
    let door: any ConsoleDoor
    let settings: ConsoleConfig
    let logger: Logger
    let templates: MustacheLibrary
    /// Cookies get `Secure` when the console speaks HTTPS.
    let secure: Bool
    let limiter = Mutex(LoginLimiter())
    /// Live views (server-sent event streams) open per session; at most `maxLiveViews` each.
    let liveViews = Mutex<[String: Int]>([:])
    static let maxLiveViews = 8
    /// How often an open live view is written to when nothing changes (so that a browser gone is seen).
    static let keepAlive = TimeAmount.seconds(15)
    /// Compared against when the account does not exist, so that a wrong name takes as long as a wrong password.
    let decoyHash = Bcrypt.hash("laba decoy password", cost: 10)

    init(door: any ConsoleDoor, settings: ConsoleConfig, logger: Logger, secure: Bool) throws {
        self.door = door
        self.settings = settings
        self.logger = logger
        templates = try Templates.library()
        self.secure = secure
    }

    func routes(_ router: Router<ConsoleContext>) {
        router.get("/static/:name") { _, context in try self.asset(context.parameters.get("name") ?? "") }
        router.get("/login") { request, context in try await self.loginPage(request, context) }
        router.post("/login") { request, context in try await self.login(request, context) }
        router.post("/logout") { request, context in try await self.logout(request, context) }
        router.post("/language") { request, context in try await self.setLanguage(request, context) }
        router.get("/") { request, context in try await self.overview(request, context) }
        router.get("/events") { request, context in try await self.events(request, context) }
        router.get("/broadcast") { request, context in try await self.broadcastPage(request, context) }
        router.post("/broadcast") { request, context in try await self.broadcast(request, context) }
        router.post("/broadcasts/:id/cancel") { request, context in try await self.cancel(request, context) }
        router.get("/stop") { request, context in try await self.stopPage(request, context) }
        router.post("/stop") { request, context in try await self.stop(request, context) }
        router.get("/talk") { request, context in try await self.talkPage(request, context) }
        router.get("/talk/socket") { request, context in try await self.talkSocketWithoutUpgrade(request, context) }
        router.get("/schedule") { request, context in try await self.schedule(request, context) }
        router.get("/schedule/new") { request, context in try await self.newEntry(request, context) }
        router.get("/schedule/expression") { request, context in try await self.entryExpression(request, context) }
        router.post("/schedule/preview") { request, context in try await self.submitEntry(request, context, save: false) }
        router.post("/schedule/save") { request, context in try await self.submitEntry(request, context, save: true) }
        router.get("/schedule/entries/:id/edit") { request, context in try await self.editEntry(request, context) }
        router.post("/schedule/entries/:id/:action") { request, context in try await self.scheduleAction(request, context) }
        router.get("/schedule/log") { request, context in try await self.scheduleLog(request, context) }
        router.get("/schedule/log.csv") { request, context in try await self.scheduleLogDownload(request, context) }
        router.get("/schedule/log.xlsx") { request, context in try await self.scheduleLogXlsx(request, context) }
        router.get("/record") { request, context in try await self.record(request, context) }
        router.get("/units/:id") { request, context in try await self.unitPage(request, context) }
        router.get("/map") { request, context in try await self.mapPage(request, context) }
        router.get("/alerts") { request, context in try await self.alertsPage(request, context) }
        router.post("/alerts") { request, context in try await self.sendAlert(request, context) }
        router.get("/record.csv") { request, context in try await self.recordCSV(request, context) }
        router.get("/record.xlsx") { request, context in try await self.recordXlsx(request, context) }
        router.get("/record/print") { request, context in try await self.recordPrint(request, context) }
        router.get("/coverage") { request, context in try await self.coverage(request, context) }
        router.get("/coverage.xlsx") { request, context in try await self.coverageXlsx(request, context) }
        router.get("/recordings") { request, context in try await self.recordings(request, context) }
        router.get("/recordings/:message/:language") { request, context in try await self.recordingAudio(request, context) }
        router.put("/recordings/:message/:language") { request, context in try await self.saveRecording(request, context) }
        router.put("/recordings/:message/:language/stage") { request, context in try await self.stageRecording(request, context) }
        router.post("/recordings/:message/:language/confirm") { request, context in try await self.confirmRecording(request, context) }
        router.get("/recordings/staged/:token") { request, context in try await self.stagedAudio(request, context) }
        router.get("/zones") { request, context in try await self.zones(request, context) }
        router.post("/zones/move") { request, context in try await self.move(request, context) }
        router.post("/zones/volume") { request, context in try await self.setVolume(request, context) }
        router.get("/accounts") { request, context in try await self.accounts(request, context) }
        router.post("/accounts/add") { request, context in try await self.addAccount(request, context) }
        router.post("/accounts/remove") { request, context in try await self.removeAccount(request, context) }
        router.post("/accounts/zones") { request, context in try await self.setAccountZones(request, context) }
        router.post("/accounts/password") { request, context in try await self.resetPassword(request, context) }
        router.get("/buttons") { request, context in try await self.buttonsPage(request, context) }
        router.post("/buttons/add") { request, context in try await self.addButton(request, context) }
        router.post("/buttons/remove") { request, context in try await self.removeButton(request, context) }
        router.get("/password") { request, context in try await self.passwordPage(request, context) }
        router.post("/password") { request, context in try await self.changePassword(request, context) }
    }

    // MARK: Who is asking

    /// The daemon's clock (a test's offset included), for sessions and login limits.
    func now() async -> Int64 { await door.now().microseconds }

    /// Names and clerk times for `visit`'s page, on the daemon's clock.
    func naming(_ visit: Visit, _ config: Config? = nil) async -> Naming {
        let config = if let config { config } else { await door.configuration }
        return Naming(config, now: await door.now(), language: visit.texts.language, libraryTitles: await door.library.fleetTitles)
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    func sessionToken(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == Self.cookie { return String(kv[1]) }
        }
        return nil
    }

    /// The signed-in account, if any (a session kept in the store, so it survives a restart).
    func currentVisit(_ request: Request, _ context: ConsoleContext) async -> Visit? {
        guard let token = sessionToken(request) else { return nil }
        let t = await now()
        guard let (session, account) = (try? door.session(tokenHash: Self.hash(token), now: t)) ?? nil else { return nil }
        let language = PageLanguage.choose(account: account.language, acceptLanguage: request.headers[.acceptLanguage],
                                           configured: settings.language)
        return Visit(account: account, session: session, texts: Texts.byLanguage[language]!, path: request.uri.path,
                     address: context.address)
    }

    /// A page view: signed in, with at least `role`.
    func visit(_ request: Request, _ context: ConsoleContext, role: ConsoleRole = .viewer) async throws -> Visit {
        guard let visit = await currentVisit(request, context) else { throw Failure.signIn }
        guard visit.account.role >= role else { throw Failure.forbidden }
        return visit
    }

    /// A change: signed in, with `role`, from this console's own pages (same origin, the session's
    /// CSRF token in the form or in `X-CSRF-Token`). Reads a form body; other bodies stay unread.
    func change(_ request: inout Request, _ context: ConsoleContext, role: ConsoleRole) async throws -> (Visit, Form) {
        guard let visit = await currentVisit(request, context) else { throw Failure.signIn }
        var form = Form("")
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: Self.maxForm)
            form = Form(String(buffer: body))
        }
        let token = form["csrf"] ?? request.headers[HTTPField.Name("X-CSRF-Token")!] ?? ""
        guard sameOrigin(request), constantTimeEqual(token, visit.session.csrf) else {
            logger.warning("console: a change without its CSRF token was refused",
                           metadata: ["console": "\(visit.name)", "path": "\(request.uri.path)", "address": "\(context.address)"])
            throw Failure.csrf
        }
        guard visit.account.role >= role else { throw Failure.forbidden }
        return (visit, form)
    }

    /// An `Origin` header, when the browser sends one, names this host.
    func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: Rendering

    struct Nav {
        var href: String
        var label: String
        var current: Bool
    }

    /// What every page's frame shows; the page's own values are in `page`.
    struct Frame<Page> {
        var t: [String: String]
        var lang: String
        var title: String
        var user: String?
        var roleName: String
        var csrf: String
        var nav: [Nav]
        var canOperate: Bool
        var isAdmin: Bool
        var otherLanguage: String
        var otherLanguageName: String
        var path: String
        var flash: String?
        var error: String?
        var page: Page
    }

    func frame<Page>(_ visit: Visit?, texts: Texts, title: String, page: Page, flash: String? = nil, error: String? = nil) -> Frame<Page> {
        let t = texts
        var nav: [Nav] = []
        if let visit {
            let items: [(String, Catalog.Key, ConsoleRole)] = [
                ("/", .webOverview, .viewer), ("/broadcast", .webBroadcast, .operator), ("/stop", .webStop, .operator),
                ("/talk", .webTalk, .operator),
                ("/schedule", .webSchedule, .viewer), ("/record", .webRecord, .viewer), ("/recordings", .webRecordings, .viewer),
                ("/coverage", .coverageTitle, .viewer),
                ("/zones", .webZonesPage, .viewer), ("/map", .webMap, .viewer), ("/alerts", .webAlerts, .viewer),
                ("/buttons", .webButtons, .admin), ("/accounts", .webAccounts, .admin),
            ]
            nav = items.filter { visit.account.role >= $0.2 }.map { Nav(href: $0.0, label: t($0.1), current: visit.path == $0.0 || ($0.0 != "/" && visit.path.hasPrefix($0.0 + "/"))) }
        }
        let other: CatalogLanguage = t.language == .en ? .zhHans : .en
        return Frame(t: t.all, lang: t.language.rawValue, title: title, user: visit?.name,
                     roleName: visit.map { t.role($0.account.role) } ?? "", csrf: visit?.session.csrf ?? "", nav: nav,
                     canOperate: visit?.canOperate ?? false, isAdmin: visit.map { $0.account.role >= .admin } ?? false,
                     otherLanguage: other.rawValue, otherLanguageName: other == .en ? "English" : "中文",
                     path: visit?.path ?? "/", flash: flash, error: error, page: page)
    }

    func html(_ template: String, _ frame: some Any, status: HTTPResponse.Status = .ok) -> Response {
        let text = templates.render(frame, withTemplate: template) ?? "template \(template) is missing"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func page<Page>(_ template: String, _ visit: Visit, title: Catalog.Key, page: Page, flash: String? = nil, error: String? = nil,
                    status: HTTPResponse.Status = .ok) -> Response {
        html(template, frame(visit, texts: visit.texts, title: visit.texts(title), page: page, flash: flash, error: error), status: status)
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Headers every answer carries: no framing, no sniffing, scripts and media from here only.
    static func harden(_ response: inout Response) {
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; media-src 'self' blob:; frame-ancestors 'none'"
    }

    /// A failure as the browser should see it.
    func failure(_ error: any Error, _ request: Request, _ context: ConsoleContext) async -> Response {
        let visit = await currentVisit(request, context)
        let texts = visit?.texts ?? Texts.byLanguage[PageLanguage.choose(account: nil, acceptLanguage: request.headers[.acceptLanguage],
                                                                         configured: settings.language)]!
        func problem(_ key: Catalog.Key, _ status: HTTPResponse.Status) -> Response {
            if request.headers[HTTPField.Name("X-CSRF-Token")!] != nil || request.method == .put {
                return Self.text(texts(key), status: status)
            }
            return html("problem", frame(visit, texts: texts, title: texts(key), page: ""), status: status)
        }
        switch error {
        case Failure.signIn:
            return request.method == .get || request.method == .head ? Self.redirect("/login") : Self.text(texts(.webSignInFirst), status: .unauthorized)
        case Failure.forbidden: return problem(.webForbidden, .forbidden)
        case Failure.csrf: return problem(.webCSRF, .forbidden)
        case Failure.notFound:
            // Without a session nothing is told, not even whether a page exists.
            return visit == nil && request.method == .get ? Self.redirect("/login") : problem(.webNotFound, .notFound)
        case Failure.badRequest(let message):
            return Self.text(message, status: .badRequest)
        case Failure.tooManyViews:
            return Self.text(texts(.webTooManyViews, ["n": String(Self.maxLiveViews)]), status: .tooManyRequests)
        case Failure.refused(let message):
            return Self.text(message, status: .forbidden)
        case let e as HTTPResponseError where e.status == .notFound:
            return visit == nil && request.method == .get ? Self.redirect("/login") : problem(.webNotFound, .notFound)
        case let e as HTTPResponseError:
            return Self.text(e.status.reasonPhrase, status: e.status)
        default:
            logger.error("console: a request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return problem(.webInternalError, .internalServerError)
        }
    }

    func asset(_ name: String) throws -> Response {
        guard let asset = Assets.all[name] else { throw Failure.notFound }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    // MARK: Signing in

    struct LoginPage { var name: String }

    func loginPage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        if await currentVisit(request, context) != nil { return Self.redirect("/") }
        let texts = Texts.byLanguage[PageLanguage.choose(account: nil, acceptLanguage: request.headers[.acceptLanguage],
                                                         configured: settings.language)]!
        // After a password change (every session ended): say why the clerk is here again.
        let changed = Form(request.uri.query ?? "")["changed"] == "1"
        return html("login", frame(nil, texts: texts, title: texts(.webLoginTitle), page: LoginPage(name: ""),
                                   flash: changed ? texts(.webPasswordChanged) : nil))
    }

    func login(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: Self.maxForm)))
        let texts = Texts.byLanguage[PageLanguage.choose(account: nil, acceptLanguage: request.headers[.acceptLanguage],
                                                         configured: settings.language)]!
        guard sameOrigin(request) else { throw Failure.csrf }
        let name = form["name"] ?? "", password = form["password"] ?? ""
        let address = context.address
        func refuse(_ key: Catalog.Key, _ status: HTTPResponse.Status) -> Response {
            html("login", frame(nil, texts: texts, title: texts(.webLoginTitle), page: LoginPage(name: name), error: texts(key)),
                 status: status)
        }
        let t = await now()
        // Counted before the password is checked: a burst of guesses cannot outrun the count.
        switch limiter.withLock({ $0.begin(account: name, address: address, now: t) }) {
        case .locked:
            logger.notice("console: login refused while locked", metadata: ["account": "\(name)", "address": "\(address)"])
            return refuse(.webLocked, .tooManyRequests)
        case .busy:
            return refuse(.webLoginBusy, .tooManyRequests)
        case .allowed:
            break
        }
        let account = (try? door.account(name)) ?? nil
        let hash = account?.passwordHash ?? decoyHash
        let right = ((try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false) && account != nil
        let decision = limiter.withLock { $0.finished(account: name, address: address, right: right, now: t) }
        guard let account, right else {
            logger.notice("console: wrong password", metadata: ["account": "\(name)", "address": "\(address)"])
            if case .locked(let until, let key) = decision {
                let scope = if case .address = key { "every account from this address" } else { "this account from this address" }
                logger.warning("console: logins locked after repeated wrong passwords", metadata: [
                    "account": "\(name)", "address": "\(address)", "scope": "\(scope)",
                    "until": "\(Instant(microseconds: until))",
                ])
                return refuse(.webLocked, .tooManyRequests)
            }
            return refuse(.webLoginFailed, .unauthorized)
        }
        let token = Self.randomToken()
        try door.addSession(ConsoleSession(tokenHash: Self.hash(token), account: account.name, csrf: Self.randomToken(),
                                            createdAt: t, expiresAt: t + Self.sessionLifetime))
        logger.notice("console: signed in", metadata: ["console": "\(account.name)", "address": "\(address)"])
        let cookie = "\(Self.cookie)=\(token); Path=/; Max-Age=\(Self.sessionLifetime / 1_000_000); HttpOnly; SameSite=Strict"
            + (secure ? "; Secure" : "")
        return Self.redirect("/", cookie: cookie)
    }

    func logout(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, _) = try await change(&request, context, role: .viewer)
        try? door.removeSession(tokenHash: visit.session.tokenHash)
        logger.notice("console: signed out", metadata: ["console": "\(visit.name)"])
        return Self.redirect("/login", cookie: "\(Self.cookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""))
    }

    func setLanguage(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        var request = request
        let (visit, form) = try await change(&request, context, role: .viewer)
        guard let language = form["language"], CatalogLanguage(rawValue: language) != nil else { throw Failure.badRequest("language") }
        try door.setLanguage(visit.name, language: language)
        let back = form["back"] ?? "/"
        return Self.redirect(back.hasPrefix("/") && !back.hasPrefix("//") ? back : "/")
    }
}
