public import Foundation

/// An in-memory ``AdWatchStore`` with the same semantics as the SQLite one (dedup window, audit chain).
/// For unit tests and demos: nothing survives the process.
public actor MemoryStore: AdWatchStore {
    private var events: [String: StoredEvent] = [:]
    private var dedup: [String: (eventID: String, seenAt: Date)] = [:]
    private var audit: [AuditRecord] = []
    /// Event ids in arrival order.
    private var order: [String] = []
    private var dueAt: [String: Date] = [:]
    private var leaseUntil: [String: Date] = [:]
    private var snapshots: [String: CampaignSnapshot] = [:]
    private var histories: [String: [CampaignStateChange]] = [:]

    public init() {}

    public func migrate() async throws {}
    public func ping() async throws {}
    public func close() async throws {}

    public func accept(_ event: InboundEvent) async throws -> AcceptOutcome {
        let key = "\(event.source)\u{0}\(event.dedupKey)"
        if let seen = dedup[key], event.receivedAt.timeIntervalSince(seen.seenAt) < event.dedupWindow.timeInterval {
            appendSealed([event.auditDraft(duplicateOf: seen.eventID)])
            return .duplicate(of: seen.eventID)
        }
        dedup[key] = (event.id, event.receivedAt)
        events[event.id] = StoredEvent(
            id: event.id,
            source: event.source,
            dedupKey: event.dedupKey,
            deliveryID: event.deliveryID,
            eventType: event.eventType,
            isKnownType: event.isKnownType,
            campaignID: event.campaignID,
            brandID: event.brandID,
            eventTime: event.eventTime,
            receivedAt: event.receivedAt,
            body: event.body,
            headers: event.headers,
            remoteAddress: event.remoteAddress,
            state: .pending,
            attempts: 0,
            lastError: nil
        )
        order.append(event.id)
        appendSealed([event.auditDraft(duplicateOf: nil)])
        return .accepted(id: event.id)
    }

    public func event(id: String) async throws -> StoredEvent? { events[id] }

    public func eventCount() async throws -> Int { events.count }

    public func append(_ drafts: [AuditDraft]) async throws { appendSealed(drafts) }

    public func records(from seq: Int64, limit: Int) async throws -> [AuditRecord] {
        Array(audit.lazy.filter { $0.seq >= seq }.prefix(limit))
    }

    public func claimEvents(limit: Int, now: Date, lease: Duration) async throws -> [StoredEvent] {
        var claimed: [StoredEvent] = []
        for id in order where claimed.count < limit {
            guard var event = events[id] else { continue }
            let due = event.state == .pending && (dueAt[id] ?? .distantPast) <= now
            let expired = event.state == .processing && (leaseUntil[id] ?? .distantPast) <= now
            guard due || expired else { continue }
            event.state = .processing
            events[id] = event
            leaseUntil[id] = now.addingTimeInterval(lease.timeInterval)
            claimed.append(event)
        }
        return claimed
    }

    public func completeEvents(_ ids: [String], state: EventState, snapshot: CampaignSnapshot?, audit drafts: [AuditDraft]) async throws {
        for id in ids { events[id]?.state = state }
        if let snapshot {
            let change = snapshot.stateChange
            if let last = histories[snapshot.campaignID]?.last, last.sameState(as: change) {
                // unchanged: no history entry
            } else {
                histories[snapshot.campaignID, default: []].append(change)
            }
            snapshots[snapshot.campaignID] = snapshot
        }
        appendSealed(drafts)
    }

    public func retryEvents(_ ids: [String], at: Date, error: String, audit drafts: [AuditDraft]) async throws {
        for id in ids {
            events[id]?.state = .pending
            events[id]?.attempts += 1
            events[id]?.lastError = error
            dueAt[id] = at
        }
        appendSealed(drafts)
    }

    public func failEvents(_ ids: [String], error: String, audit drafts: [AuditDraft]) async throws {
        for id in ids {
            events[id]?.state = .failed
            events[id]?.attempts += 1
            events[id]?.lastError = error
        }
        appendSealed(drafts)
    }

    public func events(in state: EventState, limit: Int) async throws -> [StoredEvent] {
        Array(order.lazy.compactMap { self.events[$0] }.filter { $0.state == state }.prefix(limit))
    }

    public func replayEvent(id: String, at: Date, audit draft: AuditDraft) async throws -> Bool {
        guard events[id]?.state == .failed else { return false }
        events[id]?.state = .pending
        events[id]?.attempts = 0
        dueAt[id] = at
        appendSealed([draft])
        return true
    }

    public func snapshot(campaignID: String) async throws -> CampaignSnapshot? { snapshots[campaignID] }

    public func history(campaignID: String) async throws -> [CampaignStateChange] { histories[campaignID] ?? [] }

    private func appendSealed(_ drafts: [AuditDraft]) {
        for draft in drafts {
            let last = audit.last
            audit.append(AuditChain.seal(draft, seq: (last?.seq ?? 0) + 1, prevHash: last?.hash ?? AuditChain.genesisHash))
        }
    }
}
