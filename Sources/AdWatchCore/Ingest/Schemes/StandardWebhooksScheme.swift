public import Foundation
public import HTTPTypes

/// [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
/// `webhook-signature: v1,<base64> [v1,<base64> …]` over `id.timestamp.body`, keyed by the base64
/// part of a `whsec_…` secret.
public struct StandardWebhooksScheme: SignatureScheme {
    public let name = "standard-webhooks"
    public let signatureHeaderNames: [HTTPField.Name] = [.webhookSignature]
    let keys: [[UInt8]]
    let tolerance: Duration

    /// - Parameters:
    ///   - keys: Decoded secrets (see ``key(from:)``), first one signs.
    ///   - tolerance: Allowed clock distance between the signed timestamp and now.
    public init(keys: [[UInt8]], tolerance: Duration) {
        precondition(!keys.isEmpty, "a signature scheme needs at least one key")
        self.keys = keys
        self.tolerance = tolerance
    }

    /// The HMAC key of a `whsec_<base64>` secret (the prefix is optional); nil when not base64.
    public static func key(from secret: Secret) -> [UInt8]? {
        var text = Substring(secret.text)
        if text.hasPrefix("whsec_") { text = text.dropFirst(6) }
        guard let key = ByteEncoding.fromBase64(text), !key.isEmpty else { return nil }
        return key
    }

    public func verify(_ request: SignedRequest, now: Date) -> Result<VerifiedDelivery, SignatureFailure> {
        guard let signatureHeader = request.headers[.webhookSignature] else { return .failure(.missingSignature) }
        guard let id = request.headers[.webhookID], !id.isEmpty else { return .failure(.missingID) }
        guard let timestampText = request.headers[.webhookTimestamp] else { return .failure(.missingTimestamp) }
        guard let timestamp = Self.parseUnixSeconds(timestampText) else { return .failure(.malformedTimestamp) }
        let candidates = signatureHeader.split(separator: " ").compactMap { entry -> [UInt8]? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { return nil }
            return ByteEncoding.fromBase64(parts[1])
        }
        guard !candidates.isEmpty, candidates.count <= Self.maxSignatureCandidates else { return .failure(.malformedSignature) }
        let content = Array("\(id).\(timestampText).".utf8) + request.body
        guard Self.anyMatches(keys: keys, content: content, candidates: candidates) else {
            return .failure(.signatureMismatch)
        }
        guard Self.isWithin(tolerance, timestamp, of: now) else { return .failure(.timestampOutsideTolerance) }
        return .success(VerifiedDelivery(deliveryID: id, deliveryIDIsSigned: true, timestamp: timestamp))
    }

    public func sign(body: [UInt8], id: String, timestamp: Date) -> HTTPFields {
        let seconds = String(Int64(timestamp.timeIntervalSince1970))
        let mac = Digest.hmacSHA256(key: keys[0], message: Array("\(id).\(seconds).".utf8) + body)
        return [
            .webhookID: id,
            .webhookTimestamp: seconds,
            .webhookSignature: "v1,\(ByteEncoding.base64(mac))",
        ]
    }
}
