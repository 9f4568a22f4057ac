@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import Testing

/// The evaluator between the processor and the delivery service: one judgement per campaign at a
/// time, and a ring of the outbox doorbell when it queues a notification.
@Suite(.timeLimit(.minutes(1)))
struct AlertEvaluatorTests {
    let clock = ManualWallClock(TestSupport.now)
    let api = FakeAdvertisingAPI()

    static var config: AdWatchConfig {
        var config = TestSupport.config()
        config.rules = [RuleConfig(name: "account-standing", kind: .adAccountStanding, severity: .critical)]
        return config
    }

    /// Stores a fresh snapshot of a campaign whose ad account is unsettled, without judging it.
    func refreshUnjudged(_ id: String, in store: any AdWatchStore) async throws {
        try await api.add(id: id, status: .active, accountStatus: 3, good: false)
        _ = try await store.accept(ProcessorTests.event(1, campaign: id))
        let processor = Processor(store: store, api: api, clock: clock, config: ProcessorConfig(), doorbell: Doorbell(), logger: Logger(label: "test"))
        try await processor.runOnce()
    }

    /// The processor (after a fetch) and the scheduler (a due check) may judge one campaign at once;
    /// both would see no alert and both queue a notification — a duplicate message.
    @Test(arguments: StoreContractTests.Kind.allCases)
    func concurrentJudgementsOfACampaignQueueOneNotification(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await refreshUnjudged("46", in: store)
            let evaluator = AlertEvaluator(store: store, config: Self.config, logger: Logger(label: "test"))
            let now = clock.now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask { _ = try await evaluator.evaluate(campaignID: "46", now: now) }
                }
                try await group.waitForAll()
            }
            #expect(try await store.outbox(limit: 10).count == 1)
            let kinds = try await store.records(from: 0, limit: 1000).map(\.kind)
            #expect(kinds.filter { $0 == "alert.firing" }.count == 1)
        }
    }

    @Test func queueingANotificationRingsTheOutboxDoorbell() async throws {
        let store = MemoryStore()
        try await refreshUnjudged("46", in: store)
        let outbox = Doorbell()
        let evaluator = AlertEvaluator(store: store, config: Self.config, logger: Logger(label: "test"), outbox: outbox)
        let changes = try await evaluator.evaluate(campaignID: "46", now: clock.now())
        #expect(changes.notifications.count == 1)
        // Rung: the wait returns at once, not after its timeout.
        let started = ContinuousClock.now
        await outbox.wait(timeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
