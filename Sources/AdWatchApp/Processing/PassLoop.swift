import Logging
import ServiceLifecycle
import AdWatchCore

/// The loop every background service runs: a pass, then a wait of `interval` (cut short by the
/// doorbell), until graceful shutdown; the pass in progress always finishes. A pass that reports
/// more work runs again at once.
enum PassLoop {
    static func run(
        every interval: Duration,
        doorbell: Doorbell = Doorbell(),
        logger: Logger,
        name: String,
        pass: @escaping @Sendable () async throws -> Bool
    ) async {
        let stopping = ManagedFlag()
        await withGracefulShutdownHandler {
            // Cancellation (not a graceful shutdown) also ends the loop: a cancelled wait returns at once.
            while !stopping.isSet && !Task.isCancelled {
                var moreWork = false
                do {
                    moreWork = try await pass()
                } catch {
                    logger.error("\(name) pass failed; retrying after \(interval)", metadata: ["\(name).error": "\(String(reflecting: type(of: error)))"])
                }
                if !moreWork && !stopping.isSet {
                    await doorbell.wait(timeout: interval)
                }
            }
        } onGracefulShutdown: {
            stopping.set()
            doorbell.ring()
        }
    }
}
