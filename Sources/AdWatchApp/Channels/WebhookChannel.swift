import AsyncHTTPClient
import Foundation
import HTTPTypes
import AdWatchCore

/// A JSON POST of the message (schema version 1), signed with Standard Webhooks headers using a
/// `whsec_` secret so the receiver can verify it — the same scheme AdWatch verifies on ingest.
///
/// Body (`version: "1"`):
/// ```json
/// {"version": "1", "id": "ntf_…", "status": "firing", "created_at": "…", "group_labels": {…},
///  "alerts": [{"fingerprint", "rule", "severity", "summary", "campaign_id", "labels", "since"}]}
/// ```
/// `webhook-id` is the message id, stable across retries, so receivers can drop repeats.
struct WebhookChannel: NotificationChannel {
    let name: String
    let url: String
    let scheme: StandardWebhooksScheme
    let client: HTTPClient
    let timeout: Duration
    let clock: any WallClock

    func send(_ message: OutboundMessage) async throws(ChannelError) {
        let body = Self.body(message)
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        for field in scheme.sign(body: body, id: message.id, timestamp: clock.now()) { headers.append((field.name.rawName, field.value)) }
        try await ChannelHTTP.post(url, headers: headers, body: body, client: client, timeout: timeout)
    }

    static func body(_ message: OutboundMessage) -> [UInt8] {
        let alerts: [[String: Any]] = message.alerts.map { alert in
            var object: [String: Any] = [
                "fingerprint": alert.fingerprint, "rule": alert.rule, "severity": alert.severity.rawValue, "summary": alert.summary,
                "campaign_id": alert.campaignID, "labels": alert.labels,
            ]
            if let since = alert.since { object["since"] = since.formatted(.iso8601) }
            if let link = alert.link { object["link"] = link }
            return object
        }
        return ChannelHTTP.json([
            "version": "1", "id": message.id, "status": message.status.rawValue, "created_at": message.createdAt.formatted(.iso8601),
            "group_labels": message.groupLabels, "alerts": alerts,
        ])
    }
}
