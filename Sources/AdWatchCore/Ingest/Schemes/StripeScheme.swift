public import Foundation
public import HTTPTypes

/// Stripe's scheme: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `t.body`, keyed by the
/// secret's text as it is (including any `whsec_` prefix).
public struct StripeScheme: SignatureScheme {
    public let name = "stripe"
    public let signatureHeaderNames: [HTTPField.Name] = [.stripeSignature]
    let keys: [[UInt8]]
    let tolerance: Duration

    public init(keys: [[UInt8]], tolerance: Duration) {
        precondition(!keys.isEmpty, "a signature scheme needs at least one key")
        self.keys = keys
        self.tolerance = tolerance
    }

    public func verify(_ request: SignedRequest, now: Date) -> Result<VerifiedDelivery, SignatureFailure> {
        guard let header = request.headers[.stripeSignature] else { return .failure(.missingSignature) }
        var timestampText: String?
        var candidates: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let pair = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestampText = String(pair[1])
            case "v1": if let bytes = ByteEncoding.fromHex(pair[1]) { candidates.append(bytes) }
            default: continue  // v0 and future versions are not trusted
            }
        }
        guard let timestampText else { return .failure(.missingTimestamp) }
        guard let timestamp = Self.parseUnixSeconds(timestampText) else { return .failure(.malformedTimestamp) }
        guard !candidates.isEmpty, candidates.count <= Self.maxSignatureCandidates else { return .failure(.malformedSignature) }
        let content = Array("\(timestampText).".utf8) + request.body
        guard Self.anyMatches(keys: keys, content: content, candidates: candidates) else {
            return .failure(.signatureMismatch)
        }
        guard Self.isWithin(tolerance, timestamp, of: now) else { return .failure(.timestampOutsideTolerance) }
        return .success(VerifiedDelivery(deliveryID: nil, timestamp: timestamp))
    }

    public func sign(body: [UInt8], id: String, timestamp: Date) -> HTTPFields {
        let seconds = String(Int64(timestamp.timeIntervalSince1970))
        let mac = Digest.hmacSHA256(key: keys[0], message: Array("\(seconds).".utf8) + body)
        return [.stripeSignature: "t=\(seconds),v1=\(ByteEncoding.hex(mac))"]
    }
}
