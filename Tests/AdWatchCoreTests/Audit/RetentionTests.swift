@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import GRDB
import Logging
import Testing

/// Retention removes old audit records in batches behind a checkpoint, and `verify` stays green on what
/// remains while still catching tampering — including with the checkpoint itself.
struct RetentionTests {
    typealias Kind = StoreContractTests.Kind

    /// `count` records, one a day, the first at `TestSupport.now`.
    static func appendDaily(_ count: Int, to store: any AdWatchStore, from start: Date = TestSupport.now) async throws {
        try await store.append((0..<count).map { day in
            AuditDraft(at: start.addingTimeInterval(Double(day) * 86_400), kind: .silenceCreated, details: ["day": .int(Int64(day))])
        })
    }

    @Test(arguments: Kind.allCases)
    func prunesOnlyRecordsOlderThanTheCutoffInBatchesAndStaysVerifiable(_ kind: Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await Self.appendDaily(30, to: store)
            let now = TestSupport.now.addingTimeInterval(40 * 86_400)
            let cutoff = TestSupport.now.addingTimeInterval(25 * 86_400)  // days 0…24 are older
            let result = try await store.pruneAudit(before: cutoff, batchSize: 10, now: now)
            #expect(result.removed == 25)
            #expect(result.batches == 3)

            let remaining = try await store.records(from: 0, limit: 100)
            // Days 25…29 remain, then one audit.pruned record per batch.
            #expect(remaining.prefix(5).map(\.seq) == [26, 27, 28, 29, 30])
            #expect(remaining.dropFirst(5).map(\.kind) == Array(repeating: "audit.pruned", count: 3))
            let checkpoint = try #require(try await store.auditCheckpoint())
            #expect(checkpoint.seq == 25)
            #expect(remaining[0].prevHash == checkpoint.hash)

            let verification = try await store.verify()
            #expect(verification.isIntact)
            #expect(verification.checkedRecords == 8)
            #expect(verification.checkpoint == checkpoint)
        }
    }

    @Test(arguments: Kind.allCases)
    func pruningEverythingKeepsTheChainGoingFromTheCheckpoint(_ kind: Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await Self.appendDaily(3, to: store)
            let now = TestSupport.now.addingTimeInterval(10 * 86_400)
            #expect(try await store.pruneAudit(before: now, batchSize: 100, now: now).removed == 3)
            // Pruning again finds only the fresh audit.pruned record, which is young.
            #expect(try await store.pruneAudit(before: now, batchSize: 100, now: now).removed == 0)
            try await store.append([AuditDraft(at: now, kind: .silenceExpired)])
            let records = try await store.records(from: 0, limit: 10)
            #expect(records.map(\.seq) == [4, 5])
            #expect(records.map(\.kind) == ["audit.pruned", "silence.expired"])
            #expect(try await store.verify().isIntact)
        }
    }

    @Test func aChainWithoutItsFirstRecordsAndNoCheckpointFailsVerification() {
        // Stand-in for someone deleting old records by hand: the verifier is fed the chain without them.
        var verifier = AuditChain.Verifier()
        let chain = AuditChainTests.chain(6)
        for record in chain.dropFirst(2) { verifier.check(record) }
        #expect(verifier.result.problem?.seq == 1)
        #expect(verifier.result.problem?.reason.contains("no retention checkpoint") == true)
    }

    @Test func detectsACheckpointMovedToHideADeletion() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await Self.appendDaily(10, to: store)
        let now = TestSupport.now.addingTimeInterval(20 * 86_400)
        _ = try await store.pruneAudit(before: TestSupport.now.addingTimeInterval(3 * 86_400), batchSize: 100, now: now)
        #expect(try await store.verify().isIntact)

        // Someone deletes records 4 and 5 and moves the checkpoint to match.
        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { db in
            let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = 5")!
            try db.execute(sql: "UPDATE audit_checkpoint SET seq = 5, hash = ?", arguments: [hash])
            try db.execute(sql: "DELETE FROM audit_log WHERE seq IN (4, 5)")
        }
        try queue.close()
        let verification = try await store.verify()
        #expect(verification.problem?.seq == 6)
        #expect(verification.problem?.reason.contains("no audit.pruned record attests") == true)
        try await store.close()
    }

    @Test func refusesToDeleteRecordsTheCheckpointDoesNotCover() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await Self.appendDaily(3, to: store)
        try await store.close()
        let queue = try DatabaseQueue(path: database.path)
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 2") }
        }
        try queue.close()
    }

    @Test func tamperingAfterPruningIsStillNamedBySequenceNumber() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await Self.appendDaily(10, to: store)
        let now = TestSupport.now.addingTimeInterval(20 * 86_400)
        _ = try await store.pruneAudit(before: TestSupport.now.addingTimeInterval(4 * 86_400), batchSize: 2, now: now)
        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_append_only")
            try db.execute(sql: "UPDATE audit_log SET details = replace(details, '7', '8') WHERE seq = 8")
        }
        try queue.close()
        #expect(try await store.verify().problem?.seq == 8)
        try await store.close()
    }

    @Test(arguments: Kind.allCases)
    func theServicePrunesByConfiguredRetentionAndForgetsOldDedupKeys(_ kind: Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            var config = TestSupport.config()
            config.audit = AuditConfig(retention: "7d", pruneBatch: 4)
            let clock = ManualWallClock(TestSupport.now)
            _ = try await store.accept(StoreContractTests.event(id: "evt_1", key: "id:a", window: .seconds(3600)))
            try await Self.appendDaily(9, to: store)  // seq 2…10, days 0…8
            let service = RetentionService(store: store, config: config, clock: clock, logger: Logger(label: "test"))

            // Day 8.5: records before day 1.5 are older than 7 days (seq 1, 2, 3).
            clock.advance(by: .seconds(8 * 86_400 + 43_200))
            let first = try await service.runOnce()
            #expect(first.auditRecords == 3)
            #expect(first.dedupKeys == 1)  // older than the source's dedup window
            // The key is forgotten: the same delivery id is an event again, not a duplicate.
            let again = StoreContractTests.event(id: "evt_2", key: "id:a", at: clock.now(), window: .seconds(3600))
            #expect(try await store.accept(again) == .accepted(id: "evt_2"))

            let pruned = try await store.records(matching: { var q = AuditQuery(); q.kinds = ["audit.pruned"]; return q }(), limit: 10)
            #expect(pruned.count == 1)
            #expect(pruned.first?.details.contains("\"through_seq\":3") == true)
            #expect(try await store.verify().isIntact)
            #expect(try await service.runOnce().auditRecords == 0)
        }
    }

    @Test(arguments: Kind.allCases)
    func settledEventsPastTheRetentionGoButPendingAndFailedOnesStay(_ kind: Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            var config = TestSupport.config()
            config.audit = AuditConfig(retention: "7d", pruneBatch: 1)  // one per batch: the loop must go on
            let later = TestSupport.now.addingTimeInterval(8 * 86_400)
            for (id, at) in [("old_done", TestSupport.now), ("old_skipped", TestSupport.now), ("old_pending", TestSupport.now),
                             ("old_failed", TestSupport.now), ("new_done", later)] {
                _ = try await store.accept(StoreContractTests.event(id: id, key: "id:\(id)", at: at))
            }
            try await store.completeEvents(["old_done", "new_done"], state: .processed, snapshot: nil, audit: [])
            try await store.completeEvents(["old_skipped"], state: .skipped, snapshot: nil, audit: [])
            try await store.failEvents(["old_failed"], error: "HTTP 404", audit: [])
            let clock = ManualWallClock(later.addingTimeInterval(43_200))
            let service = RetentionService(store: store, config: config, clock: clock, logger: Logger(label: "test"))
            #expect(try await service.runOnce().events == 2)
            #expect(try await store.event(id: "old_done") == nil)
            #expect(try await store.event(id: "old_skipped") == nil)
            for kept in ["old_pending", "old_failed", "new_done"] {
                #expect(try await store.event(id: kept) != nil, "\(kept)")
            }
            #expect(try await store.eventCount() == 3)
        }
    }

    @Test(arguments: Kind.allCases)
    func aCancelledPruneStopsBetweenBatchesAndLeavesAVerifiableChain(_ kind: Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await Self.appendDaily(10, to: store)
            let now = TestSupport.now.addingTimeInterval(20 * 86_400)
            let removed = try await Task {
                withUnsafeCurrentTask { $0?.cancel() }  // as a shutdown past its grace would
                return try await store.pruneAudit(before: now, batchSize: 2, now: now).removed
            }.value
            #expect(removed == 0)
            #expect(try await store.records(from: 0, limit: 20).count == 10)
            #expect(try await store.verify().isIntact)
        }
    }
}
