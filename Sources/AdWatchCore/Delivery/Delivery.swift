public import Foundation

/// One message on its way to one channel.
public struct Delivery: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case pending, sending, sent, dead
    }

    /// Stable: the same message to the same channel always has the same id.
    public var id: String
    public var channel: String
    public var message: OutboundMessage
    public var state: State
    public var attempts: Int
    public var createdAt: Date
    public var lastError: String?
    public var lastStatus: Int?

    public init(id: String, channel: String, message: OutboundMessage, state: State = .pending, attempts: Int = 0, createdAt: Date,
                lastError: String? = nil, lastStatus: Int? = nil) {
        self.id = id
        self.channel = channel
        self.message = message
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.lastError = lastError
        self.lastStatus = lastStatus
    }
}

/// How a delivery attempt ended, as the store records it.
public enum DeliveryOutcome: Sendable, Equatable {
    case sent
    case retry(at: Date, error: String, status: Int?)
    case dead(error: String, status: Int?)
}

/// An outbox entry waiting in a route's group.
public struct GroupedEntry: Sendable, Equatable {
    package init(entry: AdWatchCore.OutboxMessage, routeIndex: Int, groupKey: String) {
        self.entry = entry
        self.routeIndex = routeIndex
        self.groupKey = groupKey
    }

    public var entry: OutboxMessage
    public var routeIndex: Int
    public var groupKey: String
}

/// Routing, grouping and the delivery queue with its dead letter.
public protocol DeliveryStore: Sendable {
    /// Files pending outbox entries into route groups (`routes` per outbox id; empty: unrouted) and marks them routed.
    func routeOutbox(_ routes: [String: [(routeIndex: Int, groupKey: String)]], audit: [AuditDraft]) async throws
    /// When a firing notification for `fingerprint` was last routed on the route, unless the alert resolved since.
    func lastFiringRouted(fingerprint: String, routeIndex: Int) async throws -> Date?
    /// Entries in groups that have not been flushed, with each group's last flush time.
    func openGroups() async throws -> (entries: [GroupedEntry], lastFlush: [String: Date])
    /// Turns a group's entries into deliveries (ignoring ids that exist) and records the flush.
    func flushGroup(_ groupKey: String, outboxIDs: [String], deliveries: [Delivery], at: Date, audit: [AuditDraft]) async throws
    /// Claims for `owner`, until `now + lease`, pending deliveries that are due or whose claim expired, oldest first:
    /// at most `limit` in all and `perChannel` per channel, none for the channels in `excluding` (those busy sending).
    func claimDeliveries(now: Date, limit: Int, perChannel: Int, excluding: Set<String>, lease: Duration, owner: ClaimOwner) async throws
        -> [Delivery]
    func settleDelivery(id: String, outcome: DeliveryOutcome, audit: [AuditDraft]) async throws
    func deliveries(in state: Delivery.State, limit: Int) async throws -> [Delivery]
    /// Makes a dead delivery pending again and audits it as `delivery.replayed` by `operatorName`, tagged
    /// with the message's campaigns and alerts, in one transaction.
    /// - Returns: false when no dead delivery has this id.
    func replayDelivery(id: String, at: Date, by operatorName: String) async throws -> Bool
    /// Notifications filed into route groups that no route has flushed yet go back to the outbox to
    /// be routed again (the routes changed on a reload); ones already flushed on some route stay.
    /// - Returns: how many went back.
    func rerouteUnflushed() async throws -> Int
}

extension DeliveryStore {
    /// Claims without a per-channel quota (tests and one-off passes).
    public func claimDeliveries(now: Date, limit: Int, lease: Duration, owner: ClaimOwner) async throws -> [Delivery] {
        try await claimDeliveries(now: now, limit: limit, perChannel: .max, excluding: [], lease: lease, owner: owner)
    }
}
