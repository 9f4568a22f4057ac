@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
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

    static func event(_ index: Int, campaign: String?, at: Date = TestSupport.now) -> InboundEvent {
        InboundEvent(
            id: "evt_\(index)", source: "symphony", dedupKey: "id:\(index)", deliveryID: nil, eventType: "campaign.updated", isKnownType: true,
            campaignID: campaign, brandID: index % 2 == 0 ? "246" : nil, eventTime: nil, receivedAt: at, body: TestSupport.campaignBody(id: index),
            headers: [:], remoteAddress: nil, dedupWindow: .seconds(3600)
        )
    }

    /// A queued delivery of one message, as the delivery service files it.
    static func queueDelivery(_ id: String, in store: any AdWatchStore) async throws {
        let message = OutboundMessage(
            id: "msg_\(id)", status: .firing,
            alerts: [AlertNotice(fingerprint: "acct/5195", rule: "acct", severity: .critical, summary: "s", campaignID: "5195", labels: [:], since: nil)],
            createdAt: TestSupport.now
        )
        let delivery = Delivery(id: id, channel: "hook", message: message, createdAt: TestSupport.now)
        try await store.flushGroup("g_\(id)", outboxIDs: [], deliveries: [delivery], at: TestSupport.now, audit: [])
    }

    @Test(arguments: Kind.allCases)
    func aCampaignsClaimTakesEveryEventItHasWaitingAndNothingThatCameLater(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            for index in 0..<300 {
                _ = try await store.accept(Self.event(index, campaign: index == 150 ? "8" : "7", at: TestSupport.now.addingTimeInterval(Double(index))))
            }
            #expect(try await store.dueCampaigns(now: TestSupport.now.addingTimeInterval(300), limit: 10) == ["7", "8"])
            #expect(try await store.dueCampaigns(now: TestSupport.now.addingTimeInterval(300), limit: 1) == ["7"])
            let owner = ClaimOwner.boot()
            let now = TestSupport.now.addingTimeInterval(300)
            let claim = try await store.claimEvents(campaignID: "7", limit: nil, now: now, lease: .seconds(300), owner: owner)
            #expect(claim.campaignID == "7")
            #expect(claim.ids == (0..<300).filter { $0 != 150 }.map { "evt_\($0)" })  // every one, oldest first
            #expect(claim.brandID == "246")  // the newest that named a brand (evt_298; evt_299 named none)
            #expect(claim.latest?.id == "evt_299")
            #expect(claim.latest?.body == TestSupport.campaignBody(id: 299))
            #expect(claim.events.allSatisfy { $0.source == "symphony" && $0.attempts == 0 })

            // What arrives now is not in the claim: it waits for the next fetch.
            _ = try await store.accept(Self.event(300, campaign: "7", at: TestSupport.now.addingTimeInterval(300)))
            #expect(try await store.event(id: "evt_300")?.state == .pending)
            #expect(try await store.dueCampaigns(now: now, limit: 10) == ["8", "7"])
            #expect(try await store.event(id: "evt_150")?.state == .pending)
        }
    }

    @Test(arguments: Kind.allCases)
    func eventsWithoutACampaignAreClaimedAtMostLimitAtATime(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            for index in 0..<5 { _ = try await store.accept(Self.event(index, campaign: nil)) }
            #expect(try await store.dueCampaigns(now: TestSupport.now, limit: 10) == [nil])
            let owner = ClaimOwner.boot()
            let first = try await store.claimEvents(campaignID: nil, limit: 3, now: TestSupport.now, lease: .seconds(300), owner: owner)
            #expect(first.ids == ["evt_0", "evt_1", "evt_2"])
            let rest = try await store.claimEvents(campaignID: nil, limit: 3, now: TestSupport.now, lease: .seconds(300), owner: owner)
            #expect(rest.ids == ["evt_3", "evt_4"])
            #expect(try await store.dueCampaigns(now: TestSupport.now, limit: 10).isEmpty)
        }
    }

    /// The start of a single-node store: what the killed process held is pending again at once,
    /// whatever its lease, and the release is audited; this process's own claims stay.
    @Test(arguments: Kind.allCases)
    func releasingTheClaimsOfAnEarlierBootMakesItsWorkPendingAtOnce(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            let (killed, current) = (ClaimOwner.boot(), ClaimOwner.boot())
            _ = try await store.accept(Self.event(1, campaign: "7"))
            _ = try await store.accept(Self.event(2, campaign: "8"))
            try await Self.queueDelivery("d1", in: store)
            try await Self.queueDelivery("d2", in: store)
            _ = try await store.claimEvents(campaignID: "7", limit: nil, now: TestSupport.now, lease: .seconds(3600), owner: killed)
            _ = try await store.claimDeliveries(now: TestSupport.now, limit: 1, lease: .seconds(3600), owner: killed)
            _ = try await store.claimEvents(campaignID: "8", limit: nil, now: TestSupport.now, lease: .seconds(3600), owner: current)
            _ = try await store.claimDeliveries(now: TestSupport.now, limit: 1, lease: .seconds(3600), owner: current)
            #expect(try await store.dueCampaigns(now: TestSupport.now, limit: 10).isEmpty)

            let released = try await store.releaseClaims(heldByOtherThan: current, at: TestSupport.now)
            #expect(released == ReleasedClaims(events: 1, deliveries: 1))
            #expect(try await store.event(id: "evt_1")?.state == .pending)
            #expect(try await store.event(id: "evt_2")?.state == .processing)
            #expect(try await store.dueCampaigns(now: TestSupport.now, limit: 10) == ["7"])
            #expect(try await store.deliveries(in: .pending, limit: 10).map(\.id) == ["d1"])
            #expect(try await store.deliveries(in: .sending, limit: 10).map(\.id) == ["d2"])
            #expect(try await store.claimDeliveries(now: TestSupport.now, limit: 10, lease: .seconds(60), owner: current).map(\.id) == ["d1"])

            let record = try #require(try await store.records(from: 0, limit: 100).last)
            #expect(record.kind == "claims.released")
            #expect(record.outcome == .retrying)
            let details = try #require(try JSONSerialization.jsonObject(with: Data(record.details.utf8)) as? [String: Any])
            #expect(details["events"] as? Int == 1)
            #expect(details["deliveries"] as? Int == 1)
            #expect(details["owner"] as? String == current.id)

            // Nothing left to release: no record.
            let count = try await store.records(from: 0, limit: 100).count
            #expect(try await store.releaseClaims(heldByOtherThan: current, at: TestSupport.now).isEmpty)
            #expect(try await store.records(from: 0, limit: 100).count == count)
            #expect(try await store.verify().isIntact)
        }
    }

    /// Work whose process keeps dying while it holds it (a poison event, a channel answer that crashes us)
    /// must not loop at restart speed: each release is an attempt, and at the limit it is given up —
    /// the event failed (replayable), the delivery dead (replayable) — with the reason.
    @Test(arguments: Kind.allCases)
    func workReleasedAsOftenAsItsAttemptLimitIsGivenUp(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            _ = try await store.accept(Self.event(1, campaign: "7"))
            try await Self.queueDelivery("d1", in: store)
            let limits = ClaimLimits(eventAttempts: 3, deliveryAttempts: 3)
            for boot in 1...3 {
                let (crashed, next) = (ClaimOwner.boot(), ClaimOwner.boot())
                #expect(try await store.claimEvents(campaignID: "7", limit: nil, now: TestSupport.now, lease: .seconds(3600), owner: crashed).ids == ["evt_1"])
                #expect(try await store.claimDeliveries(now: TestSupport.now, limit: 10, lease: .seconds(3600), owner: crashed).map(\.id) == ["d1"])
                let released = try await store.releaseClaims(heldByOtherThan: next, at: TestSupport.now, limits: limits)
                let givenUp = boot == 3 ? 1 : 0
                #expect(released == ReleasedClaims(events: 1, deliveries: 1, eventsFailed: givenUp, deliveriesDead: givenUp))
            }
            let event = try #require(try await store.event(id: "evt_1"))
            #expect(event.state == .failed)
            #expect(event.attempts == 3)
            #expect(event.lastError == ReleasedClaims.gaveUpReason(attempts: 3))
            let dead = try #require(try await store.deliveries(in: .dead, limit: 10).first)
            #expect(dead.id == "d1")
            #expect(dead.lastError == ReleasedClaims.gaveUpReason(attempts: 3))
            #expect(try await store.dueCampaigns(now: TestSupport.now, limit: 10).isEmpty)
            let record = try #require(try await store.records(from: 0, limit: 100).last)
            #expect(record.details.contains(#""events_failed":1"#) && record.details.contains(#""deliveries_dead":1"#))
        }
    }

    /// The heartbeat shape a shared store needs: renewing keeps a claim from others past its first lease.
    @Test(arguments: Kind.allCases)
    func renewingClaimsExtendsTheirLease(_ kind: Kind) async throws {
        try await withStore(kind) { store in
            let (owner, other) = (ClaimOwner.boot(), ClaimOwner.boot())
            _ = try await store.accept(Self.event(1, campaign: "7"))
            try await Self.queueDelivery("d1", in: store)
            _ = try await store.claimEvents(campaignID: "7", limit: nil, now: TestSupport.now, lease: .seconds(60), owner: owner)
            _ = try await store.claimDeliveries(now: TestSupport.now, limit: 10, lease: .seconds(60), owner: owner)
            #expect(try await store.renewClaims(owner: other, until: TestSupport.now.addingTimeInterval(600)) == 0)
            #expect(try await store.renewClaims(owner: owner, until: TestSupport.now.addingTimeInterval(600)) == 2)

            let later = TestSupport.now.addingTimeInterval(300)  // past the first lease, inside the renewed one
            #expect(try await store.dueCampaigns(now: later, limit: 10).isEmpty)
            #expect(try await store.claimDeliveries(now: later, limit: 10, lease: .seconds(60), owner: other).isEmpty)
            let expired = TestSupport.now.addingTimeInterval(600)
            #expect(try await store.claimEvents(campaignID: "7", limit: nil, now: expired, lease: .seconds(60), owner: other).ids == ["evt_1"])
            #expect(try await store.claimDeliveries(now: expired, limit: 10, lease: .seconds(60), owner: other).map(\.id) == ["d1"])
        }
    }

    /// Claims made before the owner column existed (or by any process) count as an earlier boot's.
    @Test func sqliteReleasesClaimsWithoutAnOwner() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        _ = try await store.accept(Self.event(1, campaign: "7"))
        _ = try await store.claimEvents(campaignID: "7", limit: nil, now: TestSupport.now, lease: .seconds(3600), owner: .boot())
        try await store.close()
        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { try $0.execute(sql: "UPDATE events SET claimed_by = NULL") }
        try queue.close()
        let reopened = try await database.openStore()
        #expect(try await reopened.releaseClaims(heldByOtherThan: .boot(), at: TestSupport.now) == ReleasedClaims(events: 1, deliveries: 0))
        #expect(try await reopened.event(id: "evt_1")?.state == .pending)
        try await reopened.close()
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
