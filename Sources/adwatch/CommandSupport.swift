import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser

/// Loads a configuration for a one-off command, turning a config error into a usage error.
func loadConfig(_ path: String) throws -> AdWatchConfig {
    do {
        return try ConfigLoader.load(path: path)
    } catch let error as ConfigError {
        throw ValidationError("\(path): \(error)")
    }
}

/// Opens the configured SQLite store (migrated) for a one-off command.
func openStore(_ configPath: String) async throws -> SQLiteStore {
    let settings = try loadConfig(configPath)
    let store = try SQLiteStore(path: settings.store.sqlitePath, synchronous: settings.store.synchronous)
    try await store.migrate()
    return store
}
