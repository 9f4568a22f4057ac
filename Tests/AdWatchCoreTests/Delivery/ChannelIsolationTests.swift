@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

/// A channel that answers slowly or not at all must hold up only itself: the running service keeps
/// routing and sending to every other channel meanwhile.
@Suite(.timeLimit(.minutes(1)))
struct ChannelIsolationTests {
    /// A channel whose sends wait until the test opens the gate (or the task is cancelled).
    final class StuckChannel: NotificationChannel, Sendable {
        let name = "stuck"
        let started = NIOLockedValueBox(0)
        let gate = AsyncStream<Void>.makeStream()
        func send(_ message: OutboundMessage) async throws(ChannelError) {
            started.withLockedValue { $0 += 1 }
            for await _ in gate.stream { return }
            throw ChannelError(.timeout)
        }
    }

    /// Records every message id it is sent.
    final class RecordingChannel: NotificationChannel, Sendable {
        let name = "fast"
        let sent = NIOLockedValueBox<[String]>([])
        func send(_ message: OutboundMessage) async throws(ChannelError) {
            sent.withLockedValue { $0.append(message.id) }
        }
    }

    static func queue(_ id: String, channel: String, in store: any AdWatchStore) async throws {
        let message = OutboundMessage(
            id: "msg_\(id)", status: .firing,
            alerts: [AlertNotice(fingerprint: "acct/\(id)", rule: "acct", severity: .critical, summary: "s", campaignID: id, labels: [:], since: nil)],
            createdAt: TestSupport.now
        )
        try await store.flushGroup("g_\(id)", outboxIDs: [], deliveries: [Delivery(id: "\(id)_\(channel)", channel: channel, message: message, createdAt: TestSupport.now)],
                                   at: TestSupport.now, audit: [])
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func aStuckChannelDoesNotHoldUpAnotherOne(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            let (stuck, fast) = (StuckChannel(), RecordingChannel())
            var config = DeliveryConfig()
            config.concurrency = 2
            config.tick = "1h"  // only the doorbell and finished sends start passes
            let doorbell = Doorbell()
            let service = DeliveryService(
                store: store, channels: ["stuck": stuck, "fast": fast], routes: [], config: config,
                clock: ManualWallClock(TestSupport.now), logger: Logger(label: "test"), doorbell: doorbell
            )
            for id in ["s1", "s2", "s3"] { try await Self.queue(id, channel: "stuck", in: store) }
            let running = Task { try await service.run() }
            // The stuck channel took one batch (its concurrency) and holds it.
            try await MetricsTests.eventually { stuck.started.withLockedValue { $0 } == 2 }

            // Work for the other channel that arrives while those sends hang still goes out, all of it.
            for id in (1...5).map({ "f\($0)" }) { try await Self.queue(id, channel: "fast", in: store) }
            doorbell.ring()
            try await MetricsTests.eventually { fast.sent.withLockedValue { $0.count } == 5 }
            #expect(Set(fast.sent.withLockedValue { $0 }) == Set((1...5).map { "msg_f\($0)" }))
            // The stuck channel got no new claims while its batch was in flight: concurrency holds.
            #expect(stuck.started.withLockedValue { $0 } == 2)
            #expect(try await store.deliveries(in: .pending, limit: 10).map(\.id) == ["s3_stuck"])

            // Once its sends end, the channel takes its next batch.
            stuck.gate.continuation.yield()
            stuck.gate.continuation.yield()
            try await MetricsTests.eventually { stuck.started.withLockedValue { $0 } == 3 }
            stuck.gate.continuation.finish()
            running.cancel()
            _ = try? await running.value
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func claimsTakeAtMostTheQuotaPerChannelAndNoneForBusyChannels(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            for id in ["a1", "a2", "a3"] { try await Self.queue(id, channel: "a", in: store) }
            for id in ["b1", "b2", "b3"] { try await Self.queue(id, channel: "b", in: store) }
            try await Self.queue("c1", channel: "c", in: store)
            let claimed = try await store.claimDeliveries(
                now: TestSupport.now, limit: 100, perChannel: 2, excluding: ["c"], lease: .seconds(60), owner: .boot()
            )
            #expect(Dictionary(grouping: claimed, by: \.channel).mapValues(\.count) == ["a": 2, "b": 2])
            let rest = try await store.claimDeliveries(now: TestSupport.now, limit: 100, perChannel: 2, excluding: [], lease: .seconds(60), owner: .boot())
            #expect(Set(rest.map(\.id)) == ["a3_a", "b3_b", "c1_c"])
        }
    }
}
