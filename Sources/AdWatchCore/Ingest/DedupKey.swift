/// What identifies a delivery for dedup: a delivery id the signature vouches for, else the body hash.
///
/// An id the signature does not cover (GitHub's `X-GitHub-Delivery`, any id under scheme `none`) is
/// never a dedup key, not even beside the body hash:
/// - a captured request re-sent with a new id must still be a duplicate, so the body decides;
/// - were the unsigned id a key of its own, an attacker could replay any captured request under the id
///   the sender will use next, and the real delivery would be answered "duplicate" and lost.
///
/// A delivery id inside the body is as trustworthy as the body, so it serves whenever the body is signed.
enum DedupKey {
    /// `id:<delivery id>` or `sha256:<hex of source ‖ 0 ‖ body>`.
    static func make(source: String, body: [UInt8], delivery: VerifiedDelivery, bodyDeliveryID: String?) -> String {
        if delivery.deliveryIDIsSigned, let id = delivery.deliveryID { return "id:\(id)" }
        if delivery.bodyIsSigned, let id = bodyDeliveryID { return "id:\(id)" }
        return bodyHash(source: source, body: body)
    }

    /// `sha256:<hex of source ‖ 0 ‖ body>`.
    static func bodyHash(source: String, body: [UInt8]) -> String {
        "sha256:" + ByteEncoding.hex(Digest.sha256(Array(source.utf8) + [0] + body))
    }
}
