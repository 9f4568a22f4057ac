import Foundation
import GRDB
public import AdWatchCore

extension SQLiteStore {
    /// Filters in SQL: `kind` and `campaign` use the `audit_by_kind` / `audit_by_campaign` indexes,
    /// `alert` the `audit_by_alert` index (v6); delivery records that list several campaigns or alerts
    /// in their details are found through `kind IN (delivery kinds)` and `json_extract`.
    public func records(matching query: AuditQuery, from seq: Int64, limit: Int) async throws -> [AuditRecord] {
        let (sql, arguments) = Self.auditSQL(query, from: seq, limit: limit)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.auditRecord)
        }
    }

    /// `EXPLAIN QUERY PLAN` of a query, for tests that pin index use.
    func auditQueryPlan(_ query: AuditQuery) async throws -> String {
        let (sql, arguments) = Self.auditSQL(query, from: 0, limit: 100)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }.joined(separator: "\n")
        }
    }

    static func auditSQL(_ query: AuditQuery, from seq: Int64, limit: Int) -> (String, StatementArguments) {
        var clauses = ["seq >= ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [seq]
        func placeholders(_ values: some Collection<String>) -> String {
            arguments += values.map { $0 as (any DatabaseValueConvertible)? }
            return Array(repeating: "?", count: values.count).joined(separator: ", ")
        }
        if let allowed = query.allowedKinds {
            clauses.append(allowed.isEmpty ? "0" : "kind IN (\(placeholders(allowed.sorted())))")
        } else if query.outcomes.contains(.other) {
            // `other` is what is not in the table; the named outcomes alongside it add their kinds.
            let named = query.outcomes.reduce(into: Set<String>()) { $0.formUnion($1.kinds) }
            var clause = "kind NOT IN (\(placeholders(AuditOutcome.knownKinds.sorted())))"
            if !named.isEmpty { clause = "(\(clause) OR kind IN (\(placeholders(named.sorted()))))" }
            clauses.append(clause)
        }
        if let source = query.source {
            clauses.append("source = ?")
            arguments.append(source)
        }
        if let brand = query.brand {
            clauses.append("brand = ?")
            arguments.append(brand)
        }
        if let since = query.since {
            clauses.append("at_ms >= ?")
            arguments.append(milliseconds(since))
        }
        if let until = query.until {
            clauses.append("at_ms < ?")
            arguments.append(milliseconds(until))
        }
        func concerns(_ column: String, list: String, _ value: String) -> String {
            arguments.append(value)
            let kinds = placeholders(AuditQuery.listCarryingKinds)
            arguments.append(value)
            return "(\(column) = ? OR (kind IN (\(kinds)) AND instr(',' || json_extract(details, '$.\(list)') || ',', ',' || ? || ',') > 0))"
        }
        if let campaign = query.campaign { clauses.append(concerns("campaign", list: "campaigns", campaign)) }
        if let alert = query.alert { clauses.append(concerns("alert", list: "alerts", alert)) }
        if let timeline = query.alertTimeline {
            var clause = concerns("alert", list: "alerts", timeline.fingerprint)
            if let campaign = timeline.campaign {
                let aboutCampaign = concerns("campaign", list: "campaigns", campaign)
                clause = "(\(clause) OR (\(aboutCampaign) AND alert IS NULL AND coalesce(json_extract(details, '$.alerts'), '') = ''))"
            }
            clauses.append(clause)
        }
        arguments.append(limit)
        let sql = "SELECT \(auditColumns) FROM audit_log WHERE \(clauses.joined(separator: " AND ")) ORDER BY seq LIMIT ?"
        return (sql, StatementArguments(arguments))
    }
}
