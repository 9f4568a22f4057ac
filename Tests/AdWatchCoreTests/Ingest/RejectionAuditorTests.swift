@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import Testing

/// The rejection budget: global, per client, bounded, on an injected clock.
struct RejectionAuditorTests {
    let clock = ManualWallClock(TestSupport.now)
    let store = MemoryStore()

    func auditor(perSecond: Double = 4, burst: Int = 8, maxClients: Int = 1024) -> RejectionAuditor {
        RejectionAuditor(log: store, clock: clock, perSecond: perSecond, burst: burst, maxClients: maxClients)
    }

    @discardableResult
    func reject(_ auditor: RejectionAuditor, from client: String, times: Int = 1) async -> Int {
        var written = 0
        for _ in 0..<times {
            if await auditor.record(
                source: "symphony", reason: "signature_mismatch", status: 401, client: client, remoteAddress: client, size: 1, body: [1],
                logger: Logger(label: "test")
            ) { written += 1 }
        }
        return written
    }

    @Test func oneFlooderCannotHideAnotherClientsRejections() async throws {
        let auditor = auditor(perSecond: 4, burst: 8)
        // A quarter of the budget each: a burst of 2, then one a second.
        #expect(await reject(auditor, from: "203.0.113.9", times: 1000) == 2)
        #expect(await reject(auditor, from: "198.51.100.7") == 1)
        clock.advance(by: .seconds(1))
        #expect(await reject(auditor, from: "203.0.113.9", times: 1000) == 1)
        #expect(await reject(auditor, from: "198.51.100.7") == 1)
        let records = try await store.records(from: 0, limit: 100)
        #expect(records.count == 5)
        let victim = records.filter { $0.details.contains(#""remote_address":"198.51.100.7""#) }
        #expect(victim.count == 2)
        // Every record says how many were dropped before it in all; the flooder's also how many of its own.
        #expect(victim[0].details.contains(#""suppressed_before":998"#))
        let flooderSecond = try #require(records.filter { $0.details.contains("203.0.113.9") }.last)
        #expect(flooderSecond.details.contains(#""client_suppressed_before":998"#))
        #expect(auditor.suppressedTotal == 1997)
    }

    @Test func theGlobalBudgetStillCapsManyClientsTogether() async throws {
        let auditor = auditor(perSecond: 4, burst: 8)
        var written = 0
        for client in 0..<50 { written += await reject(auditor, from: "10.0.0.\(client)", times: 3) }
        #expect(written == 8)
        clock.advance(by: .seconds(1))
        for client in 50..<100 { written += await reject(auditor, from: "10.0.0.\(client)") }
        #expect(written == 12)
    }

    @Test func keepsABoundedTableOfClients() async throws {
        let auditor = auditor(perSecond: 1000, burst: 1000, maxClients: 16)
        for client in 0..<500 {
            await reject(auditor, from: "client-\(client)")
            clock.advance(by: .milliseconds(1))
            #expect(auditor.trackedClients <= 16)
        }
        // The most recent clients are the ones remembered: the last one is still limited.
        #expect(await reject(auditor, from: "client-499", times: 500) < 500)
    }

    @Test(arguments: [
        (String(repeating: "x", count: 64), nil), (String(repeating: "x", count: 65), 65), (String(repeating: "é", count: 10_000), 10_000),
    ])
    func truncatesLongSourceNamesAndKeepsTheirLength(_ name: String, _ length: Int?) {
        let truncated = RejectionAuditor.truncatedSource(name)
        #expect(truncated.name.unicodeScalars.count == min(64, name.unicodeScalars.count))
        #expect(name.hasPrefix(truncated.name))
        #expect(truncated.length == length)
    }

    @Test func cutsOneHugeGraphemeClusterToo() {
        // One Character made of 60 000 combining marks must not pass as "one character".
        let name = "a" + String(repeating: "\u{0301}", count: 60_000)
        let truncated = RejectionAuditor.truncatedSource(name)
        #expect(truncated.name.unicodeScalars.count == 64)
        #expect(truncated.length == 60_001)
    }
}
