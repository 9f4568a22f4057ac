public import Foundation
import GRDB

/// Claims on events and deliveries: the single-node release at start, and the renewal a heartbeat needs.
extension SQLiteStore {
    public func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date, limits: ClaimLimits) async throws -> ReleasedClaims {
        try await pool.write { db in
            // Claims from before the owner column (NULL) are an earlier boot's too. SET reads the old row,
            // so `attempts + 1` is this release counted as an attempt.
            let others = "(claimed_by IS NULL OR claimed_by <> ?)"
            var released = ReleasedClaims()
            released.eventsFailed = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM events WHERE state = 'processing' AND \(others) AND attempts + 1 >= ?",
                arguments: [owner.id, limits.eventAttempts]
            ) ?? 0
            try db.execute(
                sql: """
                    UPDATE events SET attempts = attempts + 1, claimed_by = NULL, lease_until_ms = NULL,
                        state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END,
                        last_error = CASE WHEN attempts + 1 >= ? THEN ? || (attempts + 1) || ' attempts' ELSE last_error END
                    WHERE state = 'processing' AND \(others)
                    """,
                arguments: [limits.eventAttempts, limits.eventAttempts, ReleasedClaims.gaveUpPrefix, owner.id]
            )
            released.events = db.changesCount
            released.deliveriesDead = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM deliveries WHERE state = 'sending' AND \(others) AND attempts + 1 >= ?",
                arguments: [owner.id, limits.deliveryAttempts]
            ) ?? 0
            try db.execute(
                sql: """
                    UPDATE deliveries SET attempts = attempts + 1, claimed_by = NULL, lease_until_ms = NULL,
                        state = CASE WHEN attempts + 1 >= ? THEN 'dead' ELSE 'pending' END,
                        last_error = CASE WHEN attempts + 1 >= ? THEN ? || (attempts + 1) || ' attempts' ELSE last_error END
                    WHERE state = 'sending' AND \(others)
                    """,
                arguments: [limits.deliveryAttempts, limits.deliveryAttempts, ReleasedClaims.gaveUpPrefix, owner.id]
            )
            released.deliveries = db.changesCount
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
