@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Replays through the real router and a real SQLite file: a delivery id the signature does not cover
/// never decides whether a request is new.
struct ReplayProtectionTests {
    static let githubSecret = "It's a Secret to Everybody"

    /// The default Standard Webhooks source plus a GitHub one and an unsigned one.
    static func config() -> AdWatchConfig {
        var config = TestSupport.config()
        config.sources.append(SourceConfig(name: "gh", scheme: .github, secrets: [Secret(literal: githubSecret)]))
        config.sources.append(SourceConfig(name: "open", scheme: .none, secrets: [], insecure: true))
        return config
    }

    /// Headers GitHub would send for `body` as delivery `id`.
    static func github(_ body: [UInt8], id: String) -> HTTPFields {
        var headers = GitHubScheme(keys: [Array(githubSecret.utf8)]).sign(body: body, id: id, timestamp: TestSupport.now)
        headers[.contentType] = "application/json"
        return headers
    }

    func withStore(_ test: @escaping @Sendable (any TestClientProtocol, SQLiteStore) async throws -> Void) async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        let clock = ManualWallClock(TestSupport.now)
        let dependencies = Dependencies(store: store, clock: clock, logger: Logger(label: "test"))
        let app = try await buildApplication(config: Self.config(), dependencies: dependencies)
        try await app.test(.router) { client in try await test(client, store) }
    }

    static func reply(_ response: TestResponse) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
    }

    @Test func aCapturedGitHubDeliveryResentWithANewDeliveryHeaderIsADuplicate() async throws {
        let body = TestSupport.campaignBody()
        try await withStore { client, store in
            let first = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(body, id: "delivery-1"), body: body)
            #expect(first.status == .accepted)
            let replay = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(body, id: "delivery-2"), body: body)
            #expect(replay.status == .ok)
            #expect(try Self.reply(replay) == ["id": try Self.reply(first)["id"]!, "status": "duplicate"])
            #expect(try await store.eventCount() == 1)
            let kinds = try await store.records(from: 0, limit: 10).map(\.kind)
            #expect(kinds == ["webhook.accepted", "webhook.duplicate"])
        }
    }

    @Test func aReplayUnderThePredictedNextIDCannotMakeTheRealDeliveryADuplicate() async throws {
        let captured = TestSupport.campaignBody(status: "IN_REVIEW")
        let real = TestSupport.campaignBody(status: "ACTIVE")
        try await withStore { client, store in
            _ = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(captured, id: "delivery-41"), body: captured)
            // The attacker replays what it captured under the id the sender will use next…
            let preempt = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(captured, id: "delivery-42"), body: captured)
            #expect(preempt.status == .ok)
            // …and the real delivery 42 is still a new event.
            let response = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(real, id: "delivery-42"), body: real)
            #expect(response.status == .accepted)
            let stored = try #require(try await store.event(id: try Self.reply(response)["id"] ?? ""))
            #expect(stored.body == real)
            #expect(stored.deliveryID == "delivery-42", "the unsigned id is kept for the record")
            #expect(stored.dedupKey.hasPrefix("sha256:"))
            #expect(try await store.eventCount() == 2)
        }
    }

    @Test func anUnsignedSourceNeverTrustsADeliveryIDInTheBody() async throws {
        let injected = Array(#"{"event":"campaign.updated","id":5195,"delivery_id":"d-7","note":"injected"}"#.utf8)
        let real = Array(#"{"event":"campaign.updated","id":5195,"delivery_id":"d-7","note":"real"}"#.utf8)
        try await withStore { client, store in
            for body in [injected, real] {
                let response = try await WebhookRouteTests.post(client, source: "open", headers: [.contentType: "application/json"], body: body)
                #expect(response.status == .accepted)
            }
            #expect(try await store.eventCount() == 2)
        }
    }

    @Test func aSignedDeliveryIDInTheBodyIsTheDedupKey() async throws {
        // GitHub signs the body, so an id inside it is as good as the body: a retry with a new header is a duplicate.
        let body = Array(#"{"event":"campaign.updated","id":5195,"delivery_id":"d-9"}"#.utf8)
        try await withStore { client, store in
            let first = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(body, id: "h-1"), body: body)
            let stored = try #require(try await store.event(id: try Self.reply(first)["id"] ?? ""))
            #expect(stored.dedupKey == "id:d-9")
            let again = try await WebhookRouteTests.post(client, source: "gh", headers: Self.github(body, id: "h-2"), body: body)
            #expect(again.status == .ok)
        }
    }

    @Test func aStandardWebhooksIDStaysTheDedupKeyBecauseItIsSigned() async throws {
        // The sender's own redelivery of one body under two signed ids is two events, as the sender meant.
        let body = TestSupport.campaignBody()
        try await withStore { client, store in
            for id in ["msg_1", "msg_2"] {
                let response = try await WebhookRouteTests.post(client, headers: TestSupport.signedHeaders(body: body, id: id), body: body)
                #expect(response.status == .accepted)
            }
            #expect(try await store.eventCount() == 2)
        }
    }

    @Test func aTimestampWithALeadingZeroIsRefusedAs401() async throws {
        let body = TestSupport.campaignBody()
        try await withStore { client, store in
            let kind = SignatureSchemeTests.kinds[0]
            var headers = SignatureSchemeTests.headers(for: kind, timestampText: "0" + String(Int(TestSupport.now.timeIntervalSince1970)), body: body,
                                                       secret: TestSupport.standardSecret)
            headers[.contentType] = "application/json"
            let response = try await WebhookRouteTests.post(client, headers: headers, body: body)
            #expect(response.status == .unauthorized)
            #expect(try await store.eventCount() == 0)
            let record = try #require(try await store.records(from: 0, limit: 1).first)
            #expect(record.details.contains(#""reason":"malformed_timestamp""#))
        }
    }
}
