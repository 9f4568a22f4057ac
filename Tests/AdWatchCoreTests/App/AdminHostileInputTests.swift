@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Numbers and patterns an admin client sends: out of range is a 400 with a clear message, never a trap.
struct AdminHostileInputTests {
    static let auth = AdminAPITests.auth

    static func error(_ response: TestResponse) throws -> (code: String?, message: String?) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
        return (object["error"] as? String, object["message"] as? String)
    }

    @Test(arguments: ["9223372036854775807", "9223372036854775808", "99999999999999999999999", "-9223372036854775808", "1e3"])
    func aCursorAtOrBeyondInt64MaxIsA400(_ cursor: String) async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await store.append(AuditQueryTests.pipelineDrafts())
        try await AdminAPITests().withAdmin(store: store) { client in
            for path in ["/admin/audit", "/admin/campaigns/7001/timeline", "/admin/alerts/acct%2F7001/timeline"] {
                let response = try await client.execute(uri: "\(path)?cursor=\(cursor)", method: .get, headers: Self.auth)
                #expect(response.status == .badRequest, "\(path) cursor=\(cursor)")
                #expect(try Self.error(response).code == "invalid_parameter")
            }
            // The largest cursor that is allowed answers an empty last page.
            let last = try await client.execute(uri: "/admin/audit?cursor=9223372036854775806", method: .get, headers: Self.auth)
            #expect(last.status == .ok)
        }
    }

    @Test func theLibraryPageAfterTheLastPossibleSeqIsEmpty() async throws {
        let store = MemoryStore()
        try await store.append(AuditQueryTests.pipelineDrafts())
        let page = try await store.page(matching: AuditQuery(), after: .max, limit: .max)
        #expect(page.records.isEmpty && page.nextCursor == nil)
        #expect(try await store.page(matching: AuditQuery(), after: nil, limit: .max).records.count == AuditQueryTests.pipelineDrafts().count)
    }

    @Test(arguments: ["999999999999999d", "9223372036854775807s", "36501d", "99999999999999999999999h"])
    func aSilenceLongerThanAHundredYearsIsA400NamingTheKey(_ duration: String) async throws {
        let store = MemoryStore()
        try await AdminAPITests().withAdmin(store: store) { client in
            let body = #"{"matchers": ["campaign_id=5195"], "duration": "\#(duration)", "author": "ops"}"#
            let response = try await client.execute(uri: "/admin/silences", method: .post, headers: Self.auth, body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            let (code, message) = try Self.error(response)
            #expect(code == "invalid_silence")
            #expect(message?.hasPrefix("duration: ") == true && message?.contains("longer than 100 years") == true, "\(message ?? "")")
        }
        #expect(try await store.silences(notEndedAt: nil).isEmpty)
    }

    @Test func anOverlongSilencePatternIsA400() async throws {
        let store = MemoryStore()
        try await AdminAPITests().withAdmin(store: store) { client in
            let pattern = String(repeating: "(a|b)*", count: 60)
            let body = #"{"matchers": ["campaign_id=~\#(pattern)"], "duration": "2h", "author": "ops"}"#
            let response = try await client.execute(uri: "/admin/silences", method: .post, headers: Self.auth, body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            let (code, message) = try Self.error(response)
            #expect(code == "invalid_silence")
            #expect(message?.contains("at most 256 are allowed") == true, "\(message ?? "")")
        }
        #expect(try await store.silences(notEndedAt: nil).isEmpty)
    }
}
