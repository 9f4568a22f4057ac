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

    let router = buildRouter(config: config, dependencies: dependencies)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "adwatch"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.server.port
            logger.notice("listening on http://\(config.server.host):\(port)")
        },
        logger: logger
    )
    // Registered first so it stops last: the server stops taking webhooks before the store closes.
    app.addServices(StoreService(store: dependencies.store, logger: logger))
    app.beforeServerStarts { [store = dependencies.store] in try await store.migrate() }
    return app
}

/// The router with every route; separate so tests can exercise it without a server.
func buildRouter(config: AdWatchConfig, dependencies: Dependencies) -> Router<AdWatchRequestContext> {
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
        maxBodyBytes: config.server.maxBodyBytes
    ).addRoutes(to: router)
    HealthController(store: dependencies.store).addRoutes(to: router)
    return router
}
