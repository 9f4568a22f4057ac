public import Foundation

/// `GET /v1/analytic/campaign/{id}`: the ad account's standing, delivery statuses and spend.
public struct CampaignAnalytics: Sendable, Equatable, Decodable {
    /// `adAccountStatus.good`; nil when the API did not say.
    public var adAccountGood: Bool?
    /// `adAccountStatus.error`: the API's own words on what is wrong.
    public var adAccountError: String?
    public var campaignStatuses: [EntityStatus]
    public var adStatuses: [EntityStatus]
    public var performance: PerformanceStats?
    public var dailyStats: [DailyStat]

    /// A Meta campaign's or ad's delivery status.
    public struct EntityStatus: Sendable, Equatable, Decodable {
        public var id: String?
        public var name: String?
        public var effectiveStatus: EffectiveStatus?

        enum CodingKeys: String, CodingKey {
            case id, name
            case effectiveStatus = "effective_status"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = c.lenientString(.id)
            name = c.lenientString(.name)
            effectiveStatus = c.lenient(EffectiveStatus.self, .effectiveStatus)
        }
    }

    /// `campaignPerformanceStats`, whose numbers arrive as strings.
    public struct PerformanceStats: Sendable, Equatable, Decodable {
        public var spend: Decimal?
        public var impressions: Decimal?
        public var clicks: Decimal?
        public var reach: Decimal?
        public var cpc: Decimal?
        public var cpm: Decimal?
        public var dateStart: String?
        public var dateStop: String?

        enum CodingKeys: String, CodingKey {
            case spend, impressions, clicks, reach, cpc, cpm
            case dateStart = "date_start"
            case dateStop = "date_stop"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            spend = c.lenientDecimal(.spend)
            impressions = c.lenientDecimal(.impressions)
            clicks = c.lenientDecimal(.clicks)
            reach = c.lenientDecimal(.reach)
            cpc = c.lenientDecimal(.cpc)
            cpm = c.lenientDecimal(.cpm)
            dateStart = c.lenientString(.dateStart)
            dateStop = c.lenientString(.dateStop)
        }
    }

    /// One day of `dailyStats`.
    public struct DailyStat: Sendable, Equatable, Decodable {
        public var date: String?
        public var spend: Decimal?
        public var totalSpend: Decimal?

        enum CodingKeys: String, CodingKey { case date, spend, totalSpend }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            date = c.lenientString(.date)
            spend = c.lenientDecimal(.spend)
            totalSpend = c.lenientDecimal(.totalSpend)
        }
    }

    enum CodingKeys: String, CodingKey { case analyticData = "analytic_data" }
    enum DataKeys: String, CodingKey { case adAccountStatus, campaignStatuses, adStatuses, campaignPerformanceStats, dailyStats }
    enum AccountKeys: String, CodingKey { case good, error }

    public init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: CodingKeys.self)
        let c = try outer.nestedContainer(keyedBy: DataKeys.self, forKey: .analyticData)
        let account = try? c.nestedContainer(keyedBy: AccountKeys.self, forKey: .adAccountStatus)
        adAccountGood = account?.lenientBool(.good)
        adAccountError = account?.lenient(JSONValue.self, .error).flatMap(CampaignDetails.describe)
        campaignStatuses = c.lenientList(EntityStatus.self, .campaignStatuses)
        adStatuses = c.lenientList(EntityStatus.self, .adStatuses)
        performance = c.lenient(PerformanceStats.self, .campaignPerformanceStats)
        dailyStats = c.lenientList(DailyStat.self, .dailyStats)
    }
}

/// `GET /v1/campaign?…`: one page of campaigns.
public struct CampaignList: Sendable, Equatable, Decodable {
    public var campaigns: [Summary]
    public var count: Int?
    public var totalPages: Int?

    /// A campaign as the list reports it.
    public struct Summary: Sendable, Equatable, Decodable {
        public var id: String
        public var status: CampaignStatus
        public var brandID: String?
        public var campaignType: String?
        public var budget: Decimal?
        public var startDate: Date?
        public var endDate: Date?

        enum CodingKeys: String, CodingKey {
            case id, status
            case brandID = "brand_id"
            case metadata = "campaign_metadata"
        }
        enum MetadataKeys: String, CodingKey {
            case budget, start_date, end_date, startDate, endDate
            case campaignType = "campaign_type"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let id = c.lenientString(.id) else {
                throw DecodingError.keyNotFound(CodingKeys.id, .init(codingPath: c.codingPath, debugDescription: "campaign without an id"))
            }
            self.id = id
            status = c.lenient(CampaignStatus.self, .status) ?? .unknown
            brandID = c.lenientString(.brandID)
            let metadata = try? c.nestedContainer(keyedBy: MetadataKeys.self, forKey: .metadata)
            budget = metadata?.lenientDecimal(.budget)
            campaignType = metadata?.lenientString(.campaignType)
            startDate = metadata?.lenientDate(.start_date) ?? metadata?.lenientDate(.startDate)
            endDate = metadata?.lenientDate(.end_date) ?? metadata?.lenientDate(.endDate)
        }
    }

    enum CodingKeys: String, CodingKey {
        case campaigns, count
        case totalPages = "total_pages"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        campaigns = c.lenientList(Summary.self, .campaigns)
        count = c.lenientInt(.count)
        totalPages = c.lenientInt(.totalPages)
    }
}

/// `GET /v1/analytic/creative/performance?campaignId=`: clicks per creative type.
public struct CreativePerformance: Sendable, Equatable, Decodable {
    public var type: String?
    public var clicks: Decimal?
    public var percentage: Decimal?

    enum CodingKeys: String, CodingKey { case type, clicks, percentage }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = c.lenientString(.type)
        clicks = c.lenientDecimal(.clicks)
        percentage = c.lenientDecimal(.percentage)
    }
}
