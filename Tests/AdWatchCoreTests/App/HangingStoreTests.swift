@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import Testing

/// `/readyz` and `/metrics` answer within a bound when the store hangs (a locked database, a stuck disk).
@Suite(.timeLimit(.minutes(1)))
struct HangingStoreTests {
    /// Never answers until cancelled.
    struct HangingStore: StorePinging, StoreGaugeReading {
        func ping() async throws { try await Task.sleep(for: .seconds(3600)) }
        func gaugeReadings() async throws -> StoreGauges {
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
    }

    @Test func readinessIsA503WhenTheStoreDoesNotAnswerInTime() async throws {
        let health = HealthController(store: HangingStore(), timeout: .milliseconds(50))
        let response = await health.readiness(logger: Logger(label: "test"))
        #expect(response.status == .serviceUnavailable)
    }

    /// Counts the calls that reach it, then hangs like ``HangingStore``.
    final class CountingHangingStore: StorePinging, StoreGaugeReading, Sendable {
        let calls = NIOLockedValueBox(0)
        func ping() async throws {
            calls.withLockedValue { $0 += 1 }
            try await Task.sleep(for: .seconds(3600))
        }
        func gaugeReadings() async throws -> StoreGauges {
            calls.withLockedValue { $0 += 1 }
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
    }

    /// A load balancer probing a hung store every second must not pile up one stuck call per probe.
    @Test func probesOfAHungStoreShareOneStuckCall() async throws {
        let store = CountingHangingStore()
        let health = HealthController(store: store, timeout: .milliseconds(20))
        for _ in 0..<5 {
            #expect(await health.readiness(logger: Logger(label: "test")).status == .serviceUnavailable)
        }
        #expect(store.calls.withLockedValue { $0 } == 1)

        let scrapes = CountingHangingStore()
        let controller = MetricsController(metrics: AdWatchMetrics(), store: scrapes, advertising: nil, rules: [], storeTimeout: .milliseconds(20))
        for _ in 0..<3 { _ = await controller.scrape(logger: Logger(label: "test")) }
        #expect(scrapes.calls.withLockedValue { $0 } == 1)
    }

    /// Once the shared call ends, the next probe starts a fresh one.
    @Test func aFinishedSharedCallIsNotReused() async throws {
        let flight = SingleFlight<Int>()
        let counter = NIOLockedValueBox(0)
        let first = try await flight.run { counter.withLockedValue { $0 += 1; return $0 } }
        let second = try await flight.run { counter.withLockedValue { $0 += 1; return $0 } }
        #expect((first, second) == (1, 2))
    }

    @Test func readinessIsA200WhenTheStoreAnswers() async throws {
        let response = await HealthController(store: MemoryStore(), timeout: .seconds(30)).readiness(logger: Logger(label: "test"))
        #expect(response.status == .ok)
    }

    @Test func aScrapeAnswersWhenTheStoreHangsAndCountsTheMiss() async throws {
        let metrics = AdWatchMetrics()
        let controller = MetricsController(metrics: metrics, store: HangingStore(), advertising: nil, rules: [], storeTimeout: .milliseconds(50))
        let text = String(decoding: await controller.scrape(logger: Logger(label: "test")), as: UTF8.self)
        #expect(text.contains("adwatch_metrics_store_read_failures_total 1"))
    }

    /// An operation that never honours cancellation: the caller is answered at the deadline all the same.
    @Test func theDeadlineAnswersEvenWhenTheOperationIgnoresCancellation() async throws {
        let gate = Gate()
        await #expect(throws: Deadline.Exceeded.self) {
            try await Deadline.run(within: .milliseconds(20)) { await gate.wait() }
        }
        await gate.open()
    }

    /// Suspends callers until opened; ignores cancellation.
    actor Gate {
        private var waiters: [CheckedContinuation<Void, Never>] = []
        private var isOpen = false
        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiters.append($0) }
        }
        func open() {
            isOpen = true
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }
}
