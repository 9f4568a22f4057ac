public import Foundation

/// Where the chain starts after pruning: the last removed record's sequence number and hash.
///
/// The first remaining record must be `seq + 1` with `prevHash == hash`. The checkpoint is also
/// attested inside the chain by the `audit.pruned` record written in the same transaction, so
/// moving the checkpoint to hide a deletion needs a forged record, which breaks the chain.
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    public var seq: Int64
    public var hash: String
    public var prunedAt: Date

    public init(seq: Int64, hash: String, prunedAt: Date) {
        self.seq = seq
        self.hash = hash
        self.prunedAt = prunedAt
    }
}

/// One batch of pruning: the records removed and the new checkpoint.
public struct AuditPruneBatch: Sendable, Equatable {
    package init(removed: Int, checkpoint: AdWatchCore.AuditCheckpoint) {
        self.removed = removed
        self.checkpoint = checkpoint
    }

    public var removed: Int
    public var checkpoint: AuditCheckpoint
}

/// What retention removes: old records from the start of the audit chain (without breaking
/// verification of the rest), dedup keys past every window, and settled events past the retention.
public protocol RetentionStore: Sendable {
    /// Removes up to `limit` records from the start of the chain, stopping at the first recorded at or
    /// after `cutoff`; moves the checkpoint and appends an `audit.pruned` record in the same transaction.
    /// - Returns: `nil` when no record was old enough.
    func pruneAudit(before cutoff: Date, limit: Int, now: Date) async throws -> AuditPruneBatch?
    /// Forgets dedup keys last seen before `cutoff` (older than every dedup window).
    func pruneDedupKeys(before cutoff: Date) async throws -> Int
    /// Removes up to `limit` events received before `cutoff` that are settled (`processed` or
    /// `skipped`); pending and failed events stay whatever their age. - Returns: how many went.
    func pruneSettledEvents(receivedBefore cutoff: Date, limit: Int) async throws -> Int
}

extension AuditKind {
    /// Retention removed records from the start of the chain; details name the new checkpoint.
    public static let auditPruned = AuditKind(rawValue: "audit.pruned")
}

extension AuditCheckpoint {
    /// The record that attests this checkpoint inside the chain.
    package func prunedDraft(removed: Int, cutoff: Date) -> AuditDraft {
        AuditDraft(
            at: prunedAt,
            kind: .auditPruned,
            details: [
                "through_seq": .int(seq), "through_hash": .string(hash), "removed": .int(Int64(removed)),
                "before": .string(cutoff.formatted(.iso8601)),
            ]
        )
    }

    /// Whether `record` is the `audit.pruned` record that attests this checkpoint.
    func isAttested(by record: AuditRecord) -> Bool {
        guard record.kind == AuditKind.auditPruned.rawValue,
              let object = try? JSONSerialization.jsonObject(with: Data(record.details.utf8)) as? [String: Any]
        else { return false }
        return (object["through_seq"] as? NSNumber)?.int64Value == seq && object["through_hash"] as? String == hash
    }
}

extension RetentionStore {
    /// Prunes batch after batch until nothing older than `cutoff` is left.
    /// - Returns: the records removed and the batches it took.
    @discardableResult
    public func pruneAudit(before cutoff: Date, batchSize: Int, now: Date) async throws -> (removed: Int, batches: Int) {
        var removed = 0
        var batches = 0
        // Between batches a cancelled task (shutdown past its grace) stops; every batch is whole.
        while !Task.isCancelled, let batch = try await pruneAudit(before: cutoff, limit: batchSize, now: now) {
            removed += batch.removed
            batches += 1
            if batch.removed < batchSize { break }
        }
        return (removed, batches)
    }
}
