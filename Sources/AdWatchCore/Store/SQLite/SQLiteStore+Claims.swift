public import Foundation
import GRDB

/// Claims on events and deliveries: the single-node release at start, and the renewal a heartbeat needs.
extension SQLiteStore {
    public func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date) async throws -> ReleasedClaims {
        try await pool.write { db in
            // Claims from before the owner column (NULL) are an earlier boot's too.
            try db.execute(
                sql: """
                    UPDATE events SET state = 'pending', claimed_by = NULL, lease_until_ms = NULL
                    WHERE state = 'processing' AND (claimed_by IS NULL OR claimed_by <> ?)
                    """,
                arguments: [owner.id]
            )
            var released = ReleasedClaims(events: db.changesCount)
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = 'pending', claimed_by = NULL, lease_until_ms = NULL
                    WHERE state = 'sending' AND (claimed_by IS NULL OR claimed_by <> ?)
                    """,
                arguments: [owner.id]
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
