public import Foundation

/// What AdWatch last learned about a campaign from the Ads API: the input of every rule.
public struct CampaignSnapshot: Sendable, Equatable {
    package init(campaignID: String, brandID: String? = nil, fetchedAt: Date, status: AdWatchCore.CampaignStatus, statusSince: Date, accountStatus: AdWatchCore.AdAccountStatus? = nil, disableReason: AdWatchCore.DisableReason? = nil, adAccountID: String? = nil, adAccountGood: Bool? = nil, adAccountError: String? = nil, spend: Decimal? = nil, budget: Decimal? = nil, currency: String? = nil, campaignType: String? = nil, startDate: Date? = nil, endDate: Date? = nil, errorCampaigns: [String], platformErrors: [String], campaignEffectiveStatuses: [String], adEffectiveStatuses: [String], provider: String? = nil, source: String? = nil) {
        self.campaignID = campaignID
        self.brandID = brandID
        self.fetchedAt = fetchedAt
        self.status = status
        self.statusSince = statusSince
        self.accountStatus = accountStatus
        self.disableReason = disableReason
        self.adAccountID = adAccountID
        self.adAccountGood = adAccountGood
        self.adAccountError = adAccountError
        self.spend = spend
        self.budget = budget
        self.currency = currency
        self.campaignType = campaignType
        self.startDate = startDate
        self.endDate = endDate
        self.errorCampaigns = errorCampaigns
        self.platformErrors = platformErrors
        self.campaignEffectiveStatuses = campaignEffectiveStatuses
        self.adEffectiveStatuses = adEffectiveStatuses
        self.provider = provider
        self.source = source
    }

    public var campaignID: String
    public var brandID: String?
    public var fetchedAt: Date
    public var status: CampaignStatus
    /// When the campaign entered `status`, as far as AdWatch knows (see ``make(details:analytics:previous:fetchedAt:)``).
    public var statusSince: Date
    public var accountStatus: AdAccountStatus?
    public var disableReason: DisableReason?
    public var adAccountID: String?
    /// `adAccountStatus.good` from analytics.
    public var adAccountGood: Bool?
    public var adAccountError: String?
    public var spend: Decimal?
    public var budget: Decimal?
    public var currency: String?
    public var campaignType: String?
    public var startDate: Date?
    public var endDate: Date?
    /// `platform_details.errorCampaigns`, as text.
    public var errorCampaigns: [String]
    /// Errors on the Meta campaigns behind this one.
    public var platformErrors: [String]
    /// `effective_status` of each Meta campaign.
    public var campaignEffectiveStatuses: [String]
    /// `effective_status` of each ad.
    public var adEffectiveStatuses: [String]
    /// `facebook` or `symphony`, from the campaign's latest webhook.
    public var provider: String? = nil
    /// The source of the campaign's latest webhook.
    public var source: String? = nil

    /// Builds a snapshot from a fresh fetch.
    ///
    /// `statusSince` carries over from `previous` while the status is unchanged. When it changed, it is
    /// the time of this fetch; for the very first snapshot it is the campaign's own `updatedAt` (or
    /// `createdAt`), never later than the fetch.
    public static func make(details: CampaignDetails, analytics: CampaignAnalytics?, previous: CampaignSnapshot?, fetchedAt: Date) -> CampaignSnapshot {
        let statusSince: Date
        if let previous, previous.status == details.status {
            statusSince = previous.statusSince
        } else if previous == nil {
            statusSince = min(details.updatedAt ?? details.createdAt ?? fetchedAt, fetchedAt)
        } else {
            statusSince = fetchedAt
        }
        return CampaignSnapshot(
            campaignID: details.id,
            brandID: details.brandID,
            fetchedAt: fetchedAt,
            status: details.status,
            statusSince: statusSince,
            accountStatus: details.adAccount?.status,
            disableReason: details.adAccount?.disableReason,
            adAccountID: details.adAccount?.id,
            adAccountGood: analytics?.adAccountGood,
            adAccountError: analytics?.adAccountError,
            spend: analytics?.performance?.spend,
            budget: details.budget,
            currency: details.currency,
            campaignType: details.campaignType,
            startDate: details.startDate,
            endDate: details.endDate,
            errorCampaigns: details.errorCampaigns,
            platformErrors: details.platformCampaigns.compactMap(\.error),
            campaignEffectiveStatuses: analytics?.campaignStatuses.compactMap { $0.effectiveStatus?.rawValue } ?? [],
            adEffectiveStatuses: analytics?.adStatuses.compactMap { $0.effectiveStatus?.rawValue } ?? []
        )
    }

    /// The part of the snapshot whose changes make the state history.
    public var stateChange: CampaignStateChange {
        CampaignStateChange(at: fetchedAt, status: status, accountStatus: accountStatus, adAccountGood: adAccountGood, spend: spend, budget: budget)
    }
}

/// One entry of a campaign's state history: written when status, account standing, spend or budget changed.
public struct CampaignStateChange: Sendable, Equatable {
    package init(at: Date, status: AdWatchCore.CampaignStatus, accountStatus: AdWatchCore.AdAccountStatus? = nil, adAccountGood: Bool? = nil, spend: Decimal? = nil, budget: Decimal? = nil) {
        self.at = at
        self.status = status
        self.accountStatus = accountStatus
        self.adAccountGood = adAccountGood
        self.spend = spend
        self.budget = budget
    }

    public var at: Date
    public var status: CampaignStatus
    public var accountStatus: AdAccountStatus?
    public var adAccountGood: Bool?
    public var spend: Decimal?
    public var budget: Decimal?

    /// True when `other` reports the same state (times aside).
    package func sameState(as other: CampaignStateChange) -> Bool {
        status == other.status && accountStatus == other.accountStatus && adAccountGood == other.adAccountGood
            && spend == other.spend && budget == other.budget
    }
}
