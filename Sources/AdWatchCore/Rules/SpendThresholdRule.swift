import Foundation

/// `spend_threshold`: spend reached a share of the budget and/or an amount, per level; each level is
/// its own alert, so each fires once. Quiet once the campaign has ended.
enum SpendThresholdRule {
    static func evaluate(_ config: RuleConfig, _ input: RuleInput) -> RuleVerdict {
        let snapshot = input.snapshot
        if [.completed, .failed].contains(snapshot.status) {
            return .notApplicable("campaign is \(snapshot.status)")
        }
        guard let spend = snapshot.spend else { return .noData("the Ads API reported no spend") }
        var findings: [RuleFinding] = []
        var missing: [String] = []
        for level in config.levels {
            let threshold: Decimal
            let name: String
            if let percent = level.percentOfBudget {
                guard let budget = snapshot.budget, budget > 0 else {
                    missing.append("no budget to take \(percent)% of")
                    continue
                }
                threshold = budget * percent / 100
                name = "\(percent)%"
            } else if let amount = level.amount {
                threshold = amount
                name = "\(amount)"
            } else {
                continue
            }
            guard spend >= threshold else { continue }
            let ofBudget = snapshot.budget.map { " of the \(RuleText.money($0, snapshot.currency)) budget" } ?? ""
            findings.append(
                RuleFinding(
                    level: name,
                    severity: level.severity ?? config.severity,
                    summary: "Campaign \(snapshot.campaignID) has spent \(RuleText.money(spend, snapshot.currency))\(ofBudget), "
                        + "past the \(name) threshold (\(RuleText.money(threshold, snapshot.currency))).",
                    facts: ["spend": "\(spend)", "threshold": "\(threshold)", "budget": snapshot.budget.map { "\($0)" } ?? "", "currency": snapshot.currency ?? ""]
                )
            )
        }
        if !findings.isEmpty { return .firing(findings) }
        if missing.count == config.levels.count, let first = missing.first { return .noData(first) }
        return .clear("spend \(RuleText.money(spend, snapshot.currency)) is under every threshold")
    }
}
