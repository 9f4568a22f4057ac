@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import Testing

/// Every outbound client the service makes (``Dependencies/live(config:logger:)``, `adwatch send`) against a
/// receiver that answers 3xx towards a second loopback server: nothing reaches the second server — no
/// alert, no `x-api-key`, no Postmark token — and the error names the status and both hosts.
@Suite(.timeLimit(.minutes(1)))
struct OutboundRedirectTests {
    /// Runs `body` with the configured receiver (`first`) and the server its redirects point to (`elsewhere`).
    static func withTwoServers(_ body: @escaping @Sendable (_ first: RecordingServer, _ firstBase: String, _ elsewhere: RecordingServer, _ elsewhereBase: String) async throws -> Void)
        async throws
    {
        let first = RecordingServer()
        let elsewhere = RecordingServer()
        try await first.run { firstBase in
            try await elsewhere.run { elsewhereBase in try await body(first, firstBase, elsewhere, elsewhereBase) }
        }
    }

    static func host(_ base: String) -> String { String(base.dropFirst("http://".count)) }

    /// The production dependencies for a config with these channels (and optionally an Ads API).
    static func live(channels: [ChannelConfig], advertising: AdvertisingConfig? = nil) throws -> Dependencies {
        var config = TestSupport.config()
        config.store.sqlite = ":memory:"
        config.channels = channels
        config.advertising = advertising
        return try Dependencies.live(config: config, logger: Logger(label: "test"))
    }

    @Test(arguments: [301, 302, 303, 307, 308], ChannelTests.Kind.allCases)
    func aChannelReportsARedirectAndNeverFollowsIt(_ status: Int, _ kind: ChannelTests.Kind) async throws {
        try await Self.withTwoServers { first, firstBase, elsewhere, elsewhereBase in
            let dependencies = try Self.live(channels: [kind.config(firstBase)])
            let channel = try #require(dependencies.channels.values.first)
            first.answer(status, headers: [.location: "\(elsewhereBase)/collect?from=adwatch"])
            do {
                try await channel.send(ChannelTests.firing)
                Issue.record("\(kind): HTTP \(status) counted as success")
            } catch let error as ChannelError {
                #expect(error.code == .redirected)
                #expect(!error.isRetryable)
                #expect(error.status == status)
                #expect(error.description == "redirected (HTTP \(status)): \(Self.host(firstBase)) redirected to \(Self.host(elsewhereBase)); redirects are not followed")
            }
            try await dependencies.ownedHTTPClient?.shutdown()
            #expect(first.requests.count == 1)
            #expect(elsewhere.requests.isEmpty, "\(kind) followed a \(status) to the second server")
        }
    }

    @Test func credentialsStayWithTheConfiguredHost() async throws {
        try await Self.withTwoServers { first, firstBase, elsewhere, elsewhereBase in
            let dependencies = try Self.live(channels: [ChannelTests.email(.postmark)(firstBase)])
            let channel = try #require(dependencies.channels["mail"])
            first.answer(307, headers: [.location: "\(elsewhereBase)/email"])
            await #expect(throws: ChannelError.self) { try await channel.send(ChannelTests.firing) }
            try await dependencies.ownedHTTPClient?.shutdown()
            // The configured host got the token, as it should; nobody else saw it.
            #expect(first.requests.first?.headers[HTTPField.Name("X-Postmark-Server-Token")!] == "key-123")
            #expect(elsewhere.requests.isEmpty)
        }
    }

    @Test func aRedirectedDeliveryGoesToTheDeadLetterAtOnceWithTheReason() async throws {
        try await Self.withTwoServers { first, firstBase, elsewhere, elsewhereBase in
            let dependencies = try Self.live(channels: [ChannelTests.Kind.webhook.config(firstBase)])
            let store = MemoryStore()
            let clock = ManualWallClock(TestSupport.now)
            let service = DeliveryService(
                store: store, channels: dependencies.channels, routes: [RouteConfig(channels: ["hook"])], config: DeliveryConfig(), clock: clock,
                logger: Logger(label: "test"), random: { 1 }
            )
            try await DeliveryServiceTests.enqueue(store, [DeliveryServiceTests.entry("n1", campaign: "5195")])
            first.answer(307, headers: [.location: "\(elsewhereBase)/hook"])
            try await service.runOnce()
            try await dependencies.ownedHTTPClient?.shutdown()
            let dead = try await store.deliveries(in: .dead, limit: 10)
            #expect(dead.map(\.attempts) == [1])
            #expect(dead.first?.lastStatus == 307)
            #expect(dead.first?.lastError == "redirected (HTTP 307): \(Self.host(firstBase)) redirected to \(Self.host(elsewhereBase)); redirects are not followed")
            #expect(elsewhere.requests.isEmpty)
        }
    }

    @Test func theAdsAPIReportsARedirectWithoutRetryingOrSendingTheKeyOn() async throws {
        try await Self.withTwoServers { first, firstBase, elsewhere, elsewhereBase in
            let advertising = LiveAdvertisingAPITests.config(port: Int(firstBase.split(separator: ":").last!)!, key: "sk-live-stays-home", maxAttempts: 3)
            let dependencies = try Self.live(channels: [], advertising: advertising)
            let api = try #require(dependencies.advertising)
            first.answer(302, headers: [.location: "\(elsewhereBase)/v1/campaign/5195"], times: 3)
            do {
                _ = try await api.campaign(id: "5195", brandID: nil)
                Issue.record("a 302 counted as success")
            } catch let error as AdvertisingError {
                #expect(error.code == .redirected)
                #expect(!error.isRetryable)
                #expect(error.status == 302)
                #expect(error.description == "redirected (HTTP 302): \(Self.host(firstBase)) redirected to \(Self.host(elsewhereBase)); redirects are not followed")
            }
            try await dependencies.ownedHTTPClient?.shutdown()
            #expect(first.requests.count == 1, "a redirect is not retried")
            #expect(first.requests.first?.headers[HTTPField.Name("x-api-key")!] == "sk-live-stays-home")
            #expect(elsewhere.requests.isEmpty)
        }
    }

    @Test func adwatchSendShowsTheRedirectInsteadOfPostingTheBodyElsewhere() async throws {
        try await Self.withTwoServers { first, firstBase, elsewhere, elsewhereBase in
            first.answer(307, headers: [.location: "\(elsewhereBase)/webhooks/symphony"])
            let source = SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: [Secret(literal: TestSupport.standardSecret)])
            let reply = try await WebhookSender.send(body: TestSupport.campaignBody(), as: source, to: firstBase)
            #expect(reply.status == 307)
            #expect(reply.location == "\(elsewhereBase)/webhooks/symphony")
            #expect(first.requests.count == 1)
            #expect(elsewhere.requests.isEmpty)
        }
    }

    @Test(arguments: [
        ("http://hooks.example.com/services/T0/B0/SECRET", "/elsewhere", "hooks.example.com redirected to hooks.example.com; redirects are not followed"),
        ("https://api.example.com:8443/v2", "https://evil.example/login?key=1", "api.example.com:8443 redirected to evil.example; redirects are not followed"),
        ("http://[::1]:9000/x", "http://[2001:db8::1]:81/y", "[::1]:9000 redirected to [2001:db8::1]:81; redirects are not followed"),
        ("http://127.0.0.1:1/x", "http://ev<il>.example/", "127.0.0.1:1 redirected to 127.0.0.1:1; redirects are not followed"),
    ])
    func theReasonNamesHostsNeverPaths(_ url: String, _ location: String, _ expected: String) {
        let detail = HTTPClientService.redirectDetail(from: url, location: location)
        #expect(detail == expected)
        #expect(!detail.contains("SECRET") && !detail.contains("key=1"))
        #expect(HTTPClientService.redirectDetail(from: url, location: nil).hasSuffix("redirected to nowhere (no Location); redirects are not followed"))
    }
}
