@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import Testing

/// Slack against the recording server: text from outside cannot become markup, every message stays inside
/// Slack's limits, and a size refusal is cured by a smaller message or ends with a reason.
@Suite(.timeLimit(.minutes(1)))
struct SlackChannelTests {
    /// What an Ads API account error can say.
    static let injection = "<!channel> <https://evil.example/login|Reconnect your account> & pay now"

    static func alert(_ index: Int, summary: String = "Ad account act_1 is UNSETTLED (3).", campaign: String? = nil) -> AlertNotice {
        let campaign = campaign ?? String(5000 + index)
        return AlertNotice(
            fingerprint: "account-standing/\(campaign)", rule: "account-standing", severity: .critical, summary: summary, campaignID: campaign,
            labels: ["brand_id": "246", "campaign_id": campaign], since: TestSupport.now
        )
    }

    static func message(_ alerts: [AlertNotice]) -> OutboundMessage {
        OutboundMessage(id: "ntf_slack", status: .firing, alerts: alerts, createdAt: TestSupport.now)
    }

    static func blocks(_ request: RecordingServer.Recorded) throws -> [[String: Any]] {
        try #require(request.json?["blocks"] as? [[String: Any]])
    }

    static func sections(_ blocks: [[String: Any]]) -> [String] {
        blocks.filter { $0["type"] as? String == "section" }.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
    }

    static func more(_ blocks: [[String: Any]]) -> String? {
        (blocks.last?["elements"] as? [[String: Any]])?.first?["text"] as? String
    }

    @Test func textFromOutsideArrivesEscapedAndLinksCannotBreakOut() async throws {
        var alert = Self.alert(0, summary: Self.injection, campaign: "51|<!here>")
        alert.labels["brand_id"] = "<@U0ADMIN>"
        alert.link = DeliveryService.link("https://app.example.com/c/{campaign_id}?b={brand_id}", campaignID: alert.campaignID, brandID: "<@U0ADMIN>")
        let message = Self.message([alert])
        try await ChannelTests.withChannel(ChannelTests.slack) { channel, server in
            try await channel.send(message)
            let request = try #require(server.requests.first)
            let section = try #require(Self.sections(try Self.blocks(request)).first)
            #expect(section.contains("&lt;!channel&gt; &lt;https://evil.example/login|Reconnect your account&gt; &amp; pay now"))
            #expect(section.hasPrefix("*<https://app.example.com/c/51%7C%3C%21here%3E?b=%3C%40U0ADMIN%3E|Campaign 51|&lt;!here&gt;>* · brand &lt;@U0ADMIN&gt;\n"))
            // The one `<` in the section opens our own link; nothing else is markup.
            #expect(section.filter { $0 == "<" }.count == 1)
            let fallback = try #require(request.json?["text"] as? String)
            #expect(fallback == "[CRITICAL] account-standing: campaign 51|&lt;!here&gt;")
        }
    }

    /// Random text over an alphabet of markup characters: escaping never leaves `<` or `>`, never cuts an
    /// escape, respects the limit, and undoes exactly.
    @Test func escapingIsSafeAndReversibleForAnyText() {
        var random = SeededRandom(seed: 11)
        let alphabet: [Character] = ["<", ">", "&", "|", "!", "@", "a", "Z", " ", "\n", "é", "🔴", "*", "`", ";", "#"]
        for _ in 0..<2000 {
            let text = String((0..<Int.random(in: 0...80, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let escaped = SlackText.escaped(text)
            #expect(!escaped.contains("<") && !escaped.contains(">"))
            #expect(escaped.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&") == text)
            let limit = Int.random(in: 1...40, using: &random)
            let cut = SlackText.escaped(text, limit: limit)
            #expect(cut.utf16.count <= limit)
            #expect(!cut.contains("<") && !cut.contains(">"))
            if cut != escaped {
                #expect(cut.hasSuffix("…"))
                // No half escape before the ellipsis.
                let body = cut.dropLast()
                if let amp = body.lastIndex(of: "&") { #expect(body[amp...].contains(";")) }
            }
            #expect(!SlackText.fromRendered(text).contains("<"))
        }
    }

    @Test(arguments: [
        ("https://app.example.com/c/5195", "https://app.example.com/c/5195"),
        ("https://app.example.com/c/a|b>c d", "https://app.example.com/c/a%7Cb%3Ec%20d"),
        ("https://app.example.com/?a=1&b=2", "https://app.example.com/?a=1&amp;b=2"),
        ("https://app.example.com/c/é", "https://app.example.com/c/%C3%A9"),
    ])
    func linkTargetsAreEncoded(_ link: String, _ expected: String) {
        #expect(SlackText.linkTarget(link) == expected)
    }

    @Test func onlyWebLinksOfABoundedLengthAreLinked() {
        #expect(SlackText.linkTarget("javascript:alert(1)") == nil)
        #expect(SlackText.linkTarget("slack://channel?id=1") == nil)
        #expect(SlackText.linkTarget("https://x.example/" + String(repeating: "a", count: 3000)) == nil)
    }

    @Test func aHundredAlertGroupArrivesWithinSlacksLimits() async throws {
        let long = String(repeating: "Account error <x> & more. ", count: 400)  // 10,400 characters, more escaped
        var alerts = (0..<100).map { Self.alert($0, summary: long) }
        alerts[0].link = "https://app.example.com/c/" + String(repeating: "9", count: 1500)
        let message = Self.message(alerts)
        try await ChannelTests.withChannel(ChannelTests.slack) { channel, server in
            try await channel.send(message)
            let blocks = try Self.blocks(try #require(server.requests.first))
            #expect(blocks.count <= SlackChannel.blockLimit)
            let header = try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
            #expect(header.utf16.count <= SlackChannel.headerTextLimit)
            let sections = Self.sections(blocks)
            #expect(sections.count == 20)
            #expect(sections.allSatisfy { $0.utf16.count <= SlackChannel.sectionTextLimit })
            #expect(sections.allSatisfy { $0.contains("…") })  // each summary was cut, not dropped
            #expect(Self.more(blocks) == "… and 80 more")
        }
    }

    @Test func aLongHeaderIsCutToSlacksLimit() throws {
        let alerts = (0..<30).map { index in
            var alert = Self.alert(index)
            alert.rule = "a-rather-long-rule-name-number-\(index)"
            return alert
        }
        let payload = SlackChannel.payload(Self.message(alerts), renderer: try MessageRenderer())
        let header = try #require(((payload["blocks"] as? [[String: Any]])?.first?["text"] as? [String: Any])?["text"] as? String)
        #expect(header.utf16.count <= SlackChannel.headerTextLimit)
        #expect(header.hasSuffix("…"))
    }

    @Test(arguments: ["invalid_blocks", "msg_too_long", "too_many_blocks"])
    func aSizeRefusalIsCuredByOneSmallerMessage(_ reason: String) async throws {
        let alerts = (0..<100).map { Self.alert($0, summary: String(repeating: "x", count: 2000)) }
        try await ChannelTests.withChannel(ChannelTests.slack) { channel, server in
            server.answer(400, body: reason)
            try await channel.send(Self.message(alerts))
            let requests = server.requests
            #expect(requests.count == 2)
            let shrunk = try Self.blocks(requests[1])
            #expect(Self.sections(shrunk).count == SlackChannel.Layout.shrunk.maxAlerts)
            #expect(Self.sections(shrunk).allSatisfy { $0.utf16.count <= SlackChannel.Layout.shrunk.sectionLimit })
            #expect(Self.more(shrunk) == "… and 95 more")
        }
    }

    @Test func aSecondSizeRefusalDeadLettersWithTheReason() async throws {
        try await ChannelTests.withChannel(ChannelTests.slack) { channel, server in
            let store = MemoryStore()
            let service = DeliveryService(
                store: store, channels: ["ops-slack": channel], routes: [RouteConfig(channels: ["ops-slack"])], config: DeliveryConfig(),
                clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"), random: { 1 }
            )
            try await DeliveryServiceTests.enqueue(store, [DeliveryServiceTests.entry("n1", campaign: "5195")])
            server.answer(400, body: "invalid_blocks", times: 2)
            try await service.runOnce()
            #expect(server.requests.count == 2)
            let dead = try await store.deliveries(in: .dead, limit: 10)
            #expect(dead.map(\.attempts) == [1])
            #expect(dead.first?.lastStatus == 400)
            #expect(dead.first?.lastError == """
                rejected (HTTP 400): Slack refused the message, also shrunk to 5 alerts of at most 500 characters; the receiver said "invalid_blocks"
                """)
        }
    }

    @Test func anotherRefusalIsNotRetriedAndSaysWhy() async throws {
        try await ChannelTests.withChannel(ChannelTests.slack) { channel, server in
            server.answer(403, body: "invalid_token")
            do {
                try await channel.send(Self.message([Self.alert(0)]))
                Issue.record("a 403 counted as success")
            } catch let error as ChannelError {
                #expect(!error.isRetryable)
                #expect(error.description == #"rejected (HTTP 403): the receiver said "invalid_token""#)
            }
            #expect(server.requests.count == 1)
        }
    }
}

/// A small deterministic generator (SplitMix64), so random tests repeat exactly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
