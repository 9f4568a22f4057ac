/// `ad_delivery_issue`: ads or Meta campaigns in a problem state (DISAPPROVED, WITH_ISSUES, PENDING_BILLING_INFO).
enum AdDeliveryIssueRule {
    static func evaluate(_ config: RuleConfig, _ input: RuleInput) -> RuleVerdict {
        let snapshot = input.snapshot
        let reported = snapshot.adEffectiveStatuses + snapshot.campaignEffectiveStatuses
        guard !reported.isEmpty else { return .noData("the Ads API reported no ad or campaign delivery statuses") }
        var counts: [String: Int] = [:]
        for status in reported where config.statuses.contains(status) { counts[status, default: 0] += 1 }
        guard !counts.isEmpty else { return .clear("no ad in \(config.statuses.joined(separator: ", "))") }
        let listed = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return .firing([
            RuleFinding(severity: config.severity, summary: "Campaign \(snapshot.campaignID) has delivery problems: \(listed).", facts: ["statuses": listed])
        ])
    }
}
