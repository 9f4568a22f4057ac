import Hummingbird
import Logging
import AdWatchCore

/// `/healthz` (the process answers) and `/readyz` (the store answers too, within ``timeout``: a store
/// that hangs makes the service unready, it does not hang the probe).
struct HealthController {
    let store: any StorePinging
    var timeout: Duration = .seconds(2)
    /// While the store hangs, every probe waits on the one ping already stuck instead of adding another.
    private let ping = SingleFlight<Void>()

    init(store: any StorePinging, timeout: Duration = .seconds(2)) {
        self.store = store
        self.timeout = timeout
    }

    func addRoutes(to router: Router<AdWatchRequestContext>) {
        router.get("/healthz") { _, _ in JSONReply.make(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, context in await readiness(logger: context.logger) }
    }

    func readiness(logger: Logger) async -> Response {
        do {
            try await Deadline.run(within: timeout) { [store, ping] in try await ping.run { try await store.ping() } }
            return JSONReply.make(.ok, ["status": "ready"])
        } catch is Deadline.Exceeded {
            logger.warning("readiness check failed: the store did not answer in time")
            return JSONReply.make(.serviceUnavailable, ["status": "unavailable", "reason": "store_timeout"])
        } catch {
            logger.warning("readiness check failed: store unavailable")
            return JSONReply.make(.serviceUnavailable, ["status": "unavailable", "reason": "store"])
        }
    }
}
