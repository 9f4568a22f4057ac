public import Foundation

/// Where an event is in the pipeline.
public enum EventState: String, Sendable, CaseIterable {
    /// Waiting for the processor (or for its retry time).
    case pending
    /// Claimed by a processor pass.
    case processing
    /// The campaign was re-fetched and its snapshot stored.
    case processed
    /// Nothing to fetch (no campaign id).
    case skipped
    /// Fetching failed for good; kept for replay.
    case failed
}

/// The processor's view of the inbox: claim due events, then settle them.
public protocol EventQueue: Sendable {
    /// Claims up to `limit` events that are pending and due, or whose earlier claim expired, oldest first.
    func claimEvents(limit: Int, now: Date, lease: Duration) async throws -> [StoredEvent]
    /// Marks events done; stores the campaign's snapshot (appending to its history when the state changed) and audit records, in one transaction.
    func completeEvents(_ ids: [String], state: EventState, snapshot: CampaignSnapshot?, audit: [AuditDraft]) async throws
    /// Puts events back as pending until `at`, counting the attempt.
    func retryEvents(_ ids: [String], at: Date, error: String, audit: [AuditDraft]) async throws
    /// Marks events failed for good, counting the attempt; they stay visible for replay.
    func failEvents(_ ids: [String], error: String, audit: [AuditDraft]) async throws
    /// Events in a state, oldest first.
    func events(in state: EventState, limit: Int) async throws -> [StoredEvent]
    /// Makes a failed event pending again with a fresh attempt count.
    /// - Returns: false when no failed event has this id.
    func replayEvent(id: String, at: Date, audit: AuditDraft) async throws -> Bool
}

/// Campaign snapshots and their state history.
public protocol CampaignStateStore: Sendable {
    func snapshot(campaignID: String) async throws -> CampaignSnapshot?
    func history(campaignID: String) async throws -> [CampaignStateChange]
    /// Campaigns whose last known status is live (in review, active, processing).
    func liveCampaignCount() async throws -> Int
}
