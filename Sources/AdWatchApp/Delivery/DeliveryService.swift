import Foundation
public import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle
public import AdWatchCore

/// Drains the outbox: files notifications into route groups, turns due groups into one message per
/// channel, and sends due deliveries with retries (jittered backoff, `Retry-After`), per-channel
/// concurrency, and a dead letter after `max_attempts` or `max_age`. Delivery is at least once: a
/// delivery claimed by a process that died is released when the next one starts (single-node store)
/// or claimed again when its lease runs out.
///
/// A pass runs when the alert evaluator rings the outbox doorbell (a notification was queued), and
/// every `delivery.tick` for what comes due with time: `group_wait`, `group_interval`, retries.
///
/// ```swift
/// let service = DeliveryService(store: store, channels: channels, routes: config.routes, config: config.delivery, clock: clock, logger: logger)
/// try await service.runOnce()   // tests drive passes with a manual clock
/// ```
public struct DeliveryService: Service {
    /// What a configuration reload replaces: channels, routes and delivery settings.
    struct Settings: Sendable {
        var channels: [String: any NotificationChannel]
        var router: AlertRouter
        var config: DeliveryConfig
    }

    let store: any AdWatchStore
    let settings: Reloadable<Settings>
    let clock: any WallClock
    let logger: Logger
    let random: @Sendable () -> Double
    let lease: Duration = .seconds(300)
    let metrics: DeliveryMetrics?
    /// Rung by the alert evaluator when it queues notifications.
    let doorbell: Doorbell
    /// Whose claims this service's are (one per process start).
    let owner: ClaimOwner

    public init(
        store: any AdWatchStore,
        channels: [String: any NotificationChannel],
        routes: [RouteConfig],
        config: DeliveryConfig,
        clock: any WallClock,
        logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0.5..<1) },
        metrics: DeliveryMetrics? = nil,
        doorbell: Doorbell = Doorbell(),
        owner: ClaimOwner = .boot()
    ) {
        self.store = store
        self.settings = Reloadable(Settings(channels: channels, router: AlertRouter(routes: routes), config: config))
        self.clock = clock
        self.logger = logger
        self.random = random
        self.metrics = metrics
        self.doorbell = doorbell
        self.owner = owner
    }

    /// Puts new channels, routes and delivery settings in force from the next pass; messages already
    /// queued for a channel that no longer exists go to the dead letter when they come due.
    /// Groups still waiting are filed again under the new routes: their route numbers meant the old
    /// list (a removed route's group would otherwise never flush). Filing again keeps each entry's
    /// time, so `group_wait` is not restarted.
    /// - Parameter channels: `nil` keeps the channels in force.
    public func reload(channels: [String: any NotificationChannel]?, routes: [RouteConfig], config: DeliveryConfig) async throws {
        settings.replace(with: Settings(channels: channels ?? settings.current.channels, router: AlertRouter(routes: routes), config: config))
        let refiled = try await store.rerouteUnflushed()
        if refiled > 0 {
            logger.info("notifications waiting in route groups are filed again under the reloaded routes", metadata: ["delivery.refiled": "\(refiled)"])
        }
    }

    /// Runs passes until graceful shutdown; sends in flight finish first.
    ///
    /// A pass routes, flushes and claims; it does not wait for the sends. Each channel gets at most
    /// `delivery.concurrency` sends at a time and no new claims while it has any in flight, so a channel
    /// that answers slowly or not at all (each send ends at its timeout) holds up only itself: routing,
    /// grouping and every other channel go on. A channel that finishes its batch rings the doorbell for
    /// its next one.
    public func run() async throws {
        let inFlight = ChannelsInFlight()
        let (sends, dispatch) = AsyncStream.makeStream(of: (delivery: Delivery, settings: Settings).self)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await PassLoop.run(every: settings.current.config.tick.duration, doorbell: doorbell, logger: logger, name: "delivery") {
                    // One set of channels and routes for the whole pass, even if a reload lands in the middle.
                    let settings = settings.current
                    guard try await prepare(settings) else { return false }
                    let claimed = try await store.claimDeliveries(
                        now: clock.now(), limit: 200, perChannel: settings.config.concurrency, excluding: inFlight.busy, lease: lease, owner: owner
                    )
                    for delivery in claimed {
                        inFlight.start(delivery.channel)
                        dispatch.yield((delivery, settings))
                    }
                    return false
                }
                dispatch.finish()
            }
            for await (delivery, settings) in sends {
                group.addTask {
                    await send(delivery, via: settings.channels[delivery.channel], config: settings.config)
                    if inFlight.finish(delivery.channel) { doorbell.ring() }
                }
            }
        }
    }

    /// One pass that also waits for its sends (tests drive the service with it): route new notifications,
    /// flush due groups, send due deliveries.
    /// - Returns: how many sends were attempted.
    @discardableResult
    public func runOnce() async throws -> Int {
        // One set of channels and routes for the whole pass, even if a reload lands in the middle.
        let settings = settings.current
        guard try await prepare(settings) else { return 0 }
        return try await deliver(settings)
    }

    /// Routes new notifications and flushes due groups.
    /// - Returns: false when nothing can be sent: without channels nothing can be sent, and without routes
    ///   nothing is filed; notifications (and replayed deliveries) wait until a reload adds them.
    private func prepare(_ settings: Settings) async throws -> Bool {
        guard !settings.channels.isEmpty else { return false }
        if !settings.router.routes.isEmpty {
            try await route(settings.router)
            try await flush(settings)
        }
        return true
    }

    func route(_ router: AlertRouter) async throws {
        let pending = try await store.outbox(limit: 1000)
        guard !pending.isEmpty else { return }
        var routed: [String: [(routeIndex: Int, groupKey: String)]] = [:]
        var audit: [AuditDraft] = []
        let now = clock.now()
        for entry in pending {
            var matches: [Int] = []
            for index in router.routes(for: entry.labels, kind: entry.kind) {
                // A route's repeat_interval: the same firing alert goes out on it at most that often.
                if entry.kind == .firing, let repeatInterval = router.routes[index].repeatInterval,
                   let last = try await store.lastFiringRouted(fingerprint: entry.fingerprint, routeIndex: index),
                   entry.createdAt.timeIntervalSince(last) < repeatInterval.seconds {
                    continue
                }
                matches.append(index)
            }
            routed[entry.id] = matches.map { ($0, router.groupKey(routeIndex: $0, labels: entry.labels, kind: entry.kind)) }
            let reached = matches.flatMap { router.routes[$0].channels }
            audit.append(AuditDraft(at: now, kind: .notificationRouted, campaign: entry.campaignID, alert: entry.fingerprint, details: [
                "message_id": .string(entry.id), "kind": .string(entry.kind.rawValue),
                "channels": .string(reached.isEmpty ? "none" : reached.joined(separator: ",")),
            ]))
        }
        try await store.routeOutbox(routed, audit: audit)
    }

    func flush(_ settings: Settings) async throws {
        let router = settings.router
        let config = settings.config
        let (entries, lastFlush) = try await store.openGroups()
        let now = clock.now()
        for (key, group) in Dictionary(grouping: entries, by: \.groupKey) {
            let routeIndex = group[0].routeIndex
            guard routeIndex < router.routes.count else { continue }
            let firstAt = group.map(\.entry.createdAt).min() ?? now
            guard router.isDue(routeIndex: routeIndex, firstEntryAt: firstAt, lastFlush: lastFlush[key], now: now) else { continue }
            let route = router.routes[routeIndex]
            let first = group[0].entry
            let names = route.groupBy.isEmpty ? ["rule", "campaign_id"] : route.groupBy
            let message = OutboundMessage(
                id: "msg_\(first.id)_r\(routeIndex)", status: first.kind,
                alerts: group.map { grouped in
                    AlertNotice(fingerprint: grouped.entry.fingerprint, rule: grouped.entry.rule, severity: grouped.entry.severity,
                                summary: grouped.entry.summary, campaignID: grouped.entry.campaignID, labels: grouped.entry.labels, since: grouped.entry.createdAt,
                                link: config.campaignURL.map { Self.link($0, campaignID: grouped.entry.campaignID, brandID: grouped.entry.labels["brand_id"]) })
                },
                groupLabels: Dictionary(names.map { ($0, first.labels[$0] ?? "") }, uniquingKeysWith: { $1 }), createdAt: now
            )
            let deliveries = route.channels.map { Delivery(id: "\(message.id)_\($0)", channel: $0, message: message, createdAt: now) }
            let audit = deliveries.map { delivery in
                AuditDraft.delivery(.deliveryQueued, at: now, message: message, details: [
                    "delivery_id": .string(delivery.id), "channel": .string(delivery.channel), "alerts": .int(Int64(group.count)),
                    "status": .string(message.status.rawValue),
                ])
            }
            try await store.flushGroup(key, outboxIDs: group.map(\.entry.id), deliveries: deliveries, at: now, audit: audit)
        }
    }

    func deliver(_ settings: Settings) async throws -> Int {
        let channels = settings.channels
        let claimed = try await store.claimDeliveries(now: clock.now(), limit: 200, lease: lease, owner: owner)
        guard !claimed.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { tasks in
            for (channelName, deliveries) in Dictionary(grouping: claimed, by: \.channel) {
                tasks.addTask {
                    // Per channel, at most `concurrency` sends at once.
                    await withTaskGroup(of: Void.self) { sends in
                        var running = 0
                        for delivery in deliveries {
                            if running >= settings.config.concurrency {
                                await sends.next()
                                running -= 1
                            }
                            sends.addTask { await send(delivery, via: channels[channelName], config: settings.config) }
                            running += 1
                        }
                    }
                }
            }
        }
        return claimed.count
    }

    private func send(_ delivery: Delivery, via channel: (any NotificationChannel)?, config: DeliveryConfig) async {
        let started = ContinuousClock.now
        let result: Result<Void, ChannelError>
        if let channel {
            do {
                try await channel.send(delivery.message)
                result = .success(())
            } catch {
                result = .failure(error)
            }
        } else {
            result = .failure(ChannelError(.configuration))
        }
        let latency = CheckedTime.milliseconds(ContinuousClock.now - started)
        let now = clock.now()
        var details: [String: AuditValue] = [
            "delivery_id": .string(delivery.id), "channel": .string(delivery.channel), "attempt": .int(Int64(delivery.attempts + 1)),
            "latency_ms": .int(latency),
        ]
        let outcome: DeliveryOutcome
        let kind: AuditKind
        switch result {
        case .success:
            outcome = .sent
            kind = .deliverySucceeded
        case .failure(let error):
            details["error"] = .string(error.code.rawValue)
            if let status = error.status { details["status"] = .int(Int64(status)) }
            let attempts = delivery.attempts + 1
            let tooOld = now.timeIntervalSince(delivery.createdAt) >= config.maxAge.seconds
            if error.isRetryable && attempts < config.maxAttempts && !tooOld {
                let wait = max(error.retryAfter?.timeInterval ?? 0, backoff(attempt: attempts, config: config).timeInterval)
                outcome = .retry(at: now.addingTimeInterval(wait), error: error.description, status: error.status)
                kind = .deliveryFailed
                details["retry_in_ms"] = .int(CheckedTime.int64(clamping: wait * 1000))
            } else {
                outcome = .dead(error: error.description, status: error.status)
                kind = .deliveryDead
                logger.warning("delivery went to the dead letter", metadata: ["delivery.id": "\(delivery.id)", "delivery.channel": "\(delivery.channel)", "delivery.error": "\(error)"])
            }
        }
        metrics?.record(channel: delivery.channel, outcome: outcome, duration: ContinuousClock.now - started)
        let audit = AuditDraft.delivery(kind, at: now, message: delivery.message, details: details)
        do {
            try await store.settleDelivery(id: delivery.id, outcome: outcome, audit: [audit])
        } catch {
            // The lease runs out and the delivery is tried again: at least once, never lost.
            logger.error("could not record a delivery attempt", metadata: ["delivery.id": "\(delivery.id)", "store.error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// Fills `{campaign_id}` and `{brand_id}` in a link template, percent-encoded (they come from outside:
    /// an id must not add a path, a query or markup to the link).
    static func link(_ template: String, campaignID: String, brandID: String?) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encoded(_ value: String) -> String { value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
        return template.replacingOccurrences(of: "{campaign_id}", with: encoded(campaignID)).replacingOccurrences(of: "{brand_id}", with: encoded(brandID ?? ""))
    }

    func backoff(attempt: Int, config: DeliveryConfig) -> Duration {
        let ceiling = min(config.retryMax.seconds, config.retryBase.seconds * pow(2, Double(attempt - 1)))
        return .milliseconds(CheckedTime.int64(clamping: ceiling * random() * 1000))
    }
}

/// Sends in flight per channel, across the passes of ``DeliveryService/run()``.
final class ChannelsInFlight: Sendable {
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    /// Channels with a send in flight: a pass claims nothing for them.
    var busy: Set<String> { counts.withLockedValue { Set($0.keys) } }

    func start(_ channel: String) {
        counts.withLockedValue { $0[channel, default: 0] += 1 }
    }

    /// - Returns: true when the channel has nothing in flight any more.
    func finish(_ channel: String) -> Bool {
        counts.withLockedValue { counts in
            let left = (counts[channel] ?? 1) - 1
            counts[channel] = left > 0 ? left : nil
            return left <= 0
        }
    }
}
