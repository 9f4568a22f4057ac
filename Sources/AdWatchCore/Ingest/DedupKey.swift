/// What identifies a delivery for dedup: a delivery id the signature vouches for, else the body hash.
///
/// An id the signature does not cover (GitHub's `X-GitHub-Delivery`, any id under scheme `none`) is
/// never a dedup key, not even beside the body hash:
/// - a captured request re-sent with a new id must still be a duplicate, so the body decides;
/// - were the unsigned id a key of its own, an attacker could replay any captured request under the id
///   the sender will use next, and the real delivery would be answered "duplicate" and lost.
///
/// A delivery id inside the body is as trustworthy as the body, so it serves whenever the body is signed.
package enum DedupKey {
    /// `id:<delivery id>`, `id-sha256:<hex of the id>` for an id longer than
    /// ``WebhookEnvelope/maxNameLength`` (a signed header may carry tens of kB; the key is an indexed
    /// column), or `sha256:<hex of source ‖ 0 ‖ body>`.
    package static func make(source: String, body: [UInt8], delivery: VerifiedDelivery, bodyDeliveryID: String?) -> String {
        if delivery.deliveryIDIsSigned, let id = delivery.deliveryID { return idKey(id) }
        if delivery.bodyIsSigned, let id = bodyDeliveryID { return idKey(id) }
        return bodyHash(source: source, body: body)
    }

    static func idKey(_ id: String) -> String {
        id.utf8.count <= WebhookEnvelope.maxNameLength ? "id:\(id)" : "id-sha256:" + ByteEncoding.hex(Digest.sha256(Array(id.utf8)))
    }

    /// `sha256:<hex of source ‖ 0 ‖ body>`.
    static func bodyHash(source: String, body: [UInt8]) -> String {
        "sha256:" + ByteEncoding.hex(Digest.sha256(Array(source.utf8) + [0] + body))
    }
}
