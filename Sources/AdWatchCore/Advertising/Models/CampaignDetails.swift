public import Foundation

/// `GET /v1/campaign/{id}`: what AdWatch reads of a campaign's details.
public struct CampaignDetails: Sendable, Equatable, Decodable {
    public var id: String
    public var brandID: String?
    public var status: CampaignStatus
    /// Budget in the campaign's currency.
    public var budget: Decimal?
    public var currency: String?
    public var startDate: Date?
    public var endDate: Date?
    public var campaignType: String?
    /// The customer's Meta ad account, when the campaign runs on one (connection option 2).
    public var adAccount: AdAccount?
    /// Meta campaigns that failed to be created (`platform_details.errorCampaigns`), described as text.
    public var errorCampaigns: [String]
    /// Meta campaigns behind this one (`platform_details.campaignsMapping[].fbCampaign`).
    public var platformCampaigns: [PlatformCampaign]
    public var createdAt: Date?
    public var updatedAt: Date?

    /// The customer's ad account as the campaign details report it.
    public struct AdAccount: Sendable, Equatable, Decodable {
        public var id: String?
        public var name: String?
        public var status: AdAccountStatus?
        public var disableReason: DisableReason?
        public var currency: String?
        public var amountSpent: Decimal?

        enum CodingKeys: String, CodingKey {
            case id, name, currency
            case status = "account_status"
            case disableReason = "disable_reason"
            case amountSpent = "amount_spent"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = c.lenientString(.id)
            name = c.lenientString(.name)
            status = c.lenientInt(.status).map(AdAccountStatus.init(code:))
            disableReason = c.lenientInt(.disableReason).map(DisableReason.init(code:))
            currency = c.lenientString(.currency)
            amountSpent = c.lenientDecimal(.amountSpent)
        }
    }

    /// One Meta campaign created for this campaign.
    public struct PlatformCampaign: Sendable, Equatable, Decodable {
        public var id: String?
        /// The creation error Meta reported, as text; nil when there was none.
        public var error: String?
        public var status: String?

        enum CodingKeys: String, CodingKey { case fbCampaign }
        enum Inner: String, CodingKey { case id, error, fields }
        enum Fields: String, CodingKey { case status }

        public init(from decoder: any Decoder) throws {
            let outer = try decoder.container(keyedBy: CodingKeys.self)
            let c = try outer.nestedContainer(keyedBy: Inner.self, forKey: .fbCampaign)
            id = c.lenientString(.id)
            error = c.lenient(JSONValue.self, .error).flatMap(CampaignDetails.describe)
            status = (try? c.nestedContainer(keyedBy: Fields.self, forKey: .fields))?.lenientString(.status)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, createdAt, updatedAt
        case brandID = "brand_id"
        case metadata = "campaign_metadata"
    }

    enum MetadataKeys: String, CodingKey {
        case budget, currency, startDate, endDate, start_date, end_date
        case campaignType = "campaign_type"
        case campaignInput = "campaign_input"
        case platformDetails = "platform_details"
    }

    enum InputKeys: String, CodingKey { case brand }
    enum BrandKeys: String, CodingKey { case connections }
    enum ConnectionKeys: String, CodingKey { case adAccount = "facebook_ad_account" }
    enum PlatformKeys: String, CodingKey { case errorCampaigns, campaignsMapping }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = c.lenientString(.id) else {
            throw DecodingError.keyNotFound(CodingKeys.id, .init(codingPath: c.codingPath, debugDescription: "campaign without an id"))
        }
        self.id = id
        brandID = c.lenientString(.brandID)
        status = c.lenient(CampaignStatus.self, .status) ?? .unknown
        createdAt = c.lenientDate(.createdAt)
        updatedAt = c.lenientDate(.updatedAt)
        let metadata = try? c.nestedContainer(keyedBy: MetadataKeys.self, forKey: .metadata)
        budget = metadata?.lenientDecimal(.budget)
        currency = metadata?.lenientString(.currency)
        startDate = metadata?.lenientDate(.startDate) ?? metadata?.lenientDate(.start_date)
        endDate = metadata?.lenientDate(.endDate) ?? metadata?.lenientDate(.end_date)
        campaignType = metadata?.lenientString(.campaignType)
        let connections = (try? metadata?.nestedContainer(keyedBy: InputKeys.self, forKey: .campaignInput))
            .flatMap { try? $0.nestedContainer(keyedBy: BrandKeys.self, forKey: .brand) }
            .flatMap { try? $0.nestedContainer(keyedBy: ConnectionKeys.self, forKey: .connections) }
        adAccount = connections?.lenient(AdAccount.self, .adAccount)
        let platform = try? metadata?.nestedContainer(keyedBy: PlatformKeys.self, forKey: .platformDetails)
        errorCampaigns = platform?.lenientList(JSONValue.self, .errorCampaigns).compactMap(Self.describe) ?? []
        platformCampaigns = platform?.lenientList(PlatformCampaign.self, .campaignsMapping) ?? []
    }

    /// A short text for an error that may be a string, an object with a message, or anything else.
    static func describe(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        // "Unknown Type: string,null" is how the API's documentation (and its schema-sample answers)
        // write a nullable string that is empty: no error, not an error named "Unknown Type".
        case .string(let text): return text.isEmpty || text.hasPrefix("Unknown Type:") ? nil : text
        case .object(let members):
            for key in ["message", "error_user_msg", "error", "reason"] {
                if let text = members[key]?.scalarText { return text }
            }
            return members["id"]?.scalarText.map { "campaign \($0) failed" } ?? "error"
        default: return value.scalarText ?? "error"
        }
    }
}
