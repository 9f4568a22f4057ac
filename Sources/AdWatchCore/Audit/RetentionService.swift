import Foundation
public import Logging
public import ServiceLifecycle

/// Prunes audit records older than `audit.retention` (in batches, behind a checkpoint that keeps the
/// rest verifiable) and dedup keys older than every source's dedup window, every `audit.prune_interval`.
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

    /// One retention pass. - Returns: audit records and dedup keys removed.
    @discardableResult
    public func runOnce() async throws -> (auditRecords: Int, dedupKeys: Int) {
        let now = clock.now()
        let pruned = try await store.pruneAudit(before: now.addingTimeInterval(-audit.retention.seconds), batchSize: audit.pruneBatch, now: now)
        let keys = try await store.pruneDedupKeys(before: now.addingTimeInterval(-dedupWindow.seconds))
        if pruned.removed > 0 || keys > 0 {
            logger.info(
                "retention pruned old records",
                metadata: ["audit.removed": "\(pruned.removed)", "audit.batches": "\(pruned.batches)", "dedup.removed": "\(keys)"]
            )
        }
        return (pruned.removed, keys)
    }
}
