@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

/// The processor driven pass by pass with a fake Ads API and a manual clock: no sleeps.
struct ProcessorTests {
    let clock = ManualWallClock(TestSupport.now)
    let api = FakeAdvertisingAPI()

    func processor(_ store: any AdWatchStore, maxAttempts: Int = 3) -> Processor {
        var config = ProcessorConfig()
        config.maxAttempts = maxAttempts
        config.retryBase = "30s"
        config.retryMax = "10m"
        return Processor(store: store, api: api, clock: clock, config: config, doorbell: Doorbell(), logger: Logger(label: "test"), random: { 1 })
    }

    static func event(_ index: Int, campaign: String?, at date: Date = TestSupport.now) -> InboundEvent {
        InboundEvent(
            id: "evt_\(index)", source: "symphony", dedupKey: "id:\(index)", deliveryID: "\(index)", eventType: "campaign.updated",
            isKnownType: true, campaignID: campaign, brandID: campaign == nil ? nil : "246", eventTime: nil, receivedAt: date,
            body: [], headers: [:], remoteAddress: nil, dedupWindow: .seconds(3600)
        )
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func collapsesABurstIntoOneFetchPerCampaign(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            for campaign in 1...5 { try await api.add(id: "\(campaign)", spend: "\(campaign * 10)") }
            for index in 0..<100 { _ = try await store.accept(Self.event(index, campaign: "\(index % 5 + 1)")) }
            #expect(try await processor(store).runOnce() == 100)
            for campaign in 1...5 {
                #expect(await api.fetchCount("\(campaign)") == 1)
                let snapshot = try #require(try await store.snapshot(campaignID: "\(campaign)"))
                #expect(snapshot.spend == Decimal(campaign * 10))
                #expect(snapshot.status == .inReview)
                #expect(snapshot.accountStatus == AdAccountStatus(code: 1))
            }
            #expect(try await store.events(in: .processed, limit: 200).count == 100)
            #expect(try await processor(store).runOnce() == 0)
            let kinds = try await store.records(from: 0, limit: 1000).map(\.kind)
            #expect(kinds.filter { $0 == "campaign.refreshed" }.count == 5)
        }
    }

    /// The burst: the old processor claimed `batch_size` events and coalesced only inside them,
    /// so 500 events over 3 campaigns with a batch of 10 cost 50 fetches. Now one pass settles them all.
    @Test(arguments: StoreContractTests.Kind.allCases)
    func settlesEveryWaitingEventOfACampaignWithOneFetchWhateverTheBatchSize(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            for campaign in 1...3 { try await api.add(id: "\(campaign)") }
            for index in 0..<500 { _ = try await store.accept(Self.event(index, campaign: "\(index % 3 + 1)")) }
            var config = ProcessorConfig()
            config.batchSize = 10
            let processor = Processor(store: store, api: api, clock: clock, config: config, doorbell: Doorbell(), logger: Logger(label: "test"))
            #expect(try await processor.runOnce() == 500)
            #expect(try await processor.runOnce() == 0)
            for campaign in 1...3 {
                #expect(await api.fetchCount("\(campaign)") == 1)
                #expect(await api.analyticsCount("\(campaign)") == 1)
            }
            #expect(try await store.events(in: .processed, limit: 1000).count == 500)
            let refreshed = try await store.records(from: 0, limit: 1000).filter { $0.kind == "campaign.refreshed" }
            #expect(refreshed.map { $0.details.contains("\"events\":167") || $0.details.contains("\"events\":166") } == [true, true, true])
        }
    }

    /// A pass's order when the budget is short: a campaign never fetched goes before any fetched one
    /// (so a burst fetches each campaign once before any twice), then budget, then the least recently known.
    @Test(arguments: [
        (nil, nil, true),  // both unknown: the one waiting longer (the left one here)
        (nil, 100_000, true),
        (100_000, nil, false),
        (5000, 500, true),
        (500, 5000, false),
    ] as [(Decimal?, Decimal?, Bool)])
    func ordersAPassNeverFetchedFirstThenByBudget(_ left: Decimal?, _ right: Decimal?, _ leftFirst: Bool) async throws {
        let snapshot = { (budget: Decimal?) -> CampaignSnapshot? in
            budget.map { budget in
                var snapshot = Self.snapshot(fetchedAt: TestSupport.now)
                snapshot.budget = budget
                return snapshot
            }
        }
        #expect(Processor.goesFirst(snapshot(left), 0, before: snapshot(right), 1) == leftFirst)
    }

    @Test func ordersAPassByTheLeastRecentlyKnownAtEqualBudgets() {
        let earlier = Self.snapshot(fetchedAt: TestSupport.now)
        let later = Self.snapshot(fetchedAt: TestSupport.now.addingTimeInterval(1))
        #expect(Processor.goesFirst(earlier, 1, before: later, 0))
        #expect(!Processor.goesFirst(later, 0, before: earlier, 1))
        #expect(Processor.goesFirst(later, 0, before: later, 1))
    }

    static func snapshot(fetchedAt: Date) -> CampaignSnapshot {
        CampaignSnapshot(
            campaignID: "7", fetchedAt: fetchedAt, status: .active, statusSince: fetchedAt, budget: 550,
            errorCampaigns: [], platformErrors: [], campaignEffectiveStatuses: [], adEffectiveStatuses: []
        )
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func eventsThatArriveDuringAFetchCauseExactlyOneMoreFetch(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "7")
            for index in 0..<3 { _ = try await store.accept(Self.event(index, campaign: "7")) }
            // While the first fetch is in flight, five more webhooks for the campaign arrive.
            await api.setDuringFetch { _ in
                await api.setDuringFetch(nil)
                for index in 3..<8 { _ = try await store.accept(Self.event(index, campaign: "7")) }
            }
            let processor = processor(store)
            #expect(try await processor.runOnce() == 3)  // settled by the first fetch: what was there when it began
            #expect(try await store.events(in: .pending, limit: 10).map(\.id) == (3..<8).map { "evt_\($0)" })
            #expect(try await processor.runOnce() == 5)  // one more fetch for all five
            #expect(try await processor.runOnce() == 0)
            #expect(await api.fetchCount("7") == 2)
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func aFetchAlsoSettlesTheCampaignsEventsWaitingForARetry(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "7")
            await api.setFailure(AdvertisingError(.serverError, status: 500))
            _ = try await store.accept(Self.event(1, campaign: "7"))
            let processor = processor(store, maxAttempts: 5)
            #expect(try await processor.runOnce() == 1)  // fails: evt_1 waits 30 s for its retry
            await api.setFailure(nil)
            clock.advance(by: .seconds(5))
            _ = try await store.accept(Self.event(2, campaign: "7", at: clock.now()))
            // evt_2 is due; the fresh state it brings answers evt_1 as well.
            #expect(try await processor.runOnce() == 2)
            #expect(Set(try await store.events(in: .processed, limit: 10).map(\.id)) == ["evt_1", "evt_2"])
            #expect(await api.fetchCount("7") == 2)
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func skipsEventsWithoutACampaignABatchAtATime(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "7")
            for index in 0..<25 { _ = try await store.accept(Self.event(index, campaign: index == 3 ? "7" : nil)) }
            var config = ProcessorConfig()
            config.batchSize = 10
            let processor = Processor(store: store, api: api, clock: clock, config: config, doorbell: Doorbell(), logger: Logger(label: "test"))
            #expect(try await processor.runOnce() == 11)  // ten without a campaign, and campaign 7's one
            #expect(try await processor.runOnce() == 10)
            #expect(try await processor.runOnce() == 4)
            #expect(try await processor.runOnce() == 0)
            #expect(try await store.events(in: .skipped, limit: 100).count == 24)
            #expect(try await store.events(in: .processed, limit: 100).map(\.id) == ["evt_3"])
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func retriesAfterBackoffWhileTheAPIIsDownAndLosesNothing(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "7")
            await api.setFailure(AdvertisingError(.serverError, status: 500))
            _ = try await store.accept(Self.event(1, campaign: "7"))
            let processor = processor(store, maxAttempts: 5)
            #expect(try await processor.runOnce() == 1)
            let pending = try await store.events(in: .pending, limit: 10)
            #expect(pending.map(\.attempts) == [1])
            #expect(pending.first?.lastError?.contains("server_error") == true)
            // Not due yet: nothing is claimed until the backoff (30 s for the first retry) has passed.
            clock.advance(by: .seconds(29))
            #expect(try await processor.runOnce() == 0)
            clock.advance(by: .seconds(1))
            await api.setFailure(nil)
            #expect(try await processor.runOnce() == 1)
            #expect(try await store.events(in: .processed, limit: 10).map(\.id) == ["evt_1"])
            #expect(try await store.snapshot(campaignID: "7") != nil)
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func marksEventsFailedAfterTheLastAttemptAndReplaysThem(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "7")
            await api.setFailure(AdvertisingError(.timeout))
            _ = try await store.accept(Self.event(1, campaign: "7"))
            let processor = processor(store, maxAttempts: 3)
            for _ in 0..<3 {
                #expect(try await processor.runOnce() == 1)
                clock.advance(by: .seconds(600))
            }
            let failed = try await store.events(in: .failed, limit: 10)
            #expect(failed.map(\.id) == ["evt_1"])
            #expect(failed.first?.attempts == 3)
            #expect(try await processor.runOnce() == 0)
            let kinds = try await store.records(from: 0, limit: 100).map(\.kind)
            #expect(kinds.filter { $0 == "event.retry_scheduled" }.count == 2)
            #expect(kinds.last == "event.failed")

            await api.setFailure(nil)
            let replay = AuditDraft(at: clock.now(), kind: .eventReplayed, details: ["event_id": "evt_1", "operator": "test"])
            #expect(try await store.replayEvent(id: "evt_1", at: clock.now(), audit: replay))
            #expect(try await store.replayEvent(id: "evt_1", at: clock.now(), audit: replay) == false)
            #expect(try await processor.runOnce() == 1)
            #expect(try await store.events(in: .processed, limit: 10).map(\.id) == ["evt_1"])
            #expect(try await store.verify().isIntact)
        }
    }

    @Test func failsAtOnceWhenRetryingCannotHelp() async throws {
        let store = MemoryStore()
        _ = try await store.accept(Self.event(1, campaign: "404"))
        #expect(try await processor(store).runOnce() == 1)
        let failed = try await store.events(in: .failed, limit: 10)
        #expect(failed.first?.lastError?.contains("not_found") == true)
    }

    @Test func skipsEventsWithoutACampaign() async throws {
        let store = MemoryStore()
        _ = try await store.accept(Self.event(1, campaign: nil))
        #expect(try await processor(store).runOnce() == 1)
        #expect(try await store.events(in: .skipped, limit: 10).count == 1)
        #expect(try await store.records(from: 0, limit: 10).last?.kind == "event.skipped")
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func keepsWhenAStatusBeganAndAHistoryOfChanges(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await api.add(id: "9", status: .inReview)
            let processor = processor(store)
            _ = try await store.accept(Self.event(1, campaign: "9"))
            try await processor.runOnce()
            let first = try #require(try await store.snapshot(campaignID: "9"))
            // First sight: the campaign's own updatedAt (2025-02-20T20:15:12.923Z) is when it entered review.
            #expect(abs(first.statusSince.timeIntervalSince1970 - 1_740_082_512.923) < 0.001)

            clock.advance(by: .seconds(3600))
            _ = try await store.accept(Self.event(2, campaign: "9", at: clock.now()))
            try await processor.runOnce()
            #expect(try await store.snapshot(campaignID: "9")?.statusSince == first.statusSince)
            #expect(try await store.history(campaignID: "9").count == 1)  // nothing changed

            clock.advance(by: .seconds(3600))
            try await api.add(id: "9", status: .active, accountStatus: 3, good: false, spend: "12.5")
            _ = try await store.accept(Self.event(3, campaign: "9", at: clock.now()))
            try await processor.runOnce()
            let latest = try #require(try await store.snapshot(campaignID: "9"))
            #expect(latest.status == .active)
            #expect(latest.statusSince == clock.now())
            #expect(latest.accountStatus?.description == "UNSETTLED (3)")
            #expect(latest.adAccountGood == false)
            #expect(latest.spend == Decimal(string: "12.5"))
            let history = try await store.history(campaignID: "9")
            #expect(history.map(\.status) == [.inReview, .active])
            #expect(history.last?.accountStatus == AdAccountStatus(code: 3))
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func reclaimsEventsWhoseClaimExpired(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            _ = try await store.accept(Self.event(1, campaign: "7"))
            let (first, second) = (ClaimOwner.boot(), ClaimOwner.boot())
            #expect(try await store.claimEvents(campaignID: "7", limit: nil, now: clock.now(), lease: .seconds(300), owner: first).ids == ["evt_1"])
            #expect(try await store.event(id: "evt_1")?.state == .processing)
            #expect(try await store.dueCampaigns(now: clock.now(), limit: 10).isEmpty)
            #expect(try await store.claimEvents(campaignID: "7", limit: nil, now: clock.now(), lease: .seconds(300), owner: second).events.isEmpty)
            clock.advance(by: .seconds(300))
            #expect(try await store.dueCampaigns(now: clock.now(), limit: 10) == ["7"])
            #expect(try await store.claimEvents(campaignID: "7", limit: nil, now: clock.now(), lease: .seconds(300), owner: second).ids == ["evt_1"])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func runsWhenRungAndStopsOnGracefulShutdown() async throws {
        let store = MemoryStore()
        try await api.add(id: "7")
        let doorbell = Doorbell()
        var config = ProcessorConfig()
        config.pollInterval = "1h"  // only the doorbell can wake it in time
        let processor = Processor(store: store, api: api, clock: clock, config: config, doorbell: doorbell, logger: Logger(label: "test"))
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await processor.run() }
                _ = try await store.accept(Self.event(1, campaign: "7"))
                doorbell.ring()
                while try await store.events(in: .processed, limit: 1).isEmpty {
                    await Task.yield()
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()  // run() returns: the shutdown was honoured
            }
        }
        #expect(await api.fetchCount("7") == 1)
    }
}
