public import Foundation
import GRDB
public import AdWatchCore

/// Claims on events and deliveries: the single-node release at start, and the renewal a heartbeat needs.
extension SQLiteStore {
    public func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date, limits: ClaimLimits) async throws -> ReleasedClaims {
        try await pool.write { db in
            // Claims from before the owner column (NULL) are an earlier boot's too. SET reads the old row,
            // so `attempts + 1` is this release counted as an attempt.
            let others = "(claimed_by IS NULL OR claimed_by <> ?)"
            var released = ReleasedClaims()
            // Events go back to pending (or failed), deliveries to pending (or dead): the same rule on two queues.
            for (table, claimed, givenUp, limit) in [
                ("events", "processing", "failed", limits.eventAttempts), ("deliveries", "sending", "dead", limits.deliveryAttempts),
            ] {
                let failing = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM \(table) WHERE state = '\(claimed)' AND \(others) AND attempts + 1 >= ?",
                    arguments: [owner.id, limit]
                ) ?? 0
                try db.execute(
                    sql: """
                        UPDATE \(table) SET attempts = attempts + 1, claimed_by = NULL, lease_until_ms = NULL,
                            state = CASE WHEN attempts + 1 >= ? THEN '\(givenUp)' ELSE 'pending' END,
                            last_error = CASE WHEN attempts + 1 >= ? THEN ? || (attempts + 1) || ' attempts' ELSE last_error END
                        WHERE state = '\(claimed)' AND \(others)
                        """,
                    arguments: [limit, limit, ReleasedClaims.gaveUpPrefix, owner.id]
                )
                if table == "events" {
                    (released.events, released.eventsFailed) = (db.changesCount, failing)
                } else {
                    (released.deliveries, released.deliveriesDead) = (db.changesCount, failing)
                }
            }
            if !released.isEmpty {
                var head = try ChainHead.load(db)
                try head.append(released.auditDraft(owner: owner, at: at), db: db)
            }
            return released
        }
    }

    public func renewClaims(owner: ClaimOwner, until: Date) async throws -> Int {
        let untilMS = Self.milliseconds(until)
        return try await pool.write { db in
            try db.execute(sql: "UPDATE events SET lease_until_ms = ? WHERE state = 'processing' AND claimed_by = ?", arguments: [untilMS, owner.id])
            let events = db.changesCount
            try db.execute(sql: "UPDATE deliveries SET lease_until_ms = ? WHERE state = 'sending' AND claimed_by = ?", arguments: [untilMS, owner.id])
            return events + db.changesCount
        }
    }
}
