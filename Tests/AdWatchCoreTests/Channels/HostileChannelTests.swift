@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import Testing

/// Channel receivers that misbehave byte by byte (``HostilePeer``): a send ends within its timeout with a
/// defined outcome, the status alone decides it, and a receiver's answer is never buffered whole.
@Suite(.timeLimit(.minutes(1)))
struct HostileChannelTests {
    /// Generous: the suite shares two cores with every other test, and a head must arrive within it.
    static let timeout: ConfigDuration = "3s"

    /// A webhook channel (the plainest POST) pointed at a peer following `script`.
    static func withWebhook(
        onConnect: [HostilePeer.Step] = [],
        _ script: @escaping @Sendable (Int) -> [HostilePeer.Step],
        https: Bool = false,
        _ body: @escaping @Sendable (any NotificationChannel, HostilePeer) async throws -> Void
    ) async throws {
        let peer = HostilePeer(onConnect: onConnect, script)
        try await peer.run { base in
            var config = ChannelConfig(name: "hook", kind: .webhook)
            config.url = https ? base.replacingOccurrences(of: "http://", with: "https://") + "/alerts" : base + "/alerts"
            config.secret = Secret(literal: "whsec_" + Data(repeating: 7, count: 32).base64EncodedString())
            config.timeout = Self.timeout
            let http = HTTPClientService.makeClient()
            let channel = try ChannelRegistry.make(config, httpClient: http, clock: ManualWallClock(ChannelTests.since))
            do {
                try await body(channel, peer)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    /// How a send came out: nil when delivered.
    static func outcome(_ channel: any NotificationChannel) async -> ChannelError? {
        do {
            try await channel.send(ChannelTests.firing)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Answers that never end or never come

    /// Before the body was read under the send's deadline, a receiver that sent a head and then dripped
    /// (or never ended) its body held the send, and with it the whole delivery pass, for ever.
    @Test(arguments: [
        ("a 2xx whose body drips", [.send(HostilePeer.head(200, length: 1_000_000)), .drip("ok", every: .milliseconds(50))], nil),
        ("a 2xx whose body never ends", [.send(HostilePeer.head(200) + "ok"), .hang], nil),
        ("a 503 whose body drips", [.send(HostilePeer.head(503, length: 1_000_000, ["Retry-After: 2"])), .drip("x", every: .milliseconds(50))],
         ChannelError(.serverError, status: 503, retryAfter: .seconds(2))),
        ("accepts and never answers", [.hang], ChannelError(.timeout)),
        ("drips its head", [.send("HTTP/1.1 200 OK\r\n"), .drip("X-Slow: 1\r\n", every: .milliseconds(50))], ChannelError(.timeout)),
    ] as [(String, [HostilePeer.Step], ChannelError?)])
    func aSendEndsWithinItsTimeoutAndTheStatusDecides(_ name: String, _ steps: [HostilePeer.Step], _ expected: ChannelError?) async throws {
        try await Self.withWebhook({ _ in steps }) { channel, peer in
            let started = ContinuousClock.now
            let error = await Self.outcome(channel)
            let elapsed = ContinuousClock.now - started
            #expect(error == expected, "\(name)")
            #expect(peer.requests.count == 1, "\(name): sent once")
            #expect(elapsed < .seconds(12), "\(name): within the 3 s timeout, with room for a loaded machine")
        }
    }

    /// A 2xx means delivered: a 50 MB answer used to fail `collect(upTo: 1 MiB)`, so the alert counted as a
    /// network error and was sent again on every retry.
    @Test func aHugeAnswerToADeliveredAlertIsNotReadAndNotRetried() async throws {
        let chunk = String(repeating: "x", count: 64 << 10)
        try await Self.withWebhook({ _ in [.send(HostilePeer.head(200, length: 800 * chunk.utf8.count)), .repeated(chunk, times: 800)] }) { channel, peer in
            #expect(await Self.outcome(channel) == nil)
            #expect(peer.requests.count == 1)
        }
    }

    /// A 400 with a huge body: rejected, with an excerpt of the start of what the receiver said.
    @Test func aHugeRefusalIsRejectedWithAnExcerpt() async throws {
        let chunk = "nope " + String(repeating: "x", count: 64 << 10)
        try await Self.withWebhook({ _ in [.send(HostilePeer.head(400)), .repeated(chunk, times: 800)] }) { channel, _ in
            let error = try #require(await Self.outcome(channel))
            #expect(error.code == .rejected)
            #expect(error.detail?.hasPrefix("the receiver said \"nope x") == true)
            #expect((error.detail?.count ?? .max) < 200)
        }
    }

    // MARK: Answers that end badly (each was already defined; kept so it stays so)

    /// The outcomes allowed for each (none: delivered). A connection that fails before the head may be
    /// tried again by AsyncHTTPClient until the deadline, so a network error and a timeout are both right.
    @Test(arguments: [
        ("a 2xx with garbage", [.send(HostilePeer.head(200, length: 6) + "\u{0}\u{1}<!ch")], []),
        ("a 2xx cut short", [.send(HostilePeer.head(204, length: 100) + "ok")], []),
        ("a reset before any answer", [.reset], [ChannelError.Code.network, .timeout]),
        ("a reset after a 2xx head", [.send(HostilePeer.head(200, length: 100)), .reset], []),
        ("a reset after a 500 head", [.send(HostilePeer.head(500, length: 100)), .reset], [.serverError]),
        ("not HTTP at all", [.send("SSH-2.0-OpenSSH_9.6\r\n")], [.network, .timeout]),
        ("a status line of junk", [.send("HTTP/1.1 99999999999999999999 X\r\n\r\n")], [.network, .timeout]),
    ] as [(String, [HostilePeer.Step], Set<ChannelError.Code>)])
    func aBrokenAnswerHasADefinedOutcome(_ name: String, _ steps: [HostilePeer.Step], _ allowed: Set<ChannelError.Code>) async throws {
        try await Self.withWebhook({ _ in steps }) { channel, _ in
            let started = ContinuousClock.now
            let error = await Self.outcome(channel)
            if let error {
                #expect(allowed.contains(error.code), "\(name): \(error)")
                #expect(error.isRetryable, "\(name): a broken answer may pass")
            } else {
                #expect(allowed.isEmpty, "\(name): delivered")
            }
            #expect(ContinuousClock.now - started < .seconds(12))
        }
    }

    /// An https URL answered in plain HTTP: the handshake fails, AsyncHTTPClient keeps trying to connect
    /// until the request's deadline, and the send is a retryable timeout within its timeout.
    @Test func plainHTTPOnAnHTTPSURLFailsWithinTheSendTimeout() async throws {
        try await Self.withWebhook(onConnect: [.send(HostilePeer.head(200, length: 2) + "ok")], { _ in [] }, https: true) { channel, _ in
            let started = ContinuousClock.now
            let error = await Self.outcome(channel)
            #expect(error?.code == .timeout || error?.code == .network)
            #expect(error?.isRetryable == true)
            #expect(ContinuousClock.now - started < .seconds(9))
        }
    }

    /// A receiver that accepts the connection and never answers the TLS handshake (it closes after 10 s).
    @Test func aStalledTLSHandshakeIsATimeoutWithinTheSendTimeout() async throws {
        try await Self.withWebhook(onConnect: [.pause(.seconds(10))], { _ in [] }, https: true) { channel, _ in
            let started = ContinuousClock.now
            #expect(await Self.outcome(channel)?.code == .timeout)
            #expect(ContinuousClock.now - started < .seconds(9))
        }
    }

    // MARK: Outside text in email

    static let hostile = AlertNotice(
        fingerprint: "account-standing/5195", rule: "account-standing", severity: .critical,
        summary: "Ad account \"<b>Acme & Co</b>\r\nBcc: victim@example.com\" is <!channel> DISABLED.", campaignID: "5195",
        labels: ["brand_id": "2<4>6", "campaign_id": "5195"], since: ChannelTests.since, link: "https://ads.example/c/5195?a=1&b=\"><script>"
    )
    static let hostileMessage = OutboundMessage(id: "ntf_9", status: .firing, alerts: [hostile], createdAt: ChannelTests.since)

    /// The HTML body escapes every value from outside (text, attribute); the plain text shows it as it is.
    @Test func emailBodiesEscapeHTMLAndTextShowsTextAsItIs() throws {
        let renderer = try MessageRenderer()
        let html = renderer.html(Self.hostileMessage)
        #expect(!html.contains("<b>") && !html.contains("<script>") && !html.contains("\"><"))
        #expect(html.contains("&lt;b&gt;Acme &amp; Co&lt;/b&gt;"))
        #expect(html.contains("(brand 2&lt;4&gt;6)"))
        #expect(html.contains("href=\"https://ads.example/c/5195?a=1&amp;b=&quot;&gt;&lt;script&gt;\""))
        let text = renderer.text(Self.hostileMessage)
        #expect(text.contains("(brand 2<4>6)"), "plain text is not HTML-escaped")
    }

    /// A subject is one line whatever a template puts in it; Mailgun's form carries no encoded CR/LF in it.
    @Test func aSubjectIsOneLineInEveryProvider() throws {
        let renderer = try MessageRenderer(subject: "[{{SEVERITY}}] {{summary}} & {{brand_id}}")
        let subject = renderer.subject(Self.hostileMessage)
        #expect(!subject.contains("\r") && !subject.contains("\n"))
        #expect(subject == "[CRITICAL] Ad account \"<b>Acme & Co</b>  Bcc: victim@example.com\" is <!channel> DISABLED. & 2<4>6")
        var config = ChannelTests.email(.mailgun)("http://127.0.0.1:1")
        config.subject = "{{summary}}"
        let channel = try #require(try ChannelRegistry.make(config, httpClient: .shared, clock: ManualWallClock(ChannelTests.since)) as? EmailChannel)
        let (_, _, body) = channel.request(Self.hostileMessage)
        let subjectField = try #require(String(decoding: body, as: UTF8.self).split(separator: "&").first { $0.hasPrefix("subject=") })
        #expect(!subjectField.uppercased().contains("%0D") && !subjectField.uppercased().contains("%0A"))
    }
}
