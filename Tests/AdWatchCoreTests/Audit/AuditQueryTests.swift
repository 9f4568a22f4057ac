@testable import AdWatchCore
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
}
