@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import PropertyBased
import Testing

/// Extreme numbers and dates in the Ads API's answers: decoding, the snapshot, every rule and the
/// store's time conversions give a defined result, never a trap.
struct AdsAPIExtremeValueTests {
    static let now = TestSupport.now

    static let numbers = [
        "1e300", "-1e300", "1e999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
        "123456789012345678901234567890123456789012345678901234567890", "0", "-0", "-1", "4.9e-324", "0.000000000000000000000001",
        "\"1e300\"", "\"-1e127\"", "\"99999999999999999999999999999999999999999\"", "\"NaN\"", "\"inf\"", "\"\"", "\"12,5\"", "null", "true",
    ]
    static let dates = [
        "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"1970-01-01T00:00:00Z\"", "\"2025-13-45T99:99:99Z\"", "\"\"",
        "1e300", "-1", "\"2025-12-01T00:00:00.123456789123Z\"", "null",
    ]

    /// The fixtures with one numeric field and one date field replaced by extreme values.
    static func answers(number: String, date: String) throws -> (details: Data, analytics: Data) {
        var details = try String(contentsOf: TestSupport.samplesURL("fixtures/campaign-5195.json"), encoding: .utf8)
        var analytics = try String(contentsOf: TestSupport.samplesURL("fixtures/campaign-analytics-5195.json"), encoding: .utf8)
        for key in ["\"budget\"", "\"account_status\"", "\"disable_reason\""] {
            details = details.replacingOccurrences(of: "\(key): ", with: "\(key): \(number), \"_was\": ")
        }
        for key in ["\"startDate\"", "\"endDate\"", "\"updatedAt\"", "\"createdAt\""] {
            details = details.replacingOccurrences(of: "\(key): ", with: "\(key): \(date), \"_was\": ")
        }
        for key in ["\"spend\"", "\"impressions\"", "\"clicks\"", "\"cpc\""] {
            analytics = analytics.replacingOccurrences(of: "\(key): ", with: "\(key): \(number), \"_was\": ")
        }
        return (Data(details.utf8), Data(analytics.utf8))
    }

    static let rules: [Rule] = RuleConfig.Kind.allCases.map { kind in
        var config = RuleConfig(name: kind.rawValue, kind: kind, severity: .warning)
        config.after = "1h"
        config.levels = [.init(percentOfBudget: 80), .init(amount: 100)]
        return Rule(config)
    }

    @Test func everyRuleJudgesASnapshotBuiltFromExtremeAnswers() async {
        let number = Gen.int(in: 0...(Self.numbers.count - 1)).map { Self.numbers[$0] }
        let date = Gen.int(in: 0...(Self.dates.count - 1)).map { Self.dates[$0] }
        await propertyCheck(count: 400, input: number, date, date) { number, date, nowText in
            let (detailsData, analyticsData) = try Self.answers(number: number, date: date)
            // The same decoding the live client does; a body it cannot read is a retried error, not a trap.
            guard let details = try? JSONDecoder().decode(AdsAPIResponse<CampaignDetails>.self, from: detailsData).data else { return }
            let analytics = try? JSONDecoder().decode(AdsAPIResponse<CampaignAnalytics>.self, from: analyticsData).data
            let now = nowText == "null" ? Self.now : Date(timeIntervalSince1970: nowText == "1e300" ? 1e300 : -1)
            let snapshot = CampaignSnapshot.make(details: details, analytics: analytics, previous: nil, fetchedAt: now)
            for rule in Self.rules {
                _ = rule.evaluate(RuleInput(snapshot: snapshot, now: now))
            }
            // The columns the SQLite store writes for a snapshot.
            for time in [snapshot.fetchedAt, snapshot.statusSince] + [snapshot.startDate, snapshot.endDate].compactMap({ $0 }) {
                _ = SQLiteStore.milliseconds(time)
            }
        }
    }

    @Test func aSnapshotWithExtremeValuesIsStoredAndReadBack() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        let (detailsData, analyticsData) = try Self.answers(number: "1e300", date: "\"9999-12-31T23:59:59Z\"")
        let details = try JSONDecoder().decode(AdsAPIResponse<CampaignDetails>.self, from: detailsData).data
        let analytics = try? JSONDecoder().decode(AdsAPIResponse<CampaignAnalytics>.self, from: analyticsData).data
        var snapshot = CampaignSnapshot.make(details: details, analytics: analytics, previous: nil, fetchedAt: Self.now)
        snapshot.startDate = Date(timeIntervalSince1970: -1e300)
        snapshot.endDate = Date(timeIntervalSince1970: 1e300)
        try await store.completeEvents([], state: .processed, snapshot: snapshot, audit: [])
        let stored = try #require(try await store.snapshot(campaignID: snapshot.campaignID))
        #expect(stored.endDate.map { $0 > Self.now } == true)
        try await store.close()
    }
}
