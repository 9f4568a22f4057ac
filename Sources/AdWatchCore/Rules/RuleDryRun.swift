public import Foundation

/// `adwatch rules test`: what every configured rule says about a campaign fixture, without a store or a network.
public enum RuleDryRun {
    /// Decodes a campaign-details response (and optionally an analytics response) and evaluates every rule at `now`.
    /// - Throws: when a fixture is not a campaign or analytics response.
    public static func evaluate(config: AdWatchConfig, details: Data, analytics: Data?, now: Date) throws -> [RuleEvaluation] {
        let campaign = try decodeWrapped(CampaignDetails.self, from: details)
        let stats = try analytics.map { try decodeWrapped(CampaignAnalytics.self, from: $0) }
        let snapshot = CampaignSnapshot.make(details: campaign, analytics: stats, previous: nil, fetchedAt: now)
        let input = RuleInput(snapshot: snapshot, now: now, campaignsOnAccount: [campaign.id])
        return config.rules.filter { $0.kind != .upstreamSilent }.map { Rule($0).evaluate(input) }
    }

    /// One line per rule: `FIRING [critical] account-standing: …`, `ok …`, `no data …`, `n/a …`.
    public static func describe(_ evaluations: [RuleEvaluation]) -> String {
        evaluations.map { evaluation in
            var line: String
            switch evaluation.verdict {
            case .firing(let findings):
                line = findings.map { "FIRING [\($0.severity.rawValue)] \(evaluation.rule)\($0.level.map { " (\($0))" } ?? ""): \($0.summary)" }
                    .joined(separator: "\n")
            case .clear(let reason): line = "ok       \(evaluation.rule): \(reason)"
            case .notApplicable(let reason): line = "n/a      \(evaluation.rule): \(reason)"
            case .noData(let reason): line = "no data  \(evaluation.rule): \(reason)"
            }
            if let next = evaluation.nextCheck { line += " (next check \(next.formatted(.iso8601)))" }
            return line
        }.joined(separator: "\n")
    }

    private static func decodeWrapped<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if let wrapped = try? JSONDecoder().decode(AdsAPIResponse<T>.self, from: data) { return wrapped.data }
        return try JSONDecoder().decode(T.self, from: data)
    }
}
