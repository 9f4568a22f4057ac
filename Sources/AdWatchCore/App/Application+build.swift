public import Hummingbird
import Logging

/// The composition root: builds the whole service from a configuration and its dependencies.
///
/// The executable and the tests both call this, so what is tested is what runs.
///
/// ```swift
/// let app = try await buildApplication(config: config, dependencies: .live(config: config, logger: logger))
/// try await app.runService()
/// ```
/// - Throws: never today; kept `throws` for stages that open connections while building.
public func buildApplication(config: AdWatchConfig, dependencies: Dependencies) async throws -> some ApplicationProtocol {
    let logger = dependencies.logger
    for warning in config.warnings {
        logger.warning("\(warning)")
    }
    for source in config.sources where source.scheme == .none {
        logger.critical("INSECURE: webhooks to /webhooks/\(source.name) are accepted WITHOUT any signature check")
    }

    let doorbell = Doorbell()
    let router = buildRouter(config: config, dependencies: dependencies, doorbell: doorbell)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "adwatch"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.server.port
            logger.notice("listening on http://\(config.server.host):\(port)")
        },
        logger: logger
    )
    // Registered in dependency order; shutdown runs in reverse: the server stops taking webhooks,
    // the processor finishes its pass, then the HTTP client and finally the store close.
    app.addServices(StoreService(store: dependencies.store, logger: logger))
    if let client = dependencies.ownedHTTPClient {
        app.addServices(HTTPClientService(client: client, logger: logger))
    }
    let evaluator = AlertEvaluator(
        store: dependencies.store, config: config, logger: logger, metrics: AlertMetrics(rules: config.rules.map(\.name), factory: dependencies.metrics.factory)
    )
    var processor: Processor?
    if let advertising = dependencies.advertising {
        processor = Processor(
            store: dependencies.store, api: advertising, clock: dependencies.clock, config: config.processor, doorbell: doorbell, logger: logger,
            evaluator: evaluator
        )
        app.addServices(processor!)
    } else {
        logger.warning("no advertising section in the configuration: events are stored and audited but campaigns are not re-fetched")
    }
    app.addServices(
        Scheduler(store: dependencies.store, evaluator: evaluator, processor: processor, clock: dependencies.clock, config: config.alerting, logger: logger)
    )
    if !dependencies.channels.isEmpty && !config.routes.isEmpty {
        app.addServices(
            DeliveryService(
                store: dependencies.store, channels: dependencies.channels, routes: config.routes, config: config.delivery,
                clock: dependencies.clock, logger: logger,
                metrics: DeliveryMetrics(channels: Array(dependencies.channels.keys), factory: dependencies.metrics.factory)
            )
        )
    }
    app.beforeServerStarts { [store = dependencies.store] in try await store.migrate() }
    return app
}

/// The router with every route; separate so tests can exercise it without a server.
func buildRouter(config: AdWatchConfig, dependencies: Dependencies, doorbell: Doorbell = Doorbell()) -> Router<AdWatchRequestContext> {
    let router = Router(context: AdWatchRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.debug))
    let rejections = RejectionAuditor(
        log: dependencies.store,
        clock: dependencies.clock,
        perSecond: config.audit.rejectionsPerSecond,
        burst: config.audit.rejectionBurst
    )
    WebhookController(
        sources: config.sources,
        inbox: dependencies.store,
        rejections: rejections,
        clock: dependencies.clock,
        maxBodyBytes: config.server.maxBodyBytes,
        onAccepted: { doorbell.ring() },
        metrics: WebhookMetrics(sources: config.sources.map(\.name), factory: dependencies.metrics.factory)
    ).addRoutes(to: router)
    HealthController(store: dependencies.store).addRoutes(to: router)
    MetricsController(metrics: dependencies.metrics, store: dependencies.store, advertising: dependencies.advertising, rules: config.rules.map(\.name))
        .addRoutes(to: router)
    if let admin = config.admin {
        AdminController(store: dependencies.store, token: admin.token, clock: dependencies.clock).addRoutes(to: router)
    }
    return router
}
