import Foundation
public import Logging
public import ServiceLifecycle
public import AdWatchCore

/// Every `audit.prune_interval`: prunes audit records older than `audit.retention` (in batches, behind a
/// checkpoint that keeps the rest verifiable), settled events (processed or skipped) received before the
/// same cutoff, and dedup keys older than every source's dedup window.
///
/// ```swift
/// let retention = RetentionService(store: store, config: config, clock: clock, logger: logger)
/// try await retention.runOnce()   // tests advance a manual clock and call this
/// ```
public struct RetentionService: Service {
    let store: any AdWatchStore
    let audit: AuditConfig
    let dedupWindow: ConfigDuration
    let clock: any WallClock
    let logger: Logger

    public init(store: any AdWatchStore, config: AdWatchConfig, clock: any WallClock, logger: Logger) {
        self.store = store
        self.audit = config.audit
        self.dedupWindow = config.sources.map(\.dedupWindow).max { $0.duration < $1.duration } ?? "72h"
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await PassLoop.run(every: audit.pruneInterval.duration, logger: logger, name: "retention") {
            try await runOnce()
            return false
        }
    }

    /// One retention pass. - Returns: audit records, settled events and dedup keys removed.
    @discardableResult
    public func runOnce() async throws -> (auditRecords: Int, events: Int, dedupKeys: Int) {
        let now = clock.now()
        let cutoff = now.addingTimeInterval(-audit.retention.seconds)
        let pruned = try await store.pruneAudit(before: cutoff, batchSize: audit.pruneBatch, now: now)
        var events = 0
        while !Task.isCancelled {
            let batch = try await store.pruneSettledEvents(receivedBefore: cutoff, limit: audit.pruneBatch)
            events += batch
            if batch < audit.pruneBatch { break }
        }
        let keys = try await store.pruneDedupKeys(before: now.addingTimeInterval(-dedupWindow.seconds))
        if pruned.removed > 0 || events > 0 || keys > 0 {
            logger.info(
                "retention pruned old records",
                metadata: ["audit.removed": "\(pruned.removed)", "audit.batches": "\(pruned.batches)", "events.removed": "\(events)",
                           "dedup.removed": "\(keys)"]
            )
        }
        return (pruned.removed, events, keys)
    }
}
