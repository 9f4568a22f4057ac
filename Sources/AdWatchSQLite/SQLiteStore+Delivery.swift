public import Foundation
import GRDB
public import AdWatchCore

extension SQLiteStore {
    public func routeOutbox(_ routes: [String: [(routeIndex: Int, groupKey: String)]], audit: [AuditDraft]) async throws {
        try await pool.write { db in
            for (outboxID, entries) in routes {
                for entry in entries {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO route_entries (outbox_id, route_index, group_key) VALUES (?, ?, ?)",
                        arguments: [outboxID, entry.routeIndex, entry.groupKey]
                    )
                }
                try db.execute(sql: "UPDATE outbox SET state = 'routed' WHERE id = ?", arguments: [outboxID])
            }
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func lastFiringRouted(fingerprint: String, routeIndex: Int) async throws -> Date? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT MAX(o.created_at_ms) FROM route_entries r JOIN outbox o ON o.id = r.outbox_id
                            WHERE r.route_index = ? AND o.fingerprint = ? AND o.kind = 'firing') AS firing,
                           (SELECT MAX(created_at_ms) FROM outbox WHERE fingerprint = ? AND kind = 'resolved') AS resolved
                    """,
                arguments: [routeIndex, fingerprint, fingerprint]
            ), let firing = row["firing"] as Int64? else { return nil }
            if let resolved = row["resolved"] as Int64?, resolved >= firing { return nil }
            return Self.date(firing)
        }
    }

    public func openGroups() async throws -> (entries: [GroupedEntry], lastFlush: [String: Date]) {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.*, r.route_index, r.group_key FROM route_entries r JOIN outbox o ON o.id = r.outbox_id
                    WHERE r.flushed = 0 ORDER BY o.created_at_ms, o.rowid
                    """
            )
            let entries = rows.map { row in
                GroupedEntry(entry: Self.outboxMessage(row), routeIndex: row["route_index"], groupKey: row["group_key"])
            }
            var flushes: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM delivery_groups") {
                flushes[row["group_key"]] = Self.date(row["last_flush_ms"])
            }
            return (entries, flushes)
        }
    }

    public func flushGroup(_ groupKey: String, outboxIDs: [String], deliveries: [Delivery], at: Date, audit: [AuditDraft]) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let encoded = try deliveries.map { ($0, String(decoding: try encoder.encode($0.message), as: UTF8.self)) }
        try await pool.write { db in
            for (delivery, message) in encoded {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO deliveries (id, channel, message, state, attempts, created_at_ms, next_attempt_ms)
                        VALUES (?, ?, ?, 'pending', 0, ?, ?)
                        """,
                    arguments: [delivery.id, delivery.channel, message, Self.milliseconds(delivery.createdAt), Self.milliseconds(at)]
                )
            }
            for id in outboxIDs {
                try db.execute(sql: "UPDATE route_entries SET flushed = 1 WHERE outbox_id = ? AND group_key = ?", arguments: [id, groupKey])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO delivery_groups (group_key, last_flush_ms) VALUES (?, ?)", arguments: [groupKey, Self.milliseconds(at)])
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func claimDeliveries(
        now: Date, limit: Int, perChannel: Int, excluding: Set<String>, lease: Duration, owner: ClaimOwner
    ) async throws -> [Delivery] {
        let nowMS = Self.milliseconds(now)
        let busy = excluding.sorted()
        let notBusy = busy.isEmpty ? "" : "AND channel NOT IN (\(Array(repeating: "?", count: busy.count).joined(separator: ", ")))"
        return try await pool.write { db in
            // The oldest due deliveries, at most `perChannel` of each channel (a window over the due ones).
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT *, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY next_attempt_ms, created_at_ms) AS channel_rank
                        FROM deliveries
                        WHERE ((state = 'pending' AND next_attempt_ms <= ?) OR (state = 'sending' AND lease_until_ms <= ?)) \(notBusy)
                    ) WHERE channel_rank <= ?
                    ORDER BY next_attempt_ms, created_at_ms LIMIT ?
                    """,
                arguments: StatementArguments([nowMS, nowMS] as [any DatabaseValueConvertible]) + StatementArguments(busy)
                    + StatementArguments([perChannel, limit])
            )
            var claimed: [Delivery] = []
            for row in rows {
                try db.execute(sql: "UPDATE deliveries SET state = 'sending', claimed_by = ?, lease_until_ms = ? WHERE id = ?",
                               arguments: [owner.id, CheckedTime.adding(nowMS, CheckedTime.milliseconds(lease)), row["id"] as String])
                if var delivery = Self.delivery(row) {
                    delivery.state = .sending
                    claimed.append(delivery)
                }
            }
            return claimed
        }
    }

    public func settleDelivery(id: String, outcome: DeliveryOutcome, audit: [AuditDraft]) async throws {
        try await pool.write { db in
            switch outcome {
            case .sent:
                try db.execute(sql: "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, lease_until_ms = NULL, claimed_by = NULL WHERE id = ?", arguments: [id])
            case .retry(let at, let error, let status):
                try db.execute(
                    sql: """
                        UPDATE deliveries SET state = 'pending', attempts = attempts + 1, next_attempt_ms = ?, last_error = ?, last_status = ?,
                        lease_until_ms = NULL, claimed_by = NULL WHERE id = ?
                        """,
                    arguments: [Self.milliseconds(at), error, status, id]
                )
            case .dead(let error, let status):
                try db.execute(
                    sql: "UPDATE deliveries SET state = 'dead', attempts = attempts + 1, last_error = ?, last_status = ?, lease_until_ms = NULL, claimed_by = NULL WHERE id = ?",
                    arguments: [error, status, id]
                )
            }
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func deliveries(in state: Delivery.State, limit: Int) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE state = ? ORDER BY created_at_ms, id LIMIT ?", arguments: [state.rawValue, limit])
                .compactMap(Self.delivery)
        }
    }

    public func rerouteUnflushed() async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending' WHERE state = 'routed' AND id IN (
                        SELECT outbox_id FROM route_entries GROUP BY outbox_id HAVING MAX(flushed) = 0)
                    """
            )
            let count = db.changesCount
            try db.execute(sql: "DELETE FROM route_entries WHERE outbox_id IN (SELECT id FROM outbox WHERE state = 'pending')")
            return count
        }
    }

    public func replayDelivery(id: String, at: Date, by operatorName: String) async throws -> Bool {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM deliveries WHERE id = ? AND state = 'dead'", arguments: [id]),
                  let delivery = Self.delivery(row)
            else { return false }
            try db.execute(
                sql: "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_ms = ?, created_at_ms = ? WHERE id = ?",
                arguments: [Self.milliseconds(at), Self.milliseconds(at), id]
            )
            var head = try ChainHead.load(db)
            try head.append(delivery.replayedAudit(by: operatorName, at: at), db: db)
            return true
        }
    }

    static func outboxMessage(_ row: Row) -> OutboxMessage {
        OutboxMessage(
            id: row["id"], fingerprint: row["fingerprint"], kind: OutboxMessage.Kind(rawValue: row["kind"]) ?? .firing, rule: row["rule"],
            campaignID: row["campaign_id"], severity: Severity(rawValue: row["severity"]) ?? .warning, summary: row["summary"],
            labels: (try? JSONDecoder().decode([String: String].self, from: Data((row["labels"] as String).utf8))) ?? [:],
            createdAt: date(row["created_at_ms"])
        )
    }

    private static func delivery(_ row: Row) -> Delivery? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        guard let message = try? decoder.decode(OutboundMessage.self, from: Data((row["message"] as String).utf8)) else { return nil }
        return Delivery(
            id: row["id"], channel: row["channel"], message: message, state: Delivery.State(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"], createdAt: date(row["created_at_ms"]), lastError: row["last_error"], lastStatus: row["last_status"]
        )
    }
}
