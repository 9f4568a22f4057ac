@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// Silence matchers: a regex is compiled once, at creation; patterns and values have length limits.
struct SilenceMatcherTests {
    static let t0 = TestSupport.now

    @Test func aRegexIsCompiledWhenTheMatcherIsMade() throws {
        let matcher = try LabelMatcher(parsing: "campaign_id=~51.*")
        let compiled = try #require(matcher.compiled)
        // Copies share the compiled pattern; matching does not compile again.
        let copy = matcher
        #expect(copy.compiled === compiled)
        #expect(matcher.matches(["campaign_id": "5195"]))
        #expect(!matcher.matches(["campaign_id": "6195"]))
        #expect(try LabelMatcher(parsing: "campaign_id=5195").compiled == nil)
    }

    @Test func theSQLiteStoreReadsASilenceOnceAndReusesItsCompiledPattern() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        let silence = try Silence.make(matchers: ["campaign_id=~51.*", "severity=critical"], startsAt: Self.t0, endsAt: Self.t0.addingTimeInterval(3600),
                                       author: "ops", comment: "", now: Self.t0)
        try await store.addSilence(silence, audit: silence.createdAudit(at: Self.t0))
        let first = try #require(try await store.silences(notEndedAt: Self.t0).first)
        let second = try #require(try await store.silences(notEndedAt: Self.t0).first)
        let pattern = try #require(first.matchers[0].compiled)
        #expect(second.matchers[0].compiled === pattern, "evaluations must not compile the regex again")
        #expect(first.matches(["campaign_id": "5195", "severity": "critical"]))
        try await store.close()
    }

    @Test func anOverlongPatternIsRefusedAtCreation() {
        let long = String(repeating: "a", count: LabelMatcher.maxPatternLength + 1)
        #expect(throws: ConfigError.self) { try LabelMatcher(parsing: "campaign_id=~\(long)") }
        #expect(throws: ConfigError.self) {
            try Silence.make(matchers: ["campaign_id=~\(long)"], startsAt: Self.t0, endsAt: Self.t0.addingTimeInterval(60), author: "ops", comment: "", now: Self.t0)
        }
        #expect(throws: Never.self) { try LabelMatcher(parsing: "campaign_id=~" + String(repeating: "a", count: LabelMatcher.maxPatternLength)) }
    }

    @Test func anOverlongValueNeverMatchesARegex() throws {
        let matcher = try LabelMatcher(parsing: "campaign_type=~.*")
        #expect(matcher.matches(["campaign_type": String(repeating: "x", count: LabelMatcher.maxValueLength)]))
        #expect(!matcher.matches(["campaign_type": String(repeating: "x", count: LabelMatcher.maxValueLength + 1)]))
    }

    @Test func aStoredPatternRefusedTodayMatchesNothing() throws {
        let long = String(repeating: "a", count: LabelMatcher.maxPatternLength + 1)
        let json = #"[{"name":"campaign_id","value":"\#(long)","isRegex":true},{"name":"severity","value":"(","isRegex":true}]"#
        let matchers = try JSONDecoder().decode([LabelMatcher].self, from: Data(json.utf8))
        #expect(matchers.allSatisfy { !$0.matches(["campaign_id": long, "severity": "("]) })
        // The stored form round-trips unchanged.
        let again = try JSONDecoder().decode([LabelMatcher].self, from: JSONEncoder().encode(matchers))
        #expect(again == matchers)
    }
}
