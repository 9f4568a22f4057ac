@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import Testing

/// Every channel against a local recording server: the exact request, and what each status means.
@Suite(.timeLimit(.minutes(1)))
struct ChannelTests {
    static let since = TestSupport.now
    static let alert = AlertNotice(
        fingerprint: "account-standing/5195", rule: "account-standing", severity: .critical,
        summary: "Ad account act_1 is UNSETTLED (3). Campaigns on this account: 5195.", campaignID: "5195",
        labels: ["brand_id": "246", "campaign_id": "5195", "rule": "account-standing", "severity": "critical"], since: since
    )
    static let firing = OutboundMessage(id: "ntf_1", status: .firing, alerts: [alert], createdAt: since)
    static let resolved = OutboundMessage(id: "ntf_2", status: .resolved, alerts: [alert], createdAt: since.addingTimeInterval(600))

    static func withChannel(
        _ configure: @escaping @Sendable (String) -> ChannelConfig,
        _ body: @escaping @Sendable (any NotificationChannel, RecordingServer) async throws -> Void
    ) async throws {
        let server = RecordingServer()
        try await server.run { base in
            let http = HTTPClientService.makeClient()  // the production client: redirects are not followed
            let channel = try ChannelRegistry.make(configure(base), httpClient: http, clock: ManualWallClock(since))
            do {
                try await body(channel, server)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    static func slack(_ base: String) -> ChannelConfig {
        var config = ChannelConfig(name: "ops-slack", kind: .slack)
        config.webhookURL = Secret(literal: "\(base)/services/T000/B000/XXXX")
        return config
    }

    @Test func slackSendsABlockKitMessageForFiringAndResolved() async throws {
        try await Self.withChannel(Self.slack) { channel, server in
            let start = ContinuousClock.now
            try await channel.send(Self.firing)
            try await channel.send(Self.resolved)
            let elapsed = ContinuousClock.now - start
            let requests = server.requests
            #expect(requests.map(\.path) == ["/services/T000/B000/XXXX", "/services/T000/B000/XXXX"])
            #expect(requests.first?.headers[.contentType] == "application/json")
            let firing = try #require(requests.first?.json)
            #expect(firing["text"] as? String == "[CRITICAL] account-standing: campaign 5195")
            let blocks = try #require(firing["blocks"] as? [[String: Any]])
            #expect((blocks[0]["text"] as? [String: Any])?["text"] as? String == "🔴 CRITICAL · account-standing")
            #expect((blocks[1]["text"] as? [String: Any])?["text"] as? String
                == "*Campaign 5195* · brand 246\nAd account act_1 is UNSETTLED (3). Campaigns on this account: 5195.\n_Since 2025-12-01T00:00:00Z_")
            let resolved = try #require(requests.last?.json)
            #expect(resolved["text"] as? String == "[RESOLVED] account-standing: campaign 5195")
            let resolvedBlocks = try #require(resolved["blocks"] as? [[String: Any]])
            #expect((resolvedBlocks[0]["text"] as? [String: Any])?["text"] as? String == "✅ RESOLVED · account-standing")
            // One message per second per webhook: the second send may start only a second after the first
            // did. (A lower bound holds on a loaded machine; arrival gaps at the server do not, because the
            // first request's own latency counts against the second's wait.)
            #expect(elapsed >= .milliseconds(990))
        }
    }

    @Test func slackWaitsOutA429() async throws {
        try await Self.withChannel(Self.slack) { channel, server in
            server.answer(429, headers: [.retryAfter: "1"])
            let start = ContinuousClock.now
            try await channel.send(Self.firing)
            #expect(ContinuousClock.now - start >= .seconds(1))
            #expect(server.requests.count == 2)
        }
    }

    /// Every HTTP channel, so each is held to the same status → retry table.
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case slack, sendgrid, postmark, mailgun, webhook
        var testDescription: String { rawValue }

        func config(_ base: String) -> ChannelConfig {
            switch self {
            case .slack: return ChannelTests.slack(base)
            case .sendgrid: return ChannelTests.email(.sendgrid)(base)
            case .postmark: return ChannelTests.email(.postmark)(base)
            case .mailgun: return ChannelTests.email(.mailgun)(base)
            case .webhook:
                var config = ChannelConfig(name: "hook", kind: .webhook)
                config.url = "\(base)/hook"
                config.secret = Secret(literal: TestSupport.standardSecret)
                return config
            }
        }
    }

    static let statusTable: [(Int, ChannelError.Code, Bool)] = [
        (400, .rejected, false), (401, .rejected, false), (403, .rejected, false), (404, .rejected, false),
        (408, .timeout, true), (429, .rateLimited, true), (500, .serverError, true), (502, .serverError, true), (503, .serverError, true),
    ]

    @Test(arguments: Kind.allCases)
    func statusesMapToRetryableOrNot(_ kind: Kind) async throws {
        try await Self.withChannel({ kind.config($0) }) { channel, server in
            for (status, code, retryable) in Self.statusTable {
                // Slack waits out one 429 itself: answer it twice so the second reaches the caller.
                server.answer(status, times: kind == .slack && status == 429 ? 2 : 1)
                do {
                    try await channel.send(Self.firing)
                    Issue.record("\(kind): HTTP \(status) counted as success")
                } catch let error as ChannelError {
                    #expect(error.code == code, "\(kind) \(status)")
                    #expect(error.isRetryable == retryable, "\(kind) \(status)")
                    #expect(error.status == status)
                }
            }
            server.answer(204)
            try await channel.send(Self.firing)  // any 2xx is success
        }
    }

    @Test func messagesLinkTheCampaignWhenALinkIsConfigured() async throws {
        var alert = Self.alert
        alert.link = "https://app.example.com/campaigns/5195"
        let message = OutboundMessage(id: "ntf_9", status: .firing, alerts: [alert], createdAt: Self.since)
        let renderer = try MessageRenderer()
        #expect(renderer.text(message).contains("https://app.example.com/campaigns/5195"))
        #expect(renderer.html(message).contains(#"<a href="https://app.example.com/campaigns/5195">campaign 5195</a>"#))
        let blocks = SlackChannel.payload(message, renderer: renderer)["blocks"] as? [[String: Any]]
        #expect(((blocks?[1]["text"] as? [String: Any])?["text"] as? String)?.hasPrefix("*<https://app.example.com/campaigns/5195|Campaign 5195>*") == true)
        #expect(DeliveryService.link("https://x/b/{brand_id}/c/{campaign_id}", campaignID: "5195", brandID: "246") == "https://x/b/246/c/5195")
    }

    @Test func webhookBodyIsVersionedAndItsSignatureVerifiesWithTheIngestScheme() async throws {
        try await Self.withChannel({ base in
            var config = ChannelConfig(name: "hook", kind: .webhook)
            config.url = "\(base)/hooks/adwatch"
            config.secret = Secret(literal: TestSupport.standardSecret)
            return config
        }) { channel, server in
            try await channel.send(Self.firing)
            let request = try #require(server.requests.first)
            #expect(request.path == "/hooks/adwatch")
            #expect(request.headers[.webhookID] == "ntf_1")
            let scheme = SourceConfig(name: "s", scheme: .standardWebhooks, secrets: [Secret(literal: TestSupport.standardSecret)]).makeScheme()
            let verified = try scheme.verify(SignedRequest(headers: request.headers, body: request.body), now: Self.since).get()
            #expect(verified.deliveryID == "ntf_1")
            let json = try #require(request.json)
            #expect(json["version"] as? String == "1")
            #expect(json["status"] as? String == "firing")
            let alerts = try #require(json["alerts"] as? [[String: Any]])
            #expect(alerts.first?["fingerprint"] as? String == "account-standing/5195")
            #expect(alerts.first?["since"] as? String == "2025-12-01T00:00:00Z")
        }
    }

    static func email(_ provider: ChannelConfig.EmailProvider) -> @Sendable (String) -> ChannelConfig {
        { base in
            var config = ChannelConfig(name: "mail", kind: .email)
            config.provider = provider
            config.baseURL = base
            config.apiKey = Secret(literal: "key-123")
            config.from = "alerts@example.com"
            config.to = ["ops@example.com", "oncall@example.com"]
            config.cc = ["lead@example.com"]
            return config
        }
    }

    @Test func sendGridGetsAV3MailSend() async throws {
        try await Self.withChannel(Self.email(.sendgrid)) { channel, server in
            try await channel.send(Self.firing)
            let request = try #require(server.requests.first)
            #expect(request.path == "/v3/mail/send")
            #expect(request.headers[.authorization] == "Bearer key-123")
            let json = try #require(request.json)
            #expect(json["subject"] as? String == "[CRITICAL] account-standing: campaign 5195")
            #expect((json["from"] as? [String: String])?["email"] == "alerts@example.com")
            let personalization = try #require((json["personalizations"] as? [[String: Any]])?.first)
            #expect((personalization["to"] as? [[String: String]])?.map { $0["email"] } == ["ops@example.com", "oncall@example.com"])
            #expect((personalization["cc"] as? [[String: String]])?.map { $0["email"] } == ["lead@example.com"])
            let content = try #require(json["content"] as? [[String: String]])
            #expect(content.map { $0["type"] } == ["text/plain", "text/html"])
            #expect(content[0]["value"]?.contains("- [critical] account-standing on campaign 5195 (brand 246): Ad account act_1 is UNSETTLED (3).") == true)
            #expect(content[1]["value"]?.contains("<strong>account-standing</strong> on campaign 5195") == true)
        }
    }

    @Test func postmarkGetsItsEmailEndpoint() async throws {
        try await Self.withChannel(Self.email(.postmark)) { channel, server in
            try await channel.send(Self.resolved)
            let request = try #require(server.requests.first)
            #expect(request.path == "/email")
            #expect(request.headers[HTTPField.Name("X-Postmark-Server-Token")!] == "key-123")
            let json = try #require(request.json)
            #expect(json["To"] as? String == "ops@example.com,oncall@example.com")
            #expect(json["Cc"] as? String == "lead@example.com")
            #expect(json["Subject"] as? String == "[RESOLVED] account-standing: campaign 5195")
            #expect((json["TextBody"] as? String)?.hasPrefix("RESOLVED: 1 alert(s)") == true)
        }
    }

    @Test func mailgunGetsAFormWithBasicAuth() async throws {
        try await Self.withChannel(Self.email(.mailgun)) { channel, server in
            try await channel.send(Self.firing)
            let request = try #require(server.requests.first)
            #expect(request.path == "/v3/example.com/messages")
            #expect(request.headers[.contentType] == "application/x-www-form-urlencoded")
            #expect(request.headers[.authorization] == "Basic " + Data("api:key-123".utf8).base64EncodedString())
            let fields = request.text.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding! } }
            #expect(fields.filter { $0[0] == "to" }.map { $0[1] } == ["ops@example.com", "oncall@example.com"])
            #expect(fields.first { $0[0] == "subject" }?[1] == "[CRITICAL] account-standing: campaign 5195")
        }
    }

    @Test func consolePrintsOneLinePerAlert() async throws {
        let lines = NIOLockedValueBox<[String]>([])
        let channel = try ChannelRegistry.make(ChannelConfig(name: "console", kind: .console), httpClient: .shared, write: { line in lines.withLockedValue { $0.append(line) } })
        try await channel.send(Self.firing)
        try await channel.send(Self.resolved)
        #expect(lines.withLockedValue { $0 } == [
            "[CRITICAL] account-standing · campaign 5195: Ad account act_1 is UNSETTLED (3). Campaigns on this account: 5195.",
            "[RESOLVED] account-standing · campaign 5195: Ad account act_1 is UNSETTLED (3). Campaigns on this account: 5195.",
        ])
    }

    @Test func templatesCanBeOverriddenAndBadOnesAreRefused() throws {
        let renderer = try MessageRenderer(subject: "{{SEVERITY}} {{campaign_id}} ({{count}})")
        #expect(renderer.subject(Self.firing) == "CRITICAL 5195 (1)")
        #expect(throws: ConfigError.self) { try MessageRenderer(subject: "{{#unclosed}}") }
    }
}
