@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Every answer names its request id, the one in the request's log lines.
struct RequestIDTests {
    static let header = HTTPField.Name("X-Request-ID")!

    static func withApp(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildApplication(config: TestSupport.config(), dependencies: Dependencies(store: MemoryStore(), logger: Logger(label: "test")))
        try await app.test(.live) { client in try await test(client) }
    }

    @Test func answersCarryAFreshIdPerRequest() async throws {
        try await Self.withApp { client in
            let first = try await client.execute(uri: "/healthz", method: .get).headers[Self.header]
            let second = try await client.execute(uri: "/healthz", method: .get).headers[Self.header]
            #expect(first != nil)
            #expect(second != nil)
            #expect(first != second)
            // Refusals carry one too.
            let refused = try await client.execute(uri: "/webhooks/nope", method: .post, body: ByteBuffer(string: "{}"))
            #expect(refused.status == .notFound)
            #expect(refused.headers[Self.header] != nil)
        }
    }

    @Test(arguments: [("proxy-id-7f3a", true), ("", false), (String(repeating: "x", count: 129), false), ("has space", false), ("quo\"te", false)])
    func keepsASaneIdFromAProxy(_ incoming: String, _ kept: Bool) async throws {
        try await Self.withApp { client in
            let response = try await client.execute(uri: "/healthz", method: .get, headers: [Self.header: incoming])
            let id = try #require(response.headers[Self.header])
            #expect((id == incoming) == kept)
        }
    }
}
