public import Foundation
public import Logging
public import ServiceLifecycle

/// Turns accepted events into fresh campaign state: claims due events from the inbox, re-fetches
/// each campaign once per pass however many events asked for it, stores the snapshot and settles
/// the events. A failed fetch is retried later with backoff; after `max_attempts` the events are
/// marked failed, audited and kept for replay. Nothing is dropped because the API was down.
///
/// Work for one campaign is serial (one pass handles a campaign once, and passes do not overlap);
/// different campaigns are fetched concurrently, those with the most money at stake first.
///
/// ```swift
/// let processor = Processor(store: store, api: api, clock: clock, config: config.processor, doorbell: doorbell, logger: logger)
/// let handled = try await processor.runOnce()   // tests drive passes directly
/// ```
public struct Processor: Service {
    let store: any AdWatchStore
    let api: any AdvertisingAPI
    let clock: any WallClock
    let config: ProcessorConfig
    let doorbell: Doorbell
    let logger: Logger
    let random: @Sendable () -> Double
    /// Judges each refreshed campaign; nil runs the pipeline without rules.
    let evaluator: AlertEvaluator?

    public init(
        store: any AdWatchStore,
        api: any AdvertisingAPI,
        clock: any WallClock,
        config: ProcessorConfig,
        doorbell: Doorbell,
        logger: Logger,
        evaluator: AlertEvaluator? = nil,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0.5..<1) }
    ) {
        self.evaluator = evaluator
        self.store = store
        self.api = api
        self.clock = clock
        self.config = config
        self.doorbell = doorbell
        self.logger = logger
        self.random = random
    }

    /// Runs passes until graceful shutdown; the pass in progress finishes first.
    public func run() async throws {
        await PassLoop.run(every: config.pollInterval.duration, doorbell: doorbell, logger: logger, name: "processor") {
            try await runOnce() > 0
        }
    }

    /// One pass: claim due events, fetch each campaign once, settle every claimed event.
    /// - Returns: How many events were claimed.
    @discardableResult
    public func runOnce() async throws -> Int {
        let events = try await store.claimEvents(limit: config.batchSize, now: clock.now(), lease: config.lease.duration)
        guard !events.isEmpty else { return 0 }

        let withoutCampaign = events.filter { $0.campaignID == nil }
        if !withoutCampaign.isEmpty {
            let drafts = withoutCampaign.map { event in
                AuditDraft(at: clock.now(), kind: .eventSkipped, source: event.source, details: ["event_id": .string(event.id), "reason": "no campaign id"])
            }
            try await store.completeEvents(withoutCampaign.map(\.id), state: .skipped, snapshot: nil, audit: drafts)
        }

        var groups: [(campaignID: String, events: [StoredEvent], previous: CampaignSnapshot?)] = []
        for (campaignID, group) in Dictionary(grouping: events.filter { $0.campaignID != nil }, by: { $0.campaignID! }) {
            groups.append((campaignID, group, try await store.snapshot(campaignID: campaignID)))
        }
        // When the API budget is short, the campaigns with the most money at stake go first.
        groups.sort { ($0.previous?.budget ?? 0) > ($1.previous?.budget ?? 0) }

        await withTaskGroup(of: Void.self) { tasks in
            var running = 0
            for group in groups {
                if running >= config.concurrency {
                    await tasks.next()
                    running -= 1
                }
                tasks.addTask { await refresh(campaignID: group.campaignID, events: group.events, previous: group.previous) }
                running += 1
            }
        }
        return events.count
    }

    /// Re-fetches one campaign without an event asking for it (the scheduler's reconciliation).
    public func refreshCampaign(_ campaignID: String) async {
        let previous = try? await store.snapshot(campaignID: campaignID)
        await refresh(campaignID: campaignID, events: [], previous: previous)
    }

    /// Re-fetches one campaign and settles its events; never throws (failures are settled too).
    private func refresh(campaignID: String, events: [StoredEvent], previous: CampaignSnapshot?) async {
        let brandID = events.compactMap(\.brandID).last ?? previous?.brandID
        let ids = events.map(\.id)
        do {
            let details = try await api.campaign(id: campaignID, brandID: brandID)
            let analytics = try await api.analytics(campaignID: campaignID, brandID: brandID ?? details.brandID)
            var snapshot = CampaignSnapshot.make(details: details, analytics: analytics, previous: previous, fetchedAt: clock.now())
            snapshot.source = events.last?.source ?? previous?.source
            snapshot.provider = events.last.flatMap(Self.provider) ?? previous?.provider
            var summary: [String: AuditValue] = [
                "events": .int(Int64(ids.count)),
                "status": .string(snapshot.status.rawValue),
                "status_changed": .bool(previous.map { $0.status != snapshot.status } ?? true),
            ]
            if let account = snapshot.accountStatus { summary["account_status"] = .string(account.description) }
            if let good = snapshot.adAccountGood { summary["ad_account_good"] = .bool(good) }
            if let spend = snapshot.spend { summary["spend"] = .string("\(spend)") }
            if let budget = snapshot.budget { summary["budget"] = .string("\(budget)") }
            let draft = AuditDraft(at: clock.now(), kind: .campaignRefreshed, campaign: campaignID, brand: snapshot.brandID, details: summary)
            try await store.completeEvents(ids, state: .processed, snapshot: snapshot, audit: [draft])
            logger.debug("campaign refreshed", metadata: ["campaign.id": "\(campaignID)", "campaign.status": "\(snapshot.status)", "events": "\(ids.count)"])
            try await evaluator?.evaluate(campaignID: campaignID, now: clock.now())
        } catch let error as AdvertisingError {
            guard !events.isEmpty else {
                logger.info("reconciliation re-fetch failed", metadata: ["campaign.id": "\(campaignID)", "ads.error": "\(error.code.rawValue)"])
                return
            }
            await settleFailure(campaignID: campaignID, brandID: brandID, events: events, error: error)
        } catch {
            // The store failed: the claims expire after the lease and the events are tried again.
            logger.error("could not settle events", metadata: ["campaign.id": "\(campaignID)", "store.error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// `provider` from a webhook body (flat or enveloped).
    static func provider(of event: StoredEvent) -> String? {
        guard let document = try? JSONParser.parse(event.body) else { return nil }
        return (document[path: "provider"] ?? document[path: "data.provider"])?.scalarText
    }

    private func settleFailure(campaignID: String, brandID: String?, events: [StoredEvent], error: AdvertisingError) async {
        let now = clock.now()
        let exhausted = events.filter { !error.isRetryable || $0.attempts + 1 >= config.maxAttempts }
        let retrying = events.filter { error.isRetryable && $0.attempts + 1 < config.maxAttempts }
        do {
            if !retrying.isEmpty {
                let attempt = (retrying.map(\.attempts).max() ?? 0) + 1
                let delay = backoff(attempt: attempt)
                let at = now.addingTimeInterval(delay.timeInterval)
                let draft = AuditDraft(
                    at: now, kind: .eventRetryScheduled, campaign: campaignID, brand: brandID,
                    details: ["events": .int(Int64(retrying.count)), "error": .string(error.code.rawValue), "attempt": .int(Int64(attempt)),
                              "retry_in_ms": .int(CheckedTime.milliseconds(delay))]
                )
                try await store.retryEvents(retrying.map(\.id), at: at, error: error.description, audit: [draft])
                logger.info("campaign re-fetch failed; will retry", metadata: ["campaign.id": "\(campaignID)", "ads.error": "\(error.code.rawValue)", "attempt": "\(attempt)"])
            }
            if !exhausted.isEmpty {
                let draft = AuditDraft(
                    at: now, kind: .eventFailed, campaign: campaignID, brand: brandID,
                    details: ["events": .int(Int64(exhausted.count)), "event_ids": .string(exhausted.map(\.id).joined(separator: ",")),
                              "error": .string(error.description), "retryable": .bool(error.isRetryable)]
                )
                try await store.failEvents(exhausted.map(\.id), error: error.description, audit: [draft])
                logger.warning("campaign re-fetch failed for good; events kept for replay", metadata: ["campaign.id": "\(campaignID)", "ads.error": "\(error.description)"])
            }
        } catch {
            logger.error("could not settle failed events", metadata: ["campaign.id": "\(campaignID)", "store.error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// Exponential backoff with jitter, capped at `retry_max`.
    func backoff(attempt: Int) -> Duration {
        let ceiling = min(config.retryMax.seconds, config.retryBase.seconds * pow(2, Double(attempt - 1)))
        return .milliseconds(CheckedTime.int64(clamping: ceiling * random() * 1000))
    }
}

/// A flag set once, read from any task.
final class ManagedFlag: Sendable {
    private let value = NIOLockedValueBoxBool()
    var isSet: Bool { value.get() }
    func set() { value.set() }
}
