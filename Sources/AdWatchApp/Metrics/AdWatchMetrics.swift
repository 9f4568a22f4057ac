public import Prometheus
import AdWatchCore

/// One application's metrics: its own Prometheus registry and the swift-metrics factory that writes to it.
///
/// No global state: every application (and every test) gets a fresh registry, so many can run in one
/// process. The executable may additionally bootstrap `MetricsSystem` with ``factory`` so third-party
/// libraries' metrics land in the same registry.
///
/// ```swift
/// let metrics = AdWatchMetrics()
/// let api = LiveAdvertisingAPI(config: advertising, httpClient: client, logger: logger, metrics: metrics.adsAPI)
/// print(metrics.registry.emitToString())
/// ```
public struct AdWatchMetrics: Sendable {
    /// What `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// Creates swift-metrics handlers in ``registry``, with millisecond-scale histogram buckets.
    public let factory: PrometheusMetricsFactory
    /// The Ads API client's metrics (created here because the client is built before the application).
    public let adsAPI: AdsAPIMetrics

    /// Histogram buckets for latencies measured in milliseconds (ingest, Ads API calls, deliveries).
    public static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2) + .microseconds(500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.registry = registry
        self.factory = factory
        self.adsAPI = AdsAPIMetrics(factory: factory)
    }

    /// The registry in the Prometheus text format (version 0.0.4).
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
