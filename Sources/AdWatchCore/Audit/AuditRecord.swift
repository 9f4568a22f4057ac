public import Foundation

/// What an audit record is about. A string-backed value so later stages add kinds without touching this file.
public struct AuditKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A verified event was stored in the inbox.
    public static let webhookAccepted = AuditKind(rawValue: "webhook.accepted")
    /// A verified event repeated one seen within the dedup window; nothing new was stored.
    public static let webhookDuplicate = AuditKind(rawValue: "webhook.duplicate")
    /// A request was refused (unknown source, content type, size, signature, timestamp, JSON).
    public static let webhookRejected = AuditKind(rawValue: "webhook.rejected")
    /// One HTTP attempt against the Ads API that got a usable answer.
    public static let fetchSucceeded = AuditKind(rawValue: "fetch.succeeded")
    /// One HTTP attempt against the Ads API that failed (status, timeout, network, malformed body).
    public static let fetchFailed = AuditKind(rawValue: "fetch.failed")
    /// A campaign was re-fetched and its snapshot stored, settling the events that asked for it.
    public static let campaignRefreshed = AuditKind(rawValue: "campaign.refreshed")
    /// Events whose re-fetch failed will be tried again later.
    public static let eventRetryScheduled = AuditKind(rawValue: "event.retry_scheduled")
    /// Events whose re-fetch failed for good; they stay visible for replay.
    public static let eventFailed = AuditKind(rawValue: "event.failed")
    /// Events with nothing to re-fetch (no campaign id).
    public static let eventSkipped = AuditKind(rawValue: "event.skipped")
    /// An operator made a failed event pending again.
    public static let eventReplayed = AuditKind(rawValue: "event.replayed")
    /// A rule found a problem; the alert waits out its `for:` duration.
    public static let alertPending = AuditKind(rawValue: "alert.pending")
    /// An alert started firing.
    public static let alertFiring = AuditKind(rawValue: "alert.firing")
    /// An alert's problem is gone.
    public static let alertResolved = AuditKind(rawValue: "alert.resolved")
    /// A notification was held back by a silence or an inhibition.
    public static let alertSuppressed = AuditKind(rawValue: "alert.suppressed")
    /// A notification request was put in the outbox.
    public static let notificationQueued = AuditKind(rawValue: "notification.queued")
    /// A rule could not judge a campaign for lack of data; it neither fired nor resolved.
    public static let ruleNoData = AuditKind(rawValue: "rule.no_data")
    /// An operator created a silence.
    public static let silenceCreated = AuditKind(rawValue: "silence.created")
    /// A notification was filed into route groups (or matched no route).
    public static let notificationRouted = AuditKind(rawValue: "notification.routed")
    /// A group of notifications became one message per channel.
    public static let deliveryQueued = AuditKind(rawValue: "delivery.queued")
    /// A channel accepted a message.
    public static let deliverySucceeded = AuditKind(rawValue: "delivery.succeeded")
    /// A send failed and will be tried again.
    public static let deliveryFailed = AuditKind(rawValue: "delivery.failed")
    /// A message went to the dead letter (attempts or age used up, or a failure a retry cannot fix).
    public static let deliveryDead = AuditKind(rawValue: "delivery.dead")
    /// An operator replayed a dead delivery.
    public static let deliveryReplayed = AuditKind(rawValue: "delivery.replayed")
    /// An operator ended a silence early.
    public static let silenceExpired = AuditKind(rawValue: "silence.expired")
}

/// A JSON scalar in an audit record's details.
public enum AuditValue: Sendable, Equatable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case int(Int64)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Int64.self) {
            self = .int(value)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let value): try c.encode(value)
        case .int(let value): try c.encode(value)
        case .bool(let value): try c.encode(value)
        }
    }
}

/// A record to append: everything but its place in the chain.
public struct AuditDraft: Sendable, Equatable {
    public var at: Date
    public var kind: AuditKind
    public var source: String?
    public var campaign: String?
    public var brand: String?
    public var alert: String?
    public var details: [String: AuditValue] {
        didSet { detailsJSON = CanonicalJSON.encode(details) }
    }
    /// The details as canonical JSON (sorted keys), the form that is stored and hashed; kept in step with ``details``.
    public private(set) var detailsJSON: String

    public init(
        at: Date,
        kind: AuditKind,
        source: String? = nil,
        campaign: String? = nil,
        brand: String? = nil,
        alert: String? = nil,
        details: [String: AuditValue] = [:]
    ) {
        self.at = at
        self.kind = kind
        self.source = source
        self.campaign = campaign
        self.brand = brand
        self.alert = alert
        self.details = details
        self.detailsJSON = CanonicalJSON.encode(details)
    }
}

/// A stored audit record, linked to its predecessor by `prevHash`.
///
/// `hash = SHA-256(canonical form ‖ prevHash)`; see ``AuditChain``.
public struct AuditRecord: Sendable, Equatable, Codable {
    public var seq: Int64
    /// Milliseconds since 1970, the precision that is stored and hashed.
    public var atMilliseconds: Int64
    public var kind: String
    public var source: String?
    public var campaign: String?
    public var brand: String?
    public var alert: String?
    /// Canonical JSON of the details.
    public var details: String
    public var prevHash: String
    public var hash: String

    public var at: Date { Date(timeIntervalSince1970: TimeInterval(atMilliseconds) / 1000) }

    public init(
        seq: Int64,
        atMilliseconds: Int64,
        kind: String,
        source: String?,
        campaign: String?,
        brand: String?,
        alert: String?,
        details: String,
        prevHash: String,
        hash: String
    ) {
        self.seq = seq
        self.atMilliseconds = atMilliseconds
        self.kind = kind
        self.source = source
        self.campaign = campaign
        self.brand = brand
        self.alert = alert
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case seq, kind, source, campaign, brand, alert, details, hash
        case atMilliseconds = "at_ms"
        case prevHash = "prev_hash"
    }
}

extension AuditKind {
    /// Someone signed in to the admin web page.
    public static let adminSignedIn = AuditKind(rawValue: "admin.signed_in")
    /// A sign-in to the admin web page was refused (wrong token, or too many wrong tokens).
    public static let adminSignInRefused = AuditKind(rawValue: "admin.sign_in_refused")
}

extension AuditKind {
    /// A configuration reload (SIGHUP) was applied.
    public static let configReloaded = AuditKind(rawValue: "config.reloaded")
    /// A configuration reload was refused because the file did not validate; the old configuration stays.
    public static let configReloadRejected = AuditKind(rawValue: "config.reload_rejected")
}
