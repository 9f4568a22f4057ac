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

/// `/admin/audit…`, timelines, verify and the dead letter over HTTP.
struct AdminAuditAPITests {
    static let auth = AdminAPITests.auth

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    static func seqs(_ response: TestResponse) throws -> [Int] {
        (try object(response)["records"] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
    }

    @Test(arguments: [
        ("GET", "/admin/audit"), ("GET", "/admin/audit/verify"), ("GET", "/admin/audit/1"), ("GET", "/admin/campaigns/5195/timeline"),
        ("GET", "/admin/alerts/acct%2F5195/timeline"), ("GET", "/admin/deliveries?dead=true"), ("POST", "/admin/deliveries/d1/replay"),
    ])
    func refusesEveryEndpointWithoutOrWithAWrongToken(_ method: String, _ uri: String) async throws {
        try await AdminAPITests().withAdmin { client in
            for header in [nil, "Bearer wrong", "Bearer \(AdminAPITests.token.dropLast())"] as [String?] {
                var headers: HTTPFields = [:]
                headers[.authorization] = header
                let response = try await client.execute(uri: uri, method: .init(method)!, headers: headers)
                #expect(response.status == .unauthorized, "\(method) \(uri) with \(header ?? "no header")")
                #expect(!response.body.text.contains(AdminAPITests.token))
            }
        }
    }

    @Test func filtersAndPagesTheLogAndAnswersTimelines() async throws {
        let store = MemoryStore()
        try await store.append(AuditQueryTests.pipelineDrafts())
        try await AdminAPITests().withAdmin(store: store) { client in
            func get(_ uri: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .get, headers: Self.auth)
            }
            #expect(try Self.seqs(try await get("/admin/audit?outcome=accepted,duplicate")) == [1, 2, 7])
            #expect(try Self.seqs(try await get("/admin/audit?kind=webhook.accepted&campaign=7001")) == [7])
            #expect(try Self.seqs(try await get("/admin/audit?source=symphony&outcome=rejected")) == [3])
            #expect(try Self.seqs(try await get("/admin/audit?brand=246&alert=acct%2F7001")) == [8, 9])
            #expect(try Self.seqs(try await get("/admin/audit?since=2025-12-01T00:00:00Z&until=2025-12-01T00:00:01Z&limit=2")) == [1, 2])
            #expect(try Self.seqs(try await get("/admin/audit?until=2025-12-01T00:00:00Z")) == [])

            // Cursor pagination: next_cursor until the last page, which has none.
            var cursor: String? = nil
            var pages: [[Int]] = []
            repeat {
                let response = try await get("/admin/audit?limit=4" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(response.status == .ok)
                pages.append(try Self.seqs(response))
                cursor = try Self.object(response)["next_cursor"] as? String
            } while cursor != nil
            #expect(pages == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]])

            let timeline = try await get("/admin/campaigns/7001/timeline")
            #expect(try Self.seqs(timeline) == [7, 8, 9])
            let records = try Self.object(timeline)["records"] as? [[String: Any]]
            #expect(records?.map { $0["outcome"] as? String } == ["accepted", "queued", "succeeded"])
            #expect((records?.last?["details"] as? [String: Any])?["campaigns"] as? String == "5195,7001")
            #expect(try Self.seqs(try await get("/admin/alerts/acct%2F5195/timeline")) == [1, 2, 4, 5, 8, 9])

            let one = try await get("/admin/audit/5")
            #expect(try Self.object(one)["kind"] as? String == "alert.firing")
            #expect(try await get("/admin/audit/99").status == .notFound)
            let verify = try Self.object(try await get("/admin/audit/verify"))
            #expect(verify["intact"] as? Bool == true)
            #expect(verify["checked_records"] as? Int == 10)
            #expect(verify["checkpoint"] is NSNull)  // nothing pruned yet

            for bad in ["/admin/audit?outcome=exploded", "/admin/audit?since=yesterday", "/admin/audit?limit=0", "/admin/audit?cursor=-1"] {
                let response = try await get(bad)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(try Self.object(response)["error"] as? String == "invalid_parameter")
            }
        }
    }

    @Test func listsAndReplaysTheDeadLetterAndAuditsTheReplayInTheCampaignTimeline() async throws {
        let store = MemoryStore()
        let message = OutboundMessage(
            id: "msg_1", status: .firing,
            alerts: [AlertNotice(fingerprint: "acct/5195", rule: "acct", severity: .critical, summary: "s", campaignID: "5195", labels: [:], since: nil)],
            createdAt: TestSupport.now
        )
        let delivery = Delivery(id: "msg_1_ops-slack", channel: "ops-slack", message: message, createdAt: TestSupport.now)
        try await store.flushGroup("g", outboxIDs: [], deliveries: [delivery], at: TestSupport.now, audit: [])
        _ = try await store.claimDeliveries(now: TestSupport.now, limit: 10, lease: .seconds(60), owner: .boot())
        try await store.settleDelivery(id: delivery.id, outcome: .dead(error: "HTTP 404", status: 404), audit: [])
        try await AdminAPITests().withAdmin(store: store) { client in
            let dead = try Self.object(try await client.execute(uri: "/admin/deliveries?dead=true", method: .get, headers: Self.auth))
            let listed = dead["deliveries"] as? [[String: Any]]
            #expect(listed?.first?["id"] as? String == delivery.id)
            #expect(listed?.first?["campaigns"] as? [String] == ["5195"])
            let replay = try await client.execute(uri: "/admin/deliveries/\(delivery.id)/replay?operator=ops", method: .post, headers: Self.auth)
            #expect(replay.status == .ok)
            let again = try await client.execute(uri: "/admin/deliveries/\(delivery.id)/replay", method: .post, headers: Self.auth)
            #expect(again.status == .notFound)
            let timeline = try Self.object(try await client.execute(uri: "/admin/campaigns/5195/timeline", method: .get, headers: Self.auth))
            let kinds = (timeline["records"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
            #expect(kinds == ["delivery.replayed"])
        }
        #expect(try await store.deliveries(in: .pending, limit: 10).map(\.id) == [delivery.id])
    }
}
