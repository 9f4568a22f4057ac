@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import Testing

/// Every scheme against the same table of cases: valid, tampered, wrong secret, rotation,
/// several signatures, stale and future timestamps, missing and malformed headers.
struct SignatureSchemeTests {
    /// A scheme under test, built from config exactly as the receiver builds it.
    struct Kind: Sendable, CustomTestStringConvertible {
        var name: String
        var signsTimestamp: Bool
        var makeSource: @Sendable ([String]) -> SourceConfig
        /// Headers carrying several signatures, only one of them (`valid`) right.
        var withSeveralSignatures: (@Sendable (_ valid: HTTPFields) -> HTTPFields)?
        var testDescription: String { name }

        func scheme(_ secrets: [String]) -> any SignatureScheme { makeSource(secrets).makeScheme() }
    }

    static let secretA = "whsec_" + Data("first secret bytes, long enough".utf8).base64EncodedString()
    static let secretB = "whsec_" + Data("second secret bytes, also long".utf8).base64EncodedString()
    static let tolerance: ConfigDuration = "5m"

    static let kinds: [Kind] = [
        Kind(
            name: "standard-webhooks",
            signsTimestamp: true,
            makeSource: { SourceConfig(name: "s", scheme: .standardWebhooks, secrets: $0.map(Secret.init(literal:)), tolerance: tolerance) },
            withSeveralSignatures: { valid in
                var headers = valid
                headers[.webhookSignature] = "v1,\(ByteEncoding.base64(Array(repeating: 1, count: 32))) v2,abc \(valid[.webhookSignature]!)"
                return headers
            }
        ),
        Kind(
            name: "stripe",
            signsTimestamp: true,
            makeSource: { SourceConfig(name: "s", scheme: .stripe, secrets: $0.map(Secret.init(literal:)), tolerance: tolerance) },
            withSeveralSignatures: { valid in
                var headers = valid
                let parts = valid[.stripeSignature]!.split(separator: ",")
                headers[.stripeSignature] = "\(parts[0]),v1=\(String(repeating: "ab", count: 32)),\(parts[1]),v0=00"
                return headers
            }
        ),
        Kind(
            name: "github",
            signsTimestamp: false,
            makeSource: { SourceConfig(name: "s", scheme: .github, secrets: $0.map(Secret.init(literal:))) },
            withSeveralSignatures: nil
        ),
        Kind(
            name: "hmac hex with timestamp",
            signsTimestamp: true,
            makeSource: {
                SourceConfig(
                    name: "s", scheme: .hmac, secrets: $0.map(Secret.init(literal:)), tolerance: tolerance,
                    header: "X-Symphony-Signature", prefix: "sha256=", encoding: .hex, signed: "{timestamp}.{body}",
                    timestampHeader: "X-Symphony-Timestamp"
                )
            },
            withSeveralSignatures: { valid in
                var headers = valid
                let name = HTTPField.Name("X-Symphony-Signature")!
                headers[name] = "sha256=\(String(repeating: "00", count: 32)), \(valid[name]!)"
                return headers
            }
        ),
        Kind(
            name: "hmac base64 with id",
            signsTimestamp: true,
            makeSource: {
                SourceConfig(
                    name: "s", scheme: .hmac, secrets: $0.map(Secret.init(literal:)), tolerance: tolerance,
                    header: "X-Signature", encoding: .base64, signed: "{id}.{timestamp}.{body}",
                    timestampHeader: "X-Timestamp", idHeader: "X-Delivery"
                )
            },
            withSeveralSignatures: nil
        ),
    ]

    let body = TestSupport.campaignBody()
    let now = TestSupport.now

    func request(_ headers: HTTPFields, body: [UInt8]? = nil) -> SignedRequest {
        SignedRequest(headers: headers, body: body ?? self.body)
    }

    @Test(arguments: kinds)
    func acceptsAValidSignature(_ kind: Kind) throws {
        let scheme = kind.scheme([Self.secretA])
        let headers = scheme.sign(body: body, id: "msg_1", timestamp: now)
        let delivery = try scheme.verify(request(headers), now: now).get()
        if kind.signsTimestamp { #expect(delivery.timestamp == now) }
    }

    @Test(arguments: kinds)
    func rejectsATamperedBody(_ kind: Kind) {
        let scheme = kind.scheme([Self.secretA])
        let headers = scheme.sign(body: body, id: "msg_1", timestamp: now)
        var tampered = body
        tampered[10] ^= 0x01
        #expect(scheme.verify(request(headers, body: tampered), now: now) == .failure(.signatureMismatch))
    }

    @Test(arguments: kinds)
    func rejectsTheWrongSecret(_ kind: Kind) {
        let headers = kind.scheme([Self.secretB]).sign(body: body, id: "msg_1", timestamp: now)
        #expect(kind.scheme([Self.secretA]).verify(request(headers), now: now) == .failure(.signatureMismatch))
    }

    @Test(arguments: kinds)
    func acceptsTheSecondSecretDuringRotation(_ kind: Kind) throws {
        let headers = kind.scheme([Self.secretB]).sign(body: body, id: "msg_1", timestamp: now)
        _ = try kind.scheme([Self.secretA, Self.secretB]).verify(request(headers), now: now).get()
    }

    @Test(arguments: kinds.filter { $0.withSeveralSignatures != nil })
    func acceptsSeveralSignaturesWhenOneIsValid(_ kind: Kind) throws {
        let scheme = kind.scheme([Self.secretA])
        let several = kind.withSeveralSignatures!(scheme.sign(body: body, id: "msg_1", timestamp: now))
        _ = try scheme.verify(request(several), now: now).get()
        // The same list without the valid one fails.
        let wrong = kind.withSeveralSignatures!(kind.scheme([Self.secretB]).sign(body: body, id: "msg_1", timestamp: now))
        #expect(scheme.verify(request(wrong), now: now) == .failure(.signatureMismatch))
    }

    @Test(arguments: kinds.filter(\.signsTimestamp))
    func rejectsStaleAndFutureTimestampsBeyondTolerance(_ kind: Kind) throws {
        let scheme = kind.scheme([Self.secretA])
        for offset in [-301.0, 301.0] {
            let headers = scheme.sign(body: body, id: "msg_1", timestamp: now.addingTimeInterval(offset))
            #expect(scheme.verify(request(headers), now: now) == .failure(.timestampOutsideTolerance), "offset \(offset)")
        }
        for offset in [-300.0, 300.0] {
            let headers = scheme.sign(body: body, id: "msg_1", timestamp: now.addingTimeInterval(offset))
            _ = try scheme.verify(request(headers), now: now).get()
        }
    }

    @Test(arguments: kinds)
    func rejectsMissingAndMalformedHeaders(_ kind: Kind) {
        let scheme = kind.scheme([Self.secretA])
        let signed = scheme.sign(body: body, id: "msg_1", timestamp: now)
        // Without any of its headers, every scheme fails closed.
        #expect(scheme.verify(request([:]), now: now) == .failure(.missingSignature))
        // X-GitHub-Delivery is informational: GitHub's signature does not cover it.
        for field in signed where field.name != .githubDelivery {
            var without = signed
            without[field.name] = nil
            let failure = scheme.verify(request(without), now: now).failureValue
            #expect(failure != nil, "accepted without \(field.name)")
            var garbled = signed
            garbled[field.name] = "%%%not-a-value%%%"
            let garbledFailure = scheme.verify(request(garbled), now: now).failureValue
            #expect(garbledFailure != nil, "accepted with a garbled \(field.name)")
            if field.name == .webhookTimestamp || field.name.rawName == "X-Symphony-Timestamp" {
                #expect(garbledFailure == .malformedTimestamp)
                #expect(failure == .missingTimestamp)
            }
        }
    }

    @Test func standardWebhooksMatchesTheSpecificationVector() throws {
        let scheme = StandardWebhooksScheme(keys: [StandardWebhooksScheme.key(from: Secret(literal: TestSupport.standardSecret))!], tolerance: .seconds(300))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let sent = Date(timeIntervalSince1970: 1_614_265_330)
        let headers = scheme.sign(body: body, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: sent)
        #expect(headers[.webhookSignature] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let delivery = try scheme.verify(SignedRequest(headers: headers, body: body), now: sent).get()
        #expect(delivery.deliveryID == "msg_p5jXN8AQM9LWM0D4loKWxJek")
    }

    @Test func stripeMatchesAnIndependentlyComputedVector() throws {
        // Computed with Python's hmac module: hmac.new(b"whsec_test_secret", b"1764547200." + body, sha256).hexdigest()
        let body = Array(#"{"id":"evt_1","object":"event"}"#.utf8)
        let scheme = StripeScheme(keys: [Array("whsec_test_secret".utf8)], tolerance: .seconds(300))
        let headers: HTTPFields = [.stripeSignature: "t=1764547200,v1=e46e741e05ca862f6c3234f71df0517ff91e76eec333bd3d25325f5b0423f90d"]
        _ = try scheme.verify(SignedRequest(headers: headers, body: body), now: TestSupport.now).get()
        #expect(scheme.sign(body: body, id: "", timestamp: TestSupport.now) == headers)
    }

    @Test func declarativeHMACMatchesAnIndependentlyComputedVector() throws {
        // base64(hmac.new(b"symphony-demo", b"msg_1.1764547200." + body, sha256).digest())
        let body = Array(#"{"id":"evt_1","object":"event"}"#.utf8)
        let source = SourceConfig(
            name: "s", scheme: .hmac, secrets: [Secret(literal: "symphony-demo")], header: "X-Signature", encoding: .base64,
            signed: "{id}.{timestamp}.{body}", timestampHeader: "X-Timestamp", idHeader: "X-Delivery"
        )
        let headers: HTTPFields = [
            HTTPField.Name("X-Signature")!: "a8mBlVxGOvV1LNbQtKerSlilhZmKFP/7x7JEP++0fOo=",
            HTTPField.Name("X-Timestamp")!: "1764547200",
            HTTPField.Name("X-Delivery")!: "msg_1",
        ]
        let delivery = try source.makeScheme().verify(SignedRequest(headers: headers, body: body), now: TestSupport.now).get()
        #expect(delivery.deliveryID == "msg_1")
    }

    @Test func githubReportsTheDeliveryID() throws {
        let scheme = GitHubScheme(keys: [Array("It's a Secret to Everybody".utf8)])
        let headers: HTTPFields = [
            .hubSignature256: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            .githubDelivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        ]
        let delivery = try scheme.verify(SignedRequest(headers: headers, body: Array("Hello, World!".utf8)), now: TestSupport.now).get()
        #expect(delivery.deliveryID == "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        #expect(delivery.timestamp == nil)
    }

    /// Headers a sender holding `secret` would send if it wrote the timestamp as `text`: the signature is
    /// right for that text, so only the timestamp's spelling can fail.
    static func headers(for kind: Kind, timestampText text: String, body: [UInt8], secret: String = secretA) -> HTTPFields {
        let id = "msg_1"
        func mac(_ key: [UInt8], _ content: String) -> [UInt8] { Digest.hmacSHA256(key: key, message: Array(content.utf8) + body) }
        switch kind.name {
        case "standard-webhooks":
            let key = StandardWebhooksScheme.key(from: Secret(literal: secret))!
            return [.webhookID: id, .webhookTimestamp: text, .webhookSignature: "v1,\(ByteEncoding.base64(mac(key, "\(id).\(text).")))"]
        case "stripe":
            return [.stripeSignature: "t=\(text),v1=\(ByteEncoding.hex(mac(Array(secret.utf8), "\(text).")))"]
        case "hmac hex with timestamp":
            return [
                HTTPField.Name("X-Symphony-Signature")!: "sha256=\(ByteEncoding.hex(mac(Array(secret.utf8), "\(text).")))",
                HTTPField.Name("X-Symphony-Timestamp")!: text,
            ]
        case "hmac base64 with id":
            return [
                HTTPField.Name("X-Signature")!: ByteEncoding.base64(mac(Array(secret.utf8), "\(id).\(text).")),
                HTTPField.Name("X-Timestamp")!: text, HTTPField.Name("X-Delivery")!: id,
            ]
        default:
            preconditionFailure("no timestamp in \(kind.name)")
        }
    }

    /// The same instant as `TestSupport.now`, or nearly, spelled every way but the canonical one.
    static let nonCanonicalTimestamps = [
        "01764547200", "001764547200", "+1764547200", "-1764547200", "1764547200.0", "1764 547200", "1.7645472e9", "0x692CDA80",
        "\u{0661}\u{0667}\u{0666}\u{0664}\u{0665}\u{0664}\u{0667}\u{0662}\u{0660}\u{0660}", "1764547200000000",
    ]

    @Test(arguments: kinds.filter(\.signsTimestamp))
    func rejectsTimestampsThatAreNotCanonicalDecimal(_ kind: Kind) throws {
        let scheme = kind.scheme([Self.secretA])
        // The helper signs the canonical spelling exactly as the scheme does.
        _ = try scheme.verify(request(Self.headers(for: kind, timestampText: "1764547200", body: body)), now: now).get()
        for text in Self.nonCanonicalTimestamps {
            let result = scheme.verify(request(Self.headers(for: kind, timestampText: text, body: body)), now: now)
            #expect(result == .failure(.malformedTimestamp), "\(text)")
        }
    }

    @Test func hmacReadsNoTimestampOrIDHeaderItsTemplateDoesNotSign() throws {
        // Validation refuses this configuration; built anyway, the scheme still does not trust the unsigned headers.
        let source = SourceConfig(
            name: "s", scheme: .hmac, secrets: [Secret(literal: "k")], header: "X-Signature", signed: "{body}",
            timestampHeader: "X-Timestamp", idHeader: "X-Delivery"
        )
        let scheme = source.makeScheme()
        var headers = scheme.sign(body: body, id: "msg_1", timestamp: now)
        #expect(headers[HTTPField.Name("X-Timestamp")!] == nil)
        #expect(headers[HTTPField.Name("X-Delivery")!] == nil)
        // Whatever a replayer writes into them, they neither fail the request nor become its id or time.
        headers[HTTPField.Name("X-Timestamp")!] = "not a time"
        headers[HTTPField.Name("X-Delivery")!] = "the next id the sender will use"
        let delivery = try scheme.verify(request(headers), now: now).get()
        #expect(delivery == VerifiedDelivery(deliveryID: nil, deliveryIDIsSigned: false, timestamp: nil))
    }

    @Test func saysWhetherTheSignatureCoversTheDeliveryIDAndTheBody() throws {
        let id = "msg_1"
        let standard = Self.kinds[0].scheme([Self.secretA])
        let standardDelivery = try standard.verify(request(standard.sign(body: body, id: id, timestamp: now)), now: now).get()
        #expect(standardDelivery.deliveryIDIsSigned && standardDelivery.bodyIsSigned)
        let github = Self.kinds[2].scheme([Self.secretA])
        let githubDelivery = try github.verify(request(github.sign(body: body, id: id, timestamp: now)), now: now).get()
        #expect(githubDelivery.deliveryID == id)
        #expect(!githubDelivery.deliveryIDIsSigned && githubDelivery.bodyIsSigned)
        let hmac = Self.kinds[4].scheme([Self.secretA])
        #expect(try hmac.verify(request(hmac.sign(body: body, id: id, timestamp: now)), now: now).get().deliveryIDIsSigned)
        let unsigned = try UnsignedScheme().verify(request([:]), now: now).get()
        #expect(!unsigned.bodyIsSigned && !unsigned.deliveryIDIsSigned)
    }

    @Test(arguments: ["{id}{timestamp}.{body}", "{timestamp}{body}", "{body}{timestamp}", "{id}.{timestamp}{body}", "{body}{body}"])
    func signedContentTemplateRejectsAdjacentPlaceholders(_ template: String) {
        #expect(throws: ConfigError.self) { try SignedContentTemplate(parsing: template) }
    }

    @Test(arguments: ["{id}.{timestamp}.{body}", "v0:{timestamp}:{body}", "{body}", "{timestamp}\n{id}\n{body}"])
    func signedContentTemplateAcceptsSeparatedPlaceholders(_ template: String) throws {
        _ = try SignedContentTemplate(parsing: template)
    }

    @Test func signedContentTemplateRejectsUnknownPlaceholdersAndMissingBody() {
        #expect(throws: ConfigError.self) { try SignedContentTemplate(parsing: "{timestamp}.{payload}") }
        #expect(throws: ConfigError.self) { try SignedContentTemplate(parsing: "{timestamp}") }
        #expect(throws: ConfigError.self) { try SignedContentTemplate(parsing: "{body") }
        #expect((try? SignedContentTemplate(parsing: "v0:{timestamp}:{body}"))?.usesTimestamp == true)
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
