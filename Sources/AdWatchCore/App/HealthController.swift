import Hummingbird
import Logging

/// `/healthz` (the process answers) and `/readyz` (the store answers too).
struct HealthController {
    let store: any AdWatchStore

    func addRoutes(to router: Router<AdWatchRequestContext>) {
        router.get("/healthz") { _, _ in JSONReply.make(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, context in
            do {
                try await store.ping()
                return JSONReply.make(.ok, ["status": "ready"])
            } catch {
                context.logger.warning("readiness check failed: store unavailable")
                return JSONReply.make(.serviceUnavailable, ["status": "unavailable", "reason": "store"])
            }
        }
    }
}
