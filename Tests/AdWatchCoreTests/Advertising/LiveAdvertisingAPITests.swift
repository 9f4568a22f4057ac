@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing

/// The live client against the mock Ads API over loopback.
@Suite(.timeLimit(.minutes(1)))
struct LiveAdvertisingAPITests {
    /// Records every attempt the client reports.
    final class RecordingObserver: FetchObserver {
        private let box = NIOLockedValueBox<[FetchAttempt]>([])
        var attempts: [FetchAttempt] { box.withLockedValue { $0 } }
        func observe(_ attempt: FetchAttempt) async { box.withLockedValue { $0.append(attempt) } }
    }

    static func config(port: Int, key: String = "mock-api-key", maxAttempts: Int = 3, timeout: ConfigDuration = "2s",
                       requestsPerMinute: Int = 6000, burst: Int = 50) -> AdvertisingConfig {
        var config = AdvertisingConfig(baseURL: "http://127.0.0.1:\(port)", apiKey: Secret(literal: key))
        config.maxAttempts = maxAttempts
        config.retryBase = "20ms"
        config.retryMax = "100ms"
        config.timeout = timeout
        config.requestsPerMinute = requestsPerMinute
        config.burst = burst
        config.circuitBreaker = .init(failures: 3, openFor: "30s")
        return config
    }

    /// Runs `body` with a live mock server, a client configured by `configure`, and the mock's state.
    static func withMock(
        configure: @escaping @Sendable (Int) -> AdvertisingConfig = { config(port: $0) },
        monotonicNow: @escaping @Sendable () -> Duration = CircuitBreaker.monotonicNow,
        _ body: @escaping @Sendable (LiveAdvertisingAPI, MockAdsAPI.State, RecordingObserver) async throws -> Void
    ) async throws {
        let state = try MockAdsAPI.State(fixtures: TestSupport.samplesURL("fixtures"))
        let app = buildMockAdsAPI(state: state, port: 0, logger: Logger(label: "mock"))
        try await app.test(.live) { client in
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let observer = RecordingObserver()
            let api = LiveAdvertisingAPI(
                config: configure(client.port!), httpClient: http, observer: observer, logger: Logger(label: "test"),
                random: { 1 }, monotonicNow: monotonicNow
            )
            do {
                try await body(api, state, observer)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    @Test func readsACampaignItsAnalyticsCreativesAndTheList() async throws {
        try await Self.withMock { api, state, observer in
            let campaign = try await api.campaign(id: "5195", brandID: "246")
            #expect(campaign.status == .inReview)
            #expect(campaign.budget == 550)
            let analytics = try await api.analytics(campaignID: "5195", brandID: "246")
            #expect(analytics.adAccountGood == true)
            let creatives = try await api.creativePerformance(campaignID: "5195", brandID: nil)
            #expect(creatives.first?.type == "reels")
            let list = try await api.campaigns(status: "IN_REVIEW", limit: 10, offset: 0)
            #expect(list.campaigns.map(\.id) == ["5195"])
            let requests = await state.requests()
            #expect(requests.map(\.status) == [200, 200, 200, 200])
            #expect(requests.allSatisfy { $0.apiKeyPresent })
            #expect(requests.first?.brandID == "246")
            #expect(observer.attempts.map(\.route) == ["campaign", "analytics", "creative", "list"])
            #expect(observer.attempts.first?.path == "/v1/campaign/5195")
        }
    }

    @Test func doesNotRetryNotFoundAndDecodesTheErrorBody() async throws {
        try await Self.withMock { api, state, _ in
            await #expect(throws: AdvertisingError(.notFound, status: 404, body: .init(status: "error", message: "Campaign not found", code: "NOT_FOUND"))) {
                try await api.campaign(id: "999", brandID: nil)
            }
            #expect(await state.requests().count == 1)
        }
    }

    @Test func doesNotRetryAWrongKey() async throws {
        try await Self.withMock(configure: { Self.config(port: $0, key: "wrong-key") }) { api, state, _ in
            do {
                _ = try await api.campaign(id: "5195", brandID: nil)
                Issue.record("a wrong key was accepted")
            } catch let error as AdvertisingError {
                #expect(error.code == .unauthorized)
                #expect(error.status == 401)
                #expect(!error.isRetryable)
            }
            #expect(await state.requests().count == 1)
        }
    }

    @Test func retriesServerErrorsThenSucceeds() async throws {
        try await Self.withMock { api, state, observer in
            await state.addFault(.init(route: .campaign, kind: .status(500), count: 2))
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
            #expect(await state.requests().map(\.status) == [500, 500, 200])
            #expect(observer.attempts.map(\.attempt) == [1, 2, 3])
            #expect(observer.attempts.map(\.error) == ["server_error", "server_error", nil])
        }
    }

    @Test func givesUpAfterTheLastAttempt() async throws {
        try await Self.withMock { api, state, _ in
            await state.addFault(.init(route: .analytics, kind: .status(503)))
            do {
                _ = try await api.analytics(campaignID: "5195", brandID: nil)
                Issue.record("succeeded against a failing API")
            } catch let error as AdvertisingError {
                #expect(error.code == .serverError)
                #expect(error.body?.code == "INJECTED")
                #expect(error.isRetryable)
            }
            #expect(await state.requests().count == 3)
        }
    }

    @Test func waitsAtLeastRetryAfterOn429() async throws {
        // Retry-After is honoured up to retry_max (AdsAPIRetryAfterTests has the cap).
        try await Self.withMock(configure: { var config = Self.config(port: $0); config.retryMax = "2s"; return config }) { api, state, _ in
            await state.addFault(.init(route: .campaign, kind: .rateLimit(retryAfterSeconds: 1), count: 1))
            let clock = ContinuousClock()
            let start = clock.now
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
            #expect(clock.now - start >= .seconds(1))
            let requests = await state.requests()
            #expect(requests.map(\.status) == [429, 200])
            #expect(requests[1].at.timeIntervalSince(requests[0].at) >= 0.99)
        }
    }

    @Test func timesOutASlowAnswerAndRetries() async throws {
        // A generous timeout, so the retry is not also timed out on a loaded machine; the slow answer is slower still.
        try await Self.withMock(configure: { Self.config(port: $0, timeout: "1s") }) { api, state, observer in
            await state.addFault(.init(route: .campaign, kind: .slow(.seconds(4)), count: 1))
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
            #expect(observer.attempts.map(\.error) == ["timeout", nil])
            #expect(observer.attempts.first.map { $0.latency < .seconds(3) } == true)
        }
    }

    @Test func treatsMalformedJSONAsARetryableFailure() async throws {
        try await Self.withMock(configure: { Self.config(port: $0, maxAttempts: 1) }) { api, state, _ in
            await state.addFault(.init(route: .campaign, kind: .malformed, count: 1))
            do {
                _ = try await api.campaign(id: "5195", brandID: nil)
                Issue.record("decoded a truncated body")
            } catch let error as AdvertisingError {
                #expect(error.code == .malformedResponse)
                #expect(error.isRetryable)
            }
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
        }
    }

    @Test func spacesConcurrentRequestsByTheConfiguredRateAndBurst() async throws {
        // 120 per minute = 2 per second, burst 3: 3 requests at once, then one every 0.5 s, so 9 requests
        // from 9 concurrent callers take at least 3 seconds. A lower bound on the caller's clock holds on a
        // loaded machine; arrival gaps at the server do not (a delayed first request shrinks the next gap),
        // so the server is asked only how many requests it saw.
        try await Self.withMock(configure: { Self.config(port: $0, requestsPerMinute: 120, burst: 3) }) { api, state, _ in
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<9 { group.addTask { _ = try await api.campaign(id: "5195", brandID: nil) } }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            #expect(await state.requests().count == 9)
            #expect(elapsed >= .milliseconds(2950), "9 requests at 2/s with burst 3 took only \(elapsed)")
        }
    }

    @Test func opensTheCircuitWhenTheAPIIsDownAndClosesItWhenItRecovers() async throws {
        let time = ResilienceTests.ManualTime()
        try await Self.withMock(configure: { Self.config(port: $0, maxAttempts: 1) }, monotonicNow: { time.now }) { api, state, _ in
            await state.addFault(.init(kind: .status(502)))
            for _ in 0..<3 {
                await #expect(throws: AdvertisingError.self) { try await api.campaign(id: "5195", brandID: nil) }
            }
            #expect(await api.circuitState == "open")
            // While open, nothing reaches the API.
            do {
                _ = try await api.campaign(id: "5195", brandID: nil)
                Issue.record("called through an open circuit")
            } catch let error as AdvertisingError {
                #expect(error.code == .circuitOpen)
            }
            #expect(await state.requests().count == 3)

            await state.clearFaults()
            time.advance(.seconds(30))
            #expect(await api.circuitState == "half_open")
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
            #expect(await api.circuitState == "closed")
            #expect(await state.requests().count == 4)
        }
    }

    @Test func sendsTheBrandsOwnKeyWhenItHasOne() async throws {
        let configure: @Sendable (Int) -> AdvertisingConfig = { port in
            var config = Self.config(port: port, key: "partner-key")
            config.brands = [.init(brandID: "246", apiKey: Secret(literal: "mock-api-key"))]
            return config
        }
        try await Self.withMock(configure: configure) { api, state, _ in
            // The mock accepts only mock-api-key: brand 246's own key works, the partner's does not.
            let campaign = try await api.campaign(id: "5195", brandID: "246")
            #expect(campaign.id == "5195")
            await #expect(throws: AdvertisingError.self) { try await api.campaign(id: "5195", brandID: "574") }
            #expect(await state.requests().map(\.status) == [200, 401])
        }
    }
}

extension LiveAdvertisingAPITests {
    @Test func neverLogsOrAuditsTheAPIKey() async throws {
        let logs = LogCapture()
        let store = MemoryStore()
        let state = try MockAdsAPI.State(fixtures: TestSupport.samplesURL("fixtures"))
        let secretKey = "sk-live-never-print-me"
        try await buildMockAdsAPI(state: state, port: 0, apiKeys: [secretKey], logger: Logger(label: "mock")).test(.live) { client in
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var config = Self.config(port: client.port!, key: secretKey, maxAttempts: 2)
            config.brands = [.init(brandID: "574", apiKey: Secret(literal: "brand-key-also-secret"))]
            let api = LiveAdvertisingAPI(
                config: config, httpClient: http, observer: AuditingFetchObserver(log: store, clock: SystemWallClock(), logger: logs.logger),
                logger: logs.logger
            )
            await state.addFault(.init(route: .campaign, kind: .status(500), count: 1))
            _ = try? await api.campaign(id: "5195", brandID: "246")
            _ = try? await api.campaign(id: "5195", brandID: "574")  // 401: the brand key is wrong
            _ = try? await api.analytics(campaignID: "404", brandID: nil)
            try await http.shutdown()
        }
        let records = try await store.records(from: 0, limit: 100)
        #expect(records.count == 4)
        let texts = logs.renderedEntries + records.map { "\($0.details) \($0.campaign ?? "") \($0.brand ?? "")" }
        for text in texts {
            #expect(!text.contains("never-print-me"), "leaked: \(text)")
            #expect(!text.contains("also-secret"), "leaked: \(text)")
        }
        #expect(records.map(\.kind) == ["fetch.failed", "fetch.succeeded", "fetch.failed", "fetch.failed"])
        #expect(records[0].details.contains(#""status":500"#))
        #expect(records[0].details.contains(#""path":"/v1/campaign/5195""#))
    }
}
