import Hummingbird
import HTTPTypes
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import AdWatchCore

/// `GET /metrics`: the Prometheus text exposition of this application's registry, unauthenticated as
/// Prometheus expects.
///
/// Counters and histograms are updated where things happen; depth gauges (inbox, outbox, dead letters,
/// alerts by rule and state, audit chain length) and the circuit state are read when scraped. When the
/// store cannot be read, or does not answer within ``storeTimeout``, the scrape still answers, with
/// the last depths and `adwatch_metrics_store_read_failures_total` counting the miss.
struct MetricsController: Sendable {
    private let metrics: AdWatchMetrics
    private let store: any StoreGaugeReading
    private let circuit: (any CircuitStateReporting)?
    private let inbox: MetricFamily<Gauge>
    private let alerts: MetricFamily<Gauge>
    private let outbox: Gauge
    private let deadLetters: Gauge
    private let auditChainLength: Gauge
    private let circuitState: Gauge?
    private let readFailures: Counter
    /// How long a scrape waits for the store's depths.
    private let storeTimeout: Duration
    /// While the store hangs, scrapes wait on the one read already stuck instead of adding another.
    private let gaugeRead = SingleFlight<StoreGauges>()

    init(
        metrics: AdWatchMetrics, store: any StoreGaugeReading, advertising: (any AdvertisingAPI)?, rules: [String],
        storeTimeout: Duration = .seconds(2)
    ) {
        self.storeTimeout = storeTimeout
        let factory = metrics.factory
        self.metrics = metrics
        self.store = store
        self.circuit = advertising as? any CircuitStateReporting
        inbox = MetricFamily(gauge: "adwatch_inbox_depth", labelNames: ["state"], factory: factory)
        alerts = MetricFamily(gauge: "adwatch_alerts", labelNames: ["rule", "state"], factory: factory)
        outbox = Gauge(label: "adwatch_outbox_depth", factory: factory)
        deadLetters = Gauge(label: "adwatch_dead_letters", factory: factory)
        auditChainLength = Gauge(label: "adwatch_audit_chain_length", factory: factory)
        circuitState = circuit == nil ? nil : Gauge(label: "adwatch_ads_api_circuit_state", factory: factory)
        readFailures = Counter(label: "adwatch_metrics_store_read_failures_total", factory: factory)
        for state in StoreGauges.eventStates { inbox(state.rawValue).record(0) }
        for rule in rules {
            for state in StoreGauges.alertStates { alerts(rule, state.rawValue).record(0) }
        }
    }

    func addRoutes(to router: Router<AdWatchRequestContext>) {
        router.get("/metrics") { _, context in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = await scrape(logger: context.logger)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }

    /// Refreshes the gauges read at scrape time and renders the registry.
    func scrape(logger: Logger) async -> [UInt8] {
        do {
            apply(try await Deadline.run(within: storeTimeout) { [store, gaugeRead] in try await gaugeRead.run { try await store.gaugeReadings() } })
        } catch {
            readFailures.increment()
            logger.warning("metrics: could not read depths from the store", metadata: ["store.error": "\(String(reflecting: type(of: error)))"])
        }
        if let circuit, let circuitState {
            circuitState.record(Self.circuitValue(await circuit.circuitState))
        }
        return metrics.exposition()
    }

    private func apply(_ gauges: StoreGauges) {
        for state in StoreGauges.eventStates { inbox(state.rawValue).record(gauges.events[state] ?? 0) }
        // Every series seen before is set, so an alert that resolved brings its series back to 0.
        var series = Set(alerts.labelValues)
        for rule in gauges.alerts.keys {
            for state in StoreGauges.alertStates { series.insert([rule, state.rawValue]) }
        }
        for labels in series {
            let count = AlertState(rawValue: labels[1]).flatMap { gauges.alerts[labels[0]]?[$0] } ?? 0
            alerts[labels].record(count)
        }
        outbox.record(gauges.outbox)
        deadLetters.record(gauges.deadLetters)
        auditChainLength.record(gauges.auditSeq)
    }

    /// 0 closed, 1 half-open, 2 open.
    static func circuitValue(_ state: String) -> Int {
        switch state {
        case "open": 2
        case "half_open": 1
        default: 0
        }
    }
}
