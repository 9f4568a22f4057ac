@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import GRDB
import Testing

struct ChainVerificationCacheTests {
    @Test func verifiesAtMostOncePerMaxAgeAndSeesTamperingAfterIt() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await store.append((0..<3).map { AuditDraft(at: TestSupport.now, kind: .silenceCreated, details: ["n": .int(Int64($0))]) })
        let clock = ManualWallClock(TestSupport.now)
        let cache = ChainVerificationCache(log: store, clock: clock, maxAge: 60)

        let first = try await cache.status()
        #expect(first.result.isIntact)
        #expect(first.result.checkedRecords == 3)
        #expect(first.checkedAt == TestSupport.now)

        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_append_only")
            try db.execute(sql: #"UPDATE audit_log SET details = '{"n":9}' WHERE seq = 2"#)
        }
        try queue.close()

        clock.advance(by: .seconds(59))
        let cached = try await cache.status()
        #expect(cached.result.isIntact)  // within maxAge: the earlier answer, and when it was computed
        #expect(cached.checkedAt == TestSupport.now)

        clock.advance(by: .seconds(1))
        let fresh = try await cache.status()
        #expect(fresh.result.problem?.seq == 2)
        #expect(fresh.checkedAt == TestSupport.now.addingTimeInterval(60))
        try await store.close()
    }
}
