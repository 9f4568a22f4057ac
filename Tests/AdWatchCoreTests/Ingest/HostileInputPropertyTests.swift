@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import PropertyBased
import Testing

/// Random and extreme bodies and headers thrown at the envelope parser and at every signature
/// scheme: each gives a defined result (a value or a refusal), never a trap.
struct HostileInputPropertyTests {
    static let now = TestSupport.now

    /// Numbers and strings that broke, or could break, integer conversions.
    static let extremeScalars: [String] = [
        "1e300", "-1e300", "1e999", "-1e999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "1700000000000000000", "1700000000000", "1700000000", "0", "-0", "-1",
        "0.000000001", "4.9e-324", "1.7976931348623157e308", "123456789012345678901234567890", "true", "false", "null",
        "\"\"", "\"9999-12-31T23:59:59Z\"", "\"0000-01-01T00:00:00Z\"", "\"2025-12-01T00:00:00.123456789Z\"", "\"NaN\"", "\"inf\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\(String(repeating: "x", count: 5000))\"", "\"1764547200\"",
    ]

    /// SplitMix64: turns one generated seed into as many random choices as a document needs.
    struct SplitMix {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// A random JSON value: extreme scalars, random numbers, nested arrays and objects (up to `depth`).
    static func json(_ random: inout SplitMix, depth: Int) -> String {
        switch random.next(depth > 0 ? 6 : 3) {
        case 0: return extremeScalars[random.next(extremeScalars.count)]
        case 1: return "\(random.next(Int.max) - Int.max / 2)\(random.next(2) == 0 ? "" : "e\(random.next(700) - 350)")"
        case 2: return "\"\(String(repeating: "ab\\n", count: random.next(8)))\""
        case 3, 4:
            let keys = ["timestamp", "id", "campaign_id", "brand_id", "event", "data", "updatedAt", "occurred_at", "x"]
            let members = (0..<random.next(5)).map { _ in "\"\(keys[random.next(keys.count)])\":\(json(&random, depth: depth - 1))" }
            return "{" + members.joined(separator: ",") + "}"
        default:
            return "[" + (0..<random.next(4)).map { _ in json(&random, depth: depth - 1) }.joined(separator: ",") + "]"
        }
    }

    /// A body: a random JSON object (mostly), or random bytes, or a deep nesting.
    static let body = zip(Gen.int(in: 0...9), Gen<UInt64>.value(in: .min ... .max), Gen<UInt8>.value(in: 0...255).array(of: 0...64))
        .map { pick, seed, bytes -> [UInt8] in
            var random = SplitMix(state: seed)
            switch pick {
            case 0: return bytes
            case 1: return Array((String(repeating: "[", count: 1 + Int(seed % 5000)) + "1").utf8)
            case 2: return Array((String(repeating: "{\"a\":", count: 1 + Int(seed % 5000)) + "1" + String(repeating: "}", count: 1 + Int(seed % 5000))).utf8)
            default: return Array(("{\"event\":\"campaign.updated\",\"timestamp\":\(json(&random, depth: 0)),\"data\":" + json(&random, depth: 4) + "}").utf8)
            }
        }

    @Test func anyBodyParsesOrIsRefusedAndKeepsOnlySaneTimes() async {
        let window = WebhookEnvelope.eventTimeWindow(now: Self.now)
        await propertyCheck(count: 1000, input: Self.body) { body in
            do {
                let envelope = try WebhookEnvelope(body: body, paths: FieldPaths(), now: Self.now)
                if let time = envelope.eventTime { #expect(window.contains(time)) }
                #expect(envelope.eventTime == nil || envelope.eventTimeDropped == nil)
                // The store's conversion of whatever came out is defined too.
                _ = envelope.eventTime.map(SQLiteStore.milliseconds)
            } catch is WebhookEnvelope.InvalidJSON {
                // A defined refusal (400).
            }
        }
    }

    @Test(arguments: extremeScalars)
    func everyExtremeTimestampIsKeptInsideTheWindowOrDropped(_ scalar: String) throws {
        // A lone surrogate is not JSON: a defined refusal (400).
        guard let envelope = try? WebhookEnvelope(body: Array("{\"timestamp\":\(scalar)}".utf8), paths: FieldPaths(), now: Self.now) else {
            #expect(scalar.contains("\\ud800"))
            return
        }
        if let time = envelope.eventTime {
            #expect(WebhookEnvelope.eventTimeWindow(now: Self.now).contains(time))
        } else if scalar != "null" {
            #expect(envelope.eventTimeDropped != nil)
        }
    }

    /// Text that looks like an ISO 8601 time, mutated, or random bytes.
    static let timeText = zip(Gen.int(in: 0...2), Gen<UInt8>.value(in: 0...255).array(of: 0...40), Gen.int(in: 0...26))
        .map { pick, bytes, position -> String in
            switch pick {
            case 0: return String(decoding: bytes, as: UTF8.self)
            case 1:
                var text = Array("2025-12-01T00:00:00.123456Z".utf8)
                text[position] = bytes.first ?? 0
                return String(decoding: text, as: UTF8.self)
            default: return String(decoding: Array("2025-12-01T".utf8) + bytes, as: UTF8.self)
            }
        }

    @Test func anyTextAsAnEventTimeIsKeptInsideTheWindowOrDropped() async {
        let window = WebhookEnvelope.eventTimeWindow(now: Self.now)
        await propertyCheck(count: 2000, input: Self.timeText) { text in
            switch WebhookEnvelope.parseEventTime(.string(text), window: window) {
            case .success(let date): #expect(window.contains(date))
            case .failure: break
            }
            // What the admin API and the CLI use on operators' text, and the Ads API decoder on peers'.
            _ = try? Date(text, strategy: .iso8601)
            if let json = try? JSONSerialization.data(withJSONObject: ["at": text]) {
                _ = try? JSONDecoder().decode(LenientDate.self, from: json)
                // The admin API's request decoder (silences' starts_at / ends_at).
                let admin = JSONDecoder()
                admin.dateDecodingStrategy = .iso8601
                _ = try? admin.decode([String: Date].self, from: json)
            }
        }
    }

    struct LenientDate: Decodable {
        var at: Date?
        enum CodingKeys: String, CodingKey { case at }
        init(from decoder: any Decoder) throws {
            at = try decoder.container(keyedBy: CodingKeys.self).lenientDate(.at)
        }
    }

    /// A header value: an extreme number, a signature-shaped string, or random bytes.
    static let headerValue = zip(Gen.int(in: 0...4), Gen<UInt64>.value(in: .min ... .max), Gen<UInt8>.value(in: 32...126).array(of: 0...80))
        .map { pick, seed, bytes -> String in
            switch pick {
            case 0: return extremeScalars[Int(seed % UInt64(extremeScalars.count))].replacingOccurrences(of: "\"", with: "")
            case 1: return "t=\(Int64(bitPattern: seed)),v1=\(String(decoding: bytes, as: UTF8.self))"
            case 2: return "v1,\(Data(bytes).base64EncodedString()) v1,\(String(decoding: bytes, as: UTF8.self))"
            case 3: return "sha256=\(bytes.map { String(format: "%02x", $0) }.joined())"
            default: return String(decoding: bytes, as: UTF8.self)
            }
        }

    static let schemeHeaders = ["webhook-id", "webhook-timestamp", "webhook-signature", "Stripe-Signature", "X-Hub-Signature-256",
                                "X-Symphony-Signature", "X-Symphony-Timestamp", "X-Signature", "X-Timestamp", "X-Delivery"]

    /// Every scheme of the signature tests plus `none`.
    static let schemes: [any SignatureScheme] = SignatureSchemeTests.kinds.map { $0.scheme([SignatureSchemeTests.secretA]) }
        + [SourceConfig(name: "s", scheme: .none, secrets: [], insecure: true).makeScheme()]

    @Test func everySchemeGivesAVerdictForAnyHeadersAndBody() async {
        await propertyCheck(count: 300, input: Self.headerValue.array(of: 10), Self.body, Gen.int(in: 0...1023)) { values, body, mask in
            var headers = HTTPFields()
            for (index, name) in Self.schemeHeaders.enumerated() where mask & (1 << index) != 0 {
                headers.append(HTTPField(name: HTTPField.Name(name)!, value: values[index]))
            }
            for scheme in Self.schemes {
                switch scheme.verify(SignedRequest(headers: headers, body: body), now: Self.now) {
                case .success(let delivery):
                    // Only `none` lets random headers through; a verified time is inside the tolerance.
                    if let timestamp = delivery.timestamp { #expect(abs(timestamp.timeIntervalSince(Self.now)) <= 300) }
                case .failure:
                    break
                }
            }
        }
    }

    @Test func aValidSignatureWithAnExtremeTimestampIsRefusedNotATrap() {
        for kind in SignatureSchemeTests.kinds where kind.signsTimestamp {
            let scheme = kind.scheme([SignatureSchemeTests.secretA])
            let valid = scheme.sign(body: [], id: "msg_1", timestamp: Self.now)
            for value in ["1e300", "9223372036854775807", "9223372036854775808", "-1", "1700000000000000000", "99999999999999999999", "nan"] {
                var headers = valid
                for name in ["webhook-timestamp", "X-Symphony-Timestamp", "X-Timestamp"] where headers[HTTPField.Name(name)!] != nil {
                    headers[HTTPField.Name(name)!] = value
                }
                if let stripe = headers[.stripeSignature] {
                    headers[.stripeSignature] = stripe.replacingOccurrences(of: "t=\(Int(Self.now.timeIntervalSince1970))", with: "t=\(value)")
                }
                #expect(throws: (any Error).self, "\(kind.name) \(value)") { try scheme.verify(SignedRequest(headers: headers, body: []), now: Self.now).get() }
            }
        }
    }
}
