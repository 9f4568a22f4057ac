@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

struct ModelDecodingTests {
    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let data = try Data(contentsOf: TestSupport.samplesURL("fixtures/\(name)"))
        return try JSONDecoder().decode(AdsAPIResponse<T>.self, from: data).data
    }

    @Test func decodesTheSeedsCampaignDetails() throws {
        let campaign = try Self.fixture("campaign-5195.json", as: CampaignDetails.self)
        #expect(campaign.id == "5195")
        #expect(campaign.brandID == "246")
        #expect(campaign.status == .inReview)
        #expect(campaign.budget == Decimal(550))
        #expect(campaign.currency == "MXN")
        #expect(campaign.campaignType == "record_streams")
        #expect(campaign.startDate == Date(timeIntervalSince1970: 1_747_717_200))
        #expect(campaign.adAccount?.status == AdAccountStatus(code: 1))
        #expect(campaign.adAccount?.id == "accountID")
        #expect(campaign.adAccount?.amountSpent == Decimal(string: "5050.24"))
        #expect(campaign.errorCampaigns.isEmpty)
        #expect(campaign.platformCampaigns.map(\.id) == ["6759735593886"])
        #expect(campaign.platformCampaigns.first?.error == nil)
        #expect(campaign.createdAt != nil && campaign.updatedAt != nil)
    }

    @Test func decodesTheSeedsAnalyticsWithPlaceholderValues() throws {
        // The seed's example has "string" where numbers belong: those read as nil, not as errors.
        let analytics = try Self.fixture("campaign-analytics-5195.json", as: CampaignAnalytics.self)
        #expect(analytics.adAccountGood == true)
        // The sample's "Unknown Type: string,null" is the documentation's empty nullable string, not an error.
        #expect(analytics.adAccountError == nil)
        #expect(analytics.adStatuses.first?.effectiveStatus == EffectiveStatus(rawValue: "string"))
        #expect(analytics.performance?.spend == nil)
        #expect(analytics.performance?.dateStart == "2025-01-25")
        #expect(analytics.dailyStats.first?.totalSpend == 0)
    }

    @Test func decodesTheCampaignListAndCreativePerformance() throws {
        let list = try Self.fixture("campaign-list.json", as: CampaignList.self)
        #expect(list.campaigns.map(\.id) == ["3863"])
        #expect(list.campaigns.first?.budget == Decimal(57000))
        #expect(list.campaigns.first?.status == .inReview)
        #expect(list.count == 49)
        #expect(list.totalPages == 5)
        let creative = try Self.fixture("creative-performance-5195.json", as: [CreativePerformance].self)
        #expect(creative.first?.type == "reels")
    }

    @Test func readsStringNumbersAsExactDecimalsAndKeepsUnknownValues() throws {
        let json = #"""
        {"analytic_data": {
            "adAccountStatus": {"good": false, "error": "Ad account is unsettled"},
            "adStatuses": [{"id": "1", "effective_status": "DISAPPROVED"}, {"id": "2", "effective_status": "SOMETHING_NEW"}, 42],
            "campaignPerformanceStats": {"spend": "412.37", "impressions": "10000", "clicks": "not a number"}
        }}
        """#
        let analytics = try JSONDecoder().decode(CampaignAnalytics.self, from: Data(json.utf8))
        #expect(analytics.adAccountGood == false)
        #expect(analytics.adAccountError == "Ad account is unsettled")
        #expect(analytics.adStatuses.map(\.effectiveStatus) == [.disapproved, EffectiveStatus(rawValue: "SOMETHING_NEW")])
        #expect(analytics.performance?.spend == Decimal(string: "412.37"))
        #expect(analytics.performance?.clicks == nil)
        #expect(analytics.campaignStatuses.isEmpty)
    }

    @Test func readsMissingBlocksAsNilAndNamesAccountCodes() throws {
        let json = #"""
        {"id": "77", "status": "SOMETHING_ELSE",
         "campaign_metadata": {"budget": "120.50", "campaign_input": {"brand": {"connections": {"facebook_ad_account": {"account_status": 3, "disable_reason": 3}}}},
            "platform_details": {"errorCampaigns": [{"message": "Payment method declined"}], "campaignsMapping": [{"fbCampaign": {"id": 9, "error": {"message": "Invalid targeting"}}}]}}}
        """#
        let campaign = try JSONDecoder().decode(CampaignDetails.self, from: Data(json.utf8))
        #expect(campaign.status == CampaignStatus(rawValue: "SOMETHING_ELSE"))
        #expect(campaign.budget == Decimal(string: "120.50"))
        #expect(campaign.brandID == nil)
        #expect(campaign.adAccount?.status?.description == "UNSETTLED (3)")
        #expect(campaign.adAccount?.status?.canRunAds == false)
        #expect(campaign.adAccount?.disableReason?.description == "RISK_PAYMENT (3)")
        #expect(campaign.errorCampaigns == ["Payment method declined"])
        #expect(campaign.platformCampaigns.first?.error == "Invalid targeting")
        #expect(AdAccountStatus(code: 555).description == "UNKNOWN (555)")
        let bare = try JSONDecoder().decode(CampaignDetails.self, from: Data(#"{"id": 1}"#.utf8))
        #expect(bare.status == .unknown)
        #expect(bare.adAccount == nil)
        #expect(bare.budget == nil)
    }

    @Test func decodesTheAdsAPIErrorBody() throws {
        let body = try JSONDecoder().decode(AdsAPIErrorBody.self, from: Data(#"{"status":"error","message":"Campaign not found","code":"NOT_FOUND"}"#.utf8))
        #expect(body == AdsAPIErrorBody(status: "error", message: "Campaign not found", code: "NOT_FOUND"))
    }
}
