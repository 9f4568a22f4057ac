public import Metrics
import AdWatchCore

/// The Ads API client's metrics: one count and one latency per HTTP attempt, and the time spent
/// waiting because of rate limits.
///
/// - `adwatch_ads_api_requests_total{endpoint,outcome}`: `endpoint` is `campaign`, `analytics`,
///   `creative` or `list`; `outcome` is `success` or the ``AdvertisingError/Code`` of the attempt
///   (`rate_limited`, `server_error`, `timeout`, `network`, `malformed_response`, `not_found`, …).
/// - `adwatch_ads_api_request_duration_seconds{endpoint}`
/// - `adwatch_ads_api_rate_limit_waits_total`, `adwatch_ads_api_rate_limit_wait_seconds_total`: waits for
///   a token of the per-key bucket, and sleeps on a 429's `Retry-After`.
public struct AdsAPIMetrics: Sendable {
    private let requests: MetricFamily<Counter>
    private let durations: MetricFamily<Timer>
    private let waits: Counter
    private let waitSeconds: FloatingPointCounter

    public init(factory: any MetricsFactory) {
        requests = MetricFamily(counter: "adwatch_ads_api_requests_total", labelNames: ["endpoint", "outcome"], factory: factory)
        durations = MetricFamily(timer: "adwatch_ads_api_request_duration_seconds", labelNames: ["endpoint"], factory: factory)
        waits = Counter(label: "adwatch_ads_api_rate_limit_waits_total", factory: factory)
        waitSeconds = FloatingPointCounter(label: "adwatch_ads_api_rate_limit_wait_seconds_total", factory: factory)
    }

    /// One HTTP attempt: `error` is nil on success, else the error code.
    func recordAttempt(endpoint: String, error: String?, latency: Duration) {
        requests(endpoint, error ?? "success").increment()
        durations(endpoint).record(duration: latency)
    }

    /// A wait caused by rate limiting; zero waits are not counted.
    func recordRateLimitWait(_ wait: Duration) {
        guard wait > .zero else { return }
        waits.increment()
        let parts = wait.components
        waitSeconds.increment(by: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
    }
}

/// An Ads API client that can say what its circuit breaker is doing (read at scrape time, so the
/// gauge also shows the half-open state, which no event announces).
protocol CircuitStateReporting: Sendable {
    /// `closed`, `half_open` or `open`.
    var circuitState: String { get async }
}

extension LiveAdvertisingAPI: CircuitStateReporting {}
