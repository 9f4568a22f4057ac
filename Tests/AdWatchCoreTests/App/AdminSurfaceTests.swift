@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// The admin surface under attack: one throttle for both doors, client addresses through trusted proxies
/// only, a `Secure` cookie over HTTPS, and `/admin` + `/metrics` on their own listener when asked.
@Suite(.timeLimit(.minutes(1)))
struct AdminSurfaceTests {
    static let wrongToken = "a-wrong-guess-at-the-admin-token-000000"

    static func config(trustedProxies: [String] = [], listen: String? = nil, publicURL: String? = nil, tls: Bool = false) -> AdWatchConfig {
        var config = TestSupport.config()
        config.admin = AdminConfig(token: Secret(literal: AdminAPITests.token), listen: listen.flatMap(AdminConfig.ListenAddress.init))
        config.server.trustedProxies = trustedProxies.compactMap(IPNetwork.init)
        config.server.publicURL = publicURL
        if tls { config.server.tls = .init(certificate: "/unused/cert.pem", key: "/unused/key.pem") }
        return config
    }

    /// A wrong bearer token from `forwardedFor` (or no header).
    static func wrongBearer(_ client: any TestClientProtocol, forwardedFor: String? = nil) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.authorization: "Bearer \(wrongToken)"]
        if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        return try await client.execute(uri: "/admin/alerts", method: .get, headers: headers).status
    }

    // MARK: One throttle

    @Test(arguments: [(3, 2), (2, 3), (5, 0), (0, 5)])
    func fiveWrongTokensThroughEitherDoorLockBoth(_ viaAPI: Int, _ viaForm: Int) async throws {
        let config = Self.config()
        let dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: Logger(label: "t"))
        try await Application(router: buildRouter(config: config, dependencies: dependencies)).test(.router) { (client) async throws in
            for _ in 0..<viaAPI { #expect(try await Self.wrongBearer(client) == .unauthorized) }
            for _ in 0..<viaForm { #expect(try await AdminWebTests.signIn(client, token: Self.wrongToken).response.status == .unauthorized) }
            #expect(try await client.execute(uri: "/admin/alerts", method: .get, headers: AdminAPITests.auth).status == .tooManyRequests)
            #expect(try await AdminWebTests.signIn(client).response.status == .tooManyRequests)
        }
    }

    // MARK: Client addresses

    @Test func behindATrustedProxyOneClientLocksOutOnlyItself() async throws {
        let store = MemoryStore()
        let dependencies = Dependencies(store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "t"))
        let app = Application(router: buildRouter(config: Self.config(trustedProxies: ["127.0.0.1"]), dependencies: dependencies))
        try await app.test(.live) { (client) async throws in
            for _ in 0..<5 { #expect(try await Self.wrongBearer(client, forwardedFor: "203.0.113.5") == .unauthorized) }
            #expect(try await Self.wrongBearer(client, forwardedFor: "203.0.113.5") == .tooManyRequests)
            // Another client behind the same proxy still gets its own guesses.
            #expect(try await Self.wrongBearer(client, forwardedFor: "203.0.113.6") == .unauthorized)
            var headers = AdminWebTests.form
            headers[HTTPField.Name("X-Forwarded-For")!] = "198.51.100.1, 203.0.113.6"
            let form = try await client.execute(uri: "/admin/login", method: .get, headers: headers)
            headers[.cookie] = try #require(AdminWebTests.cookie(form))
            let csrf = try #require(AdminWebTests.csrfToken(form.body.text))
            let body = ByteBuffer(string: "csrf=\(csrf)&token=\(Self.wrongToken)")
            #expect(try await client.execute(uri: "/admin/login", method: .post, headers: headers, body: body).status == .unauthorized)
        }
        // The sign-in audit names the client (the right-most untrusted hop), not the proxy.
        let records = try await store.records(from: 0, limit: 10)
        #expect(records.map(\.kind) == ["admin.sign_in_refused"])
        #expect(records.first?.details.contains(#""remote_address":"203.0.113.6""#) == true)
    }

    @Test func withoutTrustedProxiesAForgedHeaderChangesNothing() async throws {
        let dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: Logger(label: "t"))
        let app = Application(router: buildRouter(config: Self.config(), dependencies: dependencies))
        try await app.test(.live) { (client) async throws in
            for index in 0..<5 { #expect(try await Self.wrongBearer(client, forwardedFor: "203.0.113.\(index)") == .unauthorized) }
            #expect(try await Self.wrongBearer(client, forwardedFor: "198.51.100.77") == .tooManyRequests)
        }
    }

    // MARK: The cookie

    @Test(arguments: [
        (nil, false, false), ("https://adwatch.example.com", false, true), ("HTTPS://adwatch.example.com/", false, true),
        ("http://adwatch.internal:8080", false, false), (nil, true, true),
    ] as [(String?, Bool, Bool)])
    func theSessionCookieIsSecureOverHTTPS(_ publicURL: String?, _ tls: Bool, _ secure: Bool) async throws {
        let config = Self.config(publicURL: publicURL, tls: tls)
        #expect(config.server.usesHTTPS == secure)
        let dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: Logger(label: "t"))
        try await Application(router: buildRouter(config: config, dependencies: dependencies)).test(.router) { (client) async throws in
            let form = try await client.execute(uri: "/admin/login", method: .get)
            #expect(form.headers[.setCookie]?.hasSuffix("; Secure") == secure)
            let (cookie, csrf, signedIn) = try await AdminWebTests.signIn(client)
            #expect(signedIn.headers[.setCookie]?.hasSuffix("; Secure") == secure)
            var headers = AdminWebTests.form
            headers[.cookie] = cookie
            let out = try await client.execute(uri: "/admin/logout", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(out.headers[.setCookie]?.hasSuffix("; Secure") == secure)
        }
    }

    @Test(arguments: [(false, false), (true, true)])
    func onASeparateAdminListenerTheCookieIsSecureOnlyWithTLS(_ tls: Bool, _ secure: Bool) async throws {
        // public_url describes the main listener, which no longer serves /admin.
        let config = Self.config(listen: "10.0.0.5:9090", publicURL: "https://adwatch.example.com", tls: tls)
        let dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: Logger(label: "t"))
        let router = buildAdminRouter(config: config, dependencies: dependencies, adminToken: nil)
        try await Application(router: router).test(.router) { (client) async throws in
            let form = try await client.execute(uri: "/admin/login", method: .get)
            #expect(form.headers[.setCookie]?.hasSuffix("; Secure") == secure)
        }
    }

    // MARK: A separate listener

    @Test func withAdminListenAdminAndMetricsMoveToTheirOwnListener() async throws {
        let lines = LogLines()
        let config = Self.config(listen: "127.0.0.1:0")
        let dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: lines.logger)
        let app = try await buildApplication(config: config, dependencies: dependencies)
        try await app.test(.live) { (client) async throws in
            // The public listener: webhooks and health, but /admin and /metrics are not there.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            for path in ["/admin", "/admin/login", "/admin/alerts", "/metrics"] {
                #expect(try await client.execute(uri: path, method: .get, headers: AdminAPITests.auth).status == .notFound, "\(path)")
            }
            // The admin listener: found from its log line.
            let base = try #require(await lines.first(containing: "admin API, admin page and metrics on ").flatMap { line in
                line.range(of: "http://").map { String(line[$0.lowerBound...]) }
            })
            let http = HTTPClientService.makeClient()
            func get(_ path: String, token: String? = AdminAPITests.token) async throws -> HTTPResponse.Status {
                var request = HTTPClientRequest(url: base + path)
                if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
                return HTTPResponse.Status(code: Int(response.status.code))
            }
            do {
                #expect(try await get("/admin/alerts") == .ok)
                #expect(try await get("/admin/alerts", token: nil) == .unauthorized)
                #expect(try await get("/metrics", token: nil) == .ok)
                #expect(try await get("/admin/login", token: nil) == .ok)
                #expect(try await get("/healthz", token: nil) == .notFound)
                var webhook = HTTPClientRequest(url: base + "/webhooks/symphony")
                webhook.method = .POST
                #expect(try await http.execute(webhook, timeout: .seconds(10)).status.code == 404)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    @Test func withoutAdminListenEverythingStaysOnOneListener() async throws {
        let dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: Logger(label: "t"))
        try await Application(router: buildRouter(config: Self.config(), dependencies: dependencies)).test(.router) { (client) async throws in
            #expect(try await client.execute(uri: "/admin/alerts", method: .get, headers: AdminAPITests.auth).status == .ok)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
        }
    }
}

/// A log handler that hands every message to whoever waits for one: no polling.
final class LogLines: Sendable {
    private let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    var logger: Logger {
        let continuation = continuation
        var logger = Logger(label: "adwatch.test") { _ in Handler(continuation: continuation) }
        logger.logLevel = .notice
        return logger
    }

    /// The first message containing `text` (waits for it; the suite's time limit bounds the wait).
    func first(containing text: String) async -> String? {
        for await line in stream where line.contains(text) { return line }
        return nil
    }

    struct Handler: LogHandler {
        let continuation: AsyncStream<String>.Continuation
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .notice

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            continuation.yield(event.message.description)
        }
    }
}
