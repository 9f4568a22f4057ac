/// How a step ended, derived from an audit record's kind: the vocabulary of the `outcome` filter.
///
/// | outcome | kinds |
/// |---|---|
/// | `accepted` | `webhook.accepted` (signature verified, stored) |
/// | `duplicate` | `webhook.duplicate` |
/// | `rejected` | `webhook.rejected`, `admin.sign_in_refused`, `config.reload_rejected` |
/// | `succeeded` | `fetch.succeeded`, `campaign.refreshed`, `delivery.succeeded` |
/// | `failed` | `fetch.failed`, `delivery.failed` (one attempt failed; a retry may follow) |
/// | `retrying` | `event.retry_scheduled`, `claims.released` (a dead process's work handed back at start) |
/// | `dead` | `event.failed`, `delivery.dead` (given up; replayable) |
/// | `skipped` | `event.skipped`, `rule.no_data` |
/// | `pending` / `firing` / `resolved` / `suppressed` | `alert.pending` / `alert.firing` / `alert.resolved` / `alert.suppressed` |
/// | `queued` | `notification.queued`, `notification.routed`, `delivery.queued` |
/// | `operator` | `silence.created`, `silence.expired`, `event.replayed`, `delivery.replayed`, `admin.signed_in`, `config.reloaded`, `audit.pruned` |
/// | `other` | any kind not listed here (kinds added later) |
public enum AuditOutcome: String, CaseIterable, Sendable, Codable {
    case accepted, duplicate, rejected, succeeded, failed, retrying, dead, skipped, pending, firing, resolved, suppressed, queued
    case `operator`
    case other

    /// The kinds that have this outcome; empty for ``other``.
    public var kinds: Set<String> {
        Set(Self.table.compactMap { $0.value == self ? $0.key : nil })
    }

    /// The outcome of a record of this kind.
    public init(kind: String) {
        self = Self.table[kind] ?? .other
    }

    /// Every kind with a named outcome.
    public static var knownKinds: Set<String> { Set(table.keys) }

    static let table: [String: AuditOutcome] = [
        AuditKind.webhookAccepted.rawValue: .accepted,
        AuditKind.webhookDuplicate.rawValue: .duplicate,
        AuditKind.webhookRejected.rawValue: .rejected,
        AuditKind.fetchSucceeded.rawValue: .succeeded,
        AuditKind.campaignRefreshed.rawValue: .succeeded,
        AuditKind.deliverySucceeded.rawValue: .succeeded,
        AuditKind.fetchFailed.rawValue: .failed,
        AuditKind.deliveryFailed.rawValue: .failed,
        AuditKind.eventRetryScheduled.rawValue: .retrying,
        AuditKind.claimsReleased.rawValue: .retrying,
        AuditKind.eventFailed.rawValue: .dead,
        AuditKind.deliveryDead.rawValue: .dead,
        AuditKind.eventSkipped.rawValue: .skipped,
        AuditKind.ruleNoData.rawValue: .skipped,
        AuditKind.alertPending.rawValue: .pending,
        AuditKind.alertFiring.rawValue: .firing,
        AuditKind.alertResolved.rawValue: .resolved,
        AuditKind.alertSuppressed.rawValue: .suppressed,
        AuditKind.notificationQueued.rawValue: .queued,
        AuditKind.notificationRouted.rawValue: .queued,
        AuditKind.deliveryQueued.rawValue: .queued,
        AuditKind.silenceCreated.rawValue: .operator,
        AuditKind.silenceExpired.rawValue: .operator,
        AuditKind.eventReplayed.rawValue: .operator,
        AuditKind.deliveryReplayed.rawValue: .operator,
        AuditKind.adminSignedIn.rawValue: .operator,
        AuditKind.adminSignInRefused.rawValue: .rejected,
        AuditKind.configReloaded.rawValue: .operator,
        AuditKind.configReloadRejected.rawValue: .rejected,
        AuditKind.auditPruned.rawValue: .operator,
    ]
}

extension AuditRecord {
    /// How this step ended (see ``AuditOutcome``).
    public var outcome: AuditOutcome { AuditOutcome(kind: kind) }
}
