public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL
import Logging
public import AdWatchCore

/// The composition root: builds the whole service from a configuration and its dependencies.
///
/// The executable and the tests both call this, so what is tested is what runs.
///
/// ```swift
/// let app = try await buildApplication(config: config, dependencies: .live(config: config, logger: logger))
/// try await app.runService()
/// ```
/// - Throws: when the store cannot be migrated.
public func buildApplication(config: AdWatchConfig, dependencies: Dependencies) async throws -> some ApplicationProtocol {
    let logger = dependencies.logger
    for warning in config.warnings {
        logger.warning("\(warning)")
    }
    for source in config.sources where source.scheme == .none {
        logger.critical("INSECURE: webhooks to /webhooks/\(source.name) are accepted WITHOUT any signature check")
    }

    // Before any service starts: every pass and request expects the current schema.
    try await dependencies.store.migrate()
    // This process's claims; the store is single-node (it is the only writer), so whatever an earlier
    // process still held — it was killed mid-pass — is pending again now, not after its lease.
    let owner = ClaimOwner.boot()
    // A release counts as an attempt, so work that kills the process every time ends failed or dead, not in a crash loop.
    let limits = ClaimLimits(eventAttempts: config.processor.maxAttempts, deliveryAttempts: config.delivery.maxAttempts)
    let released = try await dependencies.store.releaseClaims(heldByOtherThan: owner, at: dependencies.clock.now(), limits: limits)
    if !released.isEmpty {
        logger.notice("released the claims of an earlier process", metadata: [
            "claims.events": "\(released.events)", "claims.deliveries": "\(released.deliveries)",
            "claims.events_failed": "\(released.eventsFailed)", "claims.deliveries_dead": "\(released.deliveriesDead)",
        ])
    }
    let doorbell = Doorbell()
    let outbox = Doorbell()
    let sources = Reloadable(WebhookSource.byName(config.sources))
    let adminToken = config.admin.map { Reloadable($0.token) }
    let router = buildRouter(config: config, dependencies: dependencies, sources: sources, adminToken: adminToken, doorbell: doorbell)
    let scheme = config.server.tls == nil ? "http" : "https"
    var app = Application(
        router: router,
        server: try httpServer(tls: config.server.tls, limits: ListenerLimits(config.server), logger: logger),
        configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "adwatch"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.server.port
            logger.notice("listening on \(scheme)://\(config.server.host):\(port)")
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
        store: dependencies.store, config: config, logger: logger, metrics: AlertMetrics(rules: config.rules.map(\.name), factory: dependencies.metrics.factory),
        outbox: outbox
    )
    var processor: Processor?
    if let advertising = dependencies.advertising {
        processor = Processor(
            store: dependencies.store, api: advertising, clock: dependencies.clock, config: config.processor, doorbell: doorbell, logger: logger,
            evaluator: evaluator, owner: owner
        )
        app.addServices(processor!)
    } else {
        logger.warning("no advertising section in the configuration: events are stored and audited but campaigns are not re-fetched")
    }
    app.addServices(
        Scheduler(store: dependencies.store, evaluator: evaluator, processor: processor, clock: dependencies.clock, config: config.alerting, logger: logger)
    )
    app.addServices(RetentionService(store: dependencies.store, config: config, clock: dependencies.clock, logger: logger))
    // Always running: without channels or routes it leaves notifications in the outbox until a reload adds them.
    let delivery = DeliveryService(
        store: dependencies.store, channels: dependencies.channels, routes: config.routes, config: config.delivery,
        clock: dependencies.clock, logger: logger,
        metrics: DeliveryMetrics(channels: Array(dependencies.channels.keys), factory: dependencies.metrics.factory),
        doorbell: outbox, owner: owner
    )
    app.addServices(delivery)
    if let reloadConfig = dependencies.reloadConfig {
        let targets = ConfigReloader.Targets(
            sources: sources, adminToken: adminToken, evaluator: evaluator, delivery: delivery,
            advertising: dependencies.advertising as? LiveAdvertisingAPI,
            makeChannels: dependencies.makeChannels
        )
        app.addServices(
            ConfigReloader(
                load: reloadConfig, running: Reloadable(config), targets: targets, log: dependencies.store, clock: dependencies.clock, logger: logger
            )
        )
    }
    if let listen = config.admin?.listen {
        // `/admin` and `/metrics` on their own (internal) listener, run as a service of the main application
        // so it starts and stops with it; shut down before the store closes.
        let adminApp = Application(
            router: buildAdminRouter(config: config, dependencies: dependencies, adminToken: adminToken),
            server: try httpServer(tls: config.server.tls, limits: ListenerLimits(config.server), logger: logger),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "adwatch"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                logger.notice("admin API, admin page and metrics on \(scheme)://\(AdminConfig.ListenAddress(host: listen.host, port: port))")
            },
            logger: logger
        )
        app.addServices(adminApp)
    }
    return app
}

/// The router with every route; separate so tests can exercise it without a server.
func buildRouter(
    config: AdWatchConfig, dependencies: Dependencies, sources: Reloadable<[String: WebhookSource]>? = nil, adminToken: Reloadable<Secret>? = nil,
    doorbell: Doorbell = Doorbell()
) -> Router<AdWatchRequestContext> {
    // The application passes the boxes a reload replaces; a router built alone (tests) makes its own.
    let sources = sources ?? Reloadable(WebhookSource.byName(config.sources))
    let adminToken = adminToken ?? config.admin.map { Reloadable($0.token) }
    let router = Router(context: AdWatchRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    let rejections = RejectionAuditor(
        log: dependencies.store,
        clock: dependencies.clock,
        perSecond: config.audit.rejectionsPerSecond,
        burst: config.audit.rejectionBurst
    )
    WebhookController(
        sources: sources,
        inbox: dependencies.store,
        rejections: rejections,
        clock: dependencies.clock,
        maxBodyBytes: config.server.maxBodyBytes,
        onAccepted: { doorbell.ring() },
        metrics: WebhookMetrics(sources: config.sources.map(\.name), factory: dependencies.metrics.factory),
        clientAddress: ClientAddress(trustedProxies: config.server.trustedProxies)
    ).addRoutes(to: router)
    HealthController(store: dependencies.store).addRoutes(to: router)
    // With `admin.listen` they live on that listener only; here they are then 404.
    if config.admin?.listen == nil {
        addOperatorRoutes(to: router, config: config, dependencies: dependencies, adminToken: adminToken)
    }
    return router
}

/// The router of the `admin.listen` listener: `/admin` (API and page) and `/metrics`, nothing else.
func buildAdminRouter(config: AdWatchConfig, dependencies: Dependencies, adminToken: Reloadable<Secret>?) -> Router<AdWatchRequestContext> {
    let router = Router(context: AdWatchRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    addOperatorRoutes(to: router, config: config, dependencies: dependencies, adminToken: adminToken ?? config.admin.map { Reloadable($0.token) })
    return router
}

/// `/metrics`, and with an `admin:` section the admin API and page, sharing one sign-in throttle.
private func addOperatorRoutes(to router: Router<AdWatchRequestContext>, config: AdWatchConfig, dependencies: Dependencies, adminToken: Reloadable<Secret>?) {
    MetricsController(metrics: dependencies.metrics, store: dependencies.store, advertising: dependencies.advertising, rules: config.rules.map(\.name))
        .addRoutes(to: router)
    if let admin = config.admin, let adminToken {
        let throttle = SignInThrottle()
        let clientAddress = ClientAddress(trustedProxies: config.server.trustedProxies)
        // `public_url` says how people reach the main listener; a separate admin listener is HTTPS only with TLS
        // (a Secure cookie on a plain-HTTP admin port would never come back, and sign-in would loop).
        let secureCookie = config.admin?.listen == nil ? config.server.usesHTTPS : config.server.tls != nil
        AdminController(store: dependencies.store, token: adminToken, clock: dependencies.clock, throttle: throttle, clientAddress: clientAddress)
            .addRoutes(to: router)
        AdminWebController(
            store: dependencies.store, admin: admin, token: adminToken, clock: dependencies.clock, throttle: throttle, clientAddress: clientAddress,
            secureCookie: secureCookie
        ).addRoutes(to: router)
    }
}

/// HTTP/1.1, over TLS when `server.tls` names a certificate and key (TLS 1.2 or later), within `limits`
/// (idle and read timeouts, a connection cap: ``ListenerLimits``); each call makes a listener with its own count.
func httpServer(
    tls: ServerConfig.TLSConfig?, limits: ListenerLimits = ListenerLimits(), logger: Logger = Logger(label: "adwatch")
) throws -> HTTPServerBuilder {
    let connections = ConnectionGuard.OpenConnections(limit: limits.maxConnections)
    let http1 = HTTPServerBuilder.http1(
        configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(readTimeout: limits.readTimeout, connections: connections, logger: logger)],
            idleTimeout: TimeAmount(limits.idleTimeout)
        )
    )
    guard let tls else { return http1 }
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do {
        chain = try NIOSSLCertificate.fromPEMFile(tls.certificate)
    } catch {
        throw ConfigError(path: "server.tls.certificate", "'\(tls.certificate)' is not a PEM certificate chain")
    }
    do {
        key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
    } catch {
        throw ConfigError(path: "server.tls.key", "'\(tls.key)' is not a PEM private key (encrypted keys are not supported)")
    }
    guard !chain.isEmpty else { throw ConfigError(path: "server.tls.certificate", "'\(tls.certificate)' holds no certificate") }
    var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    configuration.minimumTLSVersion = .tlsv12
    do {
        // Built once here so a key that does not fit the certificate stops the start, instead of
        // failing every handshake later.
        _ = try NIOSSLContext(configuration: configuration)
    } catch {
        throw ConfigError(path: "server.tls", "the key '\(tls.key)' does not fit the certificate '\(tls.certificate)'")
    }
    return try .tls(http1, tlsConfiguration: configuration)
}
