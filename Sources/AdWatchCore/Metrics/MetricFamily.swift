package import Metrics
import NIOConcurrencyHelpers

/// The series of one labelled metric, created on first use and cached, so recording is a
/// dictionary lookup rather than a registry lookup.
package final class MetricFamily<Metric: Sendable>: Sendable {
    private let make: @Sendable ([(String, String)]) -> Metric
    private let labelNames: [String]
    private let series = NIOLockedValueBox<[[String]: Metric]>([:])

    init(labelNames: [String], make: @escaping @Sendable ([(String, String)]) -> Metric) {
        self.labelNames = labelNames
        self.make = make
    }

    /// The series for these label values (in the order of `labelNames`).
    package func callAsFunction(_ values: String...) -> Metric {
        self[values]
    }

    package subscript(values: [String]) -> Metric {
        series.withLockedValue { series in
            if let metric = series[values] { return metric }
            let metric = make(Array(zip(labelNames, values)))
            series[values] = metric
            return metric
        }
    }

    /// Every label combination created so far.
    package var labelValues: [[String]] { series.withLockedValue { Array($0.keys) } }
}

extension MetricFamily where Metric == Counter {
    package convenience init(counter label: String, labelNames: [String], factory: any MetricsFactory) {
        self.init(labelNames: labelNames) { Counter(label: label, dimensions: $0, factory: factory) }
    }
}

extension MetricFamily where Metric == Timer {
    package convenience init(timer label: String, labelNames: [String], factory: any MetricsFactory) {
        self.init(labelNames: labelNames) { Timer(label: label, dimensions: $0, factory: factory) }
    }
}

extension MetricFamily where Metric == Gauge {
    package convenience init(gauge label: String, labelNames: [String], factory: any MetricsFactory) {
        self.init(labelNames: labelNames) { Gauge(label: label, dimensions: $0, factory: factory) }
    }
}
