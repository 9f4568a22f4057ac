/// A campaign's status. Known values are constants; anything else keeps its raw text.
public struct CampaignStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let inReview = CampaignStatus(rawValue: "IN_REVIEW")
    public static let active = CampaignStatus(rawValue: "ACTIVE")
    public static let paused = CampaignStatus(rawValue: "PAUSED")
    public static let processing = CampaignStatus(rawValue: "PROCESSING")
    public static let completed = CampaignStatus(rawValue: "COMPLETED")
    public static let failed = CampaignStatus(rawValue: "FAILED")
    public static let unknown = CampaignStatus(rawValue: "UNKNOWN")

    /// Statuses under which the campaign is expected to change (webhooks may be missed).
    public var isLive: Bool { [.inReview, .active, .processing].contains(self) }
}

/// An ad's or campaign's `effective_status` on Meta. Unknown values keep their raw text.
public struct EffectiveStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let disapproved = EffectiveStatus(rawValue: "DISAPPROVED")
    public static let withIssues = EffectiveStatus(rawValue: "WITH_ISSUES")
    public static let pendingBillingInfo = EffectiveStatus(rawValue: "PENDING_BILLING_INFO")
    public static let pendingReview = EffectiveStatus(rawValue: "PENDING_REVIEW")
    public static let active = EffectiveStatus(rawValue: "ACTIVE")
}

/// A numeric code Meta documents by name (`account_status`, `disable_reason`).
public protocol DocumentedCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible where RawValue == Int {
    /// The documented names by code.
    static var names: [Int: String] { get }
    init(rawValue: Int)
}

extension DocumentedCode {
    public init(code: Int) { self.init(rawValue: code) }
    public var code: Int { rawValue }
    /// The documented name, or `UNKNOWN` for a code Meta has not documented.
    public var name: String { Self.names[rawValue] ?? "UNKNOWN" }
    /// `UNSETTLED (3)`.
    public var description: String { "\(name) (\(rawValue))" }
}

/// A Meta ad account's `account_status`, with its documented name.
public struct AdAccountStatus: DocumentedCode {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let names: [Int: String] = [
        1: "ACTIVE", 2: "DISABLED", 3: "UNSETTLED", 7: "PENDING_RISK_REVIEW", 8: "PENDING_SETTLEMENT",
        9: "IN_GRACE_PERIOD", 100: "PENDING_CLOSURE", 101: "CLOSED", 201: "ANY_ACTIVE", 202: "ANY_CLOSED",
    ]

    /// Ads run only under ACTIVE, PENDING_SETTLEMENT and IN_GRACE_PERIOD.
    public var canRunAds: Bool { [1, 8, 9].contains(rawValue) }
}

/// Why Meta disabled an ad account (`disable_reason`), with its documented name.
public struct DisableReason: DocumentedCode {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let names: [Int: String] = [
        0: "NONE", 1: "ADS_INTEGRITY_POLICY", 2: "ADS_IP_REVIEW", 3: "RISK_PAYMENT", 4: "GRAY_ACCOUNT_SHUT_DOWN",
        5: "ADS_AFC_REVIEW", 6: "BUSINESS_INTEGRITY_RAR", 7: "PERMANENT_CLOSE", 8: "UNUSED_RESELLER_ACCOUNT", 9: "UNUSED_ACCOUNT",
    ]
}
