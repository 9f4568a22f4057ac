@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import NIOConcurrencyHelpers
import Testing

/// The token bucket and the circuit breaker on their own.
struct ResilienceTests {
    @Test func tokenBucketGrantsTheBurstAtOnceThenHoldsTheRate() async throws {
        let bucket = TokenBucket(ratePerSecond: 50, burst: 5)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<5 { #expect(try await bucket.acquire() == .zero) }
        for _ in 0..<10 { try await bucket.acquire() }
        // Ten tokens beyond the burst at 50 per second cannot be had in less than 0.2 s.
        #expect(clock.now - start >= .milliseconds(195))
        #expect(await bucket.granted == 15)
    }

    @Test func tokenBucketServesConcurrentCallersWithinTheRate() async throws {
        let bucket = TokenBucket(ratePerSecond: 100, burst: 2)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<22 { group.addTask { try await bucket.acquire() } }
            try await group.waitForAll()
        }
        #expect(clock.now - start >= .milliseconds(195))
    }

    @Test func tokenBucketPausesWhenTheQuotaIsSpent() async throws {
        let bucket = TokenBucket(ratePerSecond: 1000, burst: 10)
        await bucket.pause(for: .milliseconds(300))
        let waited = try await bucket.acquire()
        #expect(waited >= .milliseconds(290))
    }

    final class ManualTime: Sendable {
        private let value = NIOLockedValueBox(Duration.zero)
        var now: Duration { value.withLockedValue { $0 } }
        func advance(_ by: Duration) { value.withLockedValue { $0 += by } }
    }

    @Test func circuitOpensAfterConsecutiveFailuresAndClosesAfterASuccessfulTrial() async throws {
        let time = ManualTime()
        let changes = NIOLockedValueBox<[CircuitBreaker.State]>([])
        let breaker = CircuitBreaker(failureThreshold: 3, openFor: .seconds(30), now: { time.now }, onChange: { state in changes.withLockedValue { $0.append(state) } })
        for _ in 0..<2 {
            try await breaker.admit()
            await breaker.recordFailure()
        }
        try await breaker.admit()
        await breaker.recordSuccess()  // a success resets the count
        for _ in 0..<3 {
            try await breaker.admit()
            await breaker.recordFailure()
        }
        #expect(await breaker.state == .open)
        await #expect(throws: AdvertisingError(.circuitOpen)) { try await breaker.admit() }

        time.advance(.seconds(30))
        #expect(await breaker.state == .halfOpen)
        try await breaker.admit()  // the one trial
        await #expect(throws: AdvertisingError(.circuitOpen)) { try await breaker.admit() }
        await breaker.recordFailure()  // the trial failed: open again
        #expect(await breaker.state == .open)

        time.advance(.seconds(30))
        try await breaker.admit()
        await breaker.recordSuccess()
        #expect(await breaker.state == .closed)
        try await breaker.admit()
        #expect(changes.withLockedValue { $0 } == [.open, .open, .closed])
    }
}
