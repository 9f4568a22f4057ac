/// The append-only, hash-chained audit log (DESIGN §7).
///
/// Implementations seal each draft with ``AuditChain/seal(_:seq:prevHash:)`` inside the same
/// transaction that assigns its sequence number, so the chain has no gaps or forks.
public protocol AuditLog: Sendable {
    /// Appends records in order.
    func append(_ drafts: [AuditDraft]) async throws
    /// Records with `seq >= from`, in order, at most `limit`.
    func records(from seq: Int64, limit: Int) async throws -> [AuditRecord]
    /// Where the remaining chain starts after retention pruning; `nil` while nothing was ever pruned.
    func auditCheckpoint() async throws -> AuditCheckpoint?
    /// Records matching `query` with `seq >= from`, in order, at most `limit`; filtered by the store
    /// (SQL for SQLite) so a narrow filter over a long log does not read the whole log.
    func records(matching query: AuditQuery, from seq: Int64, limit: Int) async throws -> [AuditRecord]
}

extension AuditLog {
    /// Recomputes the whole chain and reports the first record that was altered, removed or inserted.
    ///
    /// After retention pruning the chain is checked from the checkpoint, which must itself be attested
    /// by an `audit.pruned` record in the remaining chain.
    public func verify(pageSize: Int = 1000) async throws -> AuditVerification {
        var verifier = AuditChain.Verifier(checkpoint: try await auditCheckpoint())
        var next: Int64 = 0
        while true {
            let page = try await records(from: next, limit: pageSize)
            for record in page { verifier.check(record) }
            guard let last = page.last, page.count == pageSize, verifier.problem == nil else { break }
            next = last.seq + 1
        }
        return verifier.result
    }
}
