public import Foundation

/// The audit chain's verification result, recomputed at most once per `maxAge`.
///
/// Verifying reads and hashes every record, which is cheap for thousands and takes seconds for
/// millions; a page that shows the chain's status on every load asks this instead. Callers that
/// arrive while a verification runs share it.
///
/// ```swift
/// let cache = ChainVerificationCache(log: store, clock: clock, maxAge: 60)
/// let (result, checkedAt) = try await cache.status()
/// ```
public actor ChainVerificationCache {
    let log: any AuditLog
    let clock: any WallClock
    let maxAge: TimeInterval
    private var last: (result: AuditVerification, checkedAt: Date)?
    private var running: Task<AuditVerification, any Error>?

    public init(log: any AuditLog, clock: any WallClock, maxAge: TimeInterval = 60) {
        self.log = log
        self.clock = clock
        self.maxAge = maxAge
    }

    /// The latest result and when it was computed; verifies again when it is older than `maxAge`.
    public func status() async throws -> (result: AuditVerification, checkedAt: Date) {
        if let last, clock.now().timeIntervalSince(last.checkedAt) < maxAge { return last }
        let task = running ?? Task { [log] in try await log.verify() }
        running = task
        defer { running = nil }
        let result = try await task.value
        let fresh = (result: result, checkedAt: clock.now())
        last = fresh
        return fresh
    }
}
