import Foundation

/// `pacing`: spend is behind or ahead of a straight line from start to end date by more than
/// `tolerance_percent`, once `min_elapsed_percent` of the flight has passed.
enum PacingRule {
    static func evaluate(_ config: RuleConfig, _ input: RuleInput) -> (RuleVerdict, Date?) {
        let snapshot = input.snapshot
        guard snapshot.status == .active else { return (.notApplicable("campaign is \(snapshot.status), not ACTIVE"), nil) }
        guard let start = snapshot.startDate, let end = snapshot.endDate, end > start else {
            return (.noData("the campaign has no start and end date"), nil)
        }
        guard let budget = snapshot.budget, budget > 0 else { return (.noData("the campaign has no budget"), nil) }
        guard let spend = snapshot.spend else { return (.noData("the Ads API reported no spend"), nil) }
        guard input.now < end else { return (.notApplicable("the flight ended \(RuleText.iso(end))"), nil) }
        let flight = end.timeIntervalSince(start)
        let judgedFrom = start.addingTimeInterval(flight * NSDecimalNumber(decimal: config.minElapsedPercent).doubleValue / 100)
        guard input.now >= judgedFrom else { return (.clear("too early in the flight to judge pacing"), judgedFrom) }
        let elapsedShare = Decimal(input.now.timeIntervalSince(start) / flight)
        let planned = budget * elapsedShare
        let deviation = (spend - planned) / budget * 100  // in percent of the budget
        let tolerance = config.tolerancePercent
        guard abs(NSDecimalNumber(decimal: deviation).doubleValue) > NSDecimalNumber(decimal: tolerance).doubleValue else {
            return (.clear("spend is within \(tolerance)% of the plan"), nil)
        }
        let direction = deviation < 0 ? "behind" : "ahead"
        var rounded = deviation
        var result = Decimal()
        NSDecimalRound(&result, &rounded, 1, .plain)
        let summary = "Campaign \(snapshot.campaignID) is \(direction) of plan: spent \(RuleText.money(spend, snapshot.currency)) "
            + "where a linear plan expects about \(RuleText.money(planned.rounded(2), snapshot.currency)) (\(result)% of budget)."
        return (.firing([RuleFinding(level: direction, severity: config.severity, summary: summary, facts: ["spend": "\(spend)", "planned": "\(planned.rounded(2))", "deviation_percent": "\(result)"])]), nil)
    }
}

extension Decimal {
    /// Rounded to `scale` decimal places.
    func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}
