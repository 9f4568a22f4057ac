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
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing

/// An Ads API that answers with hostile `Retry-After` and `X-RateLimit-Reset` values: the client
/// waits at most `advertising.retry_max`, never traps, never stalls.
@Suite(.timeLimit(.minutes(1)))
struct AdsAPIRetryAfterTests {
    /// Serves scripted failures for the first requests, then the campaign fixture.
    static func withHostileAPI(
        _ script: [(status: Int, headers: HTTPFields)],
        _ body: @escaping @Sendable (LiveAdvertisingAPI) async throws -> Void
    ) async throws -> Int {
        let fixture = try Data(contentsOf: TestSupport.samplesURL("fixtures/campaign-5195.json"))
        let remaining = NIOLockedValueBox((script: script, served: 0))
        let router = Router()
        router.get("**") { _, _ -> Response in
            let next = remaining.withLockedValue { state -> (status: Int, headers: HTTPFields)? in
                state.served += 1
                return state.script.isEmpty ? nil : state.script.removeFirst()
            }
            guard let next else { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: fixture))) }
            return Response(status: .init(code: next.status), headers: next.headers, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "hostile"))
        try await app.test(.live) { client in
            var config = LiveAdvertisingAPITests.config(port: client.port!, maxAttempts: 4)
            config.retryMax = "200ms"
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let api = LiveAdvertisingAPI(config: config, httpClient: http, logger: Logger(label: "test"), random: { 1 })
            do {
                try await body(api)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
        return remaining.withLockedValue { $0.served }
    }

    @Test(arguments: ["inf", "1e300", "-1", "99999999999999999999", "nan", "Fri, 31 Dec 9999 23:59:59 GMT", "later"])
    func aHostileRetryAfterWaitsAtMostRetryMax(_ value: String) async throws {
        let served = try await Self.withHostileAPI([(429, [.retryAfter: value]), (503, [.retryAfter: value])]) { api in
            let started = ContinuousClock.now
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
            // Two waits of at most retry_max (200 ms) each, not an hour or forever.
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        #expect(served == 3)
    }

    @Test(arguments: ["inf", "1e300", "99999999999999999999", "-5", "nan", "1750000000"])
    func aHostileRateLimitResetPausesAtMostRetryMax(_ reset: String) async throws {
        let served = try await Self.withHostileAPI([(200, [HTTPField.Name("X-RateLimit-Remaining")!: "0", HTTPField.Name("X-RateLimit-Reset")!: reset])]) { api in
            let started = ContinuousClock.now
            _ = try? await api.campaign(id: "5195", brandID: nil)  // "{}" is not a campaign: retried after the pause
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        #expect(served >= 2)
    }

    @Test func retryAfterIsCappedByRetryMax() {
        var config = AdvertisingConfig(baseURL: "http://127.0.0.1:1", apiKey: nil)
        config.retryMax = "30s"
        let api = LiveAdvertisingAPI(config: config, httpClient: HTTPClient.shared, logger: Logger(label: "test"))
        #expect(api.retryAfter(["Retry-After": "inf"]) == .seconds(30))
        #expect(api.retryAfter(["Retry-After": "5"]) == .seconds(5))
        #expect(api.retryAfter(["Retry-After": "-5"]) == nil)
        #expect(api.rateLimitPause(["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1e300"]) == .seconds(30))
        #expect(api.rateLimitPause(["X-RateLimit-Remaining": "0"]) == .seconds(1))
        #expect(api.rateLimitPause(["X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1e300"]) == nil)
    }
}
