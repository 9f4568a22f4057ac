import Foundation

/// `upstream_silent`: no webhook from a source for `after` while campaigns are live there.
enum UpstreamSilentRule {
    static func evaluate(_ config: RuleConfig, lastWebhookAt: Date?, liveCampaigns: Int, now: Date) -> (RuleVerdict, Date?) {
        guard let after = config.after?.duration.timeInterval else { return (.noData("no after: configured"), nil) }
        guard liveCampaigns > 0 else { return (.notApplicable("no live campaigns to expect webhooks about"), nil) }
        guard let last = lastWebhookAt else { return (.noData("no webhook has ever arrived from this source"), nil) }
        let silent = now.timeIntervalSince(last)
        guard silent >= after else { return (.clear("last webhook \(RuleText.duration(silent)) ago"), last.addingTimeInterval(after)) }
        let source = config.source.map { "Source \($0)" } ?? "The webhook source"
        return (.firing([RuleFinding(
            severity: config.severity,
            summary: "\(source) has sent no webhook for \(RuleText.duration(silent)) (since \(RuleText.iso(last))) while \(liveCampaigns) campaigns are live.",
            facts: ["last_webhook_at": RuleText.iso(last), "live_campaigns": String(liveCampaigns)]
        )]), nil)
    }
}
