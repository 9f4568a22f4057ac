@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Webhook requests built to cost the receiver: many signatures, huge signed ids, bytes that are not UTF-8.
struct HostileRequestTests {
    let body = TestSupport.campaignBody()
    let now = TestSupport.now

    /// A scheme and how to list `count` bogus signatures beside the valid one.
    struct Flood: Sendable, CustomTestStringConvertible {
        var kind: SignatureSchemeTests.Kind
        var padded: @Sendable (_ valid: HTTPFields, _ bogus: Int) -> HTTPFields
        var testDescription: String { kind.name }
    }

    static let floods: [Flood] = [
        Flood(kind: SignatureSchemeTests.kinds[0]) { valid, count in
            var headers = valid
            let bogus = Array(repeating: "v1,\(ByteEncoding.base64(Array(repeating: 1, count: 32)))", count: count).joined(separator: " ")
            headers[.webhookSignature] = "\(bogus) \(valid[.webhookSignature]!)"
            return headers
        },
        Flood(kind: SignatureSchemeTests.kinds[1]) { valid, count in
            var headers = valid
            let parts = valid[.stripeSignature]!.split(separator: ",")
            let bogus = Array(repeating: "v1=\(String(repeating: "ab", count: 32))", count: count).joined(separator: ",")
            headers[.stripeSignature] = "\(parts[0]),\(bogus),\(parts[1])"
            return headers
        },
        Flood(kind: SignatureSchemeTests.kinds[3]) { valid, count in
            var headers = valid
            let name = HTTPField.Name("X-Symphony-Signature")!
            headers[name] = Array(repeating: "sha256=\(String(repeating: "00", count: 32))", count: count).joined(separator: ",") + ",\(valid[name]!)"
            return headers
        },
    ]

    @Test(arguments: floods)
    func tenThousandSignaturesAreMalformedNotTenThousandComparisons(_ flood: Flood) throws {
        let scheme = flood.kind.scheme([SignatureSchemeTests.secretA])
        let valid = scheme.sign(body: body, id: "msg_1", timestamp: now)
        let flooded = flood.padded(valid, 10_000)
        #expect(scheme.verify(SignedRequest(headers: flooded, body: body), now: now) == .failure(.malformedSignature))
        // Up to the cap, the valid one among them is still found.
        let fewer = flood.padded(valid, StripeScheme.maxSignatureCandidates - 1)
        _ = try scheme.verify(SignedRequest(headers: fewer, body: body), now: now).get()
    }

    @Test func aHugeSignedDeliveryIDIsHashedForDedupAndNotKeptAsTheID() {
        let long = String(repeating: "x", count: 100_000)
        func dedupKey(_ id: String) -> String {
            DedupKey.make(source: "s", body: body, delivery: VerifiedDelivery(deliveryID: id, deliveryIDIsSigned: true), bodyDeliveryID: nil)
        }
        let key = dedupKey(long)
        #expect(key.hasPrefix("id-sha256:") && key.utf8.count == 10 + 64)
        // Distinct long ids stay distinct keys; a short id keeps its plain key.
        #expect(key != dedupKey(long + "y"))
        #expect(dedupKey("msg_1") == "id:msg_1")
    }

    @Test func aHugeSignedDeliveryIDIsStoredAsAHashThroughTheRoute() async throws {
        let store = MemoryStore()
        let body = body
        let long = "msg_" + String(repeating: "x", count: 60_000)
        try await WebhookRouteTests().withApp(store: store) { client in
            let first = try await WebhookRouteTests.post(client, headers: TestSupport.signedHeaders(body: body, id: long), body: body)
            #expect(first.status == .accepted)
            let again = try await WebhookRouteTests.post(client, headers: TestSupport.signedHeaders(body: body, id: long), body: body)
            #expect(again.status == .ok, "the same long id is still a duplicate")
        }
        let stored = try #require(try await store.events(in: .pending, limit: 10).first)
        #expect(stored.deliveryID == nil)
        #expect(stored.dedupKey.utf8.count < 100)
    }

    /// Invalid UTF-8 is refused inside every string, escaped or not.
    static let notUTF8: [[UInt8]] = {
        func text(_ string: String) -> [UInt8] { Array(string.utf8) }
        let open: [UInt8] = text(#"{"a":""#)
        let close: [UInt8] = text(#""}"#)
        let escape: [UInt8] = text(#"\n"#)
        return [
            open + [0xFF] + close,
            open + [0xFF] + escape + close,
            open + escape + [0xC3] + close,
            open + escape + [0xED, 0xA0, 0x80] + close,
            [0xEF, 0xBB, 0xBF] + text(#"{"a":1}"#),
            text(#"{"a":"\ud800"}"#),
            text(#"{"a":"\udc00\ud800"}"#),
        ]
    }()

    @Test(arguments: notUTF8)
    func invalidUTF8AndLoneSurrogatesAreRefused(_ bytes: [UInt8]) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes) }
    }

    @Test func aBodyOfBracketsStopsAtTheNestingLimitWithoutRecursingFurther() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1 << 20)
        #expect(throws: JSONParser.Failure(offset: JSONParser.maximumDepth)) { try JSONParser.parse(bytes) }
    }

    @Test func duplicateKeysKeepTheLastAndManyKeysAreFine() throws {
        let keys = (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let value = try JSONParser.parse(Array("{\(keys),\"k0\":-1}".utf8))
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.count == 100_000)
        #expect(members["k0"] == .int(-1))
    }
}
