public import Foundation

/// The alert lifecycle as a pure function: given what the rules found about a campaign and the alerts
/// already known, decide the transitions and the notifications.
///
/// - New finding → `pending`, or straight to `firing` without a `for:` duration.
/// - `pending` for at least `for:` → `firing`.
/// - `firing` → notified when it starts firing, then again only after `repeat_interval`.
/// - No longer found → `resolved` (notified when it had been notified firing). A rule that lacked data
///   (`noData`) neither fires nor resolves: its alerts keep their state.
/// - A notification that a silence or an inhibition holds back is recorded as suppressed, and goes out
///   on a later evaluation once nothing holds it back.
public enum AlertBook {
    /// One evaluated rule for the campaign.
    public struct RuleResult: Sendable {
        public var rule: RuleConfig
        public var evaluation: RuleEvaluation
        /// Labels per finding level (nil level for single-level rules).
        public var labels: [String?: [String: String]]

        public init(rule: RuleConfig, evaluation: RuleEvaluation, labels: [String?: [String: String]]) {
            self.rule = rule
            self.evaluation = evaluation
            self.labels = labels
        }
    }

    /// What changed; applied in one transaction by the store.
    public struct Changes: Sendable, Equatable {
        public var alerts: [Alert] = []
        public var transitions: [(fingerprint: String, from: AlertState?, to: AlertState, note: String?)] = []
        public var notifications: [OutboxMessage] = []
        public var suppressions: [(fingerprint: String, by: String)] = []

        public static func == (lhs: Changes, rhs: Changes) -> Bool {
            lhs.alerts == rhs.alerts && lhs.notifications == rhs.notifications
                && lhs.transitions.map { "\($0.fingerprint)|\($0.from?.rawValue ?? "-")|\($0.to.rawValue)" }
                    == rhs.transitions.map { "\($0.fingerprint)|\($0.from?.rawValue ?? "-")|\($0.to.rawValue)" }
        }
    }

    /// Reconciles one campaign's alerts with fresh rule results.
    /// - Parameters:
    ///   - results: every rule evaluated for the campaign.
    ///   - current: the campaign's alerts that are pending or firing.
    ///   - silences: silences active now.
    ///   - inhibitors: firing alerts (any campaign) that match an inhibit rule's source.
    ///   - newID: makes ids for outbox messages.
    public static func reconcile(
        campaignID: String,
        results: [RuleResult],
        current: [Alert],
        silences: [Silence],
        inhibitRules: [AlertingConfig.InhibitRule],
        inhibitors: [Alert],
        repeatInterval: Duration,
        now: Date,
        newID: () -> String
    ) -> Changes {
        var changes = Changes()
        var byFingerprint = Dictionary(uniqueKeysWithValues: current.map { ($0.fingerprint, $0) })
        var seen = Set<String>()
        var withoutData = Set<String>()

        for result in results {
            let rule = result.rule
            switch result.evaluation.verdict {
            case .noData:
                withoutData.insert(rule.name)
            case .firing(let findings):
                for finding in findings {
                    let fingerprint = Alert.fingerprint(rule: rule.name, campaignID: campaignID, level: finding.level)
                    seen.insert(fingerprint)
                    let labels = result.labels[finding.level] ?? result.labels[nil] ?? [:]
                    var alert = byFingerprint[fingerprint] ?? Alert(
                        fingerprint: fingerprint, rule: rule.name, campaignID: campaignID, level: finding.level, labels: labels,
                        severity: finding.severity, summary: finding.summary, state: .pending, activeSince: now, firingSince: nil,
                        resolvedAt: nil, lastNotifiedAt: nil, suppressedBy: nil, updatedAt: now
                    )
                    let isNew = byFingerprint[fingerprint] == nil
                    alert.labels = labels
                    alert.summary = finding.summary
                    alert.severity = finding.severity
                    alert.updatedAt = now
                    if isNew { changes.transitions.append((fingerprint, nil, .pending, nil)) }
                    let waited = now.timeIntervalSince(alert.activeSince)
                    if alert.state == .pending && waited >= (rule.forDuration?.duration.timeInterval ?? 0) {
                        alert.state = .firing
                        alert.firingSince = now
                        changes.transitions.append((fingerprint, .pending, .firing, nil))
                    }
                    if alert.state == .firing {
                        let due = alert.lastNotifiedAt.map { now.timeIntervalSince($0) >= repeatInterval.timeInterval } ?? true
                        if due {
                            if let holder = suppressor(for: alert, silences: silences, inhibitRules: inhibitRules, inhibitors: inhibitors, now: now) {
                                if alert.suppressedBy != holder { changes.suppressions.append((fingerprint, holder)) }
                                alert.suppressedBy = holder
                            } else {
                                alert.suppressedBy = nil
                                alert.lastNotifiedAt = now
                                changes.notifications.append(message(for: alert, kind: .firing, id: newID(), now: now))
                            }
                        }
                    }
                    byFingerprint[fingerprint] = alert
                    changes.alerts.append(alert)
                }
            case .clear, .notApplicable:
                break
            }
        }

        for alert in current where !seen.contains(alert.fingerprint) && !withoutData.contains(alert.rule) {
            var resolved = alert
            resolved.state = .resolved
            resolved.resolvedAt = now
            resolved.updatedAt = now
            changes.transitions.append((alert.fingerprint, alert.state, .resolved, nil))
            // Only an alert someone was told about needs its all-clear.
            if alert.state == .firing && alert.lastNotifiedAt != nil {
                changes.notifications.append(message(for: resolved, kind: .resolved, id: newID(), now: now))
            }
            changes.alerts.append(resolved)
        }
        return changes
    }

    /// What holds back a notification for `alert`, if anything.
    static func suppressor(
        for alert: Alert,
        silences: [Silence],
        inhibitRules: [AlertingConfig.InhibitRule],
        inhibitors: [Alert],
        now: Date
    ) -> String? {
        if let silence = silences.first(where: { $0.isActive(at: now) && $0.matches(alert.labels) }) {
            return "silence:\(silence.id)"
        }
        for rule in inhibitRules {
            let isSource = rule.sourceMatch.allSatisfy { alert.labels[$0.key] == $0.value }
            guard !isSource, rule.targetMatch.allSatisfy({ alert.labels[$0.key] == $0.value }) else { continue }
            if let inhibitor = inhibitors.first(where: { source in
                source.state == .firing && source.fingerprint != alert.fingerprint
                    && rule.sourceMatch.allSatisfy { source.labels[$0.key] == $0.value }
                    && rule.equal.allSatisfy { label in (source.labels[label] ?? "") == (alert.labels[label] ?? "") && source.labels[label] != nil }
            }) {
                return "inhibited by \(inhibitor.fingerprint)"
            }
        }
        return nil
    }

    static func message(for alert: Alert, kind: OutboxMessage.Kind, id: String, now: Date) -> OutboxMessage {
        OutboxMessage(
            id: id, fingerprint: alert.fingerprint, kind: kind, rule: alert.rule, campaignID: alert.campaignID, severity: alert.severity,
            summary: alert.summary, labels: alert.labels, createdAt: now
        )
    }
}
