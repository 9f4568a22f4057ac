import AdWatchCore
/// Human-readable lines on standard output (the demo's channel).
struct ConsoleChannel: NotificationChannel {
    let name: String
    let renderer: MessageRenderer
    let write: @Sendable (String) -> Void

    func send(_ message: OutboundMessage) async throws(ChannelError) {
        let head = message.status == .resolved ? "RESOLVED" : message.severity.rawValue.uppercased()
        for alert in message.alerts {
            write("[\(head)] \(alert.rule) · campaign \(alert.campaignID): \(alert.summary)")
        }
    }
}
