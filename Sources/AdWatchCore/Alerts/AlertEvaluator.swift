public import Foundation
public import Logging

/// Judges a campaign's stored snapshot with every rule, runs the alert lifecycle, and stores the
/// transitions, the outbox messages, the audit records and the campaign's next check in one go.
///
/// ```swift
/// let evaluator = AlertEvaluator(store: store, config: config, logger: logger)
/// try await evaluator.evaluate(campaignID: "5195", now: clock.now())
/// ```
public struct AlertEvaluator: Sendable {
    /// What a configuration reload replaces: the rules and the alerting settings.
    struct Settings: Sendable {
        var rules: [Rule]
        var silenceRules: [Rule]
        var sources: [String]
        var alerting: AlertingConfig
        var inhibitRules: [AlertingConfig.InhibitRule]

        init(_ config: AdWatchConfig) {
            rules = config.rules.filter { $0.kind != .upstreamSilent }.map(Rule.init)
            silenceRules = config.rules.filter { $0.kind == .upstreamSilent }.map(Rule.init)
            sources = config.sources.map(\.name)
            alerting = config.alerting
            inhibitRules = config.effectiveInhibitRules
        }
    }

    let store: any AdWatchStore
    let settings: Reloadable<Settings>
    let logger: Logger
    let metrics: AlertMetrics?
    /// Rung when notifications land in the outbox, so the delivery service sends them now, not at its next tick.
    let outbox: Doorbell?
    /// One evaluation per campaign at a time (the processor and the scheduler both evaluate).
    private let serial = SerialByKey()

    public init(store: any AdWatchStore, config: AdWatchConfig, logger: Logger, metrics: AlertMetrics? = nil, outbox: Doorbell? = nil) {
        self.store = store
        self.settings = Reloadable(Settings(config))
        self.logger = logger
        self.metrics = metrics
        self.outbox = outbox
    }

    /// Puts the rules and alerting settings of `config` in force for the next evaluation.
    public func reload(_ config: AdWatchConfig) {
        settings.replace(with: Settings(config))
    }

    /// Evaluates one campaign now; evaluations of one campaign run one after the other. - Returns: what changed.
    @discardableResult
    public func evaluate(campaignID: String, now: Date) async throws -> AlertBook.Changes {
        try await serial.run(campaignID) { try await evaluateAlone(campaignID: campaignID, now: now) }
    }

    private func evaluateAlone(campaignID: String, now: Date) async throws -> AlertBook.Changes {
        // One set of rules for the whole evaluation, even if a reload lands in the middle.
        let settings = settings.current
        guard let snapshot = try await store.snapshot(campaignID: campaignID) else {
            try await store.setNextCheck(campaignID: campaignID, at: nil)
            return AlertBook.Changes()
        }
        let history = try await store.history(campaignID: campaignID)
        var onAccount: [String] = []
        if let account = snapshot.adAccountID { onAccount = try await store.campaigns(onAdAccount: account) }
        let input = RuleInput(snapshot: snapshot, history: history, now: now, provider: snapshot.provider, source: snapshot.source, campaignsOnAccount: onAccount)

        var results: [AlertBook.RuleResult] = []
        var audit: [AuditDraft] = []
        for rule in settings.rules {
            let evaluation = rule.evaluate(input)
            var labels: [String?: [String: String]] = [:]
            if case .firing(let findings) = evaluation.verdict {
                for finding in findings { labels[finding.level] = rule.labels(for: input, finding: finding) }
            }
            if case .noData(let reason) = evaluation.verdict {
                audit.append(draft(.ruleNoData, campaign: snapshot, at: now, details: ["rule": .string(rule.name), "reason": .string(reason)]))
            }
            results.append(AlertBook.RuleResult(rule: rule.config, evaluation: evaluation, labels: labels))
        }

        let current = try await store.alerts(campaignID: campaignID, states: [.pending, .firing])
        let silences = try await store.silences(notEndedAt: now)
        // Every firing alert is a candidate inhibitor; skip the read when nothing can inhibit.
        let inhibitors = settings.inhibitRules.isEmpty ? [] : try await store.alerts(states: [.firing], limit: 10_000).filter { alert in
            settings.inhibitRules.contains { rule in rule.sourceMatch.allSatisfy { alert.labels[$0.key] == $0.value } }
        }
        let changes = AlertBook.reconcile(
            campaignID: campaignID, results: results, current: current, silences: silences, inhibitRules: settings.inhibitRules, inhibitors: inhibitors,
            repeatInterval: settings.alerting.repeatInterval.duration, now: now, newID: { "ntf_" + ByteEncoding.hex(Digest.randomBytes(10)) }
        )

        let byFingerprint = Dictionary(changes.alerts.map { ($0.fingerprint, $0) }, uniquingKeysWith: { $1 })
        for transition in changes.transitions {
            let kind: AuditKind = switch transition.to {
            case .pending: .alertPending
            case .firing: .alertFiring
            case .resolved: .alertResolved
            }
            var details: [String: AuditValue] = ["fingerprint": .string(transition.fingerprint), "from": .string(transition.from?.rawValue ?? "none")]
            if let alert = byFingerprint[transition.fingerprint] {
                details["rule"] = .string(alert.rule)
                details["severity"] = .string(alert.severity.rawValue)
                details["summary"] = .string(alert.summary)
            }
            audit.append(draft(kind, campaign: snapshot, at: now, alert: transition.fingerprint, details: details))
        }
        for suppression in changes.suppressions {
            audit.append(draft(.alertSuppressed, campaign: snapshot, at: now, alert: suppression.fingerprint, details: ["by": .string(suppression.by)]))
        }
        for message in changes.notifications {
            audit.append(draft(.notificationQueued, campaign: snapshot, at: now, alert: message.fingerprint,
                               details: ["message_id": .string(message.id), "kind": .string(message.kind.rawValue), "severity": .string(message.severity.rawValue)]))
            // Until the delivery layer sends them, notifications are printed (the console sink).
            logger.notice(
                "ALERT \(message.kind == .firing ? "FIRING" : "RESOLVED") [\(message.severity.rawValue)] \(message.rule): \(message.summary)",
                metadata: ["alert.fingerprint": "\(message.fingerprint)", "campaign.id": "\(message.campaignID)"]
            )
        }
        try await store.applyAlertChanges(changes, audit: audit)
        metrics?.record(changes)
        if !changes.notifications.isEmpty { outbox?.ring() }

        let open = changes.alerts.filter { $0.state != .resolved } + current.filter { alert in !changes.alerts.contains { $0.fingerprint == alert.fingerprint } }
        try await store.setNextCheck(campaignID: campaignID, at: nextCheck(snapshot: snapshot, results: results, open: open, silences: silences, alerting: settings.alerting, now: now))
        return changes
    }

    /// Evaluates the `upstream_silent` rules for every source they watch. Alerts are keyed `source:<name>`
    /// in place of a campaign id.
    public func evaluateSources(now: Date) async throws {
        let settings = settings.current
        guard !settings.silenceRules.isEmpty else { return }
        let live = try await store.liveCampaignCount()
        for rule in settings.silenceRules {
            for source in rule.config.source.map({ [$0] }) ?? settings.sources {
                let key = "source:\(source)"
                let last = try await store.lastReceivedAt(source: source)
                let evaluation = rule.evaluateSilence(lastWebhookAt: last, liveCampaigns: live, now: now)
                var labels: [String?: [String: String]] = [:]
                if case .firing(let findings) = evaluation.verdict {
                    for finding in findings {
                        var set = rule.config.labels
                        set.merge(["rule": rule.name, "severity": finding.severity.rawValue, "source": source, "campaign_id": "", "brand_id": ""]) { $1 }
                        labels[finding.level] = set
                    }
                }
                let current = try await store.alerts(campaignID: key, states: [.pending, .firing])
                let silences = try await store.silences(notEndedAt: now)
                let changes = AlertBook.reconcile(
                    campaignID: key, results: [.init(rule: rule.config, evaluation: evaluation, labels: labels)], current: current, silences: silences,
                    inhibitRules: settings.inhibitRules, inhibitors: [], repeatInterval: settings.alerting.repeatInterval.duration, now: now,
                    newID: { "ntf_" + ByteEncoding.hex(Digest.randomBytes(10)) }
                )
                guard !changes.alerts.isEmpty || !changes.notifications.isEmpty else { continue }
                var audit: [AuditDraft] = changes.transitions.map { transition in
                    AuditDraft(at: now, kind: transition.to == .firing ? .alertFiring : transition.to == .resolved ? .alertResolved : .alertPending,
                               source: source, alert: transition.fingerprint, details: ["rule": .string(rule.name), "from": .string(transition.from?.rawValue ?? "none")])
                }
                audit += changes.notifications.map { message in
                    AuditDraft(at: now, kind: .notificationQueued, source: source, alert: message.fingerprint,
                               details: ["message_id": .string(message.id), "kind": .string(message.kind.rawValue)])
                }
                for message in changes.notifications {
                    logger.notice("ALERT \(message.kind == .firing ? "FIRING" : "RESOLVED") [\(message.severity.rawValue)] \(message.rule): \(message.summary)")
                }
                try await store.applyAlertChanges(changes, audit: audit)
                metrics?.record(changes)
                if !changes.notifications.isEmpty { outbox?.ring() }
            }
        }
    }

    /// The earliest time something can change without new data: a rule deadline, a `for:` or repeat
    /// interval running out, a silence ending, or the reconciliation of a live campaign.
    func nextCheck(
        snapshot: CampaignSnapshot, results: [AlertBook.RuleResult], open: [Alert], silences: [Silence], alerting: AlertingConfig, now: Date
    ) -> Date? {
        var times = results.compactMap(\.evaluation.nextCheck)
        let forDurations = Dictionary(results.map { ($0.rule.name, $0.rule.forDuration?.duration.timeInterval ?? 0) }, uniquingKeysWith: { $1 })
        for alert in open {
            switch alert.state {
            case .pending: times.append(alert.activeSince.addingTimeInterval(forDurations[alert.rule] ?? 0))
            case .firing:
                if let notified = alert.lastNotifiedAt { times.append(notified.addingTimeInterval(alerting.repeatInterval.seconds)) }
                if let holder = alert.suppressedBy, holder.hasPrefix("silence:"),
                   let silence = silences.first(where: { "silence:\($0.id)" == holder }) {
                    times.append(silence.endsAt)
                }
            case .resolved: break
            }
        }
        if snapshot.status.isLive { times.append(snapshot.fetchedAt.addingTimeInterval(alerting.reconcileInterval.seconds)) }
        return times.filter { $0 > now }.min() ?? times.min()
    }

    private func draft(_ kind: AuditKind, campaign snapshot: CampaignSnapshot, at now: Date, alert: String? = nil, details: [String: AuditValue]) -> AuditDraft {
        AuditDraft(at: now, kind: kind, source: snapshot.source, campaign: snapshot.campaignID, brand: snapshot.brandID, alert: alert, details: details)
    }
}
