@testable import AdWatchCore
import Foundation
import GRDB
import Testing

/// One contract, every store: what the inbox and the audit log promise regardless of backend.
struct StoreContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, sqlite
        var testDescription: String { rawValue }
    }

    /// Runs `body` with a fresh, migrated store of `kind`, and closes it afterwards.
    func withStore(_ kind: Kind, _ body: (any AdWatchStore) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(MemoryStore())
        case .sqlite:
            let database = try TemporaryDatabase()
            defer { database.remove() }
            let store = try await database.openStore()
            try await body(store)
            try await store.close()
        }
    }

    static func event(id: String, key: String, at: Date = TestSupport.now, window: Duration = .seconds(3600)) -> InboundEvent {
        InboundEvent(
            id: id, source: "symphony", dedupKey: key, deliveryID: nil, eventType: "campaign.updated", isKnownType: true,
            campaignID: "5195", brandID: "246", eventTime: nil, receivedAt: at, body: TestSupport.campaignBody(),
            headers: ["webhook-id": key], remoteAddress: "127.0.0.1", dedupWindow: window
        )
    }

    @Test(arguments: Kind.allCases)
    func storesAnEventWithEveryField(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.accept(Self.event(id: "evt_1", key: "id:a")) == .accepted(id: "evt_1"))
            let stored = try #require(try await store.event(id: "evt_1"))
            let original = Self.event(id: "evt_1", key: "id:a")
            #expect(stored.body == original.body)
            #expect(stored.headers == original.headers)
            #expect(stored.receivedAt == original.receivedAt)
            #expect(stored.campaignID == "5195")
            #expect(stored.state == .pending)
            #expect(try await store.event(id: "evt_missing") == nil)
        }
    }

    @Test(arguments: Kind.allCases)
    func treatsARepeatWithinTheWindowAsADuplicateOfTheFirst(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            _ = try await store.accept(Self.event(id: "evt_1", key: "id:a"))
            let repeatEvent = Self.event(id: "evt_2", key: "id:a", at: TestSupport.now.addingTimeInterval(3599))
            #expect(try await store.accept(repeatEvent) == .duplicate(of: "evt_1"))
            let afterWindow = Self.event(id: "evt_3", key: "id:a", at: TestSupport.now.addingTimeInterval(3600))
            #expect(try await store.accept(afterWindow) == .accepted(id: "evt_3"))
            // The window now runs from the newest stored event.
            let repeatOfNewest = Self.event(id: "evt_4", key: "id:a", at: TestSupport.now.addingTimeInterval(3700))
            #expect(try await store.accept(repeatOfNewest) == .duplicate(of: "evt_3"))
            #expect(try await store.eventCount() == 2)
        }
    }

    @Test(arguments: Kind.allCases)
    func chainsEveryAuditRecordToItsPredecessor(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            _ = try await store.accept(Self.event(id: "evt_1", key: "id:a"))
            _ = try await store.accept(Self.event(id: "evt_2", key: "id:a"))
            try await store.append([
                AuditDraft(at: TestSupport.now, kind: .webhookRejected, source: "x", details: ["reason": "unknown_source", "status": 404]),
                AuditDraft(at: TestSupport.now, kind: .webhookRejected, source: "y", details: ["reason": "invalid_json", "status": 400]),
            ])
            let records = try await store.records(from: 0, limit: 10)
            #expect(records.map(\.seq) == [1, 2, 3, 4])
            #expect(records.map(\.kind) == ["webhook.accepted", "webhook.duplicate", "webhook.rejected", "webhook.rejected"])
            #expect(records[0].prevHash == AuditChain.genesisHash)
            for (previous, record) in zip(records, records.dropFirst()) {
                #expect(record.prevHash == previous.hash)
            }
            #expect(try await store.records(from: 3, limit: 1).map(\.seq) == [3])
            let verification = try await store.verify(pageSize: 3)
            #expect(verification == AuditVerification(checkedRecords: 4, lastSeq: 4, problem: nil))
        }
    }

    @Test(arguments: Kind.allCases)
    func aFailingWriteSpoilsOnlyItselfEvenInASharedBatch(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            _ = try await store.accept(Self.event(id: "evt_taken", key: "id:first"))
            // Twenty concurrent writes, one of which reuses an event id (a primary-key violation in SQLite).
            let results = await withTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let id = index == 7 ? "evt_taken" : "evt_\(index)"
                        return (index, (try? await store.accept(Self.event(id: id, key: "id:\(index)"))) != nil)
                    }
                }
                return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            if kind == .sqlite {
                #expect(results[7] == false)
                #expect(results.filter { $0.value }.count == 19)
                #expect(try await store.eventCount() == 20)
            }
            let verification = try await store.verify()
            #expect(verification.isIntact)
        }
    }

    @Test func sqliteKeepsAcknowledgedEventsAcrossReopening() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let path = database.path
        do {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            _ = try await store.accept(Self.event(id: "evt_1", key: "id:a"))
            try await store.close()
        }
        let reopened = try SQLiteStore(path: path)
        try await reopened.migrate()  // idempotent
        #expect(try await reopened.event(id: "evt_1") != nil)
        #expect(try await reopened.accept(Self.event(id: "evt_2", key: "id:a")) == .duplicate(of: "evt_1"))
        #expect(try await reopened.verify().checkedRecords == 2)
        try await reopened.close()
    }

    @Test func sqliteRefusesToUpdateAnAuditRecord() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let path = database.path
        let store = try await database.openStore()
        _ = try await store.accept(Self.event(id: "evt_1", key: "id:a"))
        try await store.close()
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try queue.write { try $0.execute(sql: "UPDATE audit_log SET details = '{}' WHERE seq = 1") }
        }
    }

    @Test func sqliteUsesFullSynchronousModeByDefault() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        #expect(try await store.synchronousSetting() == 2)  // FULL
        #expect(try await store.journalMode() == "wal")
        try await store.close()
    }
}
