/// `ad_account_standing`: the customer's ad account is not in good standing.
///
/// Fires when the analytics say `adAccountStatus.good == false`, or the account status is outside
/// `healthy_statuses` (default ACTIVE). Statuses in `warning_statuses` (default PENDING_SETTLEMENT and
/// IN_GRACE_PERIOD, under which ads still run) warn; every other unhealthy status is critical.
enum AdAccountStandingRule {
    static func evaluate(_ config: RuleConfig, _ input: RuleInput) -> RuleVerdict {
        let snapshot = input.snapshot
        guard snapshot.accountStatus != nil || snapshot.adAccountGood != nil else {
            return .noData("the Ads API reported neither the ad account's status nor its standing")
        }
        let unhealthyStatus = snapshot.accountStatus.flatMap { config.healthyStatuses.contains($0.code) ? nil : $0 }
        let flaggedBad = snapshot.adAccountGood == false
        guard unhealthyStatus != nil || flaggedBad else {
            return .clear("ad account \(snapshot.accountStatus?.description ?? "status unknown"), in good standing")
        }
        let severity: Severity =
            if let status = unhealthyStatus {
                config.warningStatuses.contains(status.code) ? .warning : .critical
            } else {
                config.severity
            }
        var parts: [String] = []
        let account = snapshot.adAccountID.map { "Ad account \($0)" } ?? "The ad account"
        if let status = unhealthyStatus ?? (flaggedBad ? snapshot.accountStatus : nil) {
            parts.append("\(account) is \(status)")
        } else {
            parts.append("\(account) is not in good standing")
        }
        if let reason = snapshot.disableReason, reason.code != 0 { parts.append("disabled for \(reason)") }
        if let error = snapshot.adAccountError { parts.append("the Ads API says: \(error)") }
        let campaigns = Set(input.campaignsOnAccount + [snapshot.campaignID]).sorted()
        var facts = ["campaigns_on_account": campaigns.joined(separator: ",")]
        if let status = snapshot.accountStatus { facts["account_status"] = status.description }
        if let reason = snapshot.disableReason { facts["disable_reason"] = reason.description }
        if let error = snapshot.adAccountError { facts["api_error"] = error }
        if let good = snapshot.adAccountGood { facts["ad_account_good"] = String(good) }
        let summary = parts.joined(separator: "; ") + ". Campaigns on this account: \(campaigns.joined(separator: ", "))."
        return .firing([RuleFinding(severity: severity, summary: summary, facts: facts)])
    }
}
