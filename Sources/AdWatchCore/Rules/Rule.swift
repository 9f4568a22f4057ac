public import Foundation

/// A configured rule, ready to judge campaign snapshots.
///
/// ```swift
/// let rule = Rule(config)
/// let evaluation = rule.evaluate(RuleInput(snapshot: snapshot, history: history, now: now))
/// ```
public struct Rule: Sendable {
    public let config: RuleConfig

    public init(_ config: RuleConfig) {
        self.config = config
    }

    public var name: String { config.name }

    /// Judges one campaign. `upstream_silent` watches sources, not campaigns: see ``evaluateSilence(lastWebhookAt:liveCampaigns:now:)``.
    public func evaluate(_ input: RuleInput) -> RuleEvaluation {
        guard config.scope.matches(input) else {
            return RuleEvaluation(rule: name, kind: config.kind, verdict: .notApplicable("campaign out of the rule's scope"), nextCheck: nil)
        }
        let (verdict, nextCheck): (RuleVerdict, Date?) =
            switch config.kind {
            case .adAccountStanding: (AdAccountStandingRule.evaluate(config, input), nil)
            case .inReviewTooLong: InReviewTooLongRule.evaluate(config, input)
            case .spendThreshold: (SpendThresholdRule.evaluate(config, input), nil)
            case .campaignFailed: (CampaignFailedRule.evaluate(config, input), nil)
            case .adDeliveryIssue: (AdDeliveryIssueRule.evaluate(config, input), nil)
            case .pacing: PacingRule.evaluate(config, input)
            case .upstreamSilent: (.notApplicable("upstream_silent watches sources, not campaigns"), nil)
            }
        return RuleEvaluation(rule: name, kind: config.kind, verdict: verdict, nextCheck: nextCheck)
    }

    /// Judges a source for `upstream_silent`: fires when no webhook came for `after` while campaigns are live.
    public func evaluateSilence(lastWebhookAt: Date?, liveCampaigns: Int, now: Date) -> RuleEvaluation {
        let (verdict, nextCheck) = UpstreamSilentRule.evaluate(config, lastWebhookAt: lastWebhookAt, liveCampaigns: liveCampaigns, now: now)
        return RuleEvaluation(rule: name, kind: config.kind, verdict: verdict, nextCheck: nextCheck)
    }

    /// The labels an alert from this rule carries (DESIGN §11), the rule's own labels included.
    public func labels(for input: RuleInput, finding: RuleFinding) -> [String: String] {
        var labels = config.labels
        labels["rule"] = name
        labels["severity"] = finding.severity.rawValue
        labels["campaign_id"] = input.snapshot.campaignID
        labels["brand_id"] = input.snapshot.brandID ?? ""
        labels["campaign_type"] = input.snapshot.campaignType ?? ""
        labels["provider"] = input.provider ?? ""
        labels["source"] = input.source ?? ""
        if let account = input.snapshot.adAccountID { labels["ad_account_id"] = account }
        return labels
    }
}

extension RuleConfig.Scope {
    func matches(_ input: RuleInput) -> Bool {
        func allows(_ list: [String], _ value: String?) -> Bool { list.isEmpty || value.map(list.contains) == true }
        return allows(brandIDs, input.snapshot.brandID) && allows(campaignTypes, input.snapshot.campaignType)
            && allows(providers, input.provider) && allows(campaignIDs, input.snapshot.campaignID)
    }
}

/// Formatting shared by the rules' messages.
package enum RuleText {
    static func duration(_ seconds: TimeInterval) -> String {
        // Clamped: the times come from the Ads API, and `Int(Double)` traps out of range.
        let total = Int(clamping: CheckedTime.int64(clamping: seconds.rounded(.down)))
        let (days, hours, minutes) = (total / 86_400, total % 86_400 / 3600, total % 3600 / 60)
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        return "\(minutes)m"
    }

    package static func money(_ value: Decimal, _ currency: String?) -> String {
        currency.map { "\(value) \($0)" } ?? "\(value)"
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
