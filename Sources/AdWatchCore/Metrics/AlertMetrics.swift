public import Metrics

/// `adwatch_alert_transitions_total{rule,state}`: every lifecycle transition, by the state entered
/// (`pending`, `firing`, `resolved`). The current count per state is a gauge read from the store.
public struct AlertMetrics: Sendable {
    private let transitions: MetricFamily<Counter>

    /// - Parameter rules: the configured rule names; their series exist from the start.
    public init(rules: [String], factory: any MetricsFactory) {
        transitions = MetricFamily(counter: "adwatch_alert_transitions_total", labelNames: ["rule", "state"], factory: factory)
        for rule in rules {
            for state in AlertState.allCases { _ = transitions(rule, state.rawValue) }
        }
    }

    /// Counts the transitions of one reconciliation (after they are stored).
    func record(_ changes: AlertBook.Changes) {
        guard !changes.transitions.isEmpty else { return }
        let rules = Dictionary(changes.alerts.map { ($0.fingerprint, $0.rule) }, uniquingKeysWith: { $1 })
        for transition in changes.transitions {
            // Fingerprints are `rule/campaign[/level]`: the prefix names the rule if the alert is not at hand.
            let rule = rules[transition.fingerprint] ?? String(transition.fingerprint.prefix { $0 != "/" })
            transitions(rule, transition.to.rawValue).increment()
        }
    }
}
