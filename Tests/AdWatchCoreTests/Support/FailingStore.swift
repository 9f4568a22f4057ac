@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation

/// A store whose writes fail, standing in for a full disk or a locked database.
struct FailingStore: AdWatchStore {
    struct Unavailable: Error {}

    func migrate() async throws {}
    func ping() async throws { throw Unavailable() }
    func close() async throws {}
    func accept(_ event: InboundEvent) async throws -> AcceptOutcome { throw Unavailable() }
    func event(id: String) async throws -> StoredEvent? { nil }
    func eventCount() async throws -> Int { 0 }
    func lastReceivedAt(source: String) async throws -> Date? { throw Unavailable() }
    func liveCampaignCount() async throws -> Int { throw Unavailable() }
    func append(_ drafts: [AuditDraft]) async throws { throw Unavailable() }
    func records(from seq: Int64, limit: Int) async throws -> [AuditRecord] { [] }
    func auditCheckpoint() async throws -> AuditCheckpoint? { nil }
    func pruneAudit(before cutoff: Date, limit: Int, now: Date) async throws -> AuditPruneBatch? { throw Unavailable() }
    func pruneDedupKeys(before cutoff: Date) async throws -> Int { throw Unavailable() }
    func pruneSettledEvents(receivedBefore cutoff: Date, limit: Int) async throws -> Int { throw Unavailable() }
    func records(matching query: AuditQuery, from seq: Int64, limit: Int) async throws -> [AuditRecord] { throw Unavailable() }
    func dueCampaigns(now: Date, limit: Int) async throws -> [String?] { throw Unavailable() }
    func claimEvents(campaignID: String?, limit: Int?, now: Date, lease: Duration, owner: ClaimOwner) async throws -> EventClaim { throw Unavailable() }
    func completeEvents(_ ids: [String], state: EventState, snapshot: CampaignSnapshot?, audit: [AuditDraft]) async throws { throw Unavailable() }
    func retryEvents(_ ids: [String], at: Date, error: String, audit: [AuditDraft]) async throws { throw Unavailable() }
    func failEvents(_ ids: [String], error: String, audit: [AuditDraft]) async throws { throw Unavailable() }
    func events(in state: EventState, limit: Int) async throws -> [StoredEvent] { throw Unavailable() }
    func replayEvent(id: String, at: Date, audit: AuditDraft) async throws -> Bool { throw Unavailable() }
    func snapshot(campaignID: String) async throws -> CampaignSnapshot? { throw Unavailable() }
    func history(campaignID: String) async throws -> [CampaignStateChange] { throw Unavailable() }
    func alerts(campaignID: String, states: Set<AlertState>) async throws -> [Alert] { throw Unavailable() }
    func alerts(states: Set<AlertState>, limit: Int) async throws -> [Alert] { throw Unavailable() }
    func applyAlertChanges(_ changes: AlertBook.Changes, audit: [AuditDraft]) async throws { throw Unavailable() }
    func outbox(limit: Int) async throws -> [OutboxMessage] { throw Unavailable() }
    func addSilence(_ silence: Silence, audit: AuditDraft) async throws { throw Unavailable() }
    func silences(notEndedAt now: Date?) async throws -> [Silence] { throw Unavailable() }
    func expireSilence(id: String, at: Date, audit: AuditDraft) async throws -> Bool { throw Unavailable() }
    func setNextCheck(campaignID: String, at: Date?) async throws { throw Unavailable() }
    func dueChecks(now: Date, limit: Int) async throws -> [String] { throw Unavailable() }
    func campaigns(onAdAccount accountID: String) async throws -> [String] { throw Unavailable() }
    func routeOutbox(_ routes: [String: [(routeIndex: Int, groupKey: String)]], audit: [AuditDraft]) async throws { throw Unavailable() }
    func lastFiringRouted(fingerprint: String, routeIndex: Int) async throws -> Date? { throw Unavailable() }
    func openGroups() async throws -> (entries: [GroupedEntry], lastFlush: [String: Date]) { throw Unavailable() }
    func flushGroup(_ groupKey: String, outboxIDs: [String], deliveries: [Delivery], at: Date, audit: [AuditDraft]) async throws { throw Unavailable() }
    func claimDeliveries(now: Date, limit: Int, perChannel: Int, excluding: Set<String>, lease: Duration, owner: ClaimOwner) async throws -> [Delivery] { throw Unavailable() }
    // Like `migrate`, the start-up step succeeds: the service starts and its requests meet the failing store.
    func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date, limits: ClaimLimits) async throws -> ReleasedClaims { ReleasedClaims() }
    func renewClaims(owner: ClaimOwner, until: Date) async throws -> Int { throw Unavailable() }
    func settleDelivery(id: String, outcome: DeliveryOutcome, audit: [AuditDraft]) async throws { throw Unavailable() }
    func deliveries(in state: Delivery.State, limit: Int) async throws -> [Delivery] { throw Unavailable() }
    func replayDelivery(id: String, at: Date, by operatorName: String) async throws -> Bool { throw Unavailable() }
    func rerouteUnflushed() async throws -> Int { throw Unavailable() }
    func gaugeReadings() async throws -> StoreGauges { throw Unavailable() }
}
