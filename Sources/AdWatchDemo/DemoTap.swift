import Foundation
import AdWatchCore
import AdWatchApp
import AdWatchMockAds

/// The demo's view of the console channel: it announces each notification in one friendly line,
/// hands it to the real channel, and remembers it so the scenario can wait for it.
///
/// Waiting on what was actually delivered (rather than sleeping) makes the demo deterministic: a
/// step is done when the notification has passed through the whole pipeline.
struct DemoTap: NotificationChannel {
    /// One alert as it went out.
    struct Seen: Sendable, Equatable {
        var status: OutboxMessage.Kind
        var rule: String
        var campaignID: String
    }

    /// What has been delivered so far.
    actor Log {
        private(set) var seen: [Seen] = []

        func append(_ items: [Seen]) {
            seen.append(contentsOf: items)
        }

        func contains(_ item: Seen) -> Bool {
            seen.contains(item)
        }
    }

    let inner: any NotificationChannel
    let log: Log
    let say: @Sendable (String) -> Void

    var name: String { inner.name }

    func send(_ message: OutboundMessage) async throws(ChannelError) {
        for alert in message.alerts {
            if message.status == .resolved {
                say("✅ RESOLVED \(alert.rule) · campaign \(alert.campaignID)")
            } else {
                say("🔔 FIRING \(alert.rule) (\(alert.severity.rawValue)) · campaign \(alert.campaignID)")
            }
        }
        try await inner.send(message)
        await log.append(message.alerts.map { Seen(status: message.status, rule: $0.rule, campaignID: $0.campaignID) })
    }
}
