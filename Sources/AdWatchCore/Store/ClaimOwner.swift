public import Foundation

/// Who holds a claim on queued work — an event being re-fetched, a delivery being sent.
///
/// A claim is an owner and a lease: the store keeps both with the row (`claimed_by`, `lease_until_ms`).
/// The owner is one random id per process start (a "boot"), made once by the composition root and
/// shared by the processor and the delivery service. That gives a store two ways to move a dead
/// process's work on without waiting out the lease:
///
/// - a single-node store (SQLite, memory) is the only writer, so at start it releases every claim
///   another owner holds (``ClaimStore/releaseClaims(heldByOtherThan:at:)``): that process is gone;
/// - a store shared by replicas (PostgreSQL) keeps short leases alive with a heartbeat
///   (``ClaimStore/renewClaims(owner:until:)``) and lets any replica take a claim whose lease ran out.
///
/// ```swift
/// let owner = ClaimOwner.boot()
/// let released = try await store.releaseClaims(heldByOtherThan: owner, at: clock.now())
/// ```
public struct ClaimOwner: Hashable, Sendable, CustomStringConvertible {
    public let id: String

    public init(id: String) {
        self.id = id
    }

    /// A fresh owner for this process start: `boot_` and 20 random hex digits.
    public static func boot() -> ClaimOwner {
        ClaimOwner(id: "boot_" + ByteEncoding.hex(Digest.randomBytes(10)))
    }

    public var description: String { id }
}

/// What ``ClaimStore/releaseClaims(heldByOtherThan:at:)`` handed back to the queues.
public struct ReleasedClaims: Sendable, Equatable {
    /// Events that were being re-fetched; pending again.
    public var events: Int
    /// Deliveries that were being sent; pending again (the channel may see the message twice: at least once).
    public var deliveries: Int
    /// Of ``events``, those whose processes ended before settling them `limits.eventAttempts` times: failed,
    /// kept for replay, instead of being tried again (an event that kills the process must not loop).
    public var eventsFailed: Int
    /// Of ``deliveries``, those released `limits.deliveryAttempts` times: in the dead letter, replayable.
    public var deliveriesDead: Int

    public init(events: Int = 0, deliveries: Int = 0, eventsFailed: Int = 0, deliveriesDead: Int = 0) {
        self.events = events
        self.deliveries = deliveries
        self.eventsFailed = eventsFailed
        self.deliveriesDead = deliveriesDead
    }

    public var isEmpty: Bool { events == 0 && deliveries == 0 }

    /// The `claims.released` record, audited in the same transaction as the release.
    package func auditDraft(owner: ClaimOwner, at: Date) -> AuditDraft {
        AuditDraft(at: at, kind: .claimsReleased, details: [
            "events": .int(Int64(events)), "deliveries": .int(Int64(deliveries)), "owner": .string(owner.id),
            "events_failed": .int(Int64(eventsFailed)), "deliveries_dead": .int(Int64(deliveriesDead)),
        ])
    }

    /// The `last_error` of work given up on because its processes kept ending before settling it.
    package static func gaveUpReason(attempts: Int) -> String {
        gaveUpPrefix + "\(attempts) attempts"
    }

    package static let gaveUpPrefix = "the process ended before settling it (a crash or a kill); given up after "
}

/// How often a claim may be released before the work is given up on: a release counts as an attempt,
/// so an event or delivery that crashes the process every time ends in the failed list or the dead
/// letter instead of a crash loop.
public struct ClaimLimits: Sendable, Equatable {
    /// Attempts (fetch failures and releases together) after which an event is failed: `processor.max_attempts`.
    public var eventAttempts: Int
    /// Attempts after which a delivery is dead: `delivery.max_attempts`.
    public var deliveryAttempts: Int

    public init(eventAttempts: Int, deliveryAttempts: Int) {
        self.eventAttempts = max(1, eventAttempts)
        self.deliveryAttempts = max(1, deliveryAttempts)
    }

    /// No limit: every released claim is pending again.
    public static let unlimited = ClaimLimits(eventAttempts: .max, deliveryAttempts: .max)
}

/// The claims on events and deliveries as a whole.
public protocol ClaimStore: Sendable {
    /// Makes every event and delivery claimed by another owner pending again at once, whatever its
    /// lease, and audits `claims.released` with the counts (nothing when there was nothing to release).
    /// Each release counts as an attempt: work that reaches its limit in `limits` is failed (events) or
    /// dead (deliveries) with ``ReleasedClaims/gaveUpReason(attempts:)`` as the error instead.
    /// A single-node store calls this at start; a shared store must not (other replicas are alive).
    func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date, limits: ClaimLimits) async throws -> ReleasedClaims
    /// Extends every claim `owner` holds to `until`: the heartbeat of a store shared by replicas.
    /// - Returns: how many claims were renewed.
    func renewClaims(owner: ClaimOwner, until: Date) async throws -> Int
}

extension ClaimStore {
    /// Releases without a limit (tests, and stores whose work cannot crash the process).
    public func releaseClaims(heldByOtherThan owner: ClaimOwner, at: Date) async throws -> ReleasedClaims {
        try await releaseClaims(heldByOtherThan: owner, at: at, limits: .unlimited)
    }
}

extension AuditKind {
    /// At start, the claims of an earlier process were released: its unfinished events and deliveries go on at once.
    public static let claimsReleased = AuditKind(rawValue: "claims.released")
}
