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

/// The admin API under a hostile client: bounded bodies, bounded silences, strict list limits.
struct AdminHostileTests {
    static let auth = AdminAPITests.auth
    static let t0 = TestSupport.now

    static func post(_ client: any TestClientProtocol, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/admin/silences", method: .post, headers: auth, body: ByteBuffer(string: body))
    }

    @Test(arguments: ["-1", "0", "1001", "1e18", "abc", "", "99999999999999999999", "0x10"])
    func aListLimitOutside1To1000IsA400(_ limit: String) async throws {
        // SQLite: a negative LIMIT would mean no limit at all.
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await AdminAPITests().withAdmin(store: store) { client in
            for path in ["/admin/alerts", "/admin/deliveries"] {
                let response = try await client.execute(uri: "\(path)?limit=\(limit)", method: .get, headers: Self.auth)
                #expect(response.status == .badRequest, "\(path) limit=\(limit)")
                #expect(try AdminHostileInputTests.error(response).code == "invalid_parameter")
                #expect(try await client.execute(uri: "\(path)?limit=1000", method: .get, headers: Self.auth).status == .ok)
            }
        }
        try await store.close()
    }

    @Test func anUnknownStateIsA400ThatDoesNotEchoTheParameter() async throws {
        try await AdminAPITests().withAdmin { client in
            let junk = String(repeating: "<script>", count: 1000)
            let response = try await client.execute(uri: "/admin/alerts?state=\(junk)", method: .get, headers: Self.auth)
            #expect(response.status == .badRequest)
            #expect(!String(buffer: response.body).contains("script"))
        }
    }

    @Test func aJSONBodyOver64KiBIsRefusedWithoutBeingStored() async throws {
        let store = MemoryStore()
        try await AdminAPITests().withAdmin(store: store) { client in
            let comment = String(repeating: "x", count: 70 * 1024)
            let body = #"{"matchers": ["campaign_id=1"], "duration": "1h", "author": "ops", "comment": "\#(comment)"}"#
            let response = try await Self.post(client, body)
            #expect(response.status == .badRequest)
            // Deep nesting is refused by the decoder, not the stack.
            let deep = String(repeating: "[", count: 30000)
            #expect(try await Self.post(client, deep).status == .badRequest)
        }
        #expect(try await store.silences(notEndedAt: nil).isEmpty)
    }

    static let manyMatchers = (0...Silence.maxMatchers).map { "\"l\($0)=v\"" }.joined(separator: ",")
    static func text(_ count: Int) -> String { String(repeating: "t", count: count) }

    /// A silence for campaign `id` from t0 for `seconds`.
    static func silence(_ id: String, seconds: TimeInterval = 3600) throws -> Silence {
        try Silence.make(matchers: ["campaign_id=\(id)"], startsAt: t0, endsAt: t0.addingTimeInterval(seconds), author: "ops", comment: "", now: t0)
    }

    static let oversized: [(field: String, body: String)] = [
        ("matchers", #"{"matchers": [\#(manyMatchers)], "duration": "1h", "author": "ops"}"#),
        ("author", #"{"matchers": ["campaign_id=1"], "duration": "1h", "author": "\#(text(Silence.maxAuthorLength + 1))"}"#),
        ("comment", #"{"matchers": ["campaign_id=1"], "duration": "1h", "author": "ops", "comment": "\#(text(Silence.maxCommentLength + 1))"}"#),
    ]

    @Test(arguments: oversized)
    func aSilenceWithTooManyMatchersOrOverlongTextIsA400NamingTheField(_ example: (field: String, body: String)) async throws {
        let store = MemoryStore()
        try await AdminAPITests().withAdmin(store: store) { client in
            let response = try await Self.post(client, example.body)
            #expect(response.status == .badRequest)
            let (code, message) = try AdminHostileInputTests.error(response)
            #expect(code == "invalid_silence")
            #expect(message?.hasPrefix("\(example.field): ") == true, "\(message ?? "")")
        }
        #expect(try await store.silences(notEndedAt: nil).isEmpty)
    }

    @Test func silencesThatHaveNotEndedAreCapped() async throws {
        let store = MemoryStore()
        for index in 0..<Silence.maxNotEnded {
            let silence = try Self.silence("\(index)")
            try await store.addSilence(silence, audit: silence.createdAudit(at: Self.t0))
        }
        let clock = ManualWallClock(Self.t0)
        try await AdminAPITests().withAdmin(store: store, clock: clock) { client in
            let refused = try await Self.post(client, #"{"matchers": ["campaign_id=x"], "duration": "1h", "author": "ops"}"#)
            #expect(refused.status == .badRequest)
            #expect(try AdminHostileInputTests.error(refused).message?.contains("expire some first") == true)
            // Once they end there is room again.
            clock.advance(by: .seconds(3601))
            #expect(try await Self.post(client, #"{"matchers": ["campaign_id=x"], "duration": "1h", "author": "ops"}"#).status == .created)
        }
    }

    @Test func anOverlongReplayOperatorIsA400AndNothingIsAudited() async throws {
        let store = MemoryStore()
        try await AdminAPITests().withAdmin(store: store) { client in
            let name = String(repeating: "o", count: 10_000)
            let response = try await client.execute(uri: "/admin/deliveries/dlv_1/replay?operator=\(name)", method: .post, headers: Self.auth)
            #expect(response.status == .badRequest)
            #expect(try AdminHostileInputTests.error(response).message?.contains("operator") == true)
        }
        #expect(try await store.records(from: 0, limit: 10).isEmpty)
    }

    @Test func anOverlongExpiringAuthorIsA400AndNothingIsAudited() async throws {
        let store = MemoryStore()
        let silence = try Self.silence("1")
        try await store.addSilence(silence, audit: silence.createdAudit(at: Self.t0))
        try await AdminAPITests().withAdmin(store: store) { client in
            let author = String(repeating: "a", count: 10_000)
            let response = try await client.execute(uri: "/admin/silences/\(silence.id)/expire?author=\(author)", method: .post, headers: Self.auth)
            #expect(response.status == .badRequest)
            // A 10 kB id, a NUL and dots in the path are simply not found.
            for id in [String(repeating: "s", count: 10_000), "sil_%00", "..%2F..%2Fetc"] {
                #expect(try await client.execute(uri: "/admin/silences/\(id)/expire", method: .post, headers: Self.auth).status == .notFound)
            }
        }
        #expect(try await store.silences(notEndedAt: Self.t0).count == 1)
        #expect(try await store.records(from: 0, limit: 100).count == 1)
    }

    static let badDates: [String] = [
        #""starts_at": "99999-01-01T00:00:00Z", "duration": "1h""#,
        #""ends_at": "99999-01-01T00:00:00Z""#,
        #""starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z""#,
        #""ends_at": "not a date""#,
    ]

    @Test(arguments: badDates)
    func impossibleOrInvertedDatesAreA400(_ dates: String) async throws {
        let store = MemoryStore()
        let body = #"{"matchers": ["campaign_id=1"], "author": "ops", "# + dates + "}"
        try await AdminAPITests().withAdmin(store: store) { client in
            let response = try await Self.post(client, body)
            #expect(response.status == .badRequest)
        }
        #expect(try await store.silences(notEndedAt: nil).isEmpty)
    }
}

/// Dates of a silence from any door: nothing beyond 100 years reaches the store's clamped time columns.
struct SilenceDateBoundTests {
    static let t0 = TestSupport.now
    static let century = ConfigDuration.maximum.timeInterval

    @Test(arguments: [
        (0.0, century + 1, "ends_at"), (-century - 1, 60.0, "starts_at"), (century - 60, century + 60, "ends_at"), (0.0, 1e300, "ends_at"),
    ])
    func aSilenceBeyondAHundredYearsIsRefused(_ example: (start: TimeInterval, end: TimeInterval, path: String)) {
        let error = #expect(throws: ConfigError.self) {
            try Silence.make(
                matchers: ["campaign_id=1"], startsAt: Self.t0.addingTimeInterval(example.start), endsAt: Self.t0.addingTimeInterval(example.end),
                author: "ops", comment: "", now: Self.t0
            )
        }
        #expect(error?.path == example.path)
    }

    @Test func aHundredYearsExactlyIsAllowed() throws {
        let silence = try AdminHostileTests.silence("1", seconds: Self.century)
        #expect(silence.endsAt.timeIntervalSince(Self.t0) == Self.century)
    }
}
