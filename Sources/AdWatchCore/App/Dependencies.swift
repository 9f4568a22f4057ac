public import Logging

/// What the composition root needs from outside: the parts tests replace.
///
/// ```swift
/// let app = try await buildApplication(config: config, dependencies: .init(store: MemoryStore(), clock: ManualWallClock(start), logger: logger))
/// ```
public struct Dependencies: Sendable {
    public var store: any AdWatchStore
    public var clock: any WallClock
    public var logger: Logger

    public init(store: any AdWatchStore, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// The production dependencies for a configuration: the configured store and the system clock.
    /// - Throws: when the store cannot be opened.
    public static func live(config: AdWatchConfig, logger: Logger) throws -> Dependencies {
        let store: any AdWatchStore
        if config.store.sqlitePath == ":memory:" {
            store = MemoryStore()
        } else {
            store = try SQLiteStore(path: config.store.sqlitePath, synchronous: config.store.synchronous, logger: logger)
        }
        return Dependencies(store: store, clock: SystemWallClock(), logger: logger)
    }
}
