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

struct AdminAPITests {
    static let token = "admin-token-for-tests-0123456789abcdef"

    func withAdmin(
        store: any AdWatchStore = MemoryStore(), clock: ManualWallClock = ManualWallClock(TestSupport.now),
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var config = TestSupport.config()
        config.admin = AdminConfig(token: Secret(literal: Self.token))
        let app = try await buildApplication(config: config, dependencies: Dependencies(store: store, clock: clock, logger: Logger(label: "t")))
        try await app.test(.router) { client in try await test(client) }
    }

    static let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]

    @Test func fiveWrongTokensFromOneAddressAreAnsweredWith429ForAWhile() async throws {
        let clock = ManualWallClock(TestSupport.now)
        try await withAdmin(clock: clock) { client in
            // No header is no guess: it does not count.
            for _ in 0..<10 { #expect(try await client.execute(uri: "/admin/alerts", method: .get).status == .unauthorized) }
            for _ in 0..<5 {
                let wrong = try await client.execute(uri: "/admin/alerts", method: .get, headers: [.authorization: "Bearer guess"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await client.execute(uri: "/admin/alerts", method: .get, headers: Self.auth)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "300")
            clock.advance(by: .seconds(300))
            #expect(try await client.execute(uri: "/admin/alerts", method: .get, headers: Self.auth).status == .ok)
        }
    }

    @Test(arguments: [nil, "Bearer wrong", "Basic \(token)", "Bearer \(token)x"] as [String?])
    func refusesAMissingOrWrongToken(_ header: String?) async throws {
        try await withAdmin { client in
            var headers: HTTPFields = [:]
            headers[.authorization] = header
            let response = try await client.execute(uri: "/admin/alerts", method: .get, headers: headers)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func listsAlertsByState() async throws {
        let store = MemoryStore()
        let alert = Alert(
            fingerprint: "account/5195", rule: "account", campaignID: "5195", level: nil, labels: ["rule": "account"], severity: .critical,
            summary: "UNSETTLED (3)", state: .firing, activeSince: TestSupport.now, firingSince: TestSupport.now, resolvedAt: nil,
            lastNotifiedAt: TestSupport.now, suppressedBy: nil, updatedAt: TestSupport.now
        )
        var changes = AlertBook.Changes()
        changes.alerts = [alert]
        try await store.applyAlertChanges(changes, audit: [])
        try await withAdmin(store: store) { client in
            let firing = try await client.execute(uri: "/admin/alerts?state=firing", method: .get, headers: Self.auth)
            #expect(firing.status == .ok)
            let list = try JSONSerialization.jsonObject(with: Data(firing.body.readableBytesView)) as? [[String: Any]]
            #expect(list?.first?["fingerprint"] as? String == "account/5195")
            #expect(list?.first?["firing_since"] as? String == "2025-12-01T00:00:00Z")
            let resolved = try await client.execute(uri: "/admin/alerts?state=resolved", method: .get, headers: Self.auth)
            #expect(resolved.body.text == "[]")
            let bad = try await client.execute(uri: "/admin/alerts?state=burning", method: .get, headers: Self.auth)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func createsListsAndExpiresSilencesAndAuditsThem() async throws {
        let store = MemoryStore()
        try await withAdmin(store: store) { client in
            let body = #"{"matchers": ["campaign_id=5195"], "duration": "2h", "author": "ops", "comment": "known issue"}"#
            let created = try await client.execute(uri: "/admin/silences", method: .post, headers: Self.auth, body: ByteBuffer(string: body))
            #expect(created.status == .created)
            let object = try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as? [String: Any]
            let id = try #require(object?["id"] as? String)
            #expect(object?["ends_at"] as? String == "2025-12-01T02:00:00Z")
            let listed = try await client.execute(uri: "/admin/silences", method: .get, headers: Self.auth)
            #expect(listed.body.text.contains(id))
            let expired = try await client.execute(uri: "/admin/silences/\(id)/expire?author=ops", method: .post, headers: Self.auth)
            #expect(expired.status == .ok)
            let again = try await client.execute(uri: "/admin/silences/\(id)/expire", method: .post, headers: Self.auth)
            #expect(again.status == .notFound)
            let invalid = try await client.execute(
                uri: "/admin/silences", method: .post, headers: Self.auth, body: ByteBuffer(string: #"{"matchers": [], "duration": "2h", "author": "ops"}"#)
            )
            #expect(invalid.status == .badRequest)
            #expect(invalid.body.text.contains("at least one matcher"))
            let garbled = try await client.execute(uri: "/admin/silences", method: .post, headers: Self.auth, body: ByteBuffer(string: #"{"matchers": 5}"#))
            #expect(garbled.status == .badRequest)
            #expect(try JSONSerialization.jsonObject(with: Data(garbled.body.readableBytesView)) as? [String: String] == [
                "error": "invalid_json", "message": #"send {"matchers": ["name=value"], "duration": "2h", "author": "…"}"#,
            ])
        }
        #expect(try await store.records(from: 0, limit: 10).map(\.kind) == ["silence.created", "silence.expired"])
        // Aimed at one campaign, the silence shows in that campaign's timeline.
        var timeline = AuditQuery()
        timeline.campaign = "5195"
        #expect(try await store.records(matching: timeline, from: 0, limit: 10).map(\.kind) == ["silence.created"])
    }

    @Test func isAbsentWithoutAnAdminToken() async throws {
        let app = try await buildApplication(config: TestSupport.config(), dependencies: Dependencies(store: MemoryStore(), logger: Logger(label: "t")))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/admin/alerts", method: .get, headers: Self.auth)
            #expect(response.status == .notFound)
        }
    }

    @Test func theDryRunExplainsEveryRuleOnAFixture() throws {
        let config = try ConfigLoader.load(path: TestSupport.samplesURL("config/adwatch.yaml").path, resolver: .environment([:]))
        let details = try Data(contentsOf: TestSupport.samplesURL("fixtures/campaign-5195.json"))
        let analytics = try Data(contentsOf: TestSupport.samplesURL("fixtures/campaign-analytics-5195.json"))
        let at = try Date("2025-02-22T00:00:00Z", strategy: .iso8601)
        let text = RuleDryRun.describe(try RuleDryRun.evaluate(config: config, details: details, analytics: analytics, now: at))
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.contains("ok       account-standing: ad account ACTIVE (1), in good standing"))
        #expect(text.contains("FIRING [warning] in-review-24h (after): Campaign 5195 has been in review for 1d 3h"))
        #expect(text.contains("no data  spend-80: the Ads API reported no spend"))
    }
}
