@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

struct AuditQueryTests {
    @Test(arguments: StoreContractTests.Kind.allCases)
    func filtersAcrossPagesAndExportsJSONLines(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            var drafts: [AuditDraft] = []
            for index in 0..<2500 {
                drafts.append(AuditDraft(
                    at: TestSupport.now.addingTimeInterval(Double(index)), kind: index % 2 == 0 ? .webhookAccepted : .webhookRejected,
                    source: "symphony", campaign: "\(index % 5)", details: ["n": .int(Int64(index))]
                ))
            }
            try await store.append(drafts)
            var query = AuditQuery()
            query.kinds = ["webhook.rejected"]
            query.campaign = "3"
            query.since = TestSupport.now.addingTimeInterval(1000)
            let found = try await store.records(matching: query, limit: 1000)
            // Odd indices ≥ 1000 whose index % 5 == 3: 1003, 1013, …, 2493.
            #expect(found.count == 150)
            #expect(found.first?.seq == 1004)
            #expect(found.allSatisfy { $0.kind == "webhook.rejected" && $0.campaign == "3" })
            let page = try await store.records(matching: query, from: found[9].seq + 1, limit: 10)
            #expect(page.first?.seq == found[10].seq)
            let line = try #require(found.first?.jsonLine)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["seq"] as? Int == 1004)
            #expect((object["details"] as? [String: Any])?["n"] as? Int == 1003)
            #expect(object["hash"] as? String == found.first?.hash)
        }
    }

    /// A small pipeline's worth of records for two campaigns; the grouped delivery carries alerts of both.
    static func pipelineDrafts() -> [AuditDraft] {
        let at = TestSupport.now
        let grouped = OutboundMessage(
            id: "msg_1", status: .firing,
            alerts: [
                AlertNotice(fingerprint: "acct/5195", rule: "acct", severity: .critical, summary: "s", campaignID: "5195", labels: ["brand_id": "246"], since: at),
                AlertNotice(fingerprint: "acct/7001", rule: "acct", severity: .critical, summary: "s", campaignID: "7001", labels: ["brand_id": "246"], since: at),
            ],
            createdAt: at
        )
        return [
            AuditDraft(at: at, kind: .webhookAccepted, source: "symphony", campaign: "5195", brand: "246"),  // 1
            AuditDraft(at: at, kind: .webhookDuplicate, source: "symphony", campaign: "5195", brand: "246"),  // 2
            AuditDraft(at: at, kind: .webhookRejected, source: "symphony"),  // 3
            AuditDraft(at: at, kind: .fetchSucceeded, campaign: "5195", brand: "246"),  // 4
            AuditDraft(at: at, kind: .alertFiring, campaign: "5195", brand: "246", alert: "acct/5195"),  // 5
            AuditDraft(at: at, kind: .alertFiring, campaign: "5195", brand: "246", alert: "other/5195"),  // 6
            AuditDraft(at: at, kind: .webhookAccepted, source: "symphony", campaign: "7001", brand: "246"),  // 7
            .delivery(.deliveryQueued, at: at, message: grouped, details: ["delivery_id": "d1"]),  // 8
            .delivery(.deliverySucceeded, at: at, message: grouped, details: ["delivery_id": "d1"]),  // 9
            AuditDraft(at: at, kind: AuditKind(rawValue: "audit.checkpoint")),  // 10
        ]
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func timelinesFollowACampaignAndAnAlertIntoGroupedDeliveries(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await store.append(Self.pipelineDrafts())
            let campaign = try await store.records(matching: .timeline(campaign: "7001"), limit: 100)
            #expect(campaign.map(\.seq) == [7, 8, 9])
            let other = try await store.records(matching: .timeline(campaign: "5195"), limit: 100)
            #expect(other.map(\.seq) == [1, 2, 4, 5, 6, 8, 9])
            let alert = try await store.records(matching: try await store.alertTimelineQuery(fingerprint: "acct/5195"), limit: 100)
            // Its campaign's webhooks and fetch, its own transition and the delivery that carried it; not the other alert.
            #expect(alert.map(\.seq) == [1, 2, 4, 5, 8, 9])
            var byAlert = AuditQuery()
            byAlert.alert = "acct/7001"
            #expect(try await store.records(matching: byAlert, limit: 100).map(\.seq) == [8, 9])
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func filtersByOutcomeSourceAndBrandAndPagesWithACursor(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await store.append(Self.pipelineDrafts())
            func seqs(_ configure: (inout AuditQuery) -> Void) async throws -> [Int64] {
                var query = AuditQuery()
                configure(&query)
                return try await store.records(matching: query, limit: 100).map(\.seq)
            }
            #expect(try await seqs { $0.outcomes = [.accepted] } == [1, 7])
            #expect(try await seqs { $0.outcomes = [.duplicate, .rejected] } == [2, 3])
            #expect(try await seqs { $0.outcomes = [.succeeded] } == [4, 9])
            #expect(try await seqs { $0.outcomes = [.firing] } == [5, 6])
            #expect(try await seqs { $0.outcomes = [.other] } == [10])
            #expect(try await seqs { $0.outcomes = [.other, .queued] } == [8, 10])
            #expect(try await seqs { $0.outcomes = [.accepted]; $0.kinds = ["webhook.rejected"] } == [])
            #expect(try await seqs { $0.source = "symphony"; $0.campaign = "5195" } == [1, 2])
            #expect(try await seqs { $0.brand = "246"; $0.outcomes = [.queued, .succeeded] } == [4, 8, 9])

            let first = try await store.page(matching: .timeline(campaign: "5195"), after: nil, limit: 3)
            #expect(first.records.map(\.seq) == [1, 2, 4])
            #expect(first.nextCursor == 4)
            let second = try await store.page(matching: .timeline(campaign: "5195"), after: first.nextCursor, limit: 3)
            #expect(second.records.map(\.seq) == [5, 6, 8])
            let last = try await store.page(matching: .timeline(campaign: "5195"), after: second.nextCursor, limit: 3)
            #expect(last.records.map(\.seq) == [9])
            #expect(last.nextCursor == nil)
        }
    }

    @Test func sqliteAnswersTimelinesFromIndexes() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        let campaignPlan = try await store.auditQueryPlan(.timeline(campaign: "5195"))
        #expect(campaignPlan.contains("audit_by_campaign"))
        #expect(campaignPlan.contains("audit_by_kind"))
        var alert = AuditQuery()
        alert.alert = "acct/5195"
        #expect(try await store.auditQueryPlan(alert).contains("audit_by_alert"))
        try await store.close()
    }
}
