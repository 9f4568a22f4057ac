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

/// Ids from a body go into Ads API paths, the `x-brand-id` header, labels and audit columns: only short,
/// plain ones are kept; anything else is dropped (the event is still accepted) and audited.
struct EnvelopeIdentifierTests {
    static func envelope(_ json: String) throws -> WebhookEnvelope {
        try WebhookEnvelope(body: Array(json.utf8), paths: FieldPaths(), now: TestSupport.now)
    }

    @Test(arguments: [
        #"{"id":5195,"brand_id":246}"#, #"{"id":"5195","brand_id":"brand-246"}"#, #"{"id":"act_1:v2.x","brand_id":"B_1"}"#,
        #"{"id":"\#(String(repeating: "9", count: 64))","brand_id":1}"#,
    ])
    func keepsPlainIDs(_ json: String) throws {
        let envelope = try Self.envelope(json)
        #expect(envelope.campaignID != nil && envelope.brandID != nil)
        #expect(envelope.identifiersDropped.isEmpty)
    }

    @Test(arguments: [
        (#"{"id":"\#(String(repeating: "9", count: 65))","brand_id":1}"#, ["campaign_id"]),
        (#"{"id":"../../v1/campaign?status=ACTIVE","brand_id":1}"#, ["campaign_id"]),
        (#"{"id":5195,"brand_id":"246\r\nx-api-key: stolen"}"#, ["brand_id"]),
        (#"{"id":"a b","brand_id":"<!channel>"}"#, ["campaign_id", "brand_id"]),
        (#"{"id":true,"brand_id":1.5}"#, ["campaign_id", "brand_id"]),
        (#"{"id":"","brand_id":{"x":1}}"#, ["campaign_id", "brand_id"]),
        (#"{"event":"campaign.updated\u0000","id":1,"delivery_id":"\#(String(repeating: "d", count: 257))"}"#, ["event_type", "delivery_id"]),
    ])
    func dropsAnythingElse(_ json: String, _ dropped: [String]) throws {
        let envelope = try Self.envelope(json)
        #expect(envelope.identifiersDropped.sorted() == dropped.sorted())
        if dropped.contains("campaign_id") { #expect(envelope.campaignID == nil) }
        if dropped.contains("brand_id") { #expect(envelope.brandID == nil) }
    }

    @Test func aHugeCampaignIDInASignedBodyIsAcceptedDroppedAuditedAndNeverFetched() async throws {
        let store = MemoryStore()
        let huge = String(repeating: "7", count: 200_000)
        let body = Array(#"{"event":"campaign.updated","id":"\#(huge)","brand_id":246}"#.utf8)
        let app = try await buildApplication(
            config: TestSupport.config(maxBodyBytes: 1 << 20),
            dependencies: Dependencies(store: store, clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"))
        )
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "msg_huge"), body: ByteBuffer(bytes: body)
            )
            #expect(response.status == .accepted)
        }
        let record = try #require(try await store.records(from: 0, limit: 10).first { $0.kind == "webhook.accepted" })
        #expect(record.details.contains(#""identifiers_dropped":"campaign_id""#))
        #expect(record.campaign == nil)
        #expect(!record.details.contains(huge))
        // Stored whole (nothing acknowledged is lost), but without a campaign to fetch.
        let event = try #require(try await store.events(in: .pending, limit: 10).first)
        #expect(event.campaignID == nil)
        #expect(event.body == body)
    }
}
