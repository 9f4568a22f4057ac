import Foundation
public import Logging
public import ServiceLifecycle
public import AdWatchCore

/// Fires time-based rules without a new webhook: every `tick` it takes the campaigns whose next check
/// (kept in the store, so it survives a restart) is due, re-fetches those that are live and have not
/// been fetched for `reconcile_interval` (catching missed webhooks), and re-evaluates the rest from
/// their stored snapshot.
///
/// ```swift
/// let scheduler = Scheduler(store: store, evaluator: evaluator, processor: processor, clock: clock, config: config.alerting, logger: logger)
/// try await scheduler.runOnce()   // tests advance a manual clock and call this
/// ```
public struct Scheduler: Service {
    let store: any AdWatchStore
    let evaluator: AlertEvaluator
    let processor: Processor?
    let clock: any WallClock
    let config: AlertingConfig
    let logger: Logger

    public init(store: any AdWatchStore, evaluator: AlertEvaluator, processor: Processor?, clock: any WallClock, config: AlertingConfig, logger: Logger) {
        self.store = store
        self.evaluator = evaluator
        self.processor = processor
        self.clock = clock
        self.config = config
        self.logger = logger
    }

    public func run() async throws {
        await PassLoop.run(every: config.tick.duration, logger: logger, name: "scheduler") {
            try await runOnce()
            return false
        }
    }

    /// Handles every due check. - Returns: how many campaigns were looked at.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = clock.now()
        let due = try await store.dueChecks(now: now, limit: 500)
        for campaignID in due {
            let snapshot = try await store.snapshot(campaignID: campaignID)
            if let snapshot, let processor, snapshot.status.isLive,
               now.timeIntervalSince(snapshot.fetchedAt) >= config.reconcileInterval.seconds {
                await processor.refreshCampaign(campaignID)  // evaluates after storing the fresh snapshot
            } else {
                try await evaluator.evaluate(campaignID: campaignID, now: now)
            }
        }
        try await evaluator.evaluateSources(now: now)
        return due.count
    }
}
