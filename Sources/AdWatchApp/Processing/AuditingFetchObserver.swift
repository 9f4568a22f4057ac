public import Logging
public import AdWatchCore

/// Writes one audit record per Ads API attempt: route, path, status, latency, attempt, error.
/// Paths carry no credential (keys travel in headers and are never recorded).
public struct AuditingFetchObserver: FetchObserver {
    let log: any AuditLog
    let clock: any WallClock
    let logger: Logger

    public init(log: any AuditLog, clock: any WallClock, logger: Logger) {
        self.log = log
        self.clock = clock
        self.logger = logger
    }

    public func observe(_ attempt: FetchAttempt) async {
        var details: [String: AuditValue] = [
            "route": .string(attempt.route),
            "path": .string(attempt.path),
            "attempt": .int(Int64(attempt.attempt)),
            "latency_ms": .int(CheckedTime.milliseconds(attempt.latency)),
        ]
        if let status = attempt.status { details["status"] = .int(Int64(status)) }
        if let error = attempt.error { details["error"] = .string(error) }
        let draft = AuditDraft(
            at: clock.now(), kind: attempt.error == nil ? .fetchSucceeded : .fetchFailed, campaign: attempt.campaignID,
            brand: attempt.brandID, details: details
        )
        do {
            try await log.append([draft])
        } catch {
            logger.error("could not write fetch audit record", metadata: ["audit.error": "\(String(reflecting: type(of: error)))"])
        }
    }
}
