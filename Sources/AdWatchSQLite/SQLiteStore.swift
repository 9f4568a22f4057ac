public import Foundation
import GRDB
import NIOConcurrencyHelpers
public import Logging
public import AdWatchCore

/// The default store: one SQLite file in WAL mode, written through a ``GroupCommitter`` so concurrent
/// webhooks share one transaction and one fsync.
///
/// ```swift
/// let store = try SQLiteStore(path: "adwatch.sqlite")
/// try await store.migrate()
/// let outcome = try await store.accept(event)
/// ```
public final class SQLiteStore: AdWatchStore {
    enum Operation: Sendable {
        case accept(InboundEvent)
        case audit([AuditDraft])
    }

    enum Output: Sendable {
        case accepted(AcceptOutcome)
        case audited
    }

    let pool: DatabasePool
    private let committer: GroupCommitter<Operation, Output>
    private let logger: Logger
    /// Silence matchers decoded (and their regexes compiled) once, by their stored JSON text: the
    /// alert evaluator reads the silences on every evaluation.
    let silenceMatchers = NIOLockedValueBox<[String: [LabelMatcher]]>([:])

    /// Opens (creating if needed) the database file.
    /// - Parameters:
    ///   - path: The SQLite file.
    ///   - synchronous: `.full` (default) fsyncs every commit, so an acknowledged event survives power loss.
    ///   - logger: Where the store reports how well group commit worked when it closes.
    public init(path: String, synchronous: StoreConfig.Synchronous = .full, logger: Logger = Logger(label: "adwatch.store")) throws {
        self.logger = logger
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        createOwnerOnly(path)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Set on the writer connection after opening: GRDB's WAL setup lowers it to NORMAL when the pool opens.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous == .full ? "FULL" : "NORMAL")")
        }
        self.pool = pool
        self.committer = GroupCommitter { operations in await Self.commit(operations, in: pool) }
    }

    public func migrate() async throws {
        try Self.migrator.migrate(pool)
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        let (batches, operations) = await commitStatistics()
        logger.log(
            level: batches > 0 ? .info : .debug,
            "store closed",
            metadata: ["store.transactions": "\(batches)", "store.operations": "\(operations)",
                       "store.operations_per_transaction": "\(batches == 0 ? 0 : Double(operations) / Double(batches))"]
        )
        try pool.close()
    }

    public func accept(_ event: InboundEvent) async throws -> AcceptOutcome {
        guard case .accepted(let outcome) = try await committer.submit(.accept(event)) else {
            preconditionFailure("accept operation produced no outcome")
        }
        return outcome
    }

    public func append(_ drafts: [AuditDraft]) async throws {
        _ = try await committer.submit(.audit(drafts))
    }

    public func event(id: String) async throws -> StoredEvent? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [id]).map(Self.storedEvent)
        }
    }

    public func lastReceivedAt(source: String) async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(received_at_ms) FROM events WHERE source = ?", arguments: [source]).map(Self.date)
        }
    }

    public func eventCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    public func records(from seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.auditColumns) FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
                .map(Self.auditRecord)
        }
    }

    /// `PRAGMA synchronous` of the writer connection (2 = FULL, 1 = NORMAL).
    func synchronousSetting() async throws -> Int {
        try await pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// `PRAGMA journal_mode` (`wal` for a pool).
    func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Batches committed and operations they held, for load figures.
    public func commitStatistics() async -> (batches: Int, operations: Int) {
        (await committer.batchCount, await committer.operationCount)
    }

    // MARK: Writing

    /// Runs a batch in one transaction.
    ///
    /// The common case commits every operation together. If any operation fails, the transaction is
    /// rolled back and the batch runs again with each operation in its own savepoint, so one bad
    /// operation spoils only itself.
    private static func commit(_ operations: [Operation], in pool: DatabasePool) async -> [Result<Output, any Error>] {
        do {
            return try await pool.write { db in
                var head = try ChainHead.load(db)
                return try operations.map { .success(try apply($0, db: db, head: &head)) }
            }
        } catch {
            return await commitIsolated(operations, in: pool)
        }
    }

    private static func commitIsolated(_ operations: [Operation], in pool: DatabasePool) async -> [Result<Output, any Error>] {
        do {
            return try await pool.write { db in
                var head = try ChainHead.load(db)
                var results: [Result<Output, any Error>] = []
                results.reserveCapacity(operations.count)
                for operation in operations {
                    let saved = head
                    do {
                        var output = Output.audited
                        try db.inSavepoint {
                            output = try apply(operation, db: db, head: &head)
                            return .commit
                        }
                        results.append(.success(output))
                    } catch {
                        head = saved
                        results.append(.failure(error))
                    }
                }
                return results
            }
        } catch {
            return Array(repeating: .failure(error), count: operations.count)
        }
    }

    private static func apply(_ operation: Operation, db: Database, head: inout ChainHead) throws -> Output {
        switch operation {
        case .audit(let drafts):
            for draft in drafts { try head.append(draft, db: db) }
            return .audited
        case .accept(let event):
            let receivedMS = milliseconds(event.receivedAt)
            let windowMS = CheckedTime.milliseconds(event.dedupWindow)
            if let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT event_id, seen_at_ms FROM dedup_keys WHERE source = ? AND key = ?"),
                arguments: [event.source, event.dedupKey]
            ), CheckedTime.subtracting(receivedMS, row["seen_at_ms"]) < windowMS {
                let existing: String = row["event_id"]
                try head.append(event.auditDraft(duplicateOf: existing), db: db)
                return .accepted(.duplicate(of: existing))
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO events (id, source, dedup_key, delivery_id, event_type, known_type, campaign_id, brand_id,
                        event_time_ms, received_at_ms, body, headers, remote_address, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                    """
            ).execute(arguments: [
                event.id, event.source, event.dedupKey, event.deliveryID, event.eventType, event.isKnownType,
                event.campaignID, event.brandID, event.eventTime.map(milliseconds), receivedMS, Data(event.body),
                event.headersJSON, event.remoteAddress,
            ])
            try db.cachedStatement(
                sql: """
                    INSERT INTO dedup_keys (source, key, event_id, seen_at_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT (source, key) DO UPDATE SET event_id = excluded.event_id, seen_at_ms = excluded.seen_at_ms
                    """
            ).execute(arguments: [event.source, event.dedupKey, event.id, receivedMS])
            try head.append(event.auditDraft(duplicateOf: nil), db: db)
            return .accepted(.accepted(id: event.id))
        }
    }

    /// The last record of the audit chain, carried through a batch so each append costs one insert.
    struct ChainHead {
        var seq: Int64
        var hash: String

        static func load(_ db: Database) throws -> ChainHead {
            if let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") {
                return ChainHead(seq: row["seq"], hash: row["hash"])
            }
            return ChainHead(seq: 0, hash: AuditChain.genesisHash)
        }

        mutating func append(_ draft: AuditDraft, db: Database) throws {
            let record = AuditChain.seal(draft, seq: seq + 1, prevHash: hash)
            try db.cachedStatement(
                sql: """
                    INSERT INTO audit_log (seq, at_ms, kind, source, campaign, brand, alert, details, prev_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                record.seq, record.atMilliseconds, record.kind, record.source, record.campaign, record.brand,
                record.alert, record.details, record.prevHash, record.hash,
            ])
            seq = record.seq
            hash = record.hash
        }
    }

    // MARK: Reading

    static func storedEvent(_ row: Row) -> StoredEvent {
        StoredEvent(
            id: row["id"],
            source: row["source"],
            dedupKey: row["dedup_key"],
            deliveryID: row["delivery_id"],
            eventType: row["event_type"],
            isKnownType: row["known_type"],
            campaignID: row["campaign_id"],
            brandID: row["brand_id"],
            eventTime: (row["event_time_ms"] as Int64?).map(date),
            receivedAt: date(row["received_at_ms"]),
            body: Array(row["body"] as Data),
            headers: (try? JSONDecoder().decode([String: String].self, from: Data((row["headers"] as String).utf8))) ?? [:],
            remoteAddress: row["remote_address"],
            state: EventState(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"],
            lastError: row["last_error"]
        )
    }

    /// The columns ``auditRecord(_:)`` reads, in its order: select exactly these.
    static let auditColumns = "seq, at_ms, kind, source, campaign, brand, alert, details, prev_hash, hash"

    /// A row of ``auditColumns``. Read by position: by name GRDB lower-cases the name on every access,
    /// which was the largest single cost of `audit verify` (profiled with perf over 300 000 records).
    static func auditRecord(_ row: Row) -> AuditRecord {
        AuditRecord(
            seq: row[0],
            atMilliseconds: row[1],
            kind: row[2],
            source: row[3],
            campaign: row[4],
            brand: row[5],
            alert: row[6],
            details: row[7],
            prevHash: row[8],
            hash: row[9]
        )
    }

    /// Whole milliseconds, rounded down: a stored time never lands after the instant it records, so
    /// "due at or before now" comparisons hold under a clock that stands still. Never traps: a date
    /// beyond the range of `Int64` milliseconds is clamped (``CheckedTime/milliseconds(_:)-(Date)``).
    static func milliseconds(_ date: Date) -> Int64 { CheckedTime.milliseconds(date) }
    static func date(_ milliseconds: Int64) -> Date { CheckedTime.date(milliseconds: milliseconds) }
}

/// Creates the database file with mode 0600 (owner only) when it does not exist yet, whatever the
/// umask: it holds webhook bodies, request headers and the audit log. SQLite gives the `-wal` and
/// `-shm` files it creates the mode of the database file. An existing file keeps its mode (the
/// operator may have chosen it); any failure here is left for SQLite's own open to report.
private func createOwnerOnly(_ path: String) {
    // SQLite's special names are not files.
    guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
    let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { return }
    // The umask can only take bits away from 0600; set it exactly, so SQLite can write it too.
    _ = fchmod(descriptor, 0o600)
    _ = close(descriptor)
}
