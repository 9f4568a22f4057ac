import Foundation

/// `in_review_too_long`: the campaign has been `IN_REVIEW` longer than `after` (default 24h), and a
/// second, critical level after `critical_after` when configured.
///
/// Review time runs from when the campaign entered review: the last change into `IN_REVIEW` in the
/// state history, else the snapshot's `statusSince` (which falls back to the campaign's own timestamps).
enum InReviewTooLongRule {
    static let defaultAfter: Duration = .seconds(24 * 3600)

    static func evaluate(_ config: RuleConfig, _ input: RuleInput) -> (RuleVerdict, Date?) {
        guard input.snapshot.status == .inReview else {
            return (.notApplicable("campaign is \(input.snapshot.status), not IN_REVIEW"), nil)
        }
        let since = enteredReview(input)
        let elapsed = input.now.timeIntervalSince(since)
        var levels: [(name: String, after: TimeInterval, severity: Severity)] = [
            ("after", (config.after?.duration ?? defaultAfter).timeInterval, config.severity)
        ]
        if let critical = config.criticalAfter { levels.append(("critical_after", critical.duration.timeInterval, .critical)) }
        let findings = levels.filter { elapsed >= $0.after }.map { level in
            RuleFinding(
                level: level.name,
                severity: level.severity,
                summary: "Campaign \(input.snapshot.campaignID) has been in review for \(RuleText.duration(elapsed)) "
                    + "(since \(RuleText.iso(since))), longer than \(RuleText.duration(level.after)).",
                facts: ["in_review_since": RuleText.iso(since), "in_review_for": RuleText.duration(elapsed), "threshold": RuleText.duration(level.after)]
            )
        }
        let next = levels.map { since.addingTimeInterval($0.after) }.filter { $0 > input.now }.min()
        if findings.isEmpty {
            return (.clear("in review for \(RuleText.duration(elapsed)), under \(RuleText.duration(levels[0].after))"), next)
        }
        return (.firing(findings), next)
    }

    /// When the current stretch of `IN_REVIEW` began.
    static func enteredReview(_ input: RuleInput) -> Date {
        var start: Date?
        for change in input.history.reversed() {
            guard change.status == .inReview else { break }
            start = change.at
        }
        // The history's first sighting is when AdWatch first saw it; the snapshot knows an earlier start
        // (the campaign's own timestamps) when review began before that.
        return min(start ?? input.snapshot.statusSince, input.snapshot.statusSince)
    }
}
