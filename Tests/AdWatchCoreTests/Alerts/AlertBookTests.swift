@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// The alert lifecycle without I/O: transitions and notifications from rule results.
struct AlertBookTests {
    static let t0 = TestSupport.now

    static func result(_ name: String = "account", kind: RuleConfig.Kind = .adAccountStanding, for duration: ConfigDuration? = nil,
                       verdict: RuleVerdict, labels: [String: String] = [:]) -> AlertBook.RuleResult {
        var config = RuleConfig(name: name, kind: kind, severity: .critical)
        config.forDuration = duration
        var all = ["rule": name, "campaign_id": "5195", "ad_account_id": "act_1", "severity": "critical"]
        all.merge(labels) { $1 }
        return AlertBook.RuleResult(rule: config, evaluation: RuleEvaluation(rule: name, kind: kind, verdict: verdict, nextCheck: nil), labels: [nil: all])
    }

    static let bad = RuleVerdict.firing([RuleFinding(severity: .critical, summary: "Ad account act_1 is UNSETTLED (3).")])

    func reconcile(_ results: [AlertBook.RuleResult], current: [Alert] = [], silences: [Silence] = [],
                   inhibitors: [Alert] = [], at now: Date, repeatInterval: Duration = .seconds(4 * 3600),
                   inhibitRules: [AlertingConfig.InhibitRule] = []) -> AlertBook.Changes {
        var counter = 0
        return AlertBook.reconcile(
            campaignID: "5195", results: results, current: current, silences: silences, inhibitRules: inhibitRules, inhibitors: inhibitors,
            repeatInterval: repeatInterval, now: now, newID: { counter += 1; return "msg_\(counter)" }
        )
    }

    @Test func firesAndNotifiesAtOnceWithoutAForDuration() {
        let changes = reconcile([Self.result(verdict: Self.bad)], at: Self.t0)
        #expect(changes.alerts.map(\.state) == [.firing])
        #expect(changes.transitions.map(\.to) == [.pending, .firing])
        #expect(changes.notifications.map(\.kind) == [.firing])
        #expect(changes.notifications.first?.summary == "Ad account act_1 is UNSETTLED (3).")
    }

    @Test func waitsOutTheForDurationBeforeFiring() {
        let first = reconcile([Self.result(for: "10m", verdict: Self.bad)], at: Self.t0)
        #expect(first.alerts.map(\.state) == [.pending])
        #expect(first.notifications.isEmpty)
        let early = reconcile([Self.result(for: "10m", verdict: Self.bad)], current: first.alerts, at: Self.t0.addingTimeInterval(599))
        #expect(early.alerts.map(\.state) == [.pending])
        let due = reconcile([Self.result(for: "10m", verdict: Self.bad)], current: first.alerts, at: Self.t0.addingTimeInterval(600))
        #expect(due.alerts.map(\.state) == [.firing])
        #expect(due.notifications.count == 1)
        // Found no longer while still pending: resolved without any notification.
        let gone = reconcile([Self.result(for: "10m", verdict: .clear("fine"))], current: first.alerts, at: Self.t0.addingTimeInterval(60))
        #expect(gone.alerts.map(\.state) == [.resolved])
        #expect(gone.notifications.isEmpty)
    }

    @Test func doesNotNotifyAgainUntilTheRepeatIntervalPasses() {
        let first = reconcile([Self.result(verdict: Self.bad)], at: Self.t0)
        let soon = reconcile([Self.result(verdict: Self.bad)], current: first.alerts, at: Self.t0.addingTimeInterval(3 * 3600))
        #expect(soon.notifications.isEmpty)
        #expect(soon.transitions.isEmpty)
        let later = reconcile([Self.result(verdict: Self.bad)], current: soon.alerts, at: Self.t0.addingTimeInterval(4 * 3600))
        #expect(later.notifications.map(\.kind) == [.firing])
    }

    @Test func resolvesAndSaysSoWhenTheProblemIsGone() {
        let first = reconcile([Self.result(verdict: Self.bad)], at: Self.t0)
        let resolved = reconcile([Self.result(verdict: .clear("ACTIVE (1)"))], current: first.alerts, at: Self.t0.addingTimeInterval(60))
        #expect(resolved.alerts.map(\.state) == [.resolved])
        #expect(resolved.transitions.map(\.to) == [.resolved])
        #expect(resolved.notifications.map(\.kind) == [.resolved])
    }

    @Test func keepsItsStateWhenTheRuleLacksData() {
        let first = reconcile([Self.result(verdict: Self.bad)], at: Self.t0)
        let blind = reconcile([Self.result(verdict: .noData("no status"))], current: first.alerts, at: Self.t0.addingTimeInterval(60))
        #expect(blind.alerts.isEmpty)
        #expect(blind.transitions.isEmpty)
    }

    @Test func aSilenceHoldsTheNotificationBackUntilItExpires() throws {
        let silence = Silence(
            id: "sil_1", matchers: [try LabelMatcher(parsing: "campaign_id=~51.*")], startsAt: Self.t0, endsAt: Self.t0.addingTimeInterval(3600),
            author: "ops", comment: "known", createdAt: Self.t0
        )
        let silenced = reconcile([Self.result(verdict: Self.bad)], silences: [silence], at: Self.t0)
        #expect(silenced.alerts.map(\.state) == [.firing])  // recorded as firing…
        #expect(silenced.notifications.isEmpty)  // …but nobody is told
        #expect(silenced.suppressions.map(\.by) == ["silence:sil_1"])
        let stillSilenced = reconcile([Self.result(verdict: Self.bad)], current: silenced.alerts, silences: [silence], at: Self.t0.addingTimeInterval(60))
        #expect(stillSilenced.suppressions.isEmpty)  // recorded once, not on every evaluation
        let expired = reconcile([Self.result(verdict: Self.bad)], current: stillSilenced.alerts, silences: [silence], at: Self.t0.addingTimeInterval(3600))
        #expect(expired.notifications.map(\.kind) == [.firing])
    }

    @Test func aSilenceThatDoesNotMatchHoldsNothing() throws {
        let silence = Silence(
            id: "sil_2", matchers: [try LabelMatcher(parsing: "campaign_id=6000")], startsAt: Self.t0, endsAt: Self.t0.addingTimeInterval(3600),
            author: "ops", comment: "other", createdAt: Self.t0
        )
        #expect(reconcile([Self.result(verdict: Self.bad)], silences: [silence], at: Self.t0).notifications.count == 1)
    }

    @Test func aFiringAccountAlertInhibitsTheCampaignsOtherAlertsOnThatAccount() {
        let inhibitRules = [AlertingConfig.InhibitRule(sourceMatch: ["rule": "account"], equal: ["ad_account_id"])]
        let source = reconcile([Self.result(verdict: Self.bad)], at: Self.t0).alerts
        let spend = Self.result("spend", kind: .spendThreshold, verdict: .firing([RuleFinding(level: "80%", severity: .warning, summary: "spent")]))
        let inhibited = reconcile([spend], inhibitors: source, at: Self.t0, inhibitRules: inhibitRules)
        #expect(inhibited.notifications.isEmpty)
        #expect(inhibited.suppressions.map(\.by) == ["inhibited by account/5195"])
        // The account alert itself is never inhibited by itself, and other accounts are not affected.
        #expect(reconcile([Self.result(verdict: Self.bad)], inhibitors: source, at: Self.t0, inhibitRules: inhibitRules).notifications.count == 1)
        let otherAccount = Self.result("spend", kind: .spendThreshold, verdict: .firing([RuleFinding(level: "80%", severity: .warning, summary: "spent")]),
                                       labels: ["ad_account_id": "act_2"])
        #expect(reconcile([otherAccount], inhibitors: source, at: Self.t0, inhibitRules: inhibitRules).notifications.count == 1)
    }

    @Test func everyLevelIsItsOwnAlert() {
        let levels = RuleVerdict.firing([
            RuleFinding(level: "after", severity: .warning, summary: "24h"), RuleFinding(level: "critical_after", severity: .critical, summary: "48h"),
        ])
        let changes = reconcile([Self.result("review", kind: .inReviewTooLong, verdict: levels)], at: Self.t0)
        #expect(changes.alerts.map(\.fingerprint) == ["review/5195/after", "review/5195/critical_after"])
        #expect(changes.notifications.count == 2)
    }

    @Test func matchersParseAndMatch() throws {
        #expect(try LabelMatcher(parsing: "severity=critical").matches(["severity": "critical"]))
        #expect(try !LabelMatcher(parsing: "severity=critical").matches(["severity": "warning"]))
        #expect(try LabelMatcher(parsing: "brand_id=~2[0-9]+").matches(["brand_id": "246"]))
        #expect(try !LabelMatcher(parsing: "brand_id=~2").matches(["brand_id": "246"]))  // whole match
        #expect(throws: ConfigError.self) { try LabelMatcher(parsing: "no-operator") }
        #expect(throws: ConfigError.self) { try LabelMatcher(parsing: "x=~(") }
    }
}
