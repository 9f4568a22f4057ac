import GRDB
import AdWatchCore

extension SQLiteStore {
    /// The schema, one registered migration per change; never edit a shipped migration.
    /// See <https://swiftpackageindex.com/groue/GRDB.swift/documentation/grdb/migrations>.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: inbox, dedup keys, audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        id TEXT PRIMARY KEY NOT NULL,
                        source TEXT NOT NULL,
                        dedup_key TEXT NOT NULL,
                        delivery_id TEXT,
                        event_type TEXT,
                        known_type INTEGER NOT NULL,
                        campaign_id TEXT,
                        brand_id TEXT,
                        event_time_ms INTEGER,
                        received_at_ms INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        headers TEXT NOT NULL,
                        remote_address TEXT,
                        state TEXT NOT NULL DEFAULT 'pending',
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_ms INTEGER
                    );
                    CREATE INDEX events_by_state ON events (state, next_attempt_ms);
                    CREATE INDEX events_by_campaign ON events (campaign_id, received_at_ms);

                    CREATE TABLE dedup_keys (
                        source TEXT NOT NULL,
                        key TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        seen_at_ms INTEGER NOT NULL,
                        PRIMARY KEY (source, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX dedup_keys_by_age ON dedup_keys (seen_at_ms);

                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        at_ms INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        source TEXT,
                        campaign TEXT,
                        brand TEXT,
                        alert TEXT,
                        details TEXT NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_by_campaign ON audit_log (campaign, seq);
                    CREATE INDEX audit_by_kind ON audit_log (kind, seq);
                    -- Append-only: records are sealed by the hash chain; updating one is always a mistake.
                    CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    """
            )
        }
        migrator.registerMigration("v2: processing state, campaign snapshots and history") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN lease_until_ms INTEGER;
                    ALTER TABLE events ADD COLUMN last_error TEXT;

                    CREATE TABLE campaign_snapshots (
                        campaign_id TEXT PRIMARY KEY NOT NULL,
                        brand_id TEXT,
                        fetched_at_ms INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        status_since_ms INTEGER NOT NULL,
                        account_status INTEGER,
                        disable_reason INTEGER,
                        ad_account_id TEXT,
                        ad_account_good INTEGER,
                        ad_account_error TEXT,
                        spend TEXT,
                        budget TEXT,
                        currency TEXT,
                        campaign_type TEXT,
                        start_ms INTEGER,
                        end_ms INTEGER,
                        lists TEXT NOT NULL
                    );

                    CREATE TABLE campaign_history (
                        id INTEGER PRIMARY KEY,
                        campaign_id TEXT NOT NULL,
                        at_ms INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        account_status INTEGER,
                        ad_account_good INTEGER,
                        spend TEXT,
                        budget TEXT
                    );
                    CREATE INDEX campaign_history_by_campaign ON campaign_history (campaign_id, at_ms);
                    """
            )
        }
        migrator.registerMigration("v3: alerts, silences, outbox, scheduler checks") { db in
            try db.execute(
                sql: """
                    ALTER TABLE campaign_snapshots ADD COLUMN provider TEXT;
                    ALTER TABLE campaign_snapshots ADD COLUMN source TEXT;
                    CREATE INDEX campaign_snapshots_by_account ON campaign_snapshots (ad_account_id);

                    CREATE TABLE alerts (
                        fingerprint TEXT PRIMARY KEY NOT NULL,
                        rule TEXT NOT NULL,
                        campaign_id TEXT NOT NULL,
                        level TEXT,
                        labels TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        summary TEXT NOT NULL,
                        state TEXT NOT NULL,
                        active_since_ms INTEGER NOT NULL,
                        firing_since_ms INTEGER,
                        resolved_at_ms INTEGER,
                        last_notified_at_ms INTEGER,
                        suppressed_by TEXT,
                        updated_at_ms INTEGER NOT NULL
                    );
                    CREATE INDEX alerts_by_campaign ON alerts (campaign_id, state);
                    CREATE INDEX alerts_by_state ON alerts (state, updated_at_ms);

                    CREATE TABLE silences (
                        id TEXT PRIMARY KEY NOT NULL,
                        matchers TEXT NOT NULL,
                        starts_at_ms INTEGER NOT NULL,
                        ends_at_ms INTEGER NOT NULL,
                        author TEXT NOT NULL,
                        comment TEXT NOT NULL,
                        created_at_ms INTEGER NOT NULL
                    );

                    CREATE TABLE outbox (
                        id TEXT PRIMARY KEY NOT NULL,
                        fingerprint TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        campaign_id TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        summary TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        created_at_ms INTEGER NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending'
                    );
                    CREATE INDEX outbox_by_state ON outbox (state, created_at_ms);

                    CREATE TABLE campaign_checks (
                        campaign_id TEXT PRIMARY KEY NOT NULL,
                        next_check_ms INTEGER NOT NULL
                    );
                    CREATE INDEX campaign_checks_by_time ON campaign_checks (next_check_ms);
                    """
            )
        }
        migrator.registerMigration("v4: route groups and deliveries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE route_entries (
                        outbox_id TEXT NOT NULL,
                        route_index INTEGER NOT NULL,
                        group_key TEXT NOT NULL,
                        flushed INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (outbox_id, route_index)
                    );
                    CREATE INDEX route_entries_open ON route_entries (flushed, group_key);
                    CREATE TABLE delivery_groups (group_key TEXT PRIMARY KEY NOT NULL, last_flush_ms INTEGER NOT NULL);
                    CREATE TABLE deliveries (
                        id TEXT PRIMARY KEY NOT NULL,
                        channel TEXT NOT NULL,
                        message TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at_ms INTEGER NOT NULL,
                        next_attempt_ms INTEGER NOT NULL,
                        lease_until_ms INTEGER,
                        last_error TEXT,
                        last_status INTEGER
                    );
                    CREATE INDEX deliveries_due ON deliveries (state, next_attempt_ms);
                    """
            )
        }
        migrator.registerMigration("v5: audit checkpoint") { db in
            try db.execute(
                sql: """
                    -- The last record removed by retention; the remaining chain continues from its hash.
                    CREATE TABLE audit_checkpoint (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        seq INTEGER NOT NULL,
                        hash TEXT NOT NULL,
                        pruned_at_ms INTEGER NOT NULL
                    );
                    -- Records leave only through retention, which moves the checkpoint past them first.
                    CREATE TRIGGER audit_log_prune_only BEFORE DELETE ON audit_log
                    WHEN OLD.seq > COALESCE((SELECT seq FROM audit_checkpoint WHERE id = 1), 0)
                    BEGIN SELECT RAISE(ABORT, 'audit records are removed only by retention pruning'); END;
                    """
            )
        }
        migrator.registerMigration("v6: audit index by alert") { db in
            // Alert timelines and the `alert` filter: without it they scan the whole log.
            try db.execute(sql: "CREATE INDEX audit_by_alert ON audit_log (alert, seq)")
        }
        migrator.registerMigration("v7: claim owners") { db in
            // Who holds a claim, next to its lease: at start the store releases the claims of earlier
            // boots at once (ClaimOwner). Existing claims have no owner and count as an earlier boot's.
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN claimed_by TEXT;
                    ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
                    CREATE INDEX events_claimed ON events (claimed_by) WHERE claimed_by IS NOT NULL;
                    CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
                    """
            )
        }
        return migrator
    }
}
