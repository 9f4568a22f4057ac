/// Depths read from the store at scrape time, so they are right after a restart and never drift
/// from what is on disk.
public struct StoreGauges: Sendable, Equatable {
    /// Events waiting for the processor (`pending`), claimed by a pass (`processing`) and given up on (`failed`).
    public var events: [EventState: Int]
    /// Alerts now `pending` or `firing`, by rule.
    public var alerts: [String: [AlertState: Int]]
    /// Notifications not yet routed plus deliveries not yet settled (`pending` or `sending`, retries included).
    public var outbox: Int
    /// Deliveries in the dead letter.
    public var deadLetters: Int
    /// The audit log's last sequence number (records are numbered from 1, so also its length).
    public var auditSeq: Int64

    /// The event states the inbox gauge reports.
    public static let eventStates: [EventState] = [.pending, .processing, .failed]
    /// The alert states the alerts gauge reports.
    public static let alertStates: [AlertState] = [.pending, .firing]

    public init(events: [EventState: Int] = [:], alerts: [String: [AlertState: Int]] = [:], outbox: Int = 0, deadLetters: Int = 0, auditSeq: Int64 = 0) {
        self.events = events
        self.alerts = alerts
        self.outbox = outbox
        self.deadLetters = deadLetters
        self.auditSeq = auditSeq
    }
}

/// A store that can count what `/metrics` reports as depths; part of ``AdWatchStore``.
public protocol StoreGaugeReading: Sendable {
    /// Counts in one consistent read.
    func gaugeReadings() async throws -> StoreGauges
}
