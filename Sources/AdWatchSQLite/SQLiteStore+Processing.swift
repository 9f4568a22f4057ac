public import Foundation
import GRDB
public import AdWatchCore

/// The processor's queue and the campaign snapshots, on the same file and the same audit chain.
///
/// These writes are rare next to webhooks, so they use their own transactions rather than the group
/// committer; GRDB's single writer keeps them and the committer's batches in one serial order.
extension SQLiteStore {
    /// An event that a pass may take: pending and due, or claimed under a lease that ran out.
    /// Arguments: now, now.
    private static let dueEvent = """
        ((state = 'pending' AND (next_attempt_ms IS NULL OR next_attempt_ms <= ?)) OR (state = 'processing' AND lease_until_ms <= ?))
        """

    public func dueCampaigns(now: Date, limit: Int) async throws -> [String?] {
        let nowMS = Self.milliseconds(now)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT campaign_id FROM events WHERE \(Self.dueEvent) GROUP BY campaign_id ORDER BY MIN(received_at_ms), MIN(rowid) LIMIT ?",
                arguments: [nowMS, nowMS, limit]
            ).map { $0["campaign_id"] as String? }
        }
    }

    public func claimEvents(campaignID: String?, limit: Int?, now: Date, lease: Duration, owner: ClaimOwner) async throws -> EventClaim {
        let nowMS = Self.milliseconds(now)
        let leaseUntil = CheckedTime.adding(nowMS, CheckedTime.milliseconds(lease))
        // A campaign's events go together once one of them is due (a fetch settles those waiting for a
        // retry too); events without a campaign are each their own matter, so only due ones.
        let claimable = campaignID == nil
            ? "campaign_id IS NULL AND \(Self.dueEvent)"
            : """
                campaign_id = ? AND (state = 'pending' OR (state = 'processing' AND lease_until_ms <= ?))
                AND EXISTS (SELECT 1 FROM events WHERE campaign_id = ? AND \(Self.dueEvent))
                """
        let filter: StatementArguments = campaignID.map { [$0, nowMS, $0, nowMS, nowMS] } ?? [nowMS, nowMS]
        return try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    UPDATE events SET state = 'processing', claimed_by = ?, lease_until_ms = ?
                    WHERE id IN (SELECT id FROM events WHERE \(claimable) ORDER BY received_at_ms, rowid LIMIT ?)
                    RETURNING id, source, attempts, brand_id, received_at_ms, rowid AS arrival
                    """,
                arguments: [owner.id, leaseUntil] + filter + [limit ?? -1]
            )
            // RETURNING gives no order: oldest first, as they arrived.
            let ordered = rows.sorted { ($0["received_at_ms"] as Int64, $0["arrival"] as Int64) < ($1["received_at_ms"] as Int64, $1["arrival"] as Int64) }
            var claim = EventClaim(campaignID: campaignID)
            claim.events = ordered.map { EventClaim.Item(id: $0["id"], source: $0["source"], attempts: $0["attempts"]) }
            claim.brandID = ordered.last { ($0["brand_id"] as String?) != nil }?["brand_id"]
            if let newest = claim.events.last {
                claim.latest = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [newest.id]).map(Self.storedEvent)
            }
            return claim
        }
    }

    public func completeEvents(_ ids: [String], state: EventState, snapshot: CampaignSnapshot?, audit: [AuditDraft]) async throws {
        try await pool.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE events SET state = ?, lease_until_ms = NULL, claimed_by = NULL WHERE id = ?", arguments: [state.rawValue, id])
            }
            if let snapshot {
                try Self.save(snapshot, db: db)
                try db.execute(
                    sql: """
                        INSERT INTO campaign_checks (campaign_id, next_check_ms) VALUES (?, ?)
                        ON CONFLICT (campaign_id) DO UPDATE SET next_check_ms = MIN(next_check_ms, excluded.next_check_ms)
                        """,
                    arguments: [snapshot.campaignID, Self.milliseconds(snapshot.fetchedAt)]
                )
            }
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func retryEvents(_ ids: [String], at: Date, error: String, audit: [AuditDraft]) async throws {
        try await pool.write { db in
            for id in ids {
                try db.execute(
                    sql: """
                        UPDATE events SET state = 'pending', attempts = attempts + 1, next_attempt_ms = ?, last_error = ?, lease_until_ms = NULL,
                        claimed_by = NULL WHERE id = ?
                        """,
                    arguments: [Self.milliseconds(at), error, id]
                )
            }
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func failEvents(_ ids: [String], error: String, audit: [AuditDraft]) async throws {
        try await pool.write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE events SET state = 'failed', attempts = attempts + 1, last_error = ?, lease_until_ms = NULL, claimed_by = NULL WHERE id = ?",
                    arguments: [error, id]
                )
            }
            var head = try ChainHead.load(db)
            for draft in audit { try head.append(draft, db: db) }
        }
    }

    public func events(in state: EventState, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE state = ? ORDER BY received_at_ms, rowid LIMIT ?", arguments: [state.rawValue, limit])
                .map(Self.storedEvent)
        }
    }

    public func replayEvent(id: String, at: Date, audit: AuditDraft) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE events SET state = 'pending', attempts = 0, next_attempt_ms = ? WHERE id = ? AND state = 'failed'",
                arguments: [Self.milliseconds(at), id]
            )
            guard db.changesCount > 0 else { return false }
            var head = try ChainHead.load(db)
            try head.append(audit, db: db)
            return true
        }
    }

    public func snapshot(campaignID: String) async throws -> CampaignSnapshot? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM campaign_snapshots WHERE campaign_id = ?", arguments: [campaignID]).map(Self.snapshot)
        }
    }

    public func liveCampaignCount() async throws -> Int {
        let live = [CampaignStatus.inReview, .active, .processing].map(\.rawValue)
        return try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM campaign_snapshots WHERE status IN (?, ?, ?)", arguments: StatementArguments(live)) ?? 0
        }
    }

    public func history(campaignID: String) async throws -> [CampaignStateChange] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM campaign_history WHERE campaign_id = ? ORDER BY at_ms, id", arguments: [campaignID])
                .map(Self.stateChange)
        }
    }

    // MARK: Rows

    /// The lists of a snapshot, stored as one JSON column.
    private struct SnapshotLists: Codable {
        var errorCampaigns: [String]
        var platformErrors: [String]
        var campaignEffectiveStatuses: [String]
        var adEffectiveStatuses: [String]
    }

    private static func save(_ snapshot: CampaignSnapshot, db: Database) throws {
        let change = snapshot.stateChange
        let last = try Row.fetchOne(
            db, sql: "SELECT * FROM campaign_history WHERE campaign_id = ? ORDER BY at_ms DESC, id DESC LIMIT 1", arguments: [snapshot.campaignID]
        ).map(stateChange)
        if last.map({ !$0.sameState(as: change) }) ?? true {
            try db.execute(
                sql: """
                    INSERT INTO campaign_history (campaign_id, at_ms, status, account_status, ad_account_good, spend, budget)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [snapshot.campaignID, milliseconds(change.at), change.status.rawValue, change.accountStatus?.code,
                            change.adAccountGood, change.spend.map(text), change.budget.map(text)]
            )
        }
        let lists = SnapshotLists(
            errorCampaigns: snapshot.errorCampaigns, platformErrors: snapshot.platformErrors,
            campaignEffectiveStatuses: snapshot.campaignEffectiveStatuses, adEffectiveStatuses: snapshot.adEffectiveStatuses
        )
        let listsJSON = String(decoding: try JSONEncoder().encode(lists), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO campaign_snapshots (campaign_id, brand_id, fetched_at_ms, status, status_since_ms, account_status,
                    disable_reason, ad_account_id, ad_account_good, ad_account_error, spend, budget, currency, campaign_type, start_ms, end_ms, lists,
                    provider, source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                snapshot.campaignID, snapshot.brandID, milliseconds(snapshot.fetchedAt), snapshot.status.rawValue,
                milliseconds(snapshot.statusSince), snapshot.accountStatus?.code, snapshot.disableReason?.code, snapshot.adAccountID,
                snapshot.adAccountGood, snapshot.adAccountError, snapshot.spend.map(text), snapshot.budget.map(text), snapshot.currency,
                snapshot.campaignType, snapshot.startDate.map(milliseconds), snapshot.endDate.map(milliseconds), listsJSON,
                snapshot.provider, snapshot.source,
            ]
        )
    }

    private static func snapshot(_ row: Row) -> CampaignSnapshot {
        let lists = (try? JSONDecoder().decode(SnapshotLists.self, from: Data((row["lists"] as String).utf8)))
            ?? SnapshotLists(errorCampaigns: [], platformErrors: [], campaignEffectiveStatuses: [], adEffectiveStatuses: [])
        return CampaignSnapshot(
            campaignID: row["campaign_id"],
            brandID: row["brand_id"],
            fetchedAt: date(row["fetched_at_ms"]),
            status: CampaignStatus(rawValue: row["status"]),
            statusSince: date(row["status_since_ms"]),
            accountStatus: (row["account_status"] as Int?).map(AdAccountStatus.init(code:)),
            disableReason: (row["disable_reason"] as Int?).map(DisableReason.init(code:)),
            adAccountID: row["ad_account_id"],
            adAccountGood: row["ad_account_good"],
            adAccountError: row["ad_account_error"],
            spend: (row["spend"] as String?).flatMap(decimal),
            budget: (row["budget"] as String?).flatMap(decimal),
            currency: row["currency"],
            campaignType: row["campaign_type"],
            startDate: (row["start_ms"] as Int64?).map(date),
            endDate: (row["end_ms"] as Int64?).map(date),
            errorCampaigns: lists.errorCampaigns,
            platformErrors: lists.platformErrors,
            campaignEffectiveStatuses: lists.campaignEffectiveStatuses,
            adEffectiveStatuses: lists.adEffectiveStatuses,
            provider: row["provider"],
            source: row["source"]
        )
    }

    private static func stateChange(_ row: Row) -> CampaignStateChange {
        CampaignStateChange(
            at: date(row["at_ms"]),
            status: CampaignStatus(rawValue: row["status"]),
            accountStatus: (row["account_status"] as Int?).map(AdAccountStatus.init(code:)),
            adAccountGood: row["ad_account_good"],
            spend: (row["spend"] as String?).flatMap(decimal),
            budget: (row["budget"] as String?).flatMap(decimal)
        )
    }

    /// Money is stored as decimal text, never as a binary floating-point number.
    private static func text(_ value: Decimal) -> String { "\(value)" }
    private static func decimal(_ text: String) -> Decimal? { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) }
}
