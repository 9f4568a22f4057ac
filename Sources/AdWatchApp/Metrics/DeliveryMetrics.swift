public import Metrics
import AdWatchCore

/// `adwatch_deliveries_total{channel,outcome}` (`succeeded`, `failed` = will be retried, `dead`) and
/// `adwatch_delivery_duration_seconds{channel}`, one per send attempt.
public struct DeliveryMetrics: Sendable {
    private let deliveries: MetricFamily<Counter>
    private let durations: MetricFamily<Timer>

    /// - Parameter channels: the configured channel names; their series exist from the start.
    public init(channels: [String], factory: any MetricsFactory) {
        deliveries = MetricFamily(counter: "adwatch_deliveries_total", labelNames: ["channel", "outcome"], factory: factory)
        durations = MetricFamily(timer: "adwatch_delivery_duration_seconds", labelNames: ["channel"], factory: factory)
        for channel in channels {
            for outcome in ["succeeded", "failed", "dead"] { _ = deliveries(channel, outcome) }
            _ = durations(channel)
        }
    }

    /// One send attempt and what became of the delivery.
    func record(channel: String, outcome: DeliveryOutcome, duration: Duration) {
        let label = switch outcome {
        case .sent: "succeeded"
        case .retry: "failed"
        case .dead: "dead"
        }
        deliveries(channel, label).increment()
        durations(channel).record(duration: duration)
    }
}
