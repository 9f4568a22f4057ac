import Foundation

/// An in-memory ``AdWatchStore`` with the same semantics as the SQLite one (dedup window, audit chain).
/// For unit tests and demos: nothing survives the process.
public actor MemoryStore: AdWatchStore {
    private var events: [String: StoredEvent] = [:]
    private var dedup: [String: (eventID: String, seenAt: Date)] = [:]
    private var audit: [AuditRecord] = []

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
            state: "pending"
        )
        appendSealed([event.auditDraft(duplicateOf: nil)])
        return .accepted(id: event.id)
    }

    public func event(id: String) async throws -> StoredEvent? { events[id] }

    public func eventCount() async throws -> Int { events.count }

    public func append(_ drafts: [AuditDraft]) async throws { appendSealed(drafts) }

    public func records(from seq: Int64, limit: Int) async throws -> [AuditRecord] {
        Array(audit.lazy.filter { $0.seq >= seq }.prefix(limit))
    }

    private func appendSealed(_ drafts: [AuditDraft]) {
        for draft in drafts {
            let last = audit.last
            audit.append(AuditChain.seal(draft, seq: (last?.seq ?? 0) + 1, prevHash: last?.hash ?? AuditChain.genesisHash))
        }
    }
}
