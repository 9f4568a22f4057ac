@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Testing

/// A hostile channel endpoint: whatever its `Retry-After` says, the wait is defined and at most an hour.
@Suite(.timeLimit(.minutes(1)))
struct ChannelRetryAfterTests {
    static let table: [(String, Duration?)] = [
        ("inf", .seconds(3600)), ("1e300", .seconds(3600)), ("-1", nil), ("99999999999999999999", .seconds(3600)),
        ("nan", nil), ("Fri, 31 Dec 9999 23:59:59 GMT", .seconds(3600)), ("garbage", nil), ("12", .seconds(12)),
    ]

    @Test(arguments: [ChannelTests.Kind.webhook, .sendgrid, .slack])
    func aHostileRetryAfterIsCappedAtAnHour(_ kind: ChannelTests.Kind) async throws {
        try await ChannelTests.withChannel({ kind.config($0) }) { channel, server in
            for (value, expected) in Self.table {
                for status in [429, 503] {
                    // Slack waits out one short (or unreadable) 429 itself: answer twice so the second reaches the caller.
                    let waitsInline = kind == .slack && status == 429 && (expected ?? .zero) <= .seconds(5)
                    server.answer(status, headers: [.retryAfter: value], times: waitsInline ? 2 : 1)
                    do {
                        try await channel.send(ChannelTests.firing)
                        Issue.record("\(kind): \(status) counted as success")
                    } catch let error as ChannelError {
                        #expect(error.status == status, "\(kind) \(value)")
                        #expect(error.retryAfter == expected, "\(kind) \(status) Retry-After: \(value)")
                    }
                }
            }
        }
    }
}
