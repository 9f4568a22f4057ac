/// `campaign_failed`: the campaign's status is FAILED, or Meta campaigns behind it failed to be created.
enum CampaignFailedRule {
    static func evaluate(_ config: RuleConfig, _ input: RuleInput) -> RuleVerdict {
        let snapshot = input.snapshot
        let errors = snapshot.errorCampaigns + snapshot.platformErrors
        guard snapshot.status == .failed || !errors.isEmpty else {
            return .clear("campaign is \(snapshot.status) with no platform errors")
        }
        var summary = "Campaign \(snapshot.campaignID) "
        summary += snapshot.status == .failed ? "failed" : "has Meta campaigns that failed"
        if !errors.isEmpty { summary += ": " + errors.joined(separator: "; ") }
        return .firing([RuleFinding(severity: config.severity, summary: summary + ".", facts: ["status": snapshot.status.rawValue, "errors": errors.joined(separator: "; ")])])
    }
}
