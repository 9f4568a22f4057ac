import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// Owns the application's one HTTP client and shuts it down after the services that use it have
/// stopped (services shut down in reverse order of registration).
struct HTTPClientService: Service {
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await client.shutdown()
        } catch {
            logger.error("HTTP client shutdown failed", metadata: ["http.error": "\(String(reflecting: type(of: error)))"])
        }
    }
}
