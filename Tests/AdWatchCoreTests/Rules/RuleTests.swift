@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// Every rule kind as a table: (snapshot, history, now) → verdict, boundaries included.
struct RuleTests {
    static let t0 = TestSupport.now

    /// The seed's campaign 5195 as a snapshot, adjusted per case.
    static func snapshot(_ adjust: (inout CampaignSnapshot) -> Void = { _ in }) -> CampaignSnapshot {
        var snapshot = CampaignSnapshot(
            campaignID: "5195", brandID: "246", fetchedAt: t0, status: .inReview, statusSince: t0, accountStatus: AdAccountStatus(code: 1),
            disableReason: nil, adAccountID: "act_1", adAccountGood: true, adAccountError: nil, spend: 0, budget: 550, currency: "MXN",
            campaignType: "record_streams", startDate: t0, endDate: t0.addingTimeInterval(10 * 86_400), errorCampaigns: [], platformErrors: [],
            campaignEffectiveStatuses: ["ACTIVE"], adEffectiveStatuses: ["ACTIVE"]
        )
        adjust(&snapshot)
        return snapshot
    }

    static func rule(_ kind: RuleConfig.Kind, severity: Severity = .warning, _ adjust: (inout RuleConfig) -> Void = { _ in }) -> Rule {
        var config = RuleConfig(name: kind.rawValue, kind: kind, severity: severity)
        adjust(&config)
        return Rule(config)
    }

    static func firing(_ evaluation: RuleEvaluation) -> [RuleFinding] {
        if case .firing(let findings) = evaluation.verdict { return findings }
        return []
    }

    // MARK: ad_account_standing

    struct AccountCase: Sendable, CustomTestStringConvertible {
        var status: Int?
        var good: Bool?
        var expected: Severity?  // nil: does not fire
        var testDescription: String { "status \(status.map(String.init) ?? "nil"), good \(good.map(String.init) ?? "nil")" }
    }

    @Test(arguments: [
        AccountCase(status: 1, good: true, expected: nil),
        AccountCase(status: 1, good: false, expected: .critical),
        AccountCase(status: 9, good: true, expected: .warning),
        AccountCase(status: 8, good: nil, expected: .warning),
        AccountCase(status: 3, good: true, expected: .critical),
        AccountCase(status: 2, good: nil, expected: .critical),
        AccountCase(status: 101, good: false, expected: .critical),
        AccountCase(status: 555, good: true, expected: .critical),  // undocumented code: not healthy
        AccountCase(status: nil, good: false, expected: .critical),
    ])
    func accountStanding(_ row: AccountCase) {
        let snapshot = Self.snapshot {
            $0.accountStatus = row.status.map(AdAccountStatus.init(code:))
            $0.adAccountGood = row.good
        }
        let findings = Self.firing(Self.rule(.adAccountStanding, severity: .critical).evaluate(RuleInput(snapshot: snapshot, now: Self.t0)))
        #expect(findings.map(\.severity) == (row.expected.map { [$0] } ?? []))
    }

    @Test func accountStandingNamesTheStatusReasonErrorAndEveryCampaignOnTheAccount() {
        let snapshot = Self.snapshot {
            $0.accountStatus = AdAccountStatus(code: 3)
            $0.disableReason = DisableReason(code: 3)
            $0.adAccountGood = false
            $0.adAccountError = "Payment failed"
        }
        let input = RuleInput(snapshot: snapshot, now: Self.t0, campaignsOnAccount: ["6001", "5195"])
        let finding = Self.firing(Self.rule(.adAccountStanding).evaluate(input)).first
        #expect(finding?.summary == "Ad account act_1 is UNSETTLED (3); disabled for RISK_PAYMENT (3); the Ads API says: Payment failed. Campaigns on this account: 5195, 6001.")
        #expect(finding?.facts["account_status"] == "UNSETTLED (3)")
    }

    @Test func accountStandingWithoutDataDoesNotFireAndSaysWhy() {
        let snapshot = Self.snapshot {
            $0.accountStatus = nil
            $0.adAccountGood = nil
        }
        let verdict = Self.rule(.adAccountStanding).evaluate(RuleInput(snapshot: snapshot, now: Self.t0)).verdict
        #expect(verdict == .noData("the Ads API reported neither the ad account's status nor its standing"))
    }

    // MARK: in_review_too_long

    @Test(arguments: [(86_399.0, false), (86_400.0, true), (90_000.0, true)])
    func inReviewFiresExactlyAtTheThreshold(_ elapsed: TimeInterval, _ fires: Bool) {
        let evaluation = Self.rule(.inReviewTooLong).evaluate(RuleInput(snapshot: Self.snapshot(), now: Self.t0.addingTimeInterval(elapsed)))
        #expect(Self.firing(evaluation).map(\.level) == (fires ? ["after"] : []))
        #expect(evaluation.nextCheck == (fires ? nil : Self.t0.addingTimeInterval(86_400)))
    }

    @Test func inReviewHasACriticalSecondLevel() {
        let rule = Self.rule(.inReviewTooLong) {
            $0.after = "24h"
            $0.criticalAfter = "48h"
        }
        let at30h = rule.evaluate(RuleInput(snapshot: Self.snapshot(), now: Self.t0.addingTimeInterval(30 * 3600)))
        #expect(Self.firing(at30h).map(\.severity) == [.warning])
        #expect(at30h.nextCheck == Self.t0.addingTimeInterval(48 * 3600))
        let at48h = rule.evaluate(RuleInput(snapshot: Self.snapshot(), now: Self.t0.addingTimeInterval(48 * 3600)))
        #expect(Self.firing(at48h).map(\.level) == ["after", "critical_after"])
        #expect(Self.firing(at48h).last?.severity == .critical)
    }

    @Test func inReviewCountsFromWhenTheCampaignEnteredReviewInTheHistory() {
        let entered = Self.t0.addingTimeInterval(-3600)
        let history = [
            CampaignStateChange(at: Self.t0.addingTimeInterval(-7200), status: .active),
            CampaignStateChange(at: entered, status: .inReview),
            CampaignStateChange(at: Self.t0, status: .inReview, spend: 5),
        ]
        let snapshot = Self.snapshot { $0.statusSince = entered }
        let evaluation = Self.rule(.inReviewTooLong).evaluate(RuleInput(snapshot: snapshot, history: history, now: entered.addingTimeInterval(86_400)))
        #expect(Self.firing(evaluation).first?.facts["in_review_since"] == entered.formatted(.iso8601))
    }

    @Test func inReviewDoesNotApplyOutsideReviewOrToUnknownStatuses() {
        for status in [CampaignStatus.active, CampaignStatus(rawValue: "SOMETHING_NEW")] {
            let snapshot = Self.snapshot { $0.status = status }
            let verdict = Self.rule(.inReviewTooLong).evaluate(RuleInput(snapshot: snapshot, now: Self.t0.addingTimeInterval(1e6))).verdict
            #expect(verdict == .notApplicable("campaign is \(status), not IN_REVIEW"))
        }
    }

    // MARK: spend_threshold

    @Test(arguments: [("439.99", [String]()), ("440", ["80%"]), ("500", ["80%"]), ("1000", ["80%", "1000"])])
    func spendFiresPerLevelAtTheThreshold(_ spend: String, _ levels: [String]) {
        let rule = Self.rule(.spendThreshold) { $0.levels = [.init(percentOfBudget: 80), .init(amount: 1000, severity: .critical)] }
        let snapshot = Self.snapshot {
            $0.status = .active
            $0.spend = Decimal(string: spend)
        }
        let findings = Self.firing(rule.evaluate(RuleInput(snapshot: snapshot, now: Self.t0)))
        #expect(findings.map(\.level) == levels)
        #expect(findings.first { $0.level == "1000" }?.severity == (levels.contains("1000") ? .critical : nil))
    }

    @Test func spendWithoutDataOrAfterTheEndDoesNotFire() {
        let rule = Self.rule(.spendThreshold) { $0.levels = [.init(percentOfBudget: 80)] }
        let noSpend = Self.snapshot { $0.spend = nil }
        #expect(rule.evaluate(RuleInput(snapshot: noSpend, now: Self.t0)).verdict == .noData("the Ads API reported no spend"))
        let noBudget = Self.snapshot {
            $0.spend = 100
            $0.budget = nil
        }
        #expect(rule.evaluate(RuleInput(snapshot: noBudget, now: Self.t0)).verdict == .noData("no budget to take 80% of"))
        let ended = Self.snapshot {
            $0.status = .completed
            $0.spend = 550
        }
        #expect(Self.firing(rule.evaluate(RuleInput(snapshot: ended, now: Self.t0))).isEmpty)
    }

    // MARK: campaign_failed, ad_delivery_issue

    @Test func campaignFailedOnStatusOrPlatformErrors() {
        let rule = Self.rule(.campaignFailed, severity: .critical)
        #expect(Self.firing(rule.evaluate(RuleInput(snapshot: Self.snapshot(), now: Self.t0))).isEmpty)
        let failed = Self.snapshot { $0.status = .failed }
        #expect(Self.firing(rule.evaluate(RuleInput(snapshot: failed, now: Self.t0))).first?.summary == "Campaign 5195 failed.")
        let platform = Self.snapshot { $0.platformErrors = ["Invalid targeting"] }
        #expect(Self.firing(rule.evaluate(RuleInput(snapshot: platform, now: Self.t0))).first?.summary == "Campaign 5195 has Meta campaigns that failed: Invalid targeting.")
    }

    @Test func deliveryIssuesCountProblemStatusesAndIgnoreUnknownOnes() {
        let rule = Self.rule(.adDeliveryIssue)
        let snapshot = Self.snapshot { $0.adEffectiveStatuses = ["DISAPPROVED", "DISAPPROVED", "WITH_ISSUES", "SOMETHING_NEW", "ACTIVE"] }
        #expect(Self.firing(rule.evaluate(RuleInput(snapshot: snapshot, now: Self.t0))).first?.summary
            == "Campaign 5195 has delivery problems: 2 DISAPPROVED, 1 WITH_ISSUES.")
        let unknownOnly = Self.snapshot { $0.adEffectiveStatuses = ["SOMETHING_NEW"] }
        #expect(Self.firing(rule.evaluate(RuleInput(snapshot: unknownOnly, now: Self.t0))).isEmpty)
        let none = Self.snapshot {
            $0.adEffectiveStatuses = []
            $0.campaignEffectiveStatuses = []
        }
        #expect(rule.evaluate(RuleInput(snapshot: none, now: Self.t0)).verdict == .noData("the Ads API reported no ad or campaign delivery statuses"))
    }

    // MARK: pacing

    @Test func pacingComparesSpendWithALinearPlan() {
        let rule = Self.rule(.pacing) { $0.tolerancePercent = 30 }
        func verdict(day: Double, spend: Decimal) -> RuleVerdict {
            let snapshot = Self.snapshot {
                $0.status = .active
                $0.spend = spend
            }
            return rule.evaluate(RuleInput(snapshot: snapshot, now: Self.t0.addingTimeInterval(day * 86_400))).verdict
        }
        // Day 5 of 10 with a 550 budget: the plan is 275; 30 % of the budget is 165.
        #expect(verdict(day: 5, spend: 275) == .clear("spend is within 30% of the plan"))
        #expect(verdict(day: 5, spend: 110) == .clear("spend is within 30% of the plan"))  // exactly 30 % behind
        guard case .firing(let behind) = verdict(day: 5, spend: 109) else { Issue.record("109 should be behind"); return }
        #expect(behind.first?.level == "behind")
        guard case .firing(let ahead) = verdict(day: 5, spend: 441) else { Issue.record("441 should be ahead"); return }
        #expect(ahead.first?.level == "ahead")
        // Before 20 % of the flight nothing is judged, and the rule asks to be checked at that point.
        let early = rule.evaluate(RuleInput(snapshot: Self.snapshot { $0.status = .active }, now: Self.t0.addingTimeInterval(86_400)))
        #expect(early.verdict == .clear("too early in the flight to judge pacing"))
        #expect(early.nextCheck == Self.t0.addingTimeInterval(2 * 86_400))
    }

    // MARK: upstream_silent, scope

    @Test(arguments: [(3599.0, false), (3600.0, true)])
    func upstreamSilentFiresAfterTheConfiguredSilence(_ silence: TimeInterval, _ fires: Bool) {
        let rule = Self.rule(.upstreamSilent) { $0.after = "1h" }
        let evaluation = rule.evaluateSilence(lastWebhookAt: Self.t0, liveCampaigns: 3, now: Self.t0.addingTimeInterval(silence))
        #expect(!Self.firing(evaluation).isEmpty == fires)
        #expect(rule.evaluateSilence(lastWebhookAt: Self.t0, liveCampaigns: 0, now: Self.t0.addingTimeInterval(1e6)).verdict
            == .notApplicable("no live campaigns to expect webhooks about"))
    }

    @Test func scopeLimitsWhichCampaignsARuleWatches() {
        let rule = Self.rule(.adAccountStanding) {
            $0.scope.brandIDs = ["999"]
        }
        let snapshot = Self.snapshot { $0.accountStatus = AdAccountStatus(code: 3) }
        #expect(rule.evaluate(RuleInput(snapshot: snapshot, now: Self.t0)).verdict == .notApplicable("campaign out of the rule's scope"))
        let inScope = Self.rule(.adAccountStanding) {
            $0.scope.brandIDs = ["246"]
            $0.scope.providers = ["facebook"]
        }
        #expect(!Self.firing(inScope.evaluate(RuleInput(snapshot: snapshot, now: Self.t0, provider: "facebook"))).isEmpty)
        #expect(Self.firing(inScope.evaluate(RuleInput(snapshot: snapshot, now: Self.t0, provider: "symphony"))).isEmpty)
    }

    @Test func alertsCarryTheDocumentedLabels() {
        let rule = Self.rule(.adAccountStanding) { $0.labels = ["team": "ops"] }
        let input = RuleInput(snapshot: Self.snapshot(), now: Self.t0, provider: "facebook", source: "symphony")
        let labels = rule.labels(for: input, finding: RuleFinding(severity: .critical, summary: ""))
        #expect(labels == [
            "rule": "ad_account_standing", "severity": "critical", "campaign_id": "5195", "brand_id": "246", "campaign_type": "record_streams",
            "provider": "facebook", "source": "symphony", "ad_account_id": "act_1", "team": "ops",
        ])
    }
}
