import Logging
import ServiceLifecycle
import AdWatchCore

/// Keeps the store open for the life of the service group and closes it last, after the HTTP
/// server has stopped taking webhooks (services shut down in reverse order of registration).
struct StoreService: Service {
    let store: any AdWatchStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await store.close()
        } catch {
            logger.error("closing the store failed", metadata: ["store.error": "\(String(reflecting: type(of: error)))"])
        }
    }
}
