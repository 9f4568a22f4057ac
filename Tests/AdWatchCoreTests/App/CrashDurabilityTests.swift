import AdWatchCore
import AsyncHTTPClient
import Foundation
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
}
