@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

struct WebhookEnvelopeTests {
    /// The receive time: the samples' 2025 times fall inside its window.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func readsTheFlatSymphonyShape() throws {
        let body = Array(#"{"event":"campaign.updated","provider":"facebook","type":"record_streams","id":5195,"brand_id":246,"status":"IN_REVIEW","updatedAt":"2025-02-20T20:15:12.923Z"}"#.utf8)
        let envelope = try WebhookEnvelope(body: body, paths: FieldPaths(), now: Self.now)
        #expect(envelope.eventType == "campaign.updated")
        #expect(envelope.isKnownType)
        #expect(envelope.campaignID == "5195")
        #expect(envelope.brandID == "246")
        let eventTime = try #require(envelope.eventTime)
        #expect(abs(eventTime.timeIntervalSince1970 - 1_740_082_512.923) < 0.0005)
    }

    @Test func readsTheEnvelopeShape() throws {
        let body = Array(#"{"event":"campaign.failed","timestamp":"2025-02-20T20:15:12Z","data":{"id":"5196","brand_id":"574","status":"FAILED"}}"#.utf8)
        let envelope = try WebhookEnvelope(body: body, paths: FieldPaths(), now: Self.now)
        #expect(envelope.eventType == "campaign.failed")
        #expect(envelope.campaignID == "5196")
        #expect(envelope.brandID == "574")
        #expect(envelope.eventTime == Date(timeIntervalSince1970: 1_740_082_512))
    }

    @Test func keepsUnknownEventTypesAsUnknown() throws {
        let envelope = try WebhookEnvelope(body: Array(#"{"event":"campaign.archived","id":1}"#.utf8), paths: FieldPaths(), now: Self.now)
        #expect(envelope.eventType == "campaign.archived")
        #expect(!envelope.isKnownType)
        let untyped = try WebhookEnvelope(body: Array(#"{"id":1}"#.utf8), paths: FieldPaths(), now: Self.now)
        #expect(untyped.eventType == nil)
        #expect(!untyped.isKnownType)
    }

    @Test func followsConfiguredPaths() throws {
        var paths = FieldPaths()
        paths.campaignID = ["payload.campaign.ref"]
        paths.eventType = ["kind"]
        paths.eventTime = ["at"]
        let body = Array(#"{"kind":"campaign.completed","at":1740082512000,"payload":{"campaign":{"ref":"c-9"}}}"#.utf8)
        let envelope = try WebhookEnvelope(body: body, paths: paths, now: Self.now)
        #expect(envelope.campaignID == "c-9")
        #expect(envelope.eventType == "campaign.completed")
        #expect(envelope.eventTime == Date(timeIntervalSince1970: 1_740_082_512))
    }

    @Test(arguments: ["", "not json", "[1,2]", "\"text\"", "{\"event\":", "null"])
    func rejectsBodiesThatAreNotAJSONObject(_ text: String) {
        #expect(throws: WebhookEnvelope.InvalidJSON.self) { try WebhookEnvelope(body: Array(text.utf8), paths: FieldPaths(), now: Self.now) }
    }

    @Test func readsEverySamplePayload() throws {
        let folder = TestSupport.samplesURL("payloads")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 6)
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            let envelope = try WebhookEnvelope(body: Array(data), paths: FieldPaths(), now: Self.now)
            #expect(envelope.campaignID == "5195", "\(file)")
            #expect(envelope.brandID == "246", "\(file)")
            #expect(envelope.isKnownType == !file.hasPrefix("unknown"), "\(file)")
        }
    }
}
