public import AdWatchCore
extension MockAdsAPI {
    /// A change to one campaign's documents; nil fields stay as they are.
    ///
    /// Each field writes one place in the documents the real API returns:
    ///
    /// | field | document | path |
    /// |---|---|---|
    /// | `status` | details | `data.status` |
    /// | `accountStatus` | details | `data.campaign_metadata.campaign_input.brand.connections.facebook_ad_account.account_status` |
    /// | `disableReason` | details | `data.campaign_metadata.campaign_input.brand.connections.facebook_ad_account.disable_reason` |
    /// | `budget` | details | `data.campaign_metadata.budget` |
    /// | `adAccountGood` | analytics | `data.analytic_data.adAccountStatus.good` |
    /// | `adAccountError` | analytics | `data.analytic_data.adAccountStatus.error` |
    /// | `spend` | analytics | `data.analytic_data.campaignPerformanceStats.spend` (a string, as the API sends it) |
    /// | `adEffectiveStatus` | analytics | `data.analytic_data.adStatuses[].effective_status` (every ad) |
    ///
    /// Every update also sets the details' `data.updatedAt` to the state's clock.
    ///
    /// ```swift
    /// try await state.updateCampaign(id: 5195, .init(accountStatus: 3, disableReason: 3, adAccountGood: false))
    /// ```
    public struct CampaignUpdate: Sendable, Equatable {
        public var status: String?
        public var accountStatus: Int?
        public var disableReason: Int?
        /// The budget as it should appear in the document: `.int(550)`, `.double(550.5)`, or even a
        /// string to exercise a client's lenient decoding.
        public var budget: JSONValue?
        public var adAccountGood: Bool?
        /// `.some(nil)` writes `null` (a healthy account); nil leaves the error as it is.
        public var adAccountError: String??
        /// The spend as text (`"412.50"`): the API sends numbers as strings.
        public var spend: String?
        public var adEffectiveStatus: String?

        public init(
            status: String? = nil,
            accountStatus: Int? = nil,
            disableReason: Int? = nil,
            budget: JSONValue? = nil,
            adAccountGood: Bool? = nil,
            adAccountError: String?? = nil,
            spend: String? = nil,
            adEffectiveStatus: String? = nil
        ) {
            self.status = status
            self.accountStatus = accountStatus
            self.disableReason = disableReason
            self.budget = budget
            self.adAccountGood = adAccountGood
            self.adAccountError = adAccountError
            self.spend = spend
            self.adEffectiveStatus = adEffectiveStatus
        }

        /// Applies the change to a campaign's two documents.
        func apply(details: inout JSONValue, analytics: inout JSONValue, updatedAt: String) {
            let adAccount = "data.campaign_metadata.campaign_input.brand.connections.facebook_ad_account"
            if let status { details.set(.string(status), at: "data.status") }
            if let accountStatus { details.set(.int(Int64(accountStatus)), at: "\(adAccount).account_status") }
            if let disableReason { details.set(.int(Int64(disableReason)), at: "\(adAccount).disable_reason") }
            if let budget { details.set(budget, at: "data.campaign_metadata.budget") }
            details.set(.string(updatedAt), at: "data.updatedAt")

            if let adAccountGood { analytics.set(.bool(adAccountGood), at: "data.analytic_data.adAccountStatus.good") }
            if let adAccountError { analytics.set(adAccountError.map(JSONValue.string) ?? .null, at: "data.analytic_data.adAccountStatus.error") }
            if let spend { analytics.set(.string(spend), at: "data.analytic_data.campaignPerformanceStats.spend") }
            if let adEffectiveStatus {
                analytics.modify(at: "data.analytic_data.adStatuses") { statuses in
                    guard case .array(var ads) = statuses else { return }
                    for index in ads.indices { ads[index].set(.string(adEffectiveStatus), at: "effective_status") }
                    statuses = .array(ads)
                }
            }
        }
    }
}

extension MockAdsAPI.CampaignUpdate {
    /// Reads an update from the control API's body: `{"status": "ACTIVE", "account_status": 3, "disable_reason": 3,
    /// "ad_account_good": false, "ad_account_error": "Ad account is unsettled", "spend": "412.50", "budget": 550,
    /// "ad_effective_status": "DISAPPROVED"}`.
    ///
    /// `spend` may also be a number (it is stored as its text); `budget` is stored exactly as sent.
    static let controlFields: Set<String> = [
        "status", "account_status", "disable_reason", "ad_account_good", "ad_account_error", "spend", "budget", "ad_effective_status",
    ]

    init(json: JSONValue) throws(MockAdsAPI.InvalidControlBody) {
        let body = try MockAdsAPI.ControlBody(json, allowed: Self.controlFields)
        self.init(
            status: try body.string("status"),
            accountStatus: try body.integer("account_status"),
            disableReason: try body.integer("disable_reason"),
            budget: body.value("budget"),
            adAccountGood: try body.bool("ad_account_good"),
            spend: nil,
            adEffectiveStatus: try body.string("ad_effective_status")
        )
        if body.value("ad_account_error") == .null {
            adAccountError = .some(nil)
        } else if let error = try body.string("ad_account_error") {
            adAccountError = error
        }
        switch body.value("spend") {
        case nil: break
        case .string(let text)?: spend = text
        case .int(let number)?: spend = String(number)
        case .double(let number)?: spend = String(number)
        default: throw .init("spend must be a string or a number")
        }
        switch budget {
        case nil, .int?, .double?, .string?: break
        default: throw .init("budget must be a number or a string")
        }
    }
}
