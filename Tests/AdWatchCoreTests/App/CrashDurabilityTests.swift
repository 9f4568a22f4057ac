import AdWatchCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The built `adwatch serve` as a child process: what it acknowledged survives SIGKILL.
@Suite(.timeLimit(.minutes(3)))
struct CrashDurabilityTests {
    /// The `adwatch` executable SwiftPM built next to this test binary.
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("adwatch")
    }

    /// A running `adwatch serve` and the port it listens on.
    final class Server: @unchecked Sendable {
        let process = Process()
        let port: Int

        init(config: URL) throws {
            process.executableURL = CrashDurabilityTests.executable
            process.arguments = ["serve", "--config", config.path]
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // The server logs "listening on http://127.0.0.1:<port>" once it accepts connections.
            var seen = Data()
            var found: Int?
            while found == nil {
                let chunk = stderr.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }  // EOF: the process ended
                seen += chunk
                let text = String(decoding: seen, as: UTF8.self)
                if let range = text.range(of: "listening on http://127.0.0.1:") {
                    found = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
            }
            guard let found else { throw ServerDidNotStart(output: String(decoding: seen, as: UTF8.self)) }
            port = found
            // Keep draining the pipe so the child never blocks on a full stderr.
            stderr.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func terminate() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var output: String
        var description: String { "adwatch serve did not start:\n\(output)" }
    }

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

        func sendAll(to server: Server) async throws -> [Int] {
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

        let first = try Server(config: config)
        let statuses = try await sendAll(to: first)
        first.kill()  // right after the last 202: no graceful shutdown, no checkpoint
        #expect(statuses.count == 500)
        #expect(statuses.allSatisfy { $0 == 202 })

        // Restarted on the same file, the server knows every delivery: each repeat is a duplicate.
        let second = try Server(config: config)
        let repeats = try await sendAll(to: second)
        second.terminate()
        #expect(repeats.allSatisfy { $0 == 200 })

        let store = try SQLiteStore(path: database.path)
        #expect(try await store.eventCount() == 500)
        let verification = try await store.verify()
        #expect(verification.isIntact)
        #expect(verification.checkedRecords == 1000)  // 500 accepted + 500 duplicates
        try await store.close()
    }
}
