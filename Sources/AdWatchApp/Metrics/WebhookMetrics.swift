public import Metrics
import AdWatchCore

/// How the receiver answered a webhook: the `outcome` label of `adwatch_webhooks_received_total`.
///
/// A closed vocabulary derived from what ``WebhookController`` distinguishes; the audit log keeps the
/// finer reason (e.g. `signature_mismatch` vs `missing_signature`).
public enum WebhookOutcome: String, Sendable, CaseIterable {
    /// 202: stored in the inbox.
    case accepted
    /// 200: the same delivery was already stored within the dedup window.
    case duplicate
    /// 401: signature missing, malformed or wrong (or a required id missing).
    case rejectedSignature = "rejected_signature"
    /// 401: timestamp missing, malformed or outside the tolerance window.
    case rejectedTimestamp = "rejected_timestamp"
    /// 413: body larger than `server.max_body_bytes`.
    case rejectedSize = "rejected_size"
    /// 400: the body is not a JSON object.
    case rejectedJSON = "rejected_json"
    /// 415: not `application/json` (or `application/*+json`).
    case rejectedContentType = "rejected_content_type"
    /// 404: no source with that name (counted under `source="_unknown"`).
    case unknownSource = "unknown_source"
    /// 503: the store could not take the event; the sender retries.
    case unavailable

    /// The outcome for a rejection's audit `reason` (a ``RejectionReason`` or ``SignatureFailure`` raw value).
    init(rejectionReason reason: String) {
        switch reason {
        case RejectionReason.unknownSource.rawValue: self = .unknownSource
        case RejectionReason.unsupportedMediaType.rawValue: self = .rejectedContentType
        case RejectionReason.bodyTooLarge.rawValue: self = .rejectedSize
        case RejectionReason.invalidJSON.rawValue: self = .rejectedJSON
        case RejectionReason.storeUnavailable.rawValue: self = .unavailable
        case SignatureFailure.missingTimestamp.rawValue, SignatureFailure.malformedTimestamp.rawValue,
             SignatureFailure.timestampOutsideTolerance.rawValue:
            self = .rejectedTimestamp
        default: self = .rejectedSignature
        }
    }
}

/// `adwatch_webhooks_received_total{source,outcome}` and `adwatch_ingest_duration_seconds{source}`.
///
/// Every series for the configured sources exists from the start (at 0), so rates and ratios work
/// before the first rejection. Names in the URL that are not configured sources are counted under
/// `source="_unknown"`, so a scanner cannot create series.
public struct WebhookMetrics: Sendable {
    /// The `source` label for requests to a name that is not a configured source.
    public static let unknownSource = "_unknown"

    private let received: MetricFamily<Counter>
    private let durations: MetricFamily<Timer>

    /// - Parameter sources: the configured sources, whose series exist (at 0) from the start; a source a
    ///   configuration reload adds gets its series on first use.
    public init(sources: [String], factory: any MetricsFactory) {
        received = MetricFamily(counter: "adwatch_webhooks_received_total", labelNames: ["source", "outcome"], factory: factory)
        durations = MetricFamily(timer: "adwatch_ingest_duration_seconds", labelNames: ["source"], factory: factory)
        for source in sources + [Self.unknownSource] {
            let outcomes = source == Self.unknownSource ? [.unknownSource] : WebhookOutcome.allCases.filter { $0 != .unknownSource }
            for outcome in outcomes { _ = received(source, outcome.rawValue) }
            _ = durations(source)
        }
    }

    /// Counts one answered webhook; the caller names a configured source or gets `.unknownSource`.
    func received(source: String, outcome: WebhookOutcome) {
        received(outcome == .unknownSource ? Self.unknownSource : source, outcome.rawValue).increment()
    }

    /// Counts a rejection by its audit reason.
    func rejected(source: String, reason: String) {
        received(source: source, outcome: WebhookOutcome(rejectionReason: reason))
    }

    /// Records the time from `start` (request received) to now (response decided).
    func observeIngest(source: String, since start: ContinuousClock.Instant) {
        durations(source).record(duration: ContinuousClock.now - start)
    }
}
