public import AsyncHTTPClient
public import Logging
public import AdWatchCore
public import AdWatchSQLite
import AdWatchMemoryStore

/// What the composition root needs from outside: the parts tests replace.
///
/// ```swift
/// let app = try await buildApplication(config: config, dependencies: .init(store: MemoryStore(), clock: ManualWallClock(start), logger: logger))
/// ```
public struct Dependencies: Sendable {
    public var store: any AdWatchStore
    public var clock: any WallClock
    public var logger: Logger
    /// The Ads API; without it events are stored but not re-fetched.
    public var advertising: (any AdvertisingAPI)?
    /// An HTTP client the application owns and shuts down when it stops.
    public var ownedHTTPClient: HTTPClient?
    /// The notification channels by name; empty: notifications stay in the outbox.
    public var channels: [String: any NotificationChannel] = [:]
    /// Reads the configuration file again (SIGHUP); `nil`: the configuration cannot be reloaded.
    public var reloadConfig: (@Sendable () throws -> AdWatchConfig)?
    /// Builds the channels of a reloaded configuration; `nil` keeps ``channels`` across reloads.
    public var makeChannels: (@Sendable (AdWatchConfig) throws -> [String: any NotificationChannel])?
    /// This application's metrics registry (served at `/metrics`); a fresh one per application, never global.
    public var metrics = AdWatchMetrics()
    /// Held while the service runs on an SQLite file (``ServiceLock``); `nil` for other stores and in tests.
    public var serviceLock: ServiceLock?

    public init(
        store: any AdWatchStore,
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        advertising: (any AdvertisingAPI)? = nil,
        ownedHTTPClient: HTTPClient? = nil
    ) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.advertising = advertising
        self.ownedHTTPClient = ownedHTTPClient
    }

    /// The production dependencies for a configuration: the configured store and the system clock.
    /// - Throws: when the store cannot be opened.
    public static func live(config: AdWatchConfig, logger: Logger) throws -> Dependencies {
        let store: any AdWatchStore
        var lock: ServiceLock?
        if config.store.sqlitePath == ":memory:" {
            store = MemoryStore()
        } else {
            // Before opening: a second service on the file must not release the first one's claims.
            lock = try ServiceLock(database: config.store.sqlitePath)
            store = try SQLiteStore(path: config.store.sqlitePath, synchronous: config.store.synchronous, logger: logger)
        }
        let clock = SystemWallClock()
        var dependencies = Dependencies(store: store, clock: clock, logger: logger)
        dependencies.serviceLock = lock
        // Always there: a reload may add channels to a configuration that started without any.
        let client = HTTPClientService.makeClient()
        dependencies.ownedHTTPClient = client
        let makeChannels: @Sendable (AdWatchConfig) throws -> [String: any NotificationChannel] = { config in
            try Dictionary(uniqueKeysWithValues: config.channels.map { ($0.name, try ChannelRegistry.make($0, httpClient: client, clock: clock)) })
        }
        dependencies.makeChannels = makeChannels
        dependencies.channels = try makeChannels(config)
        if let advertising = config.advertising {
            dependencies.advertising = LiveAdvertisingAPI(
                config: advertising,
                httpClient: client,
                observer: AuditingFetchObserver(log: store, clock: clock, logger: logger),
                logger: logger,
                metrics: dependencies.metrics.adsAPI
            )
        }
        return dependencies
    }
}
