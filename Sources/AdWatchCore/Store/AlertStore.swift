public import Foundation

/// Alerts, silences, the notification outbox and the scheduler's next-check times.
public protocol AlertStore: Sendable {
    /// A campaign's alerts in the given states.
    func alerts(campaignID: String, states: Set<AlertState>) async throws -> [Alert]
    /// Alerts in the given states, most recently updated first.
    func alerts(states: Set<AlertState>, limit: Int) async throws -> [Alert]
    /// Applies one reconciliation: alert rows, outbox messages and audit records in one transaction.
    func applyAlertChanges(_ changes: AlertBook.Changes, audit: [AuditDraft]) async throws
    /// Notification requests waiting for delivery, oldest first.
    func outbox(limit: Int) async throws -> [OutboxMessage]

    func addSilence(_ silence: Silence, audit: AuditDraft) async throws
    /// Silences whose end is after `now` (active or future), or every silence when `now` is nil.
    func silences(notEndedAt now: Date?) async throws -> [Silence]
    /// Ends a silence at `at`. - Returns: false when no silence that has not ended has this id.
    func expireSilence(id: String, at: Date, audit: AuditDraft) async throws -> Bool

    /// When the scheduler should next look at a campaign (nil: no time-based check is needed).
    func setNextCheck(campaignID: String, at: Date?) async throws
    /// Campaigns whose next check is due at `now`, earliest first.
    func dueChecks(now: Date, limit: Int) async throws -> [String]
    /// Campaigns whose snapshot names this ad account.
    func campaigns(onAdAccount accountID: String) async throws -> [String]
}
