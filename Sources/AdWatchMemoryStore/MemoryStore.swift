public import Foundation
public import AdWatchCore

/// An in-memory ``AdWatchStore`` with the same semantics as the SQLite one (dedup window, audit chain).
/// For unit tests and demos: nothing survives the process.
public actor MemoryStore: AdWatchStore {
    private var events: [String: StoredEvent] = [:]
    private var dedup: [String: (eventID: String, seenAt: Date)] = [:]
    var audit: [AuditRecord] = []
    private var checkpoint: AuditCheckpoint?
    /// Event ids in arrival order.
    private var order: [String] = []
    private var dueAt: [String: Date] = [:]
    private var leaseUntil: [String: Date] = [:]
    private var eventOwner: [String: ClaimOwner] = [:]
    private var snapshots: [String: CampaignSnapshot] = [:]
    private var histories: [String: [CampaignStateChange]] = [:]
    private var alertsByFingerprint: [String: Alert] = [:]
    private var outboxMessages: [OutboxMessage] = []
    private var silenceList: [Silence] = []
    private var checks: [String: Date] = [:]
    private var routedOutbox: Set<String> = []
    private var routeEntries: [(outboxID: String, routeIndex: Int, groupKey: String, flushed: Bool)] = []
    private var groupFlushes: [String: Date] = [:]
    private var deliveryList: [Delivery] = []
    private var deliveryDue: [String: Date] = [:]
    private var deliveryLease: [String: Date] = [:]
    private var deliveryOwner: [String: ClaimOwner] = [:]

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

    public func lastReceivedAt(source: String) async throws -> Date? {
        events.values.filter { $0.source == source }.map(\.receivedAt).max()
    }

    public func liveCampaignCount() async throws -> Int { snapshots.values.filter(\.status.isLive).count }

    public func append(_ drafts: [AuditDraft]) async throws { appendSealed(drafts) }

    public func records(from seq: Int64, limit: Int) async throws -> [AuditRecord] {
        Array(audit.lazy.filter { $0.seq >= seq }.prefix(limit))
    }

    /// Pending and due, or claimed under a lease that ran out.
    private func isDue(_ event: StoredEvent, now: Date) -> Bool {
        (event.state == .pending && (dueAt[event.id] ?? .distantPast) <= now) || isExpired(event, now: now)
    }

    private func isExpired(_ event: StoredEvent, now: Date) -> Bool {
        event.state == .processing && (leaseUntil[event.id] ?? .distantPast) <= now
    }

    public func dueCampaigns(now: Date, limit: Int) async throws -> [String?] {
        var campaigns: [String?] = []
        for id in order where campaigns.count < limit {
            guard let event = events[id], isDue(event, now: now), !campaigns.contains(event.campaignID) else { continue }
            campaigns.append(event.campaignID)
        }
        return campaigns
    }

    public func claimEvents(campaignID: String?, limit: Int?, now: Date, lease: Duration, owner: ClaimOwner) async throws -> EventClaim {
        let candidates = order.compactMap { self.events[$0] }.filter { $0.campaignID == campaignID }
        // A campaign's events go together once one of them is due (a fetch settles those waiting for a
        // retry too); events without a campaign are each their own matter, so only due ones.
        var claimable: [StoredEvent]
        if campaignID == nil {
            claimable = candidates.filter { isDue($0, now: now) }
        } else if candidates.contains(where: { isDue($0, now: now) }) {
            claimable = candidates.filter { $0.state == .pending || isExpired($0, now: now) }
        } else {
            claimable = []
        }
        if let limit { claimable = Array(claimable.prefix(limit)) }
        for event in claimable {
            events[event.id]?.state = .processing
            leaseUntil[event.id] = now.addingTimeInterval(lease.timeInterval)
            eventOwner[event.id] = owner
        }
        return EventClaim(
            campaignID: campaignID,
            events: claimable.map { EventClaim.Item(id: $0.id, source: $0.source, attempts: $0.attempts) },
            brandID: claimable.last { $0.brandID != nil }?.brandID,
            latest: claimable.last.flatMap { self.events[$0.id] }
        )
    }

    public func completeEvents(_ ids: [String], state: EventState, snapshot: CampaignSnapshot?, audit drafts: [AuditDraft]) async throws {
        for id in ids {
            events[id]?.state = state
            eventOwner[id] = nil
        }
        if let snapshot {
            let change = snapshot.stateChange
            if let last = histories[snapshot.campaignID]?.last, last.sameState(as: change) {
                // unchanged: no history entry
            } else {
                histories[snapshot.campaignID, default: []].append(change)
            }
            snapshots[snapshot.campaignID] = snapshot
            checks[snapshot.campaignID] = min(checks[snapshot.campaignID] ?? snapshot.fetchedAt, snapshot.fetchedAt)
        }
        appendSealed(drafts)
    }

    public func retryEvents(_ ids: [String], at: Date, error: String, audit drafts: [AuditDraft]) async throws {
        for id in ids {
            events[id]?.state = .pending
            events[id]?.attempts += 1
            events[id]?.lastError = error
            dueAt[id] = at
            eventOwner[id] = nil
        }
        appendSealed(drafts)
    }

    public func failEvents(_ ids: [String], error: String, audit drafts: [AuditDraft]) async throws {
        for id in ids {
            events[id]?.state = .failed
            events[id]?.attempts += 1
            events[id]?.lastError = error
            eventOwner[id] = nil
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

    public func alerts(campaignID: String, states: Set<AlertState>) async throws -> [Alert] {
        alertsByFingerprint.values.filter { $0.campaignID == campaignID && states.contains($0.state) }.sorted { $0.fingerprint < $1.fingerprint }
    }

    public func alerts(states: Set<AlertState>, limit: Int) async throws -> [Alert] {
        Array(
            alertsByFingerprint.values.filter { states.contains($0.state) }
                .sorted { ($0.updatedAt, $1.fingerprint) > ($1.updatedAt, $0.fingerprint) }.prefix(limit)
        )
    }

    public func applyAlertChanges(_ changes: AlertBook.Changes, audit drafts: [AuditDraft]) async throws {
        for alert in changes.alerts { alertsByFingerprint[alert.fingerprint] = alert }
        outboxMessages += changes.notifications
        appendSealed(drafts)
    }

    public func outbox(limit: Int) async throws -> [OutboxMessage] {
        Array(outboxMessages.filter { !routedOutbox.contains($0.id) }.prefix(limit))
    }

    public func routeOutbox(_ routes: [String: [(routeIndex: Int, groupKey: String)]], audit drafts: [AuditDraft]) async throws {
        for (id, entries) in routes {
            for entry in entries where !routeEntries.contains(where: { $0.outboxID == id && $0.routeIndex == entry.routeIndex }) {
                routeEntries.append((id, entry.routeIndex, entry.groupKey, false))
            }
            routedOutbox.insert(id)
        }
        appendSealed(drafts)
    }

    public func lastFiringRouted(fingerprint: String, routeIndex: Int) async throws -> Date? {
        let ids = Set(routeEntries.filter { $0.routeIndex == routeIndex }.map(\.outboxID))
        let same = outboxMessages.filter { $0.fingerprint == fingerprint }
        guard let firing = same.filter({ ids.contains($0.id) && $0.kind == .firing }).map(\.createdAt).max() else { return nil }
        if let resolved = same.filter({ $0.kind == .resolved }).map(\.createdAt).max(), resolved >= firing { return nil }
        return firing
    }

    public func openGroups() async throws -> (entries: [GroupedEntry], lastFlush: [String: Date]) {
        let byID = Dictionary(outboxMessages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let entries = routeEntries.filter { !$0.flushed }.compactMap { entry in
            byID[entry.outboxID].map { GroupedEntry(entry: $0, routeIndex: entry.routeIndex, groupKey: entry.groupKey) }
        }
        return (entries, groupFlushes)
    }

    public func flushGroup(_ groupKey: String, outboxIDs: [String], deliveries: [Delivery], at: Date, audit drafts: [AuditDraft]) async throws {
        for delivery in deliveries where !deliveryList.contains(where: { $0.id == delivery.id }) {
            deliveryList.append(delivery)
            deliveryDue[delivery.id] = at
        }
        for index in routeEntries.indices where routeEntries[index].groupKey == groupKey && outboxIDs.contains(routeEntries[index].outboxID) {
            routeEntries[index].flushed = true
        }
        groupFlushes[groupKey] = at
        appendSealed(drafts)
    }

    public func claimDeliveries(
        now: Date, limit: Int, perChannel: Int, excluding: Set<String>, lease: Duration, owner: ClaimOwner
    ) async throws -> [Delivery] {
        var claimed: [Delivery] = []
        var perChannelClaimed: [String: Int] = [:]
        for index in deliveryList.indices where claimed.count < limit {
            let delivery = deliveryList[index]
            let due = delivery.state == .pending && (deliveryDue[delivery.id] ?? .distantPast) <= now
            let expired = delivery.state == .sending && (deliveryLease[delivery.id] ?? .distantPast) <= now
            guard due || expired, !excluding.contains(delivery.channel), perChannelClaimed[delivery.channel, default: 0] < perChannel else { continue }
            perChannelClaimed[delivery.channel, default: 0] += 1
            deliveryList[index].state = .sending
            deliveryLease[delivery.id] = now.addingTimeInterval(lease.timeInterval)
            deliveryOwner[delivery.id] = owner
            claimed.append(deliveryList[index])
        }
        return claimed
    }

    public func settleDelivery(id: String, outcome: DeliveryOutcome, audit drafts: [AuditDraft]) async throws {
        guard let index = deliveryList.firstIndex(where: { $0.id == id }) else { return }
        deliveryList[index].attempts += 1
        deliveryOwner[id] = nil
        switch outcome {
        case .sent:
            deliveryList[index].state = .sent
        case .retry(let at, let error, let status):
            deliveryList[index].state = .pending
            deliveryList[index].lastError = error
            deliveryList[index].lastStatus = status
            deliveryDue[id] = at
        case .dead(let error, let status):
            deliveryList[index].state = .dead
            deliveryList[index].lastError = error
            deliveryList[index].lastStatus = status
        }
        appendSealed(drafts)
    }

    public func deliveries(in state: Delivery.State, limit: Int) async throws -> [Delivery] {
        Array(deliveryList.filter { $0.state == state }.prefix(limit))
    }

    public func rerouteUnflushed() async throws -> Int {
        let flushed = Set(routeEntries.filter(\.flushed).map(\.outboxID))
        let back = routedOutbox.subtracting(flushed)
        routedOutbox.subtract(back)
        routeEntries.removeAll { back.contains($0.outboxID) }
        return back.count
    }

    public func replayDelivery(id: String, at: Date, by operatorName: String) async throws -> Bool {
        guard let index = deliveryList.firstIndex(where: { $0.id == id && $0.state == .dead }) else { return false }
        let draft = deliveryList[index].replayedAudit(by: operatorName, at: at)
        deliveryList[index].state = .pending
        deliveryList[index].attempts = 0
        deliveryList[index].createdAt = at
        deliveryDue[id] = at
        appendSealed([draft])
        return true
    }

    public func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date, limits: ClaimLimits) async throws -> ReleasedClaims {
        var released = ReleasedClaims()
        for (id, event) in events where event.state == .processing && eventOwner[id] != owner {
            let attempts = event.attempts + 1
            events[id]?.attempts = attempts
            if attempts >= limits.eventAttempts {
                events[id]?.state = .failed
                events[id]?.lastError = ReleasedClaims.gaveUpReason(attempts: attempts)
                released.eventsFailed += 1
            } else {
                events[id]?.state = .pending
            }
            leaseUntil[id] = nil
            eventOwner[id] = nil
            released.events += 1
        }
        for index in deliveryList.indices where deliveryList[index].state == .sending && deliveryOwner[deliveryList[index].id] != owner {
            let attempts = deliveryList[index].attempts + 1
            deliveryList[index].attempts = attempts
            if attempts >= limits.deliveryAttempts {
                deliveryList[index].state = .dead
                deliveryList[index].lastError = ReleasedClaims.gaveUpReason(attempts: attempts)
                released.deliveriesDead += 1
            } else {
                deliveryList[index].state = .pending
            }
            deliveryLease[deliveryList[index].id] = nil
            deliveryOwner[deliveryList[index].id] = nil
            released.deliveries += 1
        }
        if !released.isEmpty { appendSealed([released.auditDraft(owner: owner, at: at)]) }
        return released
    }

    public func renewClaims(owner: ClaimOwner, until: Date) async throws -> Int {
        var renewed = 0
        for (id, event) in events where event.state == .processing && eventOwner[id] == owner {
            leaseUntil[id] = until
            renewed += 1
        }
        for delivery in deliveryList where delivery.state == .sending && deliveryOwner[delivery.id] == owner {
            deliveryLease[delivery.id] = until
            renewed += 1
        }
        return renewed
    }

    public func addSilence(_ silence: Silence, audit draft: AuditDraft) async throws {
        silenceList.append(silence)
        appendSealed([draft])
    }

    public func silences(notEndedAt now: Date?) async throws -> [Silence] {
        silenceList.filter { silence in now.map { silence.endsAt > $0 } ?? true }
    }

    public func expireSilence(id: String, at: Date, audit draft: AuditDraft) async throws -> Bool {
        guard let index = silenceList.firstIndex(where: { $0.id == id && $0.endsAt > at }) else { return false }
        silenceList[index].endsAt = at
        appendSealed([draft])
        return true
    }

    public func setNextCheck(campaignID: String, at: Date?) async throws { checks[campaignID] = at }

    public func dueChecks(now: Date, limit: Int) async throws -> [String] {
        Array(checks.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key).prefix(limit))
    }

    public func campaigns(onAdAccount accountID: String) async throws -> [String] {
        snapshots.values.filter { $0.adAccountID == accountID }.map(\.campaignID).sorted()
    }

    private func appendSealed(_ drafts: [AuditDraft]) {
        for draft in drafts {
            let seq = audit.last?.seq ?? checkpoint?.seq ?? 0
            let prevHash = audit.last?.hash ?? checkpoint?.hash ?? AuditChain.genesisHash
            audit.append(AuditChain.seal(draft, seq: seq + 1, prevHash: prevHash))
        }
    }

    // MARK: Retention

    public func auditCheckpoint() async throws -> AuditCheckpoint? { checkpoint }

    public func pruneAudit(before cutoff: Date, limit: Int, now: Date) async throws -> AuditPruneBatch? {
        let cutoffMS = CheckedTime.int64(clamping: (cutoff.timeIntervalSince1970 * 1000).rounded())
        let old = audit.prefix(limit).prefix { $0.atMilliseconds < cutoffMS }
        guard let last = old.last else { return nil }
        let count = old.count
        audit.removeFirst(count)
        checkpoint = AuditCheckpoint(seq: last.seq, hash: last.hash, prunedAt: now)
        // appendSealed continues from the checkpoint when pruning took every record.
        appendSealed([checkpoint!.prunedDraft(removed: count, cutoff: cutoff)])
        return AuditPruneBatch(removed: count, checkpoint: checkpoint!)
    }

    public func pruneSettledEvents(receivedBefore cutoff: Date, limit: Int) async throws -> Int {
        let old = order.lazy.compactMap { self.events[$0] }
            .filter { ($0.state == .processed || $0.state == .skipped) && $0.receivedAt < cutoff }
            .prefix(limit).map(\.id)
        let removed = Set(old)
        for id in removed { events[id] = nil }
        order.removeAll { removed.contains($0) }
        return removed.count
    }

    public func pruneDedupKeys(before cutoff: Date) async throws -> Int {
        let old = dedup.filter { $0.value.seenAt < cutoff }.map(\.key)
        for key in old { dedup[key] = nil }
        return old.count
    }
}
