public import Foundation
import GRDB
public import AdWatchCore

/// Retention: pruning the start of the audit chain behind a checkpoint, and forgetting old dedup keys.
extension SQLiteStore {
    public func auditCheckpoint() async throws -> AuditCheckpoint? {
        try await pool.read { db in try Self.checkpoint(db) }
    }

    public func pruneAudit(before cutoff: Date, limit: Int, now: Date) async throws -> AuditPruneBatch? {
        try await pool.write { db in
            let from = try Self.checkpoint(db)?.seq ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, at_ms, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [from, limit]
            )
            // Only a prefix of the chain can go: stop at the first record young enough to keep.
            let cutoffMS = Self.milliseconds(cutoff)
            let old = rows.prefix { ($0["at_ms"] as Int64) < cutoffMS }
            guard let last = old.last else { return nil }
            var head = try ChainHead.load(db)
            let checkpoint = AuditCheckpoint(seq: last["seq"], hash: last["hash"], prunedAt: now)
            try db.execute(
                sql: """
                    INSERT INTO audit_checkpoint (id, seq, hash, pruned_at_ms) VALUES (1, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at_ms = excluded.pruned_at_ms
                    """,
                arguments: [checkpoint.seq, checkpoint.hash, Self.milliseconds(now)]
            )
            try db.execute(sql: "DELETE FROM audit_log WHERE seq <= ?", arguments: [checkpoint.seq])
            try head.append(checkpoint.prunedDraft(removed: old.count, cutoff: cutoff), db: db)
            return AuditPruneBatch(removed: old.count, checkpoint: checkpoint)
        }
    }

    public func pruneDedupKeys(before cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM dedup_keys WHERE seen_at_ms < ?", arguments: [Self.milliseconds(cutoff)])
            return db.changesCount
        }
    }

    public func pruneSettledEvents(receivedBefore cutoff: Date, limit: Int) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM events WHERE id IN (
                        SELECT id FROM events WHERE state IN ('processed', 'skipped') AND received_at_ms < ? LIMIT ?)
                    """,
                arguments: [Self.milliseconds(cutoff), limit]
            )
            return db.changesCount
        }
    }

    private static func checkpoint(_ db: Database) throws -> AuditCheckpoint? {
        try Row.fetchOne(db, sql: "SELECT seq, hash, pruned_at_ms FROM audit_checkpoint WHERE id = 1").map {
            AuditCheckpoint(seq: $0["seq"], hash: $0["hash"], prunedAt: date($0["pruned_at_ms"]))
        }
    }
}
