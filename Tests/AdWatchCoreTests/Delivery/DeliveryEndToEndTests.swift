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

/// Signed webhook in → mock Ads API → rule fires → the fake Slack server receives the message.
@Suite(.timeLimit(.minutes(1)))
struct DeliveryEndToEndTests {
    /// The account-standing rule, one route to a Slack channel at `slackBase`, the mock Ads API at
    /// `mockPort`, and fast ticks: the set-up of every webhook → alert → Slack test.
    static func accountStandingToSlack(
        store: any AdWatchStore, http: HTTPClient, mockPort: Int, slackBase: String
    ) throws -> (config: AdWatchConfig, dependencies: Dependencies) {
        var config = TestSupport.config()
        config.rules = [RuleConfig(name: "account-standing", kind: .adAccountStanding, severity: .critical)]
        config.processor.pollInterval = "20ms"
        config.delivery.tick = "10ms"
        var slackChannel = ChannelConfig(name: "ops-slack", kind: .slack)
        slackChannel.webhookURL = Secret(literal: "\(slackBase)/services/T/B/X")
        config.channels = [slackChannel]
        config.routes = [RouteConfig(channels: ["ops-slack"])]
        var dependencies = Dependencies(
            store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"),
            advertising: PipelineEndToEndTests.client(port: mockPort, http: http, store: store)
        )
        dependencies.channels = ["ops-slack": try ChannelRegistry.make(slackChannel, httpClient: http)]
        return (config, dependencies)
    }

    /// The delivery service's tick is an hour: only the outbox doorbell, rung when the evaluator
    /// queues the notification, can send it in time (`group_wait: 0s`, the default, means at once).
    @Test func aQueuedNotificationGoesOutAtOnceNotAtTheNextTick() async throws {
        let store = MemoryStore()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let slack = RecordingServer()
        try await slack.run { slackBase in
            try await PipelineEndToEndTests.withMockAPI { mock, port in
                try await mock.cloneCampaign(7100, from: 5195)
                try await mock.updateCampaign(id: 7100, .init(accountStatus: 3, adAccountGood: false))
                let setup = try Self.accountStandingToSlack(store: store, http: http, mockPort: port, slackBase: slackBase)
                var config = setup.config
                config.delivery.tick = "1h"
                config.processor.pollInterval = "1h"  // the ingest doorbell wakes the processor
                config.routes[0].groupWait = "0s"
                let app = try await buildApplication(config: config, dependencies: setup.dependencies)
                try await app.test(.router) { client in
                    // The delivery service's first pass ran at start; from now on it sleeps for an hour unless rung.
                    let body = TestSupport.campaignBody(id: 7100)
                    let response = try await client.execute(
                        uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "bell_1"),
                        body: ByteBuffer(bytes: body)
                    )
                    #expect(response.status == .accepted)
                    let deadline = ContinuousClock.now + .seconds(10)
                    while slack.requests.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                    #expect(slack.requests.count == 1)
                    #expect(slack.requests.first?.text.contains("Campaign 7100") == true)
                }
            }
        }
        try await http.shutdown()
    }

    @Test func aWebhookBecomesASlackMessageAndTheLatencyIsReported() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let slack = RecordingServer()
        let samples = 8
        try await slack.run { slackBase in
            try await PipelineEndToEndTests.withMockAPI { mock, port in
                for index in 0..<samples {
                    try await mock.cloneCampaign(7000 + index, from: 5195)
                    try await mock.updateCampaign(id: 7000 + index, .init(accountStatus: 3, adAccountGood: false))
                }
                let (config, dependencies) = try Self.accountStandingToSlack(store: store, http: http, mockPort: port, slackBase: slackBase)
                let app = try await buildApplication(config: config, dependencies: dependencies)
                try await app.test(.router) { client in
                    var latencies: [Double] = []
                    for index in 0..<samples {
                        let body = TestSupport.campaignBody(id: 7000 + index)
                        let response = try await client.execute(
                            uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "lat_\(index)"),
                            body: ByteBuffer(bytes: body)
                        )
                        let accepted = Date()
                        #expect(response.status == .accepted)
                        while slack.requests.count < index + 1 { try await Task.sleep(for: .milliseconds(2)) }
                        latencies.append(slack.requests[index].at.timeIntervalSince(accepted) * 1000)
                        #expect(slack.requests[index].text.contains("Campaign \(7000 + index)"))
                        // Slack takes one message per second per webhook: wait it out so pacing is not measured.
                        try await Task.sleep(for: .milliseconds(1000))
                    }
                    let sorted = latencies.sorted()
                    // A figure for the notes, not an assertion: the machines are noisy.
                    print("webhook 202 → Slack request over loopback: p50 \(String(format: "%.1f", sorted[sorted.count / 2])) ms, "
                        + "max (p99 of \(samples)) \(String(format: "%.1f", sorted.last!)) ms")
                    let blocks = slack.requests.first?.json?["blocks"] as? [[String: Any]]
                    #expect((blocks?.first?["text"] as? [String: Any])?["text"] as? String == "🔴 CRITICAL · account-standing")
                    #expect(try await store.deliveries(in: .sent, limit: 100).count == samples)
                }
            }
        }
        try await http.shutdown()
    }
}
