public import Foundation
public import HTTPTypes

/// GitHub's (and Meta's) scheme: `X-Hub-Signature-256: sha256=<hex>` over the body alone.
///
/// It signs neither a timestamp nor `X-GitHub-Delivery`, so a replay is caught only by dedup on the body
/// hash: the delivery id is reported for the record but never trusted as the dedup key.
public struct GitHubScheme: SignatureScheme {
    public let name = "github"
    public let signatureHeaderNames: [HTTPField.Name] = [.hubSignature256, .hubSignature]
    let keys: [[UInt8]]

    public init(keys: [[UInt8]]) {
        precondition(!keys.isEmpty, "a signature scheme needs at least one key")
        self.keys = keys
    }

    public func verify(_ request: SignedRequest, now: Date) -> Result<VerifiedDelivery, SignatureFailure> {
        guard let header = request.headers[.hubSignature256] else { return .failure(.missingSignature) }
        guard header.hasPrefix("sha256="), let candidate = ByteEncoding.fromHex(header.dropFirst(7)), !candidate.isEmpty else {
            return .failure(.malformedSignature)
        }
        guard Self.anyMatches(keys: keys, content: request.body, candidates: [candidate]) else {
            return .failure(.signatureMismatch)
        }
        return .success(VerifiedDelivery(deliveryID: request.headers[.githubDelivery], timestamp: nil))
    }

    public func sign(body: [UInt8], id: String, timestamp: Date) -> HTTPFields {
        [
            .hubSignature256: "sha256=\(ByteEncoding.hex(Digest.hmacSHA256(key: keys[0], message: body)))",
            .githubDelivery: id,
        ]
    }
}
