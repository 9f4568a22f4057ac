public import Foundation

extension AuditDraft {
    /// A delivery record tagged with what its message is about, so campaign and alert timelines find it:
    /// `campaign` is the first alert's campaign, `alert` the fingerprint when the message carries one
    /// alert, and the details list every campaign and alert (`campaigns`, `alerts`, comma-separated)
    /// because a grouped message can carry several.
    package static func delivery(_ kind: AuditKind, at: Date, message: OutboundMessage, details: [String: AuditValue]) -> AuditDraft {
        var details = details
        var campaigns: [String] = []
        for alert in message.alerts where !campaigns.contains(alert.campaignID) { campaigns.append(alert.campaignID) }
        details["campaigns"] = .string(campaigns.joined(separator: ","))
        details["alerts"] = .string(message.alerts.map(\.fingerprint).joined(separator: ","))
        return AuditDraft(
            at: at, kind: kind, campaign: message.alerts.first?.campaignID, brand: message.alerts.first?.labels["brand_id"].flatMap { $0.isEmpty ? nil : $0 },
            alert: message.alerts.count == 1 ? message.alerts[0].fingerprint : nil, details: details
        )
    }
}

extension Delivery {
    /// The audit record of an operator replaying this dead delivery.
    public func replayedAudit(by operatorName: String, at now: Date) -> AuditDraft {
        .delivery(.deliveryReplayed, at: now, message: message, details: ["delivery_id": .string(id), "channel": .string(channel), "operator": .string(operatorName)])
    }
}
