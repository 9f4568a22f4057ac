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

/// The processor's view of the inbox: find the campaigns with due events, claim a campaign's
/// events right before re-fetching it, then settle them.
///
/// An event is *due* when it is pending and its retry time (if any) has come, or when it is claimed
/// under a lease that ran out. Claims carry an owner (see ``ClaimOwner``).
public protocol EventQueue: Sendable {
    /// Up to `limit` campaigns with due events, the one whose oldest due event waited longest first;
    /// `nil` stands for events without a campaign id.
    func dueCampaigns(now: Date, limit: Int) async throws -> [String?]
    /// Claims for `owner`, until `now + lease`, every pending or expired event of a campaign that has a due
    /// one — however many, including those waiting for a retry: one fetch settles them all.
    /// With `campaignID` nil: at most `limit` due events without a campaign id (`limit` nil: no limit).
    func claimEvents(campaignID: String?, limit: Int?, now: Date, lease: Duration, owner: ClaimOwner) async throws -> EventClaim
    /// Marks events done, in one transaction with the campaign's snapshot (appending to its history when
    /// the state changed) and the audit records. With a snapshot, the campaign's next check becomes due
    /// at the snapshot's time unless it is earlier already: if the process dies before the rules judge the
    /// fresh state, the scheduler does it after the restart.
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

/// Events claimed together for one re-fetch: everything one campaign had waiting. Bodies stay in
/// the store (a burst may hold thousands of events for one campaign) except the newest one's.
public struct EventClaim: Sendable, Equatable {
    /// One claimed event, without its body.
    public struct Item: Sendable, Equatable {
        public var id: String
        public var source: String
        /// Processing attempts before this claim.
        public var attempts: Int

        public init(id: String, source: String, attempts: Int) {
            self.id = id
            self.source = source
            self.attempts = attempts
        }
    }

    public var campaignID: String?
    /// Every claimed event, oldest first.
    public var events: [Item]
    /// The newest brand id among them.
    public var brandID: String?
    /// The newest claimed event in full: its source and body (the provider) describe the campaign best.
    public var latest: StoredEvent?

    public init(campaignID: String?, events: [Item] = [], brandID: String? = nil, latest: StoredEvent? = nil) {
        self.campaignID = campaignID
        self.events = events
        self.brandID = brandID
        self.latest = latest
    }

    public var ids: [String] { events.map(\.id) }
}
