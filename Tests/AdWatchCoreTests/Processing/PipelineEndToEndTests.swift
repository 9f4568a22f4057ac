@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Signed webhooks in, the mock Ads API over loopback, snapshots out: the pipeline as it runs.
@Suite(.timeLimit(.minutes(1)))
struct PipelineEndToEndTests {
    static func withMockAPI(_ body: @escaping @Sendable (MockAdsAPI.State, Int) async throws -> Void) async throws {
        let state = try MockAdsAPI.State(fixtures: TestSupport.samplesURL("fixtures"))
        try await buildMockAdsAPI(state: state, port: 0, logger: Logger(label: "mock")).test(.live) { client in
            try await body(state, client.port!)
        }
    }

    /// A live Ads API client for the mock at `port`, auditing its attempts into `store`.
    /// - Parameter timeout: AsyncHTTPClient keeps retrying a refused connection until the deadline, so short by default.
    static func client(
        port: Int, http: HTTPClient, store: any AdWatchStore, timeout: ConfigDuration = "500ms", requestsPerMinute: Int = 6000,
        metrics: AdWatchMetrics? = nil
    ) -> LiveAdvertisingAPI {
        var config = AdvertisingConfig(baseURL: "http://127.0.0.1:\(port)", apiKey: Secret(literal: "mock-api-key"))
        config.timeout = timeout
        config.retryBase = "10ms"
        config.retryMax = "50ms"
        config.maxAttempts = 2
        config.requestsPerMinute = requestsPerMinute
        config.burst = 100
        return LiveAdvertisingAPI(
            config: config, httpClient: http, observer: AuditingFetchObserver(log: store, clock: SystemWallClock(), logger: Logger(label: "test")),
            logger: Logger(label: "test"), metrics: metrics?.adsAPI
        )
    }

    @Test func aBurstOfWebhooksBecomesAFewFetchesPerCampaignAndTheMocksFinalState() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        try await Self.withMockAPI { mock, port in
            for id in 1001...1005 { try await mock.cloneCampaign(id, from: 5195) }
            try await mock.updateCampaign(id: 1003, .init(accountStatus: 3, adAccountGood: false, adAccountError: "Ad account is unsettled"))
            try await mock.updateCampaign(id: 1005, .init(status: "ACTIVE", spend: "250.00"))
            var config = TestSupport.config()
            config.processor.pollInterval = "50ms"
            let dependencies = Dependencies(
                store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"),
                advertising: Self.client(port: port, http: http, store: store)
            )
            let app = try await buildApplication(config: config, dependencies: dependencies)
            try await app.test(.router) { client in
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<100 {
                        let body = TestSupport.campaignBody(id: 1001 + index % 5)
                        let headers = TestSupport.signedHeaders(body: body, id: "burst_\(index)")
                        group.addTask {
                            try await client.execute(uri: "/webhooks/symphony", method: .post, headers: headers, body: ByteBuffer(bytes: body)).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == .accepted })
                // Processing is asynchronous: wait (bounded by the suite's time limit) until every event is settled.
                while try await store.events(in: .processed, limit: 200).count < 100 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let detailFetches = await mock.requests().filter { $0.route == .campaign }
                for id in 1001...1005 {
                    let fetches = detailFetches.filter { $0.campaignID == "\(id)" }.count
                    #expect((1...5).contains(fetches), "campaign \(id) fetched \(fetches) times for 20 events")
                }
                let unsettled = try #require(try await store.snapshot(campaignID: "1003"))
                #expect(unsettled.accountStatus?.description == "UNSETTLED (3)")
                #expect(unsettled.adAccountGood == false)
                #expect(unsettled.adAccountError == "Ad account is unsettled")
                let active = try #require(try await store.snapshot(campaignID: "1005"))
                #expect(active.status == .active)
                #expect(active.spend == Decimal(string: "250.00"))
                #expect(try await store.snapshot(campaignID: "1001")?.status == .inReview)
                let kinds = try await store.records(from: 0, limit: 10_000).map(\.kind)
                #expect(kinds.filter { $0 == "webhook.accepted" }.count == 100)
                // Every attempt is audited once. An attempt the client gave up on (500 ms timeout on a loaded
                // machine) may or may not have reached the mock, so the mock's count lies between the two.
                let succeeded = kinds.filter { $0 == "fetch.succeeded" }.count
                let failed = kinds.filter { $0 == "fetch.failed" }.count
                let served = await mock.requests().filter { $0.route == .campaign || $0.route == .analytics }.count
                #expect(succeeded <= served && served <= succeeded + failed, "\(succeeded) succeeded, \(failed) failed, \(served) served")
                #expect(try await store.verify().isIntact)
            }
        }
        try await http.shutdown()
    }

    @Test func eventsReceivedWhileTheAPIIsDownAreProcessedOnceItIsBack() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let clock = ManualWallClock(TestSupport.now)
        var config = ProcessorConfig()
        config.retryBase = "30s"
        config.maxAttempts = 5
        for index in 0..<10 { _ = try await store.accept(ProcessorTests.event(index, campaign: "5195")) }
        let processorConfig = config

        // Down as in "nothing listens": connection refused.
        let unreachable = Processor(
            store: store, api: Self.client(port: 1, http: http, store: store), clock: clock, config: config, doorbell: Doorbell(),
            logger: Logger(label: "test")
        )
        #expect(try await unreachable.runOnce() == 10)
        #expect(try await store.events(in: .pending, limit: 20).count == 10)

        try await Self.withMockAPI { mock, port in
            let processor = Processor(
                store: store, api: Self.client(port: port, http: http, store: store), clock: clock, config: processorConfig, doorbell: Doorbell(),
                logger: Logger(label: "test")
            )
            // Down as in "answers 503": still pending, one more attempt counted.
            await mock.addFault(.init(kind: .status(503)))
            clock.advance(by: .seconds(3600))
            let claimedWhileFailing = try await processor.runOnce()
            #expect(claimedWhileFailing == 10)
            let pending = try await store.events(in: .pending, limit: 20)
            #expect(pending.map(\.attempts) == Array(repeating: 2, count: 10))

            // Back: every event is processed, none lost.
            await mock.clearFaults()
            clock.advance(by: .seconds(3600))
            let claimedWhenBack = try await processor.runOnce()
            #expect(claimedWhenBack == 10)
            let processed = try await store.events(in: .processed, limit: 20)
            #expect(processed.count == 10)
            let snapshot = try await store.snapshot(campaignID: "5195")
            #expect(snapshot?.status == .inReview)
        }
        let kinds = try await store.records(from: 0, limit: 1000).map(\.kind)
        #expect(kinds.contains("fetch.failed"))
        #expect(kinds.filter { $0 == "event.retry_scheduled" }.count == 2)
        #expect(kinds.last == "campaign.refreshed")
        try await store.close()
        try await http.shutdown()
    }
}
