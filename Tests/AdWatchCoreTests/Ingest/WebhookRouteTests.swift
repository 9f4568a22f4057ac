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
import InMemoryLogging
import Logging
import NIOCore
import Testing

/// The receiver through the real router: one test per answer it can give.
struct WebhookRouteTests {
    let clock = ManualWallClock(TestSupport.now)
    let body = TestSupport.campaignBody()

    func withApp(
        config: AdWatchConfig = TestSupport.config(),
        store: any AdWatchStore = MemoryStore(),
        logger: Logger = Logger(label: "test"),
        setup: TestingSetup = .router,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let app = try await buildApplication(config: config, dependencies: Dependencies(store: store, clock: clock, logger: logger))
        try await app.test(setup) { client in try await test(client) }
    }

    static func post(_ client: some TestClientProtocol, source: String = "symphony", headers: HTTPFields, body: [UInt8]) async throws -> TestResponse {
        try await client.execute(uri: "/webhooks/\(source)", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    static func json(_ response: TestResponse) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
    }

    @Test func acceptsASignedWebhookAfterStoringIt() async throws {
        let store = MemoryStore()
        let body = body
        try await withApp(store: store) { client in
            let response = try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: "msg_1"), body: body)
            #expect(response.status == .accepted)
            #expect(response.headers[.contentType] == "application/json")
            let reply = try Self.json(response)
            #expect(reply["status"] == "accepted")
            let stored = try #require(try await store.event(id: reply["id"] ?? ""))
            #expect(stored.body == body)
            #expect(stored.campaignID == "5195")
            #expect(stored.brandID == "246")
            #expect(stored.eventType == "campaign.updated")
            #expect(stored.deliveryID == "msg_1")
            #expect(stored.dedupKey == "id:msg_1")
            #expect(stored.receivedAt == TestSupport.now)
            #expect(stored.headers["webhook-id"] == "msg_1")
            #expect(stored.headers["webhook-signature"] == nil, "signature material must not be stored")
        }
        let audit = try await store.records(from: 0, limit: 10)
        #expect(audit.map(\.kind) == ["webhook.accepted"])
        #expect(audit.first?.campaign == "5195")
    }

    @Test func answersARepeatWithDuplicateAndStoresNothingNew() async throws {
        let store = MemoryStore()
        let body = body
        try await withApp(store: store) { client in
            let headers = TestSupport.signedHeaders(body: body, id: "msg_1")
            let first = try Self.json(try await Self.post(client, headers: headers, body: body))
            let second = try await Self.post(client, headers: headers, body: body)
            #expect(second.status == .ok)
            #expect(try Self.json(second) == ["id": first["id"]!, "status": "duplicate"])
        }
        #expect(try await store.eventCount() == 1)
        #expect(try await store.records(from: 0, limit: 10).map(\.kind) == ["webhook.accepted", "webhook.duplicate"])
    }

    @Test func forgetsADeliveryIDOnceTheDedupWindowHasPassed() async throws {
        let store = MemoryStore()
        let (body, clock) = (body, clock)
        try await withApp(store: store) { client in
            _ = try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: "msg_1"), body: body)
            clock.advance(by: .seconds(72 * 3600))
            let late = try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: "msg_1", at: clock.now()), body: body)
            #expect(late.status == .accepted)
        }
        #expect(try await store.eventCount() == 2)
    }

    @Test func refusesEveryBadSignatureWithTheSameGenericAnswer() async throws {
        let store = MemoryStore()
        let body = body
        let now = TestSupport.now
        try await withApp(store: store) { client in
            var missing = TestSupport.signedHeaders(body: body, id: "a")
            missing[.webhookSignature] = nil
            let cases: [HTTPFields] = [
                missing,
                TestSupport.signedHeaders(body: body, id: "b", secret: "whsec_" + Data("not the configured secret".utf8).base64EncodedString()),
                TestSupport.signedHeaders(body: body, id: "c", at: now.addingTimeInterval(-600)),
                TestSupport.signedHeaders(body: body, id: "d", at: now.addingTimeInterval(600)),
            ]
            var bodies = Set<String>()
            for headers in cases {
                let response = try await Self.post(client, headers: headers, body: body)
                #expect(response.status == .unauthorized)
                bodies.insert(response.body.text)
            }
            #expect(bodies == [#"{"error":"unauthorized","message":"signature verification failed"}"#])
        }
        #expect(try await store.eventCount() == 0)
        let reasons = try await store.records(from: 0, limit: 10).map { $0.details }
        #expect(reasons.count == 4)
        #expect(reasons[0].contains(#""reason":"missing_signature""#))
        #expect(reasons[1].contains(#""reason":"signature_mismatch""#))
        #expect(reasons[2].contains(#""reason":"timestamp_outside_tolerance""#))
        #expect(reasons[3].contains(#""reason":"timestamp_outside_tolerance""#))
    }

    @Test func refusesInvalidJSONAfterAValidSignature() async throws {
        let store = MemoryStore()
        try await withApp(store: store) { client in
            let broken = Array(#"{"event":"campaign.updated","id":"#.utf8)
            let response = try await Self.post(client, headers: TestSupport.signedHeaders(body: broken, id: "msg_1"), body: broken)
            #expect(response.status == .badRequest)
            #expect(try Self.json(response)["error"] == "invalid_json")
        }
        #expect(try await store.eventCount() == 0)
        #expect(try await store.records(from: 0, limit: 1).first?.details.contains(#""reason":"invalid_json""#) == true)
    }

    @Test func refusesABodyOverTheLimitWhetherDeclaredOrNot() async throws {
        let store = MemoryStore()
        let config = TestSupport.config(maxBodyBytes: 1024)
        try await withApp(config: config, store: store) { client in
            let big = TestSupport.campaignBody(padding: String(repeating: "x", count: 2000))
            var declared = TestSupport.signedHeaders(body: big, id: "msg_1")
            declared[.contentLength] = String(big.count)
            let first = try await Self.post(client, headers: declared, body: big)
            #expect(first.status == .contentTooLarge)
            // Without Content-Length the limit applies while the body is read.
            let second = try await Self.post(client, headers: TestSupport.signedHeaders(body: big, id: "msg_2"), body: big)
            #expect(second.status == .contentTooLarge)
            #expect(try Self.json(second)["error"] == "payload_too_large")
            // Exactly at the limit is fine.
            let fitting = TestSupport.campaignBody(padding: String(repeating: "x", count: 1024 - TestSupport.campaignBody().count))
            #expect(fitting.count == 1024)
            let third = try await Self.post(client, headers: TestSupport.signedHeaders(body: fitting, id: "msg_3"), body: fitting)
            #expect(third.status == .accepted)
        }
        #expect(try await store.eventCount() == 1)
    }

    @Test(arguments: [nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
    func refusesANonJSONContentType(_ contentType: String?) async throws {
        let body = body
        try await withApp { client in
            var headers = TestSupport.signedHeaders(body: body, id: "msg_1")
            headers[.contentType] = contentType
            let response = try await Self.post(client, headers: headers, body: body)
            #expect(response.status == .unsupportedMediaType)
        }
    }

    @Test(arguments: ["application/json; charset=utf-8", "application/cloudevents+json", "Application/JSON"])
    func acceptsJSONContentTypeVariants(_ contentType: String) async throws {
        let body = body
        try await withApp { client in
            var headers = TestSupport.signedHeaders(body: body, id: "msg_1")
            headers[.contentType] = contentType
            let response = try await Self.post(client, headers: headers, body: body)
            #expect(response.status == .accepted)
        }
    }

    @Test func answersNotFoundForAnUnknownSource() async throws {
        let store = MemoryStore()
        let body = body
        try await withApp(store: store) { client in
            let response = try await Self.post(client, source: "nope", headers: TestSupport.signedHeaders(body: body, id: "msg_1"), body: body)
            #expect(response.status == .notFound)
            #expect(try Self.json(response)["error"] == "not_found")
        }
        let record = try #require(try await store.records(from: 0, limit: 1).first)
        #expect(record.source == "nope")
        #expect(record.details.contains(#""reason":"unknown_source""#))
    }

    @Test func storesAndAuditsUnknownEventTypesInsteadOfRejectingThem() async throws {
        let store = MemoryStore()
        try await withApp(store: store) { client in
            let body = TestSupport.campaignBody(event: "campaign.archived")
            let response = try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: "msg_1"), body: body)
            #expect(response.status == .accepted)
            let stored = try #require(try await store.event(id: try Self.json(response)["id"] ?? ""))
            #expect(stored.eventType == "campaign.archived")
            #expect(!stored.isKnownType)
        }
        #expect(try await store.records(from: 0, limit: 1).first?.details.contains(#""known_type":false"#) == true)
    }

    @Test func answersServiceUnavailableWhenTheEventCannotBeStored() async throws {
        let body = body
        try await withApp(store: FailingStore()) { client in
            let response = try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: "msg_1"), body: body)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            #expect(try Self.json(response)["error"] == "unavailable")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
        }
    }

    @Test func reportsHealthAndReadiness() async throws {
        try await withApp { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(health.body.text == #"{"status":"ok"}"#)
            #expect(ready.status == .ok)
        }
    }

    @Test func rateLimitsRejectionRecordsAndCountsWhatItDropped() async throws {
        let store = MemoryStore()
        let clock = clock
        // One client may use a quarter of the budget: a burst of 3, then one record every 4 s.
        let config = TestSupport.config(rejectionsPerSecond: 1, rejectionBurst: 12)
        try await withApp(config: config, store: store) { client in
            for _ in 0..<10 {
                #expect(try await Self.post(client, source: "junk", headers: [.contentType: "application/json"], body: [1]).status == .notFound)
            }
            clock.advance(by: .seconds(4))
            _ = try await Self.post(client, source: "junk", headers: [.contentType: "application/json"], body: [1])
        }
        let records = try await store.records(from: 0, limit: 100)
        #expect(records.count == 4)
        #expect(records[3].details.contains(#""suppressed_before":7"#))
        #expect(records[3].details.contains(#""client_suppressed_before":7"#))
    }

    @Test func auditsAHugeUnknownSourceNameTruncatedWithItsLength() async throws {
        let store = MemoryStore()
        let logs = LogCapture()
        let name = String(repeating: "a", count: 60_000)
        try await withApp(store: store, logger: logs.logger) { client in
            let response = try await Self.post(client, source: name, headers: [.contentType: "application/json"], body: [1])
            #expect(response.status == .notFound)
        }
        let record = try #require(try await store.records(from: 0, limit: 10).first)
        #expect(record.source == String(repeating: "a", count: 64))
        #expect(record.details.contains(#""source_length":60000"#))
        #expect(record.details.utf8.count < 1000)
        let rejected = logs.handler.entries.filter { "\($0.message)" == "rejected webhook" }
        #expect(rejected.map { $0.metadata["webhook.source"].map { "\($0)" } } == [String(repeating: "a", count: 64)])
    }

    @Test func storesExactlyOneEventPerDeliveryUnderConcurrency() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        // 150 distinct deliveries, 50 of which are sent twice: 200 concurrent requests.
        let requests: [(String, [UInt8])] = (0..<200).map { index in
            let delivery = index < 150 ? index : index - 150
            return ("msg_\(delivery)", TestSupport.campaignBody(id: 1000 + delivery))
        }
        try await withApp(store: store) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (id, body) in requests {
                    group.addTask { try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: id), body: body).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .accepted }.count == 150)
            #expect(statuses.filter { $0 == .ok }.count == 50)
            // Read back before the application closes the store on shutdown.
            #expect(try await store.eventCount() == 150)
            let verification = try await store.verify()
            #expect(verification.isIntact)
            #expect(verification.checkedRecords == 200)
        }
    }

    @Test func recordsThePeerAddressOverALiveSocket() async throws {
        let store = MemoryStore()
        let body = body
        try await withApp(store: store, setup: .live) { client in
            let response = try await Self.post(client, headers: TestSupport.signedHeaders(body: body, id: "msg_live"), body: body)
            #expect(response.status == .accepted)
            let bad = try await Self.post(client, headers: [.contentType: "application/json"], body: body)
            #expect(bad.status == .unauthorized)
        }
        let records = try await store.records(from: 0, limit: 10)
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.details.contains(#""remote_address":"127.0.0.1""#) })
    }

    @Test func acceptsUnsignedWebhooksOnlyWhereConfiguredAndWarnsLoudly() async throws {
        let logs = LogCapture()
        var config = TestSupport.config()
        config.sources.append(SourceConfig(name: "open", scheme: .none, secrets: [], insecure: true))
        let body = body
        try await withApp(config: config, logger: logs.logger) { client in
            let open = try await Self.post(client, source: "open", headers: [.contentType: "application/json"], body: body)
            #expect(open.status == .accepted)
            let signed = try await Self.post(client, source: "symphony", headers: [.contentType: "application/json"], body: body)
            #expect(signed.status == .unauthorized)
        }
        let critical = logs.handler.entries.filter { $0.level == .critical }.map { "\($0.message)" }
        #expect(critical == ["INSECURE: webhooks to /webhooks/open are accepted WITHOUT any signature check"])
    }

    @Test func neverLogsOrAuditsASecretOrASignature() async throws {
        let logs = LogCapture()
        let store = MemoryStore()
        let secret = TestSupport.standardSecret
        let rotated = TestSupport.rotatedSecret
        let config = TestSupport.config(secrets: [secret, rotated])
        let body = body
        var signatures: [String] = []
        let good = TestSupport.signedHeaders(body: body, id: "msg_1")
        let wrong = TestSupport.signedHeaders(body: body, id: "msg_2", secret: "whsec_" + Data("an attacker's guess".utf8).base64EncodedString())
        let stale = TestSupport.signedHeaders(body: body, id: "msg_3", at: TestSupport.now.addingTimeInterval(-3600))
        signatures += [good, wrong, stale].compactMap { $0[.webhookSignature] }
        try await withApp(config: config, store: store, logger: logs.logger) { client in
            for headers in [good, good, wrong, stale] {
                _ = try await Self.post(client, headers: headers, body: body)
            }
            _ = try await Self.post(client, headers: good, body: Array("{broken".utf8))
        }
        let audit = try await store.records(from: 0, limit: 100)
        #expect(audit.count == 5)
        let texts = logs.renderedEntries + audit.map { "\($0.details) \($0.kind) \($0.source ?? "")" }
        #expect(!logs.renderedEntries.isEmpty)
        let forbidden = [secret, String(secret.dropFirst(6)), rotated, String(rotated.dropFirst(6))] + signatures
            + signatures.map { String($0.dropFirst(3)) }
        for text in texts {
            for needle in forbidden {
                #expect(!text.contains(needle), "leaked into: \(text)")
            }
        }
        // The configuration's own description redacts too.
        #expect(!"\(config.sources[0].secrets)".contains(String(secret.dropFirst(6))))
    }
}

/// The rejection budget keys on the client behind `server.trusted_proxies`, over a real socket (the peer
/// is 127.0.0.1, the trusted proxy).
struct WebhookClientBudgetTests {
    @Test func aFlooderBehindTheTrustedProxyCannotHideAnotherClientsRejections() async throws {
        let store = MemoryStore()
        var config = TestSupport.config(rejectionsPerSecond: 0.001, rejectionBurst: 8)
        config.server.trustedProxies = [try #require(IPNetwork("127.0.0.1"))]
        let app = try await buildApplication(
            config: config, dependencies: Dependencies(store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"))
        )
        try await app.test(.live) { client in
            func junk(from address: String) async throws {
                let response = try await client.execute(
                    uri: "/webhooks/nope", method: .post, headers: [.contentType: "application/json", ClientAddress.forwardedFor: address],
                    body: ByteBuffer(string: "{}")
                )
                #expect(response.status == .notFound)
            }
            for _ in 0..<20 { try await junk(from: "203.0.113.9") }
            try await junk(from: "198.51.100.7")
        }
        let records = try await store.records(from: 0, limit: 100)
        // A quarter of the burst of 8 for the flooder; the other client's rejection is still written.
        #expect(records.filter { $0.details.contains(#""remote_address":"203.0.113.9""#) }.count == 2)
        #expect(records.filter { $0.details.contains(#""remote_address":"198.51.100.7""#) }.count == 1)
        #expect(!records.contains { $0.details.contains(#""remote_address":"127.0.0.1""#) })
    }
}
