import AdWatchCore
/// Stops calling an API that keeps failing, so a down upstream is not hammered and callers learn at once.
///
/// Closed: calls go through; `failureThreshold` consecutive failures open it. Open: calls fail with
/// ``AdvertisingError/Code/circuitOpen`` until `openFor` has passed. Half-open: one trial call goes
/// through; success closes the circuit, failure opens it again.
public actor CircuitBreaker {
    /// What the breaker is doing now.
    enum State: String, Sendable, Equatable {
        case closed, open
        case halfOpen = "half_open"
    }

    private let failureThreshold: Int
    private let openFor: Duration
    /// Monotonic time since an arbitrary origin (injected so tests move it by hand).
    private let now: @Sendable () -> Duration
    private var consecutiveFailures = 0
    private var openedAt: Duration?
    private var trialInFlight = false
    /// Called with each state change (logging, metrics).
    private let onChange: @Sendable (State) -> Void

    init(
        failureThreshold: Int,
        openFor: Duration,
        now: @escaping @Sendable () -> Duration = CircuitBreaker.monotonicNow,
        onChange: @escaping @Sendable (State) -> Void = { _ in }
    ) {
        self.failureThreshold = max(1, failureThreshold)
        self.openFor = openFor
        self.now = now
        self.onChange = onChange
    }

    /// Time on the continuous clock since the first call.
    public static let monotonicNow: @Sendable () -> Duration = {
        let origin = ContinuousClock.now
        return { ContinuousClock.now - origin }
    }()

    var state: State {
        guard let openedAt else { return .closed }
        return now() - openedAt >= openFor ? .halfOpen : .open
    }

    /// Lets a call through or refuses it.
    func admit() throws(AdvertisingError) {
        switch state {
        case .closed:
            return
        case .open:
            throw AdvertisingError(.circuitOpen)
        case .halfOpen:
            guard !trialInFlight else { throw AdvertisingError(.circuitOpen) }
            trialInFlight = true
        }
    }

    func recordSuccess() {
        let wasOpen = openedAt != nil
        consecutiveFailures = 0
        openedAt = nil
        trialInFlight = false
        if wasOpen { onChange(.closed) }
    }

    func recordFailure() {
        consecutiveFailures += 1
        let trialFailed = trialInFlight
        trialInFlight = false
        if trialFailed || (openedAt == nil && consecutiveFailures >= failureThreshold) {
            openedAt = now()
            onChange(.open)
        }
    }

    /// Releases a half-open trial that ended without telling success from failure (e.g. a 404).
    func recordNeutral() {
        if trialInFlight {
            trialInFlight = false
            recordSuccess()
        }
    }
}
