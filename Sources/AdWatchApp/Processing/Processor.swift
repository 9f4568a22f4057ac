import Foundation
public import Logging
public import ServiceLifecycle
public import AdWatchCore

/// Turns accepted events into fresh campaign state: finds the campaigns with due events, and for each
/// claims every event it has waiting — however many — right before re-fetching it, stores the snapshot
/// and settles them all with that one fetch. Events that arrive while a campaign is being fetched wait
/// for one more fetch. A failed fetch is retried later with backoff; after `max_attempts` the events are
/// marked failed, audited and kept for replay. Nothing is dropped because the API was down.
///
/// Work for one campaign is serial (one pass handles a campaign once, and passes do not overlap);
/// different campaigns are fetched concurrently, those never fetched and then those with the most
/// money at stake first (``goesFirst(_:_:before:_:)``). A burst
/// therefore costs about one fetch per campaign however many events it holds, and settles in the
/// time the API's rate budget needs for those fetches.
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
    /// Whose claims this processor's are (one per process start).
    let owner: ClaimOwner

    public init(
        store: any AdWatchStore,
        api: any AdvertisingAPI,
        clock: any WallClock,
        config: ProcessorConfig,
        doorbell: Doorbell,
        logger: Logger,
        evaluator: AlertEvaluator? = nil,
        owner: ClaimOwner = .boot(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0.5..<1) }
    ) {
        self.evaluator = evaluator
        self.store = store
        self.api = api
        self.clock = clock
        self.config = config
        self.doorbell = doorbell
        self.logger = logger
        self.owner = owner
        self.random = random
    }

    /// Runs passes until graceful shutdown; the pass in progress finishes first.
    public func run() async throws {
        await PassLoop.run(every: config.pollInterval.duration, doorbell: doorbell, logger: logger, name: "processor") {
            try await runOnce() > 0
        }
    }

    /// One pass: up to `batch_size` campaigns with due events; each one's events are claimed just
    /// before its fetch, so everything that arrived until then is settled by it.
    /// - Returns: How many events were claimed.
    @discardableResult
    public func runOnce() async throws -> Int {
        let due = try await store.dueCampaigns(now: clock.now(), limit: config.batchSize)
        guard !due.isEmpty else { return 0 }

        var claimed = 0
        if due.contains(nil) {
            claimed += try await skipEventsWithoutCampaign()
        }
        var campaigns: [(campaignID: String, previous: CampaignSnapshot?)] = []
        for campaignID in due.compactMap({ $0 }) {
            campaigns.append((campaignID, try await store.snapshot(campaignID: campaignID)))
        }
        let order = campaigns.indices.sorted { Self.goesFirst(campaigns[$0].previous, $0, before: campaigns[$1].previous, $1) }

        claimed += await withTaskGroup(of: Int.self) { tasks in
            var running = 0
            var total = 0
            for index in order {
                if running >= config.concurrency, let done = await tasks.next() {
                    total += done
                    running -= 1
                }
                let campaign = campaigns[index]
                tasks.addTask { await claimAndRefresh(campaignID: campaign.campaignID, previous: campaign.previous) }
                running += 1
            }
            for await done in tasks { total += done }
            return total
        }
        return claimed
    }

    /// The order of a pass, for when the API budget is short: campaigns never fetched first (what is at
    /// stake is unknown), then the most money at stake, then the one known least recently, then the one
    /// whose events waited longest (the order `dueCampaigns` gave, `index`). In a burst this fetches every
    /// campaign once before fetching any again.
    static func goesFirst(_ left: CampaignSnapshot?, _ leftIndex: Int, before right: CampaignSnapshot?, _ rightIndex: Int) -> Bool {
        switch (left, right) {
        case (nil, nil): return leftIndex < rightIndex
        case (nil, _): return true
        case (_, nil): return false
        case (let left?, let right?):
            if (left.budget ?? 0) != (right.budget ?? 0) { return (left.budget ?? 0) > (right.budget ?? 0) }
            if left.fetchedAt != right.fetchedAt { return left.fetchedAt < right.fetchedAt }
            return leftIndex < rightIndex
        }
    }

    /// Re-fetches one campaign without an event asking for it (the scheduler's reconciliation).
    public func refreshCampaign(_ campaignID: String) async {
        let previous = try? await store.snapshot(campaignID: campaignID)
        await refresh(campaignID: campaignID, claim: EventClaim(campaignID: campaignID), previous: previous)
    }

    /// Events without a campaign id have nothing to fetch: settled as skipped, `batch_size` at a time.
    private func skipEventsWithoutCampaign() async throws -> Int {
        let claim = try await store.claimEvents(campaignID: nil, limit: config.batchSize, now: clock.now(), lease: config.lease.duration, owner: owner)
        guard !claim.events.isEmpty else { return 0 }
        let drafts = claim.events.map { event in
            AuditDraft(at: clock.now(), kind: .eventSkipped, source: event.source, details: ["event_id": .string(event.id), "reason": "no campaign id"])
        }
        try await store.completeEvents(claim.ids, state: .skipped, snapshot: nil, audit: drafts)
        return claim.events.count
    }

    /// Claims every event the campaign has waiting, then re-fetches it. - Returns: how many events were claimed.
    private func claimAndRefresh(campaignID: String, previous: CampaignSnapshot?) async -> Int {
        let claim: EventClaim
        do {
            claim = try await store.claimEvents(campaignID: campaignID, limit: nil, now: clock.now(), lease: config.lease.duration, owner: owner)
        } catch {
            logger.error("could not claim events", metadata: ["campaign.id": "\(campaignID)", "store.error": "\(String(reflecting: type(of: error)))"])
            return 0
        }
        guard !claim.events.isEmpty else { return 0 }
        // Read again: the scheduler's reconciliation may have stored a newer one since the pass began.
        let latest = (try? await store.snapshot(campaignID: campaignID)) ?? previous
        await refresh(campaignID: campaignID, claim: claim, previous: latest)
        return claim.events.count
    }

    /// Re-fetches one campaign and settles the claimed events; never throws (failures are settled too).
    private func refresh(campaignID: String, claim: EventClaim, previous: CampaignSnapshot?) async {
        let brandID = claim.brandID ?? previous?.brandID
        let ids = claim.ids
        do {
            let details = try await api.campaign(id: campaignID, brandID: brandID)
            let analytics = try await api.analytics(campaignID: campaignID, brandID: brandID ?? details.brandID)
            var snapshot = CampaignSnapshot.make(details: details, analytics: analytics, previous: previous, fetchedAt: clock.now())
            snapshot.source = claim.latest?.source ?? previous?.source
            snapshot.provider = claim.latest.flatMap(Self.provider) ?? previous?.provider
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
            guard !claim.events.isEmpty else {
                logger.info("reconciliation re-fetch failed", metadata: ["campaign.id": "\(campaignID)", "ads.error": "\(error.code.rawValue)"])
                return
            }
            await settleFailure(campaignID: campaignID, brandID: brandID, events: claim.events, error: error)
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

    private func settleFailure(campaignID: String, brandID: String?, events: [EventClaim.Item], error: AdvertisingError) async {
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
                // A burst can fail thousands of events at once: the record names the first ones (all: `adwatch events list --state failed`).
                var details: [String: AuditValue] = [
                    "events": .int(Int64(exhausted.count)), "event_ids": .string(exhausted.prefix(Self.auditedIDs).map(\.id).joined(separator: ",")),
                    "error": .string(error.description), "retryable": .bool(error.isRetryable),
                ]
                if exhausted.count > Self.auditedIDs { details["event_ids_truncated"] = .bool(true) }
                let draft = AuditDraft(at: now, kind: .eventFailed, campaign: campaignID, brand: brandID, details: details)
                try await store.failEvents(exhausted.map(\.id), error: error.description, audit: [draft])
                logger.warning("campaign re-fetch failed for good; events kept for replay", metadata: ["campaign.id": "\(campaignID)", "ads.error": "\(error.description)"])
            }
        } catch {
            logger.error("could not settle failed events", metadata: ["campaign.id": "\(campaignID)", "store.error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// Event ids named in one `event.failed` record.
    static let auditedIDs = 100

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
