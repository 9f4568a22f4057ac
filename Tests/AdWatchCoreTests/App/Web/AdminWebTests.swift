@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The `/admin` web page through the router: sign-in, the cookie's attributes, CSRF, expiry, escaping.
struct AdminWebTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// - Parameter token: the admin token's box, to rotate it as a reload would; the config's token otherwise.
    func withPage(store: any AdWatchStore = MemoryStore(), clock: ManualWallClock = ManualWallClock(TestSupport.now), token: Reloadable<Secret>? = nil,
                  _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var config = TestSupport.config()
        config.admin = AdminConfig(token: Secret(literal: AdminAPITests.token), sessionLifetime: "1h")
        let dependencies = Dependencies(store: store, clock: clock, logger: Logger(label: "t"))
        let app = Application(router: buildRouter(config: config, dependencies: dependencies, adminToken: token))
        try await app.test(.router) { client in try await test(client) }
    }

    /// The session cookie's `name=value` from a Set-Cookie header.
    static func cookie(_ response: TestResponse) -> String? {
        response.headers[.setCookie].flatMap { $0.split(separator: ";").first.map(String.init) }
    }

    static func csrfToken(_ html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func signIn(_ client: any TestClientProtocol, token: String = AdminAPITests.token) async throws -> (cookie: String, csrf: String, response: TestResponse) {
        let form = try await client.execute(uri: "/admin/login", method: .get)
        let preCookie = try #require(cookie(form))
        let csrf = try #require(csrfToken(form.body.text))
        var headers = Self.form
        headers[.cookie] = preCookie
        let body = "csrf=\(csrf)&token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        let response = try await client.execute(uri: "/admin/login", method: .post, headers: headers, body: ByteBuffer(string: body))
        let session = cookie(response) ?? preCookie
        var get: HTTPFields = [:]
        get[.cookie] = session
        let page = try await client.execute(uri: "/admin", method: .get, headers: get)
        return (session, Self.csrfToken(page.body.text) ?? "", response)
    }

    @Test func signsInWithTheTokenIntoAnHttpOnlyStrictExpiringCookieAndOutAgain() async throws {
        let clock = ManualWallClock(TestSupport.now)
        try await withPage(clock: clock) { client in
            let anonymous = try await client.execute(uri: "/admin", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/admin/login")

            let wrong = try await Self.signIn(client, token: "not-the-token")
            #expect(wrong.response.status == .unauthorized)
            #expect(wrong.response.body.text.contains("That admin token is not valid."))

            let (cookie, csrf, response) = try await Self.signIn(client)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/admin")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("; HttpOnly"))
            #expect(setCookie.contains("; SameSite=Strict"))
            #expect(setCookie.contains("; Path=/admin"))
            #expect(setCookie.contains("; Max-Age=3600"))
            #expect(!setCookie.contains(AdminAPITests.token))
            #expect(!csrf.isEmpty)

            var headers: HTTPFields = [:]
            headers[.cookie] = cookie
            let page = try await client.execute(uri: "/admin", method: .get, headers: headers)
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            // The refused and the accepted sign-in are the chain's two records.
            #expect(page.body.text.contains("Intact: 2 records verified"))
            #expect(page.body.text.contains("The dead letter is empty."))
            #expect(!page.body.text.contains("<script"))

            // Sign-out needs the CSRF token too.
            var post = Self.form
            post[.cookie] = cookie
            let forged = try await client.execute(uri: "/admin/logout", method: .post, headers: post, body: ByteBuffer(string: "csrf=guess"))
            #expect(forged.status == .forbidden)
            let out = try await client.execute(uri: "/admin/logout", method: .post, headers: post, body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.execute(uri: "/admin", method: .get, headers: headers).status == .seeOther)

            // A session ends with its lifetime, by the injected clock.
            let again = try await Self.signIn(client)
            headers[.cookie] = again.cookie
            #expect(try await client.execute(uri: "/admin", method: .get, headers: headers).status == .ok)
            clock.advance(by: .seconds(3601))
            #expect(try await client.execute(uri: "/admin", method: .get, headers: headers).status == .seeOther)
        }
    }

    @Test func theSignInFormItselfNeedsItsCSRFToken() async throws {
        try await withPage { client in
            let form = try await client.execute(uri: "/admin/login", method: .get)
            var headers = Self.form
            headers[.cookie] = Self.cookie(form)
            let response = try await client.execute(
                uri: "/admin/login", method: .post, headers: headers, body: ByteBuffer(string: "token=\(AdminAPITests.token)")
            )
            #expect(response.status == .forbidden)
            #expect(response.headers[.location] == nil)
        }
    }

    @Test func createsAndExpiresSilencesAndReplaysOnlyWithTheCSRFToken() async throws {
        let store = MemoryStore()
        try await withPage(store: store) { client in
            let (cookie, csrf, _) = try await Self.signIn(client)
            var headers = Self.form
            headers[.cookie] = cookie
            let body = "matchers=campaign_id%3D5195&duration=2h&author=ops&comment=%3Cb%3Eknown%3C%2Fb%3E"
            let forged = try await client.execute(uri: "/admin/ui/silences", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(forged.status == .forbidden)
            #expect(try await store.silences(notEndedAt: nil).isEmpty)

            let created = try await client.execute(uri: "/admin/ui/silences", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)&" + body))
            #expect(created.status == .seeOther)
            let silence = try #require(try await store.silences(notEndedAt: nil).first)
            #expect(silence.comment == "<b>known</b>")
            var get: HTTPFields = [:]
            get[.cookie] = cookie
            let page = try await client.execute(uri: "/admin?done=silence-created", method: .get, headers: get).body.text
            #expect(page.contains("Silence created."))
            #expect(page.contains("&lt;b&gt;known&lt;/b&gt;"))
            #expect(!page.contains("<b>known</b>"))

            let invalid = try await client.execute(
                uri: "/admin/ui/silences", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)&matchers=&duration=2h&author=ops")
            )
            #expect(invalid.status == .badRequest)
            #expect(invalid.body.text.contains("at least one matcher"))

            let expired = try await client.execute(
                uri: "/admin/ui/silences/\(silence.id)/expire", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)")
            )
            #expect(expired.status == .seeOther)
            #expect(try await store.silences(notEndedAt: TestSupport.now.addingTimeInterval(1)).isEmpty)
            let replay = try await client.execute(uri: "/admin/ui/deliveries/nothing/replay", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(replay.status == .notFound)
        }
        let kinds = try await store.records(from: 0, limit: 20).map(\.kind).filter { !$0.hasPrefix("admin.") }
        #expect(kinds == ["silence.created", "silence.expired"])
    }

    @Test func escapesWhatItShowsInATimeline() async throws {
        let store = MemoryStore()
        try await store.append([AuditDraft(at: TestSupport.now, kind: .webhookAccepted, source: "symphony", campaign: "<script>x</script>", details: ["note": "\"><img>"])])
        try await withPage(store: store) { client in
            let (cookie, _, _) = try await Self.signIn(client)
            var headers: HTTPFields = [:]
            headers[.cookie] = cookie
            let page = try await client.execute(uri: "/admin/timeline?campaign=%3Cscript%3Ex%3C%2Fscript%3E", method: .get, headers: headers)
            #expect(page.status == .ok)
            #expect(page.body.text.contains("Campaign &lt;script&gt;x&lt;/script&gt; timeline"))
            #expect(page.body.text.contains("Webhook received: signature verified, new event stored"))
            #expect(page.body.text.contains("&quot;&gt;&lt;img&gt;"))
            #expect(!page.body.text.contains("<script>"))
            #expect(!page.body.text.contains("<img>"))
        }
    }

    @Test func fiveWrongTokensLockTheFormForAWhileAndEveryAttemptIsAudited() async throws {
        let clock = ManualWallClock(TestSupport.now)
        let store = MemoryStore()
        try await withPage(store: store, clock: clock) { client in
            for _ in 0..<5 {
                #expect(try await Self.signIn(client, token: "guess").response.status == .unauthorized)
            }
            // Even the right token is refused now, with how long to wait.
            let locked = try await Self.signIn(client).response
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "300")
            #expect(locked.body.text.contains("Too many wrong tokens"))
            clock.advance(by: .seconds(300))
            #expect(try await Self.signIn(client).response.status == .seeOther)
        }
        let kinds = try await store.records(from: 0, limit: 20).map(\.kind)
        #expect(kinds == Array(repeating: "admin.sign_in_refused", count: 6) + ["admin.signed_in"])
        let details = try await store.records(from: 0, limit: 20).map(\.details)
        #expect(details.allSatisfy { !$0.contains("guess") && !$0.contains(AdminAPITests.token) })
        #expect(details[5].contains("too_many_attempts"))
    }

    @Test func rotatingTheAdminTokenEndsSessionsSignedInWithTheOldOne() async throws {
        let token = Reloadable(Secret(literal: AdminAPITests.token))
        try await withPage(token: token) { client in
            let (cookie, _, _) = try await Self.signIn(client)
            var headers: HTTPFields = [:]
            headers[.cookie] = cookie
            #expect(try await client.execute(uri: "/admin", method: .get, headers: headers).status == .ok)
            token.replace(with: Secret(literal: "a-rotated-admin-token-0123456789abcdef"))
            let after = try await client.execute(uri: "/admin", method: .get, headers: headers)
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/admin/login")
            #expect(try await Self.signIn(client, token: "a-rotated-admin-token-0123456789abcdef").response.status == .seeOther)
        }
    }
}
