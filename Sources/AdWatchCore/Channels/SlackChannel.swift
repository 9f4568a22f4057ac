import AsyncHTTPClient
import Foundation

/// Slack incoming webhook with a Block Kit message: a header (severity and rule), the campaign and
/// brand, what is wrong, since when; a clear "resolved" message when it is over. At most one message
/// per second per webhook, as Slack asks; a 429 is waited out (`Retry-After`) and tried again once.
struct SlackChannel: NotificationChannel {
    let name: String
    let webhookURL: Secret
    let client: HTTPClient
    let timeout: Duration
    let pacer: TokenBucket
    let renderer: MessageRenderer

    init(name: String, webhookURL: Secret, client: HTTPClient, timeout: Duration, renderer: MessageRenderer) {
        self.name = name
        self.webhookURL = webhookURL
        self.client = client
        self.timeout = timeout
        self.pacer = TokenBucket(ratePerSecond: 1, burst: 1)
        self.renderer = renderer
    }

    func send(_ message: OutboundMessage) async throws(ChannelError) {
        let body = ChannelHTTP.json(Self.payload(message, renderer: renderer))
        var attempt = 0
        while true {
            attempt += 1
            do { try await pacer.acquire() } catch { throw ChannelError(.network) }
            do {
                try await ChannelHTTP.post(webhookURL.text, headers: [("Content-Type", "application/json")], body: body, client: client, timeout: timeout)
                return
            } catch where error.code == .rateLimited && attempt == 1 && (error.retryAfter ?? .zero) <= .seconds(5) {
                // A longer Retry-After (up to the 1 h cap) is the delivery service's to schedule, not a wait here.
                do { try await Task.sleep(for: error.retryAfter ?? .seconds(1)) } catch { throw ChannelError(.network) }
            }
        }
    }

    /// The Block Kit payload.
    static func payload(_ message: OutboundMessage, renderer: MessageRenderer) -> [String: Any] {
        let resolved = message.status == .resolved
        let icon = resolved ? "✅" : message.severity == .critical ? "🔴" : message.severity == .warning ? "🟠" : "🔵"
        let rules = Array(Set(message.alerts.map(\.rule))).sorted().joined(separator: ", ")
        let header = "\(icon) \(resolved ? "RESOLVED" : message.severity.rawValue.uppercased()) · \(rules)"
        var blocks: [[String: Any]] = [["type": "header", "text": ["type": "plain_text", "text": String(header.prefix(150))]]]
        for alert in message.alerts.prefix(20) {
            let title = alert.link.map { "*<\($0)|Campaign \(alert.campaignID)>*" } ?? "*Campaign \(alert.campaignID)*"
            var lines = [title + (alert.labels["brand_id"].flatMap { $0.isEmpty ? nil : " · brand \($0)" } ?? "")]
            lines.append(resolved ? "Resolved: \(alert.summary)" : alert.summary)
            if let since = alert.since { lines.append("_Since \(since.formatted(.iso8601))_") }
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": lines.joined(separator: "\n")]])
        }
        if message.alerts.count > 20 {
            blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "…and \(message.alerts.count - 20) more"]]])
        }
        return ["text": renderer.subject(message), "blocks": blocks]
    }
}
