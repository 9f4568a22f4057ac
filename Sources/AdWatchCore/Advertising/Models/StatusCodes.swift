/// A campaign's status. Known values are constants; anything else keeps its raw text.
public struct CampaignStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
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
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    public static let disapproved = EffectiveStatus(rawValue: "DISAPPROVED")
    public static let withIssues = EffectiveStatus(rawValue: "WITH_ISSUES")
    public static let pendingBillingInfo = EffectiveStatus(rawValue: "PENDING_BILLING_INFO")
    public static let pendingReview = EffectiveStatus(rawValue: "PENDING_REVIEW")
    public static let active = EffectiveStatus(rawValue: "ACTIVE")
}

/// A Meta ad account's `account_status`, with its documented name.
public struct AdAccountStatus: Hashable, Sendable, Codable, CustomStringConvertible {
    public var code: Int
    public init(code: Int) { self.code = code }
    public init(from decoder: any Decoder) throws { code = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    static let names: [Int: String] = [
        1: "ACTIVE", 2: "DISABLED", 3: "UNSETTLED", 7: "PENDING_RISK_REVIEW", 8: "PENDING_SETTLEMENT",
        9: "IN_GRACE_PERIOD", 100: "PENDING_CLOSURE", 101: "CLOSED", 201: "ANY_ACTIVE", 202: "ANY_CLOSED",
    ]

    /// The documented name, or `UNKNOWN` for a code Meta has not documented.
    public var name: String { Self.names[code] ?? "UNKNOWN" }
    /// Ads run only under ACTIVE, PENDING_SETTLEMENT and IN_GRACE_PERIOD.
    public var canRunAds: Bool { [1, 8, 9].contains(code) }
    /// `UNSETTLED (3)`.
    public var description: String { "\(name) (\(code))" }
}

/// Why Meta disabled an ad account (`disable_reason`), with its documented name.
public struct DisableReason: Hashable, Sendable, Codable, CustomStringConvertible {
    public var code: Int
    public init(code: Int) { self.code = code }
    public init(from decoder: any Decoder) throws { code = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    static let names: [Int: String] = [
        0: "NONE", 1: "ADS_INTEGRITY_POLICY", 2: "ADS_IP_REVIEW", 3: "RISK_PAYMENT", 4: "GRAY_ACCOUNT_SHUT_DOWN",
        5: "ADS_AFC_REVIEW", 6: "BUSINESS_INTEGRITY_RAR", 7: "PERMANENT_CLOSE", 8: "UNUSED_RESELLER_ACCOUNT", 9: "UNUSED_ACCOUNT",
    ]

    public var name: String { Self.names[code] ?? "UNKNOWN" }
    public var description: String { "\(name) (\(code))" }
}
