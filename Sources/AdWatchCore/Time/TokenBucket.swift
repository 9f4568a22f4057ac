/// A token bucket that every caller using one API key shares: at most `burst` requests at once and
/// `ratePerSecond` on average, so in any interval of T seconds it grants at most `burst + rate × T`.
///
/// Callers reserve a token before they wait, so waiting callers are served in order and the rate
/// holds however many workers there are. ``pause(for:)`` empties the bucket when the API says the
/// quota is used up (`X-RateLimit-Remaining: 0`, `Retry-After`).
package actor TokenBucket {
    private let ratePerSecond: Double
    private let burst: Double
    private let clock: ContinuousClock
    private var tokens: Double
    private var updatedAt: ContinuousClock.Instant
    /// Tokens granted so far (for tests and metrics).
    private(set) var granted = 0

    package init(ratePerSecond: Double, burst: Int, clock: ContinuousClock = ContinuousClock()) {
        precondition(ratePerSecond > 0 && burst >= 1)
        self.ratePerSecond = ratePerSecond
        self.burst = Double(burst)
        self.clock = clock
        self.tokens = Double(burst)
        self.updatedAt = clock.now
    }

    /// Waits until a token is available and takes it.
    /// - Returns: How long the caller waited.
    @discardableResult
    package func acquire() async throws -> Duration {
        refill()
        tokens -= 1
        granted += 1
        guard tokens < 0 else { return .zero }
        let wait = Duration.seconds(-tokens / ratePerSecond)
        try await clock.sleep(for: wait)
        return wait
    }

    /// Treats the quota as spent for `duration`: later callers wait until it has passed.
    package func pause(for duration: Duration) {
        refill()
        let debt = duration.timeInterval * ratePerSecond
        tokens = min(tokens, -debt + 1)
    }

    private func refill() {
        let now = clock.now
        let elapsed = (now - updatedAt).timeInterval
        updatedAt = now
        tokens = min(burst, tokens + elapsed * ratePerSecond)
    }
}
