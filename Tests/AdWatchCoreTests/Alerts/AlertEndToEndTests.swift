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

@Suite(.timeLimit(.minutes(1)))
struct AlertEndToEndTests {
    @Test func anUnsettledAccountFiresOneAlertAndItsRecoveryResolvesIt() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        try await PipelineEndToEndTests.withMockAPI { mock, port in
            try await mock.updateCampaign(id: 5195, .init(accountStatus: 3, disableReason: 3, adAccountGood: false, adAccountError: "Ad account is unsettled"))
            var config = TestSupport.config()
            config.rules = [RuleConfig(name: "account-standing", kind: .adAccountStanding, severity: .critical)]
            config.processor.pollInterval = "50ms"
            let dependencies = Dependencies(
                store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"),
                advertising: PipelineEndToEndTests.client(port: port, http: http, store: store)
            )
            let app = try await buildApplication(config: config, dependencies: dependencies)
            try await app.test(.router) { client in
                func send(_ id: String) async throws {
                    let body = TestSupport.campaignBody(id: 5195, event: "campaign.updated")
                    let response = try await client.execute(
                        uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: id), body: ByteBuffer(bytes: body)
                    )
                    #expect(response.status == .accepted)
                }
                func waitForOutbox(_ count: Int) async throws -> [OutboxMessage] {
                    while true {
                        let messages = try await store.outbox(limit: 10)
                        if messages.count >= count { return messages }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }

                try await send("e2e_1")
                let fired = try await waitForOutbox(1)
                #expect(fired.map(\.kind) == [.firing])
                #expect(fired.first?.severity == .critical)
                #expect(fired.first?.summary.contains("UNSETTLED (3)") == true)
                #expect(fired.first?.summary.contains("RISK_PAYMENT (3)") == true)
                #expect(fired.first?.labels["ad_account_id"] == "accountID")
                #expect(fired.first?.labels["provider"] == "facebook")

                try await mock.updateCampaign(id: 5195, .init(accountStatus: 1, disableReason: 0, adAccountGood: true, adAccountError: .some(nil)))
                try await send("e2e_2")
                let all = try await waitForOutbox(2)
                #expect(all.map(\.kind) == [.firing, .resolved])
                let kinds = try await store.records(from: 0, limit: 1000).map(\.kind)
                #expect(kinds.filter { $0 == "alert.firing" }.count == 1)
                #expect(kinds.filter { $0 == "alert.resolved" }.count == 1)
                #expect(try await store.verify().isIntact)
            }
        }
        try await http.shutdown()
    }
}
