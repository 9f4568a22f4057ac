import AsyncHTTPClient
import Foundation
import AdWatchCore

/// Slack incoming webhook with a Block Kit message: a header (severity and rule), the campaign and
/// brand, what is wrong, since when; a clear "resolved" message when it is over. At most one message
/// per second per webhook, as Slack asks; a 429 is waited out (`Retry-After`) and tried again once.
///
/// Text from outside is escaped for mrkdwn (``SlackText``) and every block is kept inside Slack's limits
/// (``Layout``). If Slack still refuses the message for its blocks or size (400 `invalid_blocks`,
/// `…too_long`, `too_many_…`), it is sent once more in the ``Layout/shrunk`` layout; a second refusal is
/// a non-retryable error whose reason says so.
struct SlackChannel: NotificationChannel {
    let name: String
    let webhookURL: Secret
    let client: HTTPClient
    let timeout: Duration
    let pacer: TokenBucket
    let renderer: MessageRenderer

    /// Slack's limits: a section's text, a header's text, blocks in one message.
    static let sectionTextLimit = 3000
    static let headerTextLimit = 150
    static let blockLimit = 50
    /// The notification text (the fallback shown in notifications).
    static let fallbackTextLimit = 3000
    /// What a 400 says when the blocks, not the webhook, are the problem.
    static let sizeRefusals = ["invalid_blocks", "too_long", "too_many", "invalid_payload"]

    /// How much of a group goes into one message.
    struct Layout: Equatable {
        /// Alerts shown, one section each; the rest are counted in "… and N more".
        var maxAlerts: Int
        /// A section's text, at most (Slack's limit is 3000).
        var sectionLimit: Int

        static let standard = Layout(maxAlerts: 20, sectionLimit: SlackChannel.sectionTextLimit)
        static let shrunk = Layout(maxAlerts: 5, sectionLimit: 500)
    }

    init(name: String, webhookURL: Secret, client: HTTPClient, timeout: Duration, renderer: MessageRenderer) {
        self.name = name
        self.webhookURL = webhookURL
        self.client = client
        self.timeout = timeout
        self.pacer = TokenBucket(ratePerSecond: 1, burst: 1)
        self.renderer = renderer
    }

    func send(_ message: OutboundMessage) async throws(ChannelError) {
        var layout = Layout.standard
        var waitedOut429 = false
        while true {
            do { try await pacer.acquire() } catch { throw ChannelError(.network) }
            let body = ChannelHTTP.json(Self.payload(message, renderer: renderer, layout: layout))
            do {
                try await ChannelHTTP.post(webhookURL.text, headers: [("Content-Type", "application/json")], body: body, client: client, timeout: timeout)
                return
            } catch where error.code == .rateLimited && !waitedOut429 && (error.retryAfter ?? .zero) <= .seconds(5) {
                // A longer Retry-After (up to the 1 h cap) is the delivery service's to schedule, not a wait here.
                waitedOut429 = true
                do { try await Task.sleep(for: error.retryAfter ?? .seconds(1)) } catch { throw ChannelError(.network) }
            } catch where Self.isSizeRefusal(error) && layout != .shrunk {
                layout = .shrunk
            } catch where Self.isSizeRefusal(error) {
                var refused = error
                refused.detail = "Slack refused the message, also shrunk to \(layout.maxAlerts) alerts of at most \(layout.sectionLimit) characters"
                    + (error.detail.map { "; \($0)" } ?? "")
                throw refused
            }
        }
    }

    /// A 400 about the message's blocks or size, which a smaller message can cure.
    static func isSizeRefusal(_ error: ChannelError) -> Bool {
        guard error.code == .rejected, error.status == 400, let detail = error.detail else { return false }
        return sizeRefusals.contains { detail.contains($0) }
    }

    /// The Block Kit payload.
    static func payload(_ message: OutboundMessage, renderer: MessageRenderer, layout: Layout = .standard) -> [String: Any] {
        let resolved = message.status == .resolved
        let icon = resolved ? "✅" : message.severity == .critical ? "🔴" : message.severity == .warning ? "🟠" : "🔵"
        let rules = Array(Set(message.alerts.map(\.rule))).sorted().joined(separator: ", ")
        let header = "\(icon) \(resolved ? "RESOLVED" : message.severity.rawValue.uppercased()) · \(rules)"
        var blocks: [[String: Any]] = [["type": "header", "text": ["type": "plain_text", "text": SlackText.truncated(header, limit: headerTextLimit)]]]
        // Header, sections and the "more" line together stay within Slack's block count.
        let shown = min(layout.maxAlerts, blockLimit - 2)
        for alert in message.alerts.prefix(shown) {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": section(alert, resolved: resolved, limit: layout.sectionLimit)]])
        }
        if message.alerts.count > shown {
            blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "… and \(message.alerts.count - shown) more"]]])
        }
        return ["text": SlackText.fromRendered(renderer.subject(message), limit: fallbackTextLimit), "blocks": blocks]
    }

    /// One alert's section: campaign (linked when `delivery.campaign_url` is set) and brand, what is wrong,
    /// since when; at most `limit` characters, the summary cut first.
    static func section(_ alert: AlertNotice, resolved: Bool, limit: Int) -> String {
        // Ids and the link get a bounded share, so the summary always has room.
        let label = "Campaign \(SlackText.escaped(alert.campaignID, limit: 64))"
        var title = alert.link.flatMap { SlackText.linkTarget($0, limit: limit / 3) }.map { "*<\($0)|\(label)>*" } ?? "*\(label)*"
        if let brand = alert.labels["brand_id"], !brand.isEmpty { title += " · brand \(SlackText.escaped(brand, limit: 64))" }
        let since = alert.since.map { "_Since \($0.formatted(.iso8601))_" }
        let prefix = resolved ? "Resolved: " : ""
        let fixed = title.utf16.count + 1 + prefix.utf16.count + (since.map { 1 + $0.utf16.count } ?? 0)
        let summary = SlackText.escaped(alert.summary, limit: max(1, limit - fixed))
        return ([title, prefix + summary] + (since.map { [$0] } ?? [])).joined(separator: "\n")
    }
}
