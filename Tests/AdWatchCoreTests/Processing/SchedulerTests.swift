@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import Testing

/// Time-based rules driven by a manual clock: no webhook, no sleep.
struct SchedulerTests {
    let clock = ManualWallClock(TestSupport.now)
    let api = FakeAdvertisingAPI()

    static var config: AdWatchConfig {
        var config = TestSupport.config()
        var review = RuleConfig(name: "in-review-24h", kind: .inReviewTooLong, severity: .warning)
        review.after = "24h"
        config.rules = [review, RuleConfig(name: "account-standing", kind: .adAccountStanding, severity: .critical)]
        config.alerting.reconcileInterval = "15m"
        return config
    }

    func parts(_ store: any AdWatchStore) -> (Processor, Scheduler) {
        let evaluator = AlertEvaluator(store: store, config: Self.config, logger: Logger(label: "test"))
        let processor = Processor(
            store: store, api: api, clock: clock, config: ProcessorConfig(), doorbell: Doorbell(), logger: Logger(label: "test"), evaluator: evaluator
        )
        let scheduler = Scheduler(store: store, evaluator: evaluator, processor: processor, clock: clock, config: Self.config.alerting, logger: Logger(label: "test"))
        return (processor, scheduler)
    }

    /// A campaign whose own updatedAt is "now", so review starts at the test's t0.
    func addCampaignEnteringReviewNow(_ id: String) async throws {
        try await api.add(id: id, status: .inReview, updatedAt: TestSupport.now)
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func inReviewTooLongFiresAtTwentyFourHoursWithoutAWebhookAndOnlyOnce(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await addCampaignEnteringReviewNow("42")
            let (processor, scheduler) = parts(store)
            _ = try await store.accept(ProcessorTests.event(1, campaign: "42"))
            try await processor.runOnce()
            let entered = try #require(try await store.snapshot(campaignID: "42")).statusSince
            clock.set(entered.addingTimeInterval(86_399))
            try await scheduler.runOnce()
            #expect(try await store.alerts(campaignID: "42", states: [.firing]).isEmpty)

            clock.set(entered.addingTimeInterval(86_400))
            try await scheduler.runOnce()
            let firing = try await store.alerts(campaignID: "42", states: [.firing])
            #expect(firing.map(\.fingerprint) == ["in-review-24h/42/after"])
            #expect(try await store.outbox(limit: 10).map(\.kind) == [.firing])

            // More ticks before the repeat interval: no second notification.
            for _ in 0..<5 {
                clock.advance(by: .seconds(30 * 60))
                try await scheduler.runOnce()
            }
            #expect(try await store.outbox(limit: 10).count == 1)

            // The campaign leaves review: the reconciliation re-fetch resolves the alert.
            try await api.add(id: "42", status: .active)
            clock.advance(by: .seconds(15 * 60))
            try await scheduler.runOnce()
            #expect(try await store.alerts(campaignID: "42", states: [.firing]).isEmpty)
            #expect(try await store.outbox(limit: 10).map(\.kind) == [.firing, .resolved])
            let kinds = try await store.records(from: 0, limit: 1000).map(\.kind)
            #expect(kinds.filter { $0 == "alert.firing" }.count == 1)
            #expect(kinds.filter { $0 == "alert.resolved" }.count == 1)
        }
    }

    @Test func aRestartBetweenTheWebhookAndTheDeadlineStillFiresAtTheDeadline() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try await addCampaignEnteringReviewNow("43")
        let entered: Date
        do {
            let store = try await database.openStore()
            let (processor, _) = parts(store)
            _ = try await store.accept(ProcessorTests.event(1, campaign: "43"))
            try await processor.runOnce()
            entered = try #require(try await store.snapshot(campaignID: "43")).statusSince
            try await store.close()
        }
        // A new process: new store, new scheduler; the deadline lives in the file.
        let store = try await database.openStore()
        let (_, scheduler) = parts(store)
        clock.set(entered.addingTimeInterval(86_400))
        #expect(try await scheduler.runOnce() == 1)
        #expect(try await store.alerts(campaignID: "43", states: [.firing]).map(\.rule) == ["in-review-24h"])
        try await store.close()
    }

    /// A process killed after storing a fresh snapshot but before the rules judged it: the restarted
    /// scheduler's first pass judges it (the refresh made the campaign's check due), so the alert is not lost.
    @Test(arguments: StoreContractTests.Kind.allCases)
    func aCampaignRefreshedButNeverJudgedIsJudgedByTheSchedulersNextPass(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "46", status: .active, accountStatus: 3, good: false)
            _ = try await store.accept(ProcessorTests.event(1, campaign: "46"))
            // The processor of the process that dies: it refreshes, but nothing judges.
            let dying = Processor(store: store, api: api, clock: clock, config: ProcessorConfig(), doorbell: Doorbell(), logger: Logger(label: "test"))
            #expect(try await dying.runOnce() == 1)
            #expect(try await store.alerts(campaignID: "46", states: [.firing]).isEmpty)

            let (_, scheduler) = parts(store)
            #expect(try await scheduler.runOnce() == 1)
            #expect(try await store.alerts(campaignID: "46", states: [.firing]).map(\.rule) == ["account-standing"])
            #expect(try await store.outbox(limit: 10).count == 1)
        }
    }

    @Test func aRuleWithoutDataSaysWhyInTheAudit() async throws {
        let store = MemoryStore()
        try await api.add(id: "44", status: .active)
        let (processor, _) = parts(store)
        // Strip the account data from the fake's campaign: account standing cannot judge it.
        await api.stripAccountData("44")
        _ = try await store.accept(ProcessorTests.event(1, campaign: "44"))
        try await processor.runOnce()
        let noData = try await store.records(from: 0, limit: 100).filter { $0.kind == "rule.no_data" }
        #expect(noData.count == 1)
        #expect(noData.first?.details.contains("account-standing") == true)
        #expect(try await store.alerts(campaignID: "44", states: [.pending, .firing]).isEmpty)
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func upstreamSilentFiresWhenASourceGoesQuietWhileCampaignsAreLive(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            var config = Self.config
            var silent = RuleConfig(name: "symphony-silent", kind: .upstreamSilent, severity: .critical)
            silent.after = "6h"
            config.rules.append(silent)
            let evaluator = AlertEvaluator(store: store, config: config, logger: Logger(label: "test"))
            let processor = Processor(store: store, api: api, clock: clock, config: ProcessorConfig(), doorbell: Doorbell(), logger: Logger(label: "test"), evaluator: evaluator)
            let scheduler = Scheduler(store: store, evaluator: evaluator, processor: processor, clock: clock, config: config.alerting, logger: Logger(label: "test"))
            try await addCampaignEnteringReviewNow("45")
            _ = try await store.accept(ProcessorTests.event(1, campaign: "45"))
            try await processor.runOnce()

            clock.advance(by: .seconds(6 * 3600 - 1))
            try await scheduler.runOnce()
            #expect(try await store.alerts(campaignID: "source:symphony", states: [.firing]).isEmpty)
            clock.advance(by: .seconds(1))
            try await scheduler.runOnce()
            let firing = try await store.alerts(campaignID: "source:symphony", states: [.firing])
            #expect(firing.map(\.rule) == ["symphony-silent"])
            #expect(firing.first?.labels["source"] == "symphony")

            // A webhook arrives: the silence is over.
            _ = try await store.accept(ProcessorTests.event(2, campaign: "45", at: clock.now()))
            try await scheduler.runOnce()
            #expect(try await store.alerts(campaignID: "source:symphony", states: [.firing]).isEmpty)
            #expect(try await store.alerts(campaignID: "source:symphony", states: [.resolved]).count == 1)
        }
    }
}
