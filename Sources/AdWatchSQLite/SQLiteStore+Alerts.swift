public import Foundation
import GRDB
import NIOConcurrencyHelpers
public import AdWatchCore

/// Alerts, silences, the outbox and scheduler checks on the same file and audit chain.
extension SQLiteStore {
    public func alerts(campaignID: String, states: Set<AlertState>) async throws -> [Alert] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE campaign_id = ? AND state IN (\(Self.placeholders(states.count))) ORDER BY fingerprint",
                arguments: StatementArguments([campaignID] + states.map(\.rawValue))
            ).map(Self.alert)
        }
    }

    public func alerts(states: Set<AlertState>, limit: Int) async throws -> [Alert] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE state IN (\(Self.placeholders(states.count))) ORDER BY updated_at_ms DESC, fingerprint LIMIT ?",
                arguments: StatementArguments(states.map(\.rawValue) as [any DatabaseValueConvertible] + [limit])
            ).map(Self.alert)
        }
    }

    public func applyAlertChanges(_ changes: AlertBook.Changes, audit: [AuditDraft]) async throws {
        try await pool.write { db in
            for alert in changes.alerts {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO alerts (fingerprint, rule, campaign_id, level, labels, severity, summary, state, active_since_ms,
                            firing_since_ms, resolved_at_ms, last_notified_at_ms, suppressed_by, updated_at_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        alert.fingerprint, alert.rule, alert.campaignID, alert.level, CanonicalJSON.encode(alert.labels), alert.severity.rawValue,
                        alert.summary, alert.state.rawValue, Self.milliseconds(alert.activeSince), alert.firingSince.map(Self.milliseconds),
                        alert.resolvedAt.map(Self.milliseconds), alert.lastNotifiedAt.map(Self.milliseconds), alert.suppressedBy,
                        Self.milliseconds(alert.updatedAt),
                    ]
                )
            }
            for message in changes.notifications {
                try db.execute(
                    sql: """
                        INSERT INTO outbox (id, fingerprint, kind, rule, campaign_id, severity, summary, labels, created_at_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        message.id, message.fingerprint, message.kind.rawValue, message.rule, message.campaignID, message.severity.rawValue,
                        message.summary, CanonicalJSON.encode(message.labels), Self.milliseconds(message.createdAt),
                    ]
                )
            }
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func outbox(limit: Int) async throws -> [OutboxMessage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE state = 'pending' ORDER BY created_at_ms, rowid LIMIT ?", arguments: [limit])
                .map(Self.outboxMessage)
        }
    }

    public func addSilence(_ silence: Silence, audit: AuditDraft) async throws {
        let matchers = String(decoding: try JSONEncoder().encode(silence.matchers), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO silences (id, matchers, starts_at_ms, ends_at_ms, author, comment, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [silence.id, matchers, Self.milliseconds(silence.startsAt), Self.milliseconds(silence.endsAt), silence.author,
                            silence.comment, Self.milliseconds(silence.createdAt)]
            )
            var head = try ChainHead.load(db)
            try head.append(audit, db: db)
        }
    }

    public func silences(notEndedAt now: Date?) async throws -> [Silence] {
        try await pool.read { db in
            let rows: [Row]
            if let now {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM silences WHERE ends_at_ms > ? ORDER BY starts_at_ms, id", arguments: [Self.milliseconds(now)])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM silences ORDER BY starts_at_ms, id")
            }
            return rows.compactMap { row in
                // A silence whose matchers cannot be read is skipped: with no matchers it would silence everything.
                guard let matchers = matchers(row["matchers"]) else { return nil }
                return Silence(
                    id: row["id"],
                    matchers: matchers,
                    startsAt: Self.date(row["starts_at_ms"]), endsAt: Self.date(row["ends_at_ms"]), author: row["author"], comment: row["comment"],
                    createdAt: Self.date(row["created_at_ms"])
                )
            }
        }
    }

    /// The matchers stored as `json`, decoded once per text and then shared (so a regex is compiled once).
    private func matchers(_ json: String) -> [LabelMatcher]? {
        if let cached = silenceMatchers.withLockedValue({ $0[json] }) { return cached }
        guard let decoded = try? JSONDecoder().decode([LabelMatcher].self, from: Data(json.utf8)), !decoded.isEmpty else { return nil }
        silenceMatchers.withLockedValue { cache in
            // Bounded: silences are few, but a long-running process sees many come and go.
            if cache.count >= 1024 { cache.removeAll() }
            cache[json] = decoded
        }
        return decoded
    }

    public func expireSilence(id: String, at: Date, audit: AuditDraft) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE silences SET ends_at_ms = ? WHERE id = ? AND ends_at_ms > ?",
                arguments: [Self.milliseconds(at), id, Self.milliseconds(at)]
            )
            guard db.changesCount > 0 else { return false }
            var head = try ChainHead.load(db)
            try head.append(audit, db: db)
            return true
        }
    }

    public func setNextCheck(campaignID: String, at: Date?) async throws {
        try await pool.write { db in
            if let at {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO campaign_checks (campaign_id, next_check_ms) VALUES (?, ?)", arguments: [campaignID, Self.milliseconds(at)]
                )
            } else {
                try db.execute(sql: "DELETE FROM campaign_checks WHERE campaign_id = ?", arguments: [campaignID])
            }
        }
    }

    public func dueChecks(now: Date, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT campaign_id FROM campaign_checks WHERE next_check_ms <= ? ORDER BY next_check_ms, campaign_id LIMIT ?",
                arguments: [Self.milliseconds(now), limit]
            )
        }
    }

    public func campaigns(onAdAccount accountID: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT campaign_id FROM campaign_snapshots WHERE ad_account_id = ? ORDER BY campaign_id", arguments: [accountID])
        }
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: max(count, 1)).joined(separator: ",")
    }

    private static func labels(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    private static func alert(_ row: Row) -> Alert {
        Alert(
            fingerprint: row["fingerprint"], rule: row["rule"], campaignID: row["campaign_id"], level: row["level"], labels: labels(row["labels"]),
            severity: Severity(rawValue: row["severity"]) ?? .warning, summary: row["summary"], state: AlertState(rawValue: row["state"]) ?? .pending,
            activeSince: date(row["active_since_ms"]), firingSince: (row["firing_since_ms"] as Int64?).map(date),
            resolvedAt: (row["resolved_at_ms"] as Int64?).map(date), lastNotifiedAt: (row["last_notified_at_ms"] as Int64?).map(date),
            suppressedBy: row["suppressed_by"], updatedAt: date(row["updated_at_ms"])
        )
    }
}
