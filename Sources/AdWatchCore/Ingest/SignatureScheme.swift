public import Foundation
public import HTTPTypes

/// What a signature scheme needs of a request: its headers and the raw body bytes.
public struct SignedRequest: Sendable {
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(headers: HTTPFields, body: [UInt8]) {
        self.headers = headers
        self.body = body
    }
}

/// Why a request failed verification. Recorded in the audit log; never sent to the caller,
/// who gets the same generic 401 for all of them.
public enum SignatureFailure: String, Sendable, Error, CaseIterable {
    case missingSignature = "missing_signature"
    case malformedSignature = "malformed_signature"
    case missingTimestamp = "missing_timestamp"
    case malformedTimestamp = "malformed_timestamp"
    case timestampOutsideTolerance = "timestamp_outside_tolerance"
    case missingID = "missing_id"
    case signatureMismatch = "signature_mismatch"
}

/// What a valid signature vouches for.
public struct VerifiedDelivery: Sendable, Equatable {
    /// The sender's delivery id (`webhook-id`, `X-GitHub-Delivery`, the `hmac` id header), when it sends one.
    public var deliveryID: String?
    /// True when the signature covers ``deliveryID`` (`webhook-id`, an `hmac` template with `{id}`).
    /// An unsigned id (`X-GitHub-Delivery`) can be rewritten by anyone who replays the request, so it
    /// never identifies a delivery for dedup (``DedupKey``).
    public var deliveryIDIsSigned: Bool
    /// The signed timestamp, when the scheme signs one.
    public var timestamp: Date?
    /// True when the signature covers the body (every scheme but `none`), so a delivery id found inside
    /// the body is as trustworthy as the body.
    public var bodyIsSigned: Bool

    public init(deliveryID: String? = nil, deliveryIDIsSigned: Bool = false, timestamp: Date? = nil, bodyIsSigned: Bool = true) {
        self.deliveryID = deliveryID
        self.deliveryIDIsSigned = deliveryIDIsSigned
        self.timestamp = timestamp
        self.bodyIsSigned = bodyIsSigned
    }
}

/// A way of proving that a webhook came from its sender: one strategy per source, chosen in config.
///
/// Each scheme holds every active secret (several while a secret is rotated) and accepts a request
/// signed with any of them. Verification fails closed: anything missing or malformed is a failure.
/// Comparison is constant-time (``Digest/constantTimeEquals(_:_:)``).
///
/// ```swift
/// let scheme = StandardWebhooksScheme(keys: [key], tolerance: .seconds(300))
/// switch scheme.verify(SignedRequest(headers: headers, body: body), now: clock.now()) {
/// case .success(let delivery): ...
/// case .failure(let reason): ...   // audit `reason`, answer 401
/// }
/// ```
public protocol SignatureScheme: Sendable {
    /// The scheme's config name (`standard-webhooks`, `stripe`, …).
    var name: String { get }
    /// Header fields that carry signature material; they are never stored, logged or audited.
    var signatureHeaderNames: [HTTPField.Name] { get }
    /// Checks a request's signature (and timestamp, where the scheme signs one).
    func verify(_ request: SignedRequest, now: Date) -> Result<VerifiedDelivery, SignatureFailure>
    /// Produces the headers a sender would add to `body`, signed with the first secret.
    /// Used by `adwatch send`, the demo and the tests.
    func sign(body: [UInt8], id: String, timestamp: Date) -> HTTPFields
}

extension SignatureScheme {
    /// True when `signed` is within `tolerance` of `now`, in either direction.
    static func isWithin(_ tolerance: Duration, _ signed: Date, of now: Date) -> Bool {
        abs(now.timeIntervalSince(signed)) <= tolerance.timeInterval
    }

    /// Parses a Unix timestamp in whole seconds, written as canonical decimal.
    ///
    /// ASCII digits only — no sign, no spaces, no leading zeros (`"0"` alone is fine) — and at most 12
    /// of them; anything else is malformed. One instant has exactly one spelling, so a timestamp
    /// cannot be re-spelled to move bytes between it and a neighbouring part of the signed content.
    static func parseUnixSeconds(_ text: String) -> Date? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              digits.count == 1 || digits.first != UInt8(ascii: "0"),
              let seconds = Int64(text)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The most signatures one request may list: a sender rotating its own secret lists two or three.
    /// More is a malformed signature, so the comparisons per request stay few whatever the header holds.
    static var maxSignatureCandidates: Int { 8 }

    /// True when any candidate equals the HMAC of `content` under any key.
    static func anyMatches(keys: [[UInt8]], content: [UInt8], candidates: [[UInt8]]) -> Bool {
        var matched = false
        for key in keys {
            let expected = Digest.hmacSHA256(key: key, message: content)
            for candidate in candidates {
                // Keep going after a match so the time taken does not reveal which secret matched.
                if Digest.constantTimeEquals(expected, candidate) { matched = true }
            }
        }
        return matched
    }
}

extension HTTPField.Name {
    static let webhookID = HTTPField.Name("webhook-id")!
    static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    static let webhookSignature = HTTPField.Name("webhook-signature")!
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
    static let hubSignature256 = HTTPField.Name("X-Hub-Signature-256")!
    static let hubSignature = HTTPField.Name("X-Hub-Signature")!
    static let githubDelivery = HTTPField.Name("X-GitHub-Delivery")!
}
