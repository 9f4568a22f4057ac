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
import Testing

/// `/metrics` after scripted scenarios, read back from the Prometheus text exposition.
@Suite(.timeLimit(.minutes(1)))
struct MetricsTests {
    /// Accepted, duplicate, forged and unknown-source webhooks; one fetch that meets a 429 then succeeds; an alert
    /// that fires; one delivery that succeeds and one that goes to the dead letter.
    @Test func metricsExposeEveryFamilyWithTheRightValuesAfterAScriptedScenario() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let good = RecordingServer()
        let bad = RecordingServer()
        bad.answer(400)
        try await good.run { goodBase in
            try await bad.run { badBase in
                try await PipelineEndToEndTests.withMockAPI { mock, port in
                    try await mock.updateCampaign(id: 5195, .init(accountStatus: 3, adAccountGood: false))
                    await mock.addFault(.init(route: .campaign, kind: .rateLimit(retryAfterSeconds: 1), count: 1))

                    var config = TestSupport.config()
                    config.rules = [RuleConfig(name: "account-standing", kind: .adAccountStanding, severity: .critical)]
                    config.processor.pollInterval = "20ms"
                    config.delivery.tick = "10ms"
                    var goodChannel = ChannelConfig(name: "good", kind: .slack)
                    goodChannel.webhookURL = Secret(literal: "\(goodBase)/services/T/B/good")
                    var badChannel = ChannelConfig(name: "bad", kind: .slack)
                    badChannel.webhookURL = Secret(literal: "\(badBase)/services/T/B/bad")
                    config.channels = [goodChannel, badChannel]
                    config.routes = [RouteConfig(channels: ["good", "bad"])]

                    var dependencies = Dependencies(store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"))
                    dependencies.advertising = Self.adsAPI(port: port, http: http, store: store, metrics: dependencies.metrics)
                    dependencies.channels = [
                        "good": try ChannelRegistry.make(goodChannel, httpClient: http),
                        "bad": try ChannelRegistry.make(badChannel, httpClient: http),
                    ]
                    let app = try await buildApplication(config: config, dependencies: dependencies)
                    try await app.test(.router) { client in
                        let body = TestSupport.campaignBody(id: 5195, status: "ACTIVE")
                        let headers = TestSupport.signedHeaders(body: body, id: "msg_metrics_1")
                        let first = try await client.execute(uri: "/webhooks/symphony", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                        #expect(first.status == .accepted)
                        let again = try await client.execute(uri: "/webhooks/symphony", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                        #expect(again.status == .ok)
                        let forged = try await client.execute(
                            uri: "/webhooks/symphony", method: .post, headers: headers, body: ByteBuffer(bytes: TestSupport.campaignBody(id: 6666))
                        )
                        #expect(forged.status == .unauthorized)
                        let unknown = try await client.execute(uri: "/webhooks/nope", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                        #expect(unknown.status == .notFound)

                        // The processor, the evaluator and the delivery service run on their own: wait for both sends to settle.
                        try await Self.eventually {
                            let sent = try await store.deliveries(in: .sent, limit: 10).count
                            let dead = try await store.deliveries(in: .dead, limit: 10).count
                            return sent == 1 && dead == 1
                        }

                        let before = try await store.records(from: 0, limit: 100_000).last?.seq ?? 0
                        let response = try await client.execute(uri: "/metrics", method: .get)
                        let after = try await store.records(from: 0, limit: 100_000).last?.seq ?? 0
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                        let m = Exposition(response.body.text)

                        // Ingest.
                        let received = "adwatch_webhooks_received_total"
                        #expect(m[received, ["source": "symphony", "outcome": "accepted"]] == 1)
                        #expect(m[received, ["source": "symphony", "outcome": "duplicate"]] == 1)
                        #expect(m[received, ["source": "symphony", "outcome": "rejected_signature"]] == 1)
                        #expect(m[received, ["source": "_unknown", "outcome": "unknown_source"]] == 1)
                        for outcome in ["rejected_timestamp", "rejected_size", "rejected_json", "rejected_content_type", "unavailable"] {
                            #expect(m[received, ["source": "symphony", "outcome": outcome]] == 0, "\(outcome)")
                        }
                        #expect(m.sum(received) == 4)
                        #expect(m["adwatch_ingest_duration_seconds_count", ["source": "symphony"]] == 3)
                        #expect(m["adwatch_ingest_duration_seconds_count", ["source": "_unknown"]] == 1)
                        #expect(m["adwatch_ingest_duration_seconds_bucket", ["source": "symphony", "le": "+Inf"]] == 3)
                        #expect(m["adwatch_ingest_duration_seconds_bucket", ["source": "symphony", "le": "0.0005"]] != nil)
                        #expect(m["adwatch_inbox_depth", ["state": "pending"]] == 0)
                        #expect(m["adwatch_inbox_depth", ["state": "processing"]] == 0)
                        #expect(m["adwatch_inbox_depth", ["state": "failed"]] == 0)

                        // Ads API: the campaign read met a 429 (Retry-After: 1) and then succeeded; the analytics read succeeded.
                        let requests = "adwatch_ads_api_requests_total"
                        #expect(m[requests, ["endpoint": "campaign", "outcome": "rate_limited"]] == 1)
                        #expect(m[requests, ["endpoint": "campaign", "outcome": "success"]] == 1)
                        #expect(m[requests, ["endpoint": "analytics", "outcome": "success"]] == 1)
                        #expect(m.sum(requests) == 3)
                        #expect(m["adwatch_ads_api_request_duration_seconds_count", ["endpoint": "campaign"]] == 2)
                        #expect(m["adwatch_ads_api_request_duration_seconds_count", ["endpoint": "analytics"]] == 1)
                        #expect(m["adwatch_ads_api_rate_limit_waits_total"] == 1)
                        // Retry-After: 1, capped at the client's retry_max (50 ms).
                        #expect(m["adwatch_ads_api_rate_limit_wait_seconds_total"] == 0.05)
                        #expect(m["adwatch_ads_api_circuit_state"] == 0)

                        // Alerts: a new alert without `for:` goes pending → firing in one evaluation.
                        #expect(m["adwatch_alert_transitions_total", ["rule": "account-standing", "state": "pending"]] == 1)
                        #expect(m["adwatch_alert_transitions_total", ["rule": "account-standing", "state": "firing"]] == 1)
                        #expect(m["adwatch_alert_transitions_total", ["rule": "account-standing", "state": "resolved"]] == 0)
                        #expect(m["adwatch_alerts", ["rule": "account-standing", "state": "firing"]] == 1)
                        #expect(m["adwatch_alerts", ["rule": "account-standing", "state": "pending"]] == 0)

                        // Delivery: one message to each channel; the 400 is not retryable, so it is dead at once.
                        let deliveries = "adwatch_deliveries_total"
                        #expect(m[deliveries, ["channel": "good", "outcome": "succeeded"]] == 1)
                        #expect(m[deliveries, ["channel": "bad", "outcome": "dead"]] == 1)
                        #expect(m[deliveries, ["channel": "good", "outcome": "failed"]] == 0)
                        #expect(m.sum(deliveries) == 2)
                        #expect(m["adwatch_delivery_duration_seconds_count", ["channel": "good"]] == 1)
                        #expect(m["adwatch_delivery_duration_seconds_count", ["channel": "bad"]] == 1)
                        #expect(m["adwatch_outbox_depth"] == 0)
                        #expect(m["adwatch_dead_letters"] == 1)

                        // Audit: the chain's last sequence number, as the store has it.
                        #expect(before == after)
                        #expect(m["adwatch_audit_chain_length"] == Double(after))
                        #expect(after > 10)
                        #expect(m["adwatch_metrics_store_read_failures_total"] == 0)
                    }
                }
            }
        }
        try await http.shutdown()
    }

    /// Depths come from the store, so a restarted service reports what is on disk while its counters start at 0.
    @Test func depthsAreReadFromTheStoreSoTheyAreRightAfterARestart() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let config = TestSupport.config()
        do {
            // No advertising section: events stay pending.
            let store = try SQLiteStore(path: database.path)
            let app = try await buildApplication(config: config, dependencies: Dependencies(store: store, logger: Logger(label: "test")))
            try await app.test(.router) { client in
                for index in 0..<3 {
                    let body = TestSupport.campaignBody(id: 8000 + index)
                    let headers = TestSupport.signedHeaders(body: body, id: "restart_\(index)", at: Date())
                    let response = try await client.execute(uri: "/webhooks/symphony", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                    #expect(response.status == .accepted)
                }
            }
        }
        let store = try SQLiteStore(path: database.path)
        let app = try await buildApplication(config: config, dependencies: Dependencies(store: store, logger: Logger(label: "test")))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            let m = Exposition(response.body.text)
            let seq = try await store.records(from: 0, limit: 1000).last?.seq ?? 0
            #expect(m["adwatch_inbox_depth", ["state": "pending"]] == 3)
            #expect(m["adwatch_webhooks_received_total", ["source": "symphony", "outcome": "accepted"]] == 0)
            #expect(m["adwatch_audit_chain_length"] == Double(seq))
            #expect(seq == 3)
            // No Ads API configured: no circuit to report.
            #expect(m["adwatch_ads_api_circuit_state"] == nil)
        }
    }

    /// The circuit gauge follows the breaker, including the half-open state that no event announces.
    @Test func circuitStateGaugeShowsClosedOpenAndHalfOpen() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        try await PipelineEndToEndTests.withMockAPI { mock, port in
            await mock.addFault(.init(route: .campaign, kind: .status(500), count: 2))
            let monotonic = NIOLockedValueBox(Duration.seconds(100))
            var dependencies = Dependencies(store: MemoryStore(), clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"))
            var advertising = AdvertisingConfig(baseURL: "http://127.0.0.1:\(port)", apiKey: Secret(literal: "mock-api-key"))
            advertising.maxAttempts = 1
            advertising.circuitBreaker.failures = 2
            advertising.circuitBreaker.openFor = "30s"
            let api = LiveAdvertisingAPI(
                config: advertising, httpClient: http, logger: Logger(label: "test"),
                monotonicNow: { monotonic.withLockedValue { $0 } }, metrics: dependencies.metrics.adsAPI
            )
            dependencies.advertising = api
            let app = try await buildApplication(config: TestSupport.config(), dependencies: dependencies)
            try await app.test(.router) { client in
                func scrape() async throws -> Exposition {
                    Exposition(try await client.execute(uri: "/metrics", method: .get).body.text)
                }
                let closed = try await scrape()
                #expect(closed["adwatch_ads_api_circuit_state"] == 0)
                for _ in 0..<2 {
                    let error = await #expect(throws: AdvertisingError.self) { _ = try await api.campaign(id: "5195", brandID: nil) }
                    #expect(error?.code == .serverError)
                }
                let open = try await scrape()
                #expect(open["adwatch_ads_api_circuit_state"] == 2)
                #expect(open["adwatch_ads_api_requests_total", ["endpoint": "campaign", "outcome": "server_error"]] == 2)
                monotonic.withLockedValue { $0 += .seconds(31) }
                let halfOpen = try await scrape()
                #expect(halfOpen["adwatch_ads_api_circuit_state"] == 1)
                _ = try await api.campaign(id: "5195", brandID: nil)
                let closedAgain = try await scrape()
                #expect(closedAgain["adwatch_ads_api_circuit_state"] == 0)
                #expect(closedAgain["adwatch_ads_api_requests_total", ["endpoint": "campaign", "outcome": "success"]] == 1)
            }
        }
        try await http.shutdown()
    }

    /// A store that cannot be read does not break the scrape: counters still answer and the miss is counted.
    @Test func scrapeSurvivesAStoreThatCannotBeRead() async throws {
        let app = Application(router: buildRouter(config: TestSupport.config(), dependencies: Dependencies(store: FailingStore(), logger: Logger(label: "test"))))
        try await app.test(.router) { client in
            let body = TestSupport.campaignBody()
            let stored = try await client.execute(
                uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "down_1", at: Date()), body: ByteBuffer(bytes: body)
            )
            #expect(stored.status == .serviceUnavailable)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let m = Exposition(response.body.text)
            #expect(m["adwatch_webhooks_received_total", ["source": "symphony", "outcome": "unavailable"]] == 1)
            #expect(m["adwatch_metrics_store_read_failures_total"] == 1)
        }
    }

    /// The memory store counts the same things as SQLite.
    @Test(arguments: [false, true]) func bothStoresReportTheSameDepths(sqlite: Bool) async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store: any AdWatchStore = sqlite ? try SQLiteStore(path: database.path) : MemoryStore()
        let app = try await buildApplication(config: TestSupport.config(), dependencies: Dependencies(store: store, logger: Logger(label: "test")))
        try await app.test(.router) { client in
            for id in ["mem_1", "mem_2"] {
                let body = TestSupport.campaignBody(id: id == "mem_1" ? 1 : 2)
                let response = try await client.execute(
                    uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: id, at: Date()), body: ByteBuffer(bytes: body)
                )
                #expect(response.status == .accepted)
            }
            let gauges = try await store.gaugeReadings()
            #expect(gauges == StoreGauges(events: [.pending: 2, .processing: 0, .failed: 0], auditSeq: 2))
        }
    }

    static func adsAPI(port: Int, http: HTTPClient, store: any AdWatchStore, metrics: AdWatchMetrics) -> LiveAdvertisingAPI {
        // A rate so high that only the 429's pause makes anyone wait.
        PipelineEndToEndTests.client(port: port, http: http, store: store, timeout: "2s", requestsPerMinute: 6_000_000, metrics: metrics)
    }

    /// Polls a condition that background services make true (there is no clock to advance for their I/O).
    static func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within \(limit)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A parsed Prometheus text exposition: series by name and label set.
struct Exposition {
    private var samples: [String: [(labels: [String: String], value: Double)]] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            var name = String(series)
            var labels: [String: String] = [:]
            if let brace = series.firstIndex(of: "{") {
                name = String(series[..<brace])
                let inner = series[series.index(after: brace)..<(series.lastIndex(of: "}") ?? series.endIndex)]
                // Label values here never contain `",` (names, states, numbers).
                for pair in inner.components(separatedBy: "\",") where !pair.isEmpty {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    labels[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            samples[name, default: []].append((labels, value))
        }
    }

    /// The value of the series with exactly these labels.
    subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples[name]?.first { $0.labels == labels }?.value
    }

    /// The sum over every series of a family.
    func sum(_ name: String) -> Double {
        samples[name]?.reduce(0) { $0 + $1.value } ?? 0
    }
}
