public import Foundation

/// A verified webhook on its way into the inbox.
public struct InboundEvent: Sendable, Equatable {
    public let id: String
    public let source: String
    /// `id:<delivery id>` when the signature vouches for one, else `sha256:<hex of source ‖ 0 ‖ body>` (``DedupKey``).
    public let dedupKey: String
    public let deliveryID: String?
    public let eventType: String?
    /// False for event types AdWatch does not know; such events are stored and audited, not rejected.
    public let isKnownType: Bool
    public let campaignID: String?
    public let brandID: String?
    public let eventTime: Date?
    public let receivedAt: Date
    public let body: [UInt8]
    /// Request headers without signature material, cookies or authorization.
    public let headers: [String: String]
    public let remoteAddress: String?
    /// A repeat of `dedupKey` within this window is a duplicate.
    public let dedupWindow: Duration

    // Derived once, in the request's task, so the store's single writer does not spend its time on them.
    /// Canonical JSON of ``headers``, as stored.
    package let headersJSON: String
    /// The `webhook.accepted` record this event gets if it is new.
    let acceptedDraft: AuditDraft

    /// - Parameters:
    ///   - eventTimeDropped: Why a time found in the body was dropped (``WebhookEnvelope/EventTimeDrop``), if one was.
    ///   - identifiersDropped: The identifier fields found in the body but not kept (``WebhookEnvelope/identifiersDropped``).
    public init(
        id: String,
        source: String,
        dedupKey: String,
        deliveryID: String?,
        eventType: String?,
        isKnownType: Bool,
        campaignID: String?,
        brandID: String?,
        eventTime: Date?,
        receivedAt: Date,
        body: [UInt8],
        headers: [String: String],
        remoteAddress: String?,
        dedupWindow: Duration,
        eventTimeDropped: String? = nil,
        identifiersDropped: [String] = []
    ) {
        self.id = id
        self.source = source
        self.dedupKey = dedupKey
        self.deliveryID = deliveryID
        self.eventType = eventType
        self.isKnownType = isKnownType
        self.campaignID = campaignID
        self.brandID = brandID
        self.eventTime = eventTime
        self.receivedAt = receivedAt
        self.body = body
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.dedupWindow = dedupWindow
        self.headersJSON = CanonicalJSON.encode(headers)
        var details: [String: AuditValue] = [
            "event_id": .string(id),
            "dedup_key": .string(dedupKey),
            "known_type": .bool(isKnownType),
            "body_sha256": .string(ByteEncoding.hex(Digest.sha256(body))),
            "size": .int(Int64(body.count)),
        ]
        if let eventType { details["event_type"] = .string(eventType) }
        if let deliveryID { details["delivery_id"] = .string(deliveryID) }
        if let remoteAddress { details["remote_address"] = .string(remoteAddress) }
        // A time in the body outside the sane window was not stored; say so (``WebhookEnvelope/EventTimeDrop``).
        if let eventTimeDropped { details["event_time_dropped"] = .string(eventTimeDropped) }
        // Identifiers too long or with characters no id has were not stored either (``WebhookEnvelope/identifier(_:maxLength:)``).
        if !identifiersDropped.isEmpty { details["identifiers_dropped"] = .string(identifiersDropped.joined(separator: ",")) }
        self.acceptedDraft = AuditDraft(
            at: receivedAt, kind: .webhookAccepted, source: source, campaign: campaignID, brand: brandID, details: details
        )
    }

    /// The audit record that goes into the same transaction as the event, or its duplicate verdict.
    package func auditDraft(duplicateOf existing: String?) -> AuditDraft {
        guard let existing else { return acceptedDraft }
        var draft = acceptedDraft
        draft.kind = .webhookDuplicate
        draft.details["event_id"] = .string(existing)
        return draft
    }
}

/// What the inbox did with an event.
public enum AcceptOutcome: Sendable, Equatable {
    /// Stored durably under this id.
    case accepted(id: String)
    /// Seen within the dedup window as the event with this id; nothing new was stored.
    case duplicate(of: String)
}

/// An event as the inbox holds it.
public struct StoredEvent: Sendable, Equatable {
    package init(id: String, source: String, dedupKey: String, deliveryID: String? = nil, eventType: String? = nil, isKnownType: Bool, campaignID: String? = nil, brandID: String? = nil, eventTime: Date? = nil, receivedAt: Date, body: [UInt8], headers: [String : String], remoteAddress: String? = nil, state: AdWatchCore.EventState, attempts: Int, lastError: String? = nil) {
        self.id = id
        self.source = source
        self.dedupKey = dedupKey
        self.deliveryID = deliveryID
        self.eventType = eventType
        self.isKnownType = isKnownType
        self.campaignID = campaignID
        self.brandID = brandID
        self.eventTime = eventTime
        self.receivedAt = receivedAt
        self.body = body
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
    }

    public var id: String
    public var source: String
    public var dedupKey: String
    public var deliveryID: String?
    public var eventType: String?
    public var isKnownType: Bool
    public var campaignID: String?
    public var brandID: String?
    public var eventTime: Date?
    public var receivedAt: Date
    public var body: [UInt8]
    public var headers: [String: String]
    public var remoteAddress: String?
    /// Where the event is in the pipeline.
    public var state: EventState
    /// Processing attempts so far.
    public var attempts: Int
    /// The last processing error, when there was one.
    public var lastError: String?
}

/// The durable inbox of verified webhooks.
///
/// ``accept(_:)`` returns only once the event and its audit record are committed (fsync'd with the
/// SQLite store's default `synchronous=FULL`): the caller answers 202 after it, never before.
public protocol EventInbox: Sendable {
    /// Stores `event` unless its dedup key was seen within `event.dedupWindow`; appends the
    /// `webhook.accepted` or `webhook.duplicate` audit record in the same transaction.
    func accept(_ event: InboundEvent) async throws -> AcceptOutcome
    /// The stored event with this id.
    func event(id: String) async throws -> StoredEvent?
    /// How many events the inbox holds.
    func eventCount() async throws -> Int
    /// When the newest event from `source` arrived (nil: never).
    func lastReceivedAt(source: String) async throws -> Date?
}

/// Everything AdWatch persists, behind one value the composition root passes around.
///
/// Implementations: ``SQLiteStore`` (the default), ``MemoryStore`` (tests, demos). A PostgreSQL
/// implementation conforms to the same protocols without changing callers.
public protocol AdWatchStore: EventInbox, EventQueue, CampaignStateStore, AlertStore, DeliveryStore, ClaimStore, AuditLog, RetentionStore,
    StoreGaugeReading, StorePinging
{
    /// Creates or upgrades the schema. Safe to call on every start.
    func migrate() async throws
    /// Releases files and connections.
    func close() async throws
}

/// What `/readyz` asks of the store.
public protocol StorePinging: Sendable {
    /// Succeeds when the store can serve requests (`/readyz`).
    func ping() async throws
}
