import GRDB
public import AdWatchCore

extension SQLiteStore {
    /// Counts for `/metrics` in one read transaction; every query is served by an index on `state`
    /// (or the audit log's primary key), so a scrape stays cheap as the tables grow.
    public func gaugeReadings() async throws -> StoreGauges {
        try await pool.read { db in
            var gauges = StoreGauges(events: Dictionary(uniqueKeysWithValues: StoreGauges.eventStates.map { ($0, 0) }))
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM events WHERE state IN ('pending', 'processing', 'failed') GROUP BY state"
            ) {
                if let state = EventState(rawValue: row["state"]) { gauges.events[state] = row["n"] }
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT rule, state, COUNT(*) AS n FROM alerts WHERE state IN ('pending', 'firing') GROUP BY rule, state"
            ) {
                if let state = AlertState(rawValue: row["state"]) { gauges.alerts[row["rule"], default: [:]][state] = row["n"] }
            }
            let unrouted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") ?? 0
            let unsettled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'sending')") ?? 0
            gauges.outbox = unrouted + unsettled
            gauges.deadLetters = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE state = 'dead'") ?? 0
            gauges.auditSeq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0
            return gauges
        }
    }
}
