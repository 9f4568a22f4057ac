import AdWatchCore
import AdWatchSQLite
import AdWatchMemoryStore
import AdWatchApp
import AdWatchMockAds
import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// The built `adwatch serve` as a child process: what it acknowledged survives SIGKILL.
@Suite(.timeLimit(.minutes(3)))
struct CrashDurabilityTests {
    @Test func everyAcknowledgedEventSurvivesSIGKILL() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("adwatch.sqlite")
        let config = directory.appendingPathComponent("adwatch.yaml")
        try """
        server:
          host: 127.0.0.1
          port: 0
        store:
          sqlite: \(database.path)
        sources:
          - name: symphony
            scheme: standard-webhooks
            secrets: ["\(TestSupport.standardSecret)"]
        """.write(to: config, atomically: true, encoding: .utf8)
        let source = SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: [Secret(literal: TestSupport.standardSecret)])

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }

        func sendAll(to server: ServeProcess) async throws -> [Int] {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        let reply = try await WebhookSender.send(
                            body: TestSupport.campaignBody(id: index), as: source, to: "http://127.0.0.1:\(server.port)",
                            deliveryID: "crash_\(index)", client: client
                        )
                        return reply.status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }

        let first = try ServeProcess(config: config)
        let statuses = try await sendAll(to: first)
        first.signal(SIGKILL)  // right after the last 202: no graceful shutdown, no checkpoint
        _ = try await first.waitForExit()
        #expect(statuses.count == 500)
        #expect(statuses.allSatisfy { $0 == 202 })

        // Restarted on the same file, the server knows every delivery: each repeat is a duplicate.
        let second = try ServeProcess(config: config)
        let repeats = try await sendAll(to: second)
        try await second.stop()
        #expect(repeats.allSatisfy { $0 == 200 })

        let store = try SQLiteStore(path: database.path)
        #expect(try await store.eventCount() == 500)
        let verification = try await store.verify()
        #expect(verification.isIntact)
        #expect(verification.checkedRecords == 1000)  // 500 accepted + 500 duplicates
        try await store.close()
    }

    /// Two SIGKILLs, each while the process holds a claim whose lease (an hour for events, five minutes
    /// for deliveries) is far beyond this test's bounds: the first while an event's re-fetch is in
    /// flight, the second while the alert's delivery is being sent. Each restart releases the dead
    /// process's claims at once, so the work goes on within seconds.
    @Test func aKilledProcesssClaimsAreReleasedAtRestartNotAfterTheirLease() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("adwatch.sqlite")
        let config = directory.appendingPathComponent("adwatch.yaml")
        let source = SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: [Secret(literal: TestSupport.standardSecret)])
        let receiver = HoldingReceiver()
        let bound = Duration.seconds(15)

        try await receiver.run { receiverPort in
            try await PipelineEndToEndTests.withMockAPI { mock, mockPort in
                try await mock.cloneCampaign(7200, from: 5195)
                try await mock.updateCampaign(id: 7200, .init(accountStatus: 3, adAccountGood: false))
                // The first fetch hangs (well past the kill): the event stays claimed by the first process.
                await mock.addFault(.init(route: .campaign, kind: .slow(.seconds(20)), count: 1))
                try """
                server:
                  host: 127.0.0.1
                  port: 0
                store:
                  sqlite: \(database.path)
                sources:
                  - name: symphony
                    scheme: standard-webhooks
                    secrets: ["\(TestSupport.standardSecret)"]
                advertising:
                  base_url: http://127.0.0.1:\(mockPort)
                  api_key: mock-api-key
                  requests_per_minute: 6000
                  timeout: 30s
                processor:
                  lease: 1h
                rules:
                  - name: account-standing
                    kind: ad_account_standing
                    severity: critical
                channels:
                  - name: hook
                    kind: webhook
                    url: http://127.0.0.1:\(receiverPort)/hook
                    secret: \(TestSupport.standardSecret)
                    timeout: 30s
                routes:
                  - channels: [hook]
                """.write(to: config, atomically: true, encoding: .utf8)

                let first = try ServeProcess(config: config)
                let reply = try await WebhookSender.send(
                    body: TestSupport.campaignBody(id: 7200), as: source, to: "http://127.0.0.1:\(first.port)", deliveryID: "claim_1"
                )
                #expect(reply.status == 202)
                try await Self.waitUntil(bound, first) { await mock.requests().contains { $0.route == .campaign } }
                first.signal(SIGKILL)  // the event is claimed (lease 1 h) and its fetch in flight
                _ = try await first.waitForExit()

                let second = try ServeProcess(config: config)
                // Released at start: fetched again, judged, and the alert's delivery reaches the receiver, which holds it.
                try await Self.waitUntil(bound, second) { receiver.count >= 1 }
                #expect(second.log.contains("released the claims of an earlier process"))
                second.signal(SIGKILL)  // the delivery is claimed (lease 5 min) and its request in flight
                _ = try await second.waitForExit()

                let third = try ServeProcess(config: config)
                try await Self.waitUntil(bound, third) { receiver.count >= 2 }
                receiver.release()
                try await third.stop()
                // At least once, as one message: the receiver can drop the repeat by its id.
                #expect(Set(receiver.messageIDs).count == 1)
            }
        }

        let store = try SQLiteStore(path: database.path)
        #expect(try await store.events(in: .processed, limit: 10).map(\.deliveryID) == ["claim_1"])
        #expect(try await store.deliveries(in: .sent, limit: 10).count == 1)
        let releases = try await store.records(from: 0, limit: 1000).filter { $0.kind == "claims.released" }.map(\.details)
        #expect(releases.count == 2)
        #expect(releases.first?.contains("\"events\":1") == true)
        #expect(releases.last?.contains("\"deliveries\":1") == true)
        #expect(try await store.verify().isIntact)
        try await store.close()
    }

    /// Polls `condition` every 20 ms for at most `bound`; fails with the server's log.
    static func waitUntil(_ bound: Duration, _ server: ServeProcess, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + bound
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw ServeProcess.DidNotHappen(what: "nothing happened within \(bound)", log: server.log) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A webhook receiver that records each request's `webhook-id` and holds the first one open until
/// ``release()`` (or 30 s): a channel send in flight when the sender is killed.
private final class HoldingReceiver: Sendable {
    private let state = NIOLockedValueBox<(ids: [String], released: Bool)>(([], false))

    var count: Int { state.withLockedValue { $0.ids.count } }
    var messageIDs: [String] { state.withLockedValue { $0.ids } }
    func release() { state.withLockedValue { $0.released = true } }

    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            let isFirst = self.state.withLockedValue { state in
                state.ids.append(request.headers[HTTPField.Name("webhook-id")!] ?? "")
                return state.ids.count == 1
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while isFirst, !self.state.withLockedValue(\.released), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "receiver"))
        defer { release() }
        try await app.test(.live) { client in try await body(client.port!) }
    }
}
