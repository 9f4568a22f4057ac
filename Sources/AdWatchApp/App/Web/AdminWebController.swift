import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import AdWatchCore

/// The admin web page under `/admin`: server-rendered HTML, no JavaScript. Sign in with the admin
/// token through a form; the session cookie is `HttpOnly; SameSite=Strict; Path=/admin` with a
/// `Max-Age` (and `Secure` over HTTPS), and every POST form carries the session's CSRF token, checked in
/// constant time.
///
/// | route | what |
/// |---|---|
/// | `GET /admin` | overview: chain verification, recent alerts, timeline form, dead letter, silences |
/// | `GET /admin/login`, `POST /admin/login`, `POST /admin/logout` | sign-in and sign-out |
/// | `GET /admin/timeline?campaign=ID` or `?alert=FINGERPRINT` (`&cursor=`) | a timeline |
/// | `POST /admin/ui/silences`, `POST /admin/ui/silences/{id}/expire` | create and expire silences |
/// | `POST /admin/ui/deliveries/{id}/replay` | replay a dead delivery |
struct AdminWebController {
    let store: any AdWatchStore
    /// `admin.token`; a configuration reload replaces it (sessions signed in before keep their lifetime).
    let token: Reloadable<Secret>
    let clock: any WallClock
    let sessions: WebSessionStore
    /// Wrong tokens per client: five within five minutes and the form refuses that client for a while.
    /// Shared with the admin API's bearer check, so the two doors give five guesses in all.
    let throttle: SignInThrottle
    let clientAddress: ClientAddress
    /// Whether the session cookie is `Secure` (TLS here, or an `https` `server.public_url`).
    let secureCookie: Bool
    /// The chain is re-verified at most once a minute however often the page is loaded.
    let chainStatus: ChainVerificationCache

    static let cookieName = "adwatch_session"
    static let timelinePageSize = 200

    init(
        store: any AdWatchStore, admin: AdminConfig, token: Reloadable<Secret>, clock: any WallClock, throttle: SignInThrottle,
        clientAddress: ClientAddress, secureCookie: Bool
    ) {
        self.store = store
        self.token = token
        self.clock = clock
        self.throttle = throttle
        self.clientAddress = clientAddress
        self.secureCookie = secureCookie
        self.sessions = WebSessionStore(clock: clock, lifetime: admin.sessionLifetime.seconds)
        self.chainStatus = ChainVerificationCache(log: store, clock: clock, maxAge: 60)
    }

    func addRoutes(to router: Router<AdWatchRequestContext>) {
        router.get("admin") { request, _ in
            guard let session = signedIn(request) else { return Self.redirect("/admin/login") }
            let notice = request.uri.queryParameters.get("done").flatMap { Self.notices[$0] }
            return try await overview(session, notice: notice, error: nil, status: .ok)
        }
        router.get("admin/login") { request, _ in
            if signedIn(request) != nil { return Self.redirect("/admin") }
            return signInPage(error: nil, status: .ok, request: request)
        }
        router.post("admin/login") { request, context in
            let form = try await Self.form(request)
            // The form's own CSRF token ties the POST to a form this server handed out (login CSRF).
            guard let pending = sessions.session(id: Self.cookie(request)), WebSessionStore.csrfMatches(pending, form["csrf"]) else {
                return signInPage(error: "The sign-in form expired. Please try again.", status: .forbidden, request: request, fresh: true)
            }
            let address = clientAddress.of(request, context: context)
            let now = clock.now()
            if let wait = throttle.retryAfter(address, now: now) {
                await auditSignIn(.adminSignInRefused, address: address, reason: "too_many_attempts", logger: context.logger)
                var response = signInPage(error: "Too many wrong tokens from this address. Try again later.", status: .tooManyRequests, request: request)
                response.headers[.retryAfter] = String(Int(wait.rounded(.up)))
                return response
            }
            let current = token.current
            guard let submitted = form["token"], Digest.constantTimeEquals(Array(submitted.utf8), current.bytes) else {
                throttle.recordFailure(address, now: now)
                await auditSignIn(.adminSignInRefused, address: address, reason: "wrong_token", logger: context.logger)
                return signInPage(error: "That admin token is not valid.", status: .unauthorized, request: request)
            }
            throttle.reset(address)
            await auditSignIn(.adminSignedIn, address: address, reason: nil, logger: context.logger)
            // A new id on sign-in, so a session id planted before it (fixation) is worth nothing.
            sessions.remove(id: pending.id)
            let session = sessions.create(signedIn: true, tokenDigest: Self.digest(current))
            return Self.redirect("/admin", cookie: cookieHeader(session))
        }
        router.post("admin/logout") { request, _ in
            let form = try await Self.form(request)
            guard let session = signedIn(request), WebSessionStore.csrfMatches(session, form["csrf"]) else { return Self.forbidden() }
            sessions.remove(id: session.id)
            return Self.redirect("/admin/login", cookie: "\(Self.cookieName)=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict\(cookieSecurity)")
        }
        router.get("admin/timeline") { request, _ in
            guard let session = signedIn(request) else { return Self.redirect("/admin/login") }
            return try await timeline(request, session: session)
        }
        router.post("admin/ui/silences") { request, _ in
            let form = try await Self.form(request)
            guard let session = signedIn(request), WebSessionStore.csrfMatches(session, form["csrf"]) else { return Self.forbidden() }
            let now = clock.now()
            guard let duration = form["duration"].flatMap({ try? ConfigDuration(parsing: $0) }) else {
                return try await overview(session, notice: nil, error: "Give a duration such as 2h.", status: .badRequest)
            }
            let matchers = (form["matchers"] ?? "").split(whereSeparator: { $0 == "," || $0 == "\n" })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let silence: Silence
            do {
                try Silence.ensureRoom(notEnded: try await store.silences(notEndedAt: now).count)
                silence = try Silence.make(
                    matchers: matchers, startsAt: now, endsAt: now.addingTimeInterval(duration.seconds), author: form["author"] ?? "",
                    comment: form["comment"] ?? "", now: now
                )
            } catch let error as ConfigError {
                // Our own validation words, safe to show.
                return try await overview(session, notice: nil, error: "The silence was not created: \(error.description)", status: .badRequest)
            }
            try await store.addSilence(silence, audit: silence.createdAudit(at: now))
            return Self.redirect("/admin?done=silence-created#silences")
        }
        router.post("admin/ui/silences/:id/expire") { request, context in
            let form = try await Self.form(request)
            guard let session = signedIn(request), WebSessionStore.csrfMatches(session, form["csrf"]) else { return Self.forbidden() }
            let id = AdminAuditController.decoded(context.parameters.get("id"))
            let now = clock.now()
            guard try await store.expireSilence(id: id, at: now, audit: Silence.expiredAudit(id: id, by: "admin-web", at: now)) else {
                return try await overview(session, notice: nil, error: "No active or future silence has that id.", status: .notFound)
            }
            return Self.redirect("/admin?done=silence-expired#silences")
        }
        router.post("admin/ui/deliveries/:id/replay") { request, context in
            let form = try await Self.form(request)
            guard let session = signedIn(request), WebSessionStore.csrfMatches(session, form["csrf"]) else { return Self.forbidden() }
            let id = AdminAuditController.decoded(context.parameters.get("id"))
            let now = clock.now()
            guard try await store.replayDelivery(id: id, at: now, by: "admin-web") else {
                return try await overview(session, notice: nil, error: "No dead delivery has that id.", status: .notFound)
            }
            return Self.redirect("/admin?done=delivery-replayed#dead-letter")
        }
    }

    static let notices = [
        "silence-created": "Silence created.", "silence-expired": "Silence expired.", "delivery-replayed": "Delivery replayed: it is pending again.",
    ]

    // MARK: Pages

    private func overview(_ session: WebSession, notice: String?, error: String?, status: HTTPResponse.Status) async throws -> Response {
        let now = clock.now()
        let (chain, checkedAt) = try await chainStatus.status()
        let alerts = try await store.alerts(states: [.pending, .firing, .resolved], limit: 50)
        let dead = try await store.deliveries(in: .dead, limit: 100)
        let silences = try await store.silences(notEndedAt: now)
        var context: [String: Any] = [
            "csrf": session.csrfToken,
            "chainIntact": chain.isIntact, "chainChecked": chain.checkedRecords, "chainLast": chain.lastSeq.map { ", last seq \($0)" } ?? "",
            "chainCheckedAt": checkedAt.formatted(.iso8601),
            "chainProblemSeq": chain.problem.map { String($0.seq) } ?? "", "chainReason": chain.problem?.reason ?? "",
            "hasAlerts": !alerts.isEmpty, "hasDead": !dead.isEmpty, "hasSilences": !silences.isEmpty,
        ]
        context["alerts"] = alerts.map { alert -> [String: Any] in
            [
                "state": alert.state.rawValue, "severity": alert.severity.rawValue, "rule": alert.rule, "campaign": alert.campaignID,
                "campaignQuery": Self.queryEscaped(alert.campaignID), "summary": alert.summary,
                "since": (alert.firingSince ?? alert.activeSince).formatted(.iso8601), "suppressedBy": alert.suppressedBy ?? "",
                "fingerprintQuery": Self.queryEscaped(alert.fingerprint),
            ]
        }
        context["dead"] = dead.map { delivery -> [String: Any] in
            [
                "id": delivery.id, "idPath": Self.queryEscaped(delivery.id), "channel": delivery.channel,
                "alerts": delivery.message.alerts.map(\.fingerprint).joined(separator: ", "), "attempts": delivery.attempts,
                "lastError": delivery.lastError ?? "",
            ]
        }
        context["silences"] = silences.map { silence -> [String: Any] in
            [
                "id": silence.id, "idPath": Self.queryEscaped(silence.id), "matchers": silence.matchers.map(\.description).joined(separator: ", "),
                "startsAt": silence.startsAt.formatted(.iso8601), "endsAt": silence.endsAt.formatted(.iso8601), "author": silence.author,
                "comment": silence.comment,
            ]
        }
        return Self.page(title: "Overview", body: AdminWebTemplates.render("overview", context), session: session, notice: notice, error: error, status: status)
    }

    private func timeline(_ request: Request, session: WebSession) async throws -> Response {
        let parameters = request.uri.queryParameters
        let campaign = parameters.get("campaign").flatMap { $0.isEmpty ? nil : $0 }
        let alert = parameters.get("alert").flatMap { $0.isEmpty ? nil : $0 }
        let cursor = parameters.get("cursor").flatMap(Int64.init)
        let query: AuditQuery
        let heading: String
        let nextBase: String
        if let campaign {
            query = .timeline(campaign: campaign)
            heading = "Campaign \(campaign) timeline"
            nextBase = "/admin/timeline?campaign=\(Self.queryEscaped(campaign))"
        } else if let alert {
            query = try await store.alertTimelineQuery(fingerprint: alert)
            heading = "Alert \(alert) timeline"
            nextBase = "/admin/timeline?alert=\(Self.queryEscaped(alert))"
        } else {
            return try await overview(session, notice: nil, error: "Give a campaign id.", status: .badRequest)
        }
        let page = try await store.page(matching: query, after: cursor, limit: Self.timelinePageSize)
        var context: [String: Any] = ["heading": heading, "hasRecords": !page.records.isEmpty]
        context["records"] = page.records.map { record -> [String: Any] in
            [
                "seq": String(record.seq), "at": record.at.formatted(.iso8601), "step": AuditStepLabel.label(record.kind),
                "outcome": record.outcome.rawValue, "kind": record.kind, "alert": record.alert ?? "", "details": Self.detailsText(record.details),
            ]
        }
        if let next = page.nextCursor { context["next"] = "\(nextBase)&cursor=\(next)" }
        return Self.page(title: heading, body: AdminWebTemplates.render("timeline", context), session: session, notice: nil, error: nil, status: .ok)
    }

    /// The sign-in form, in a short-lived session that carries its CSRF token; `fresh` replaces a stale one.
    private func signInPage(error: String?, status: HTTPResponse.Status, request: Request, fresh: Bool = false) -> Response {
        var session = fresh ? nil : sessions.session(id: Self.cookie(request)).flatMap { $0.isSignedIn ? nil : $0 }
        var cookie: String?
        if session == nil {
            session = sessions.create(signedIn: false)
            cookie = cookieHeader(session!)
        }
        let body = AdminWebTemplates.render("signIn", ["csrf": session!.csrfToken])
        var response = Self.page(title: "Sign in", body: body, session: nil, notice: nil, error: error, status: status)
        if let cookie { response.headers[.setCookie] = cookie }
        return response
    }

    // MARK: Helpers

    /// The signed-in session of this request, if it signed in with the admin token in force now.
    private func signedIn(_ request: Request) -> WebSession? {
        guard let session = sessions.session(id: Self.cookie(request)), session.isSignedIn else { return nil }
        guard Digest.constantTimeEquals(Array(session.tokenDigest.utf8), Array(Self.digest(token.current).utf8)) else {
            sessions.remove(id: session.id)  // the token was rotated: sign in again with the new one
            return nil
        }
        return session
    }

    static func digest(_ token: Secret) -> String {
        ByteEncoding.hex(Digest.sha256(token.bytes))
    }

    /// Sign-ins are audited with the address they came from (never the token typed).
    private func auditSignIn(_ kind: AuditKind, address: String, reason: String?, logger: Logger) async {
        var details: [String: AuditValue] = ["remote_address": .string(address)]
        if let reason { details["reason"] = .string(reason) }
        do {
            try await store.append([AuditDraft(at: clock.now(), kind: kind, details: details)])
        } catch {
            logger.error("could not audit an admin sign-in", metadata: ["store.error": "\(String(reflecting: type(of: error)))"])
        }
    }

    private func cookieHeader(_ session: WebSession) -> String {
        let maxAge = max(0, Int(session.expiresAt.timeIntervalSince(clock.now()).rounded()))
        return "\(Self.cookieName)=\(session.id); Path=/admin; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(cookieSecurity)"
    }

    /// `; Secure` when browsers reach us over HTTPS: the cookie then never travels in clear text.
    private var cookieSecurity: String { secureCookie ? "; Secure" : "" }

    static func cookie(_ request: Request) -> String? {
        request.cookies[cookieName]?.value
    }

    static func page(title: String, body: String, session: WebSession?, notice: String?, error: String?, status: HTTPResponse.Status) -> Response {
        var context: [String: Any] = ["title": title, "body": body]
        if let session {
            context["signedIn"] = true
            context["csrf"] = session.csrfToken
        }
        if let notice { context["notice"] = notice }
        if let error { context["error"] = error }
        return html(status, AdminWebTemplates.render("layout", context))
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    static func forbidden() -> Response {
        html(.forbidden, "<!doctype html><title>Forbidden</title><p>This form has expired or you are signed out. <a href=\"/admin\">Start again</a>.</p>")
    }

    /// No scripts at all, no framing, nothing cached, no referrer leaking timeline URLs.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY", .cacheControl: "no-store", .xContentTypeOptions: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// A form body (`application/x-www-form-urlencoded`, at most 16 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        return parseForm(String(buffer: buffer))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func queryEscaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// Details as `key=value` pairs, keys sorted.
    static func detailsText(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        return object.keys.sorted().map { "\($0)=\(object[$0].map { "\($0)" } ?? "")" }.joined(separator: "  ")
    }
}
