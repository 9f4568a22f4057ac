@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation

/// An in-memory Ads API: campaigns built from the seed's fixtures, a failure switch, and a count
/// of fetches per campaign.
actor FakeAdvertisingAPI: AdvertisingAPI {
    private var details: [String: CampaignDetails] = [:]
    private var analyticsByCampaign: [String: CampaignAnalytics] = [:]
    /// When set, every call fails with this error.
    var failure: AdvertisingError?
    private(set) var detailFetches: [String: Int] = [:]
    private(set) var analyticsFetches: [String: Int] = [:]
    /// Runs inside every campaign fetch, before it answers: what happens "while the fetch is in flight".
    private var duringFetch: (@Sendable (String) async throws -> Void)?

    /// Adds a campaign from the seed's fixtures, with the given id, status and account status.
    func add(id: String, status: CampaignStatus = .inReview, accountStatus: Int = 1, good: Bool = true, spend: String = "0", budget: Decimal = 550, updatedAt: Date? = nil) throws {
        let base = try Self.fixture("campaign-5195.json", as: CampaignDetails.self)
        var campaign = base
        campaign.id = id
        campaign.status = status
        campaign.budget = budget
        campaign.adAccount?.status = AdAccountStatus(code: accountStatus)
        if let updatedAt { campaign.updatedAt = updatedAt }
        details[id] = campaign
        var analytics = try Self.fixture("campaign-analytics-5195.json", as: CampaignAnalytics.self)
        analytics.adAccountGood = good
        analytics.performance?.spend = Decimal(string: spend)
        analyticsByCampaign[id] = analytics
    }

    func setFailure(_ error: AdvertisingError?) { failure = error }

    /// Removes what the account-standing rule needs: the account status and the analytics' good flag.
    func stripAccountData(_ id: String) {
        details[id]?.adAccount = nil
        analyticsByCampaign[id]?.adAccountGood = nil
    }

    func fetchCount(_ id: String) -> Int { detailFetches[id] ?? 0 }

    func analyticsCount(_ id: String) -> Int { analyticsFetches[id] ?? 0 }

    func setDuringFetch(_ hook: (@Sendable (String) async throws -> Void)?) { duringFetch = hook }

    func campaign(id: String, brandID: String?) async throws(AdvertisingError) -> CampaignDetails {
        detailFetches[id, default: 0] += 1
        if let duringFetch {
            do { try await duringFetch(id) } catch { throw AdvertisingError(.network) }
        }
        if let failure { throw failure }
        guard let campaign = details[id] else { throw AdvertisingError(.notFound, status: 404) }
        return campaign
    }

    func analytics(campaignID: String, brandID: String?) async throws(AdvertisingError) -> CampaignAnalytics {
        analyticsFetches[campaignID, default: 0] += 1
        if let failure { throw failure }
        guard let analytics = analyticsByCampaign[campaignID] else { throw AdvertisingError(.notFound, status: 404) }
        return analytics
    }

    func creativePerformance(campaignID: String, brandID: String?) async throws(AdvertisingError) -> [CreativePerformance] { [] }

    func campaigns(status: String?, limit: Int, offset: Int) async throws(AdvertisingError) -> CampaignList {
        throw AdvertisingError(.clientError, status: 400)
    }

    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let data = try Data(contentsOf: TestSupport.samplesURL("fixtures/\(name)"))
        return try JSONDecoder().decode(AdsAPIResponse<T>.self, from: data).data
    }
}
