public import Foundation

/// The Symphony Ads API as AdWatch uses it: re-reading a campaign and its ad account.
///
/// The live implementation is ``LiveAdvertisingAPI``; tests use the mock server (`adwatch mock-api`)
/// over loopback or a hand-written fake.
public protocol AdvertisingAPI: Sendable {
    /// `GET /v1/campaign/{id}`.
    func campaign(id: String, brandID: String?) async throws(AdvertisingError) -> CampaignDetails
    /// `GET /v1/analytic/campaign/{id}`.
    func analytics(campaignID: String, brandID: String?) async throws(AdvertisingError) -> CampaignAnalytics
    /// `GET /v1/analytic/creative/performance?campaignId=`.
    func creativePerformance(campaignID: String, brandID: String?) async throws(AdvertisingError) -> [CreativePerformance]
    /// `GET /v1/campaign?status=&limit=&offset=`.
    func campaigns(status: String?, limit: Int, offset: Int) async throws(AdvertisingError) -> CampaignList
}

/// Why a call to the Ads API failed, and whether trying again later can help.
public struct AdvertisingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Equatable {
        case notFound = "not_found"
        case unauthorized
        case clientError = "client_error"
        case rateLimited = "rate_limited"
        case serverError = "server_error"
        case timeout
        case network
        case malformedResponse = "malformed_response"
        case circuitOpen = "circuit_open"
        case cancelled
        /// A 3xx: never followed, so the API key is not sent to another host.
        case redirected
    }

    public var code: Code
    /// The HTTP status, when there was a response.
    public var status: Int?
    /// The API's own error body, when it sent one (`{"status":"error","message","code"}`).
    public var body: AdsAPIErrorBody?
    /// Our own words on why (a redirect's hosts); never a key or a path.
    public var detail: String?

    public init(_ code: Code, status: Int? = nil, body: AdsAPIErrorBody? = nil, detail: String? = nil) {
        self.code = code
        self.status = status
        self.body = body
        self.detail = detail
    }

    /// True when the same request may succeed later (5xx, 429, timeouts, network, malformed bodies, an open circuit).
    public var isRetryable: Bool {
        switch code {
        case .rateLimited, .serverError, .timeout, .network, .malformedResponse, .circuitOpen: true
        case .notFound, .unauthorized, .clientError, .cancelled, .redirected: false
        }
    }

    public var description: String {
        var text = code.rawValue
        if let status { text += " (HTTP \(status))" }
        if let detail { text += ": \(detail)" }
        if let message = body?.message { text += ": \(message)" }
        if let apiCode = body?.code { text += " [\(apiCode)]" }
        return text
    }
}

/// One HTTP attempt against the Ads API, as the audit log records it. Never holds a key.
public struct FetchAttempt: Sendable, Equatable {
    package init(route: String, path: String, campaignID: String? = nil, brandID: String? = nil, attempt: Int, status: Int? = nil, latency: Duration, error: String? = nil) {
        self.route = route
        self.path = path
        self.campaignID = campaignID
        self.brandID = brandID
        self.attempt = attempt
        self.status = status
        self.latency = latency
        self.error = error
    }

    /// `campaign`, `analytics`, `creative` or `list`.
    public var route: String
    /// The request path and query, without the base URL or any credential.
    public var path: String
    public var campaignID: String?
    public var brandID: String?
    /// 1 for the first try.
    public var attempt: Int
    public var status: Int?
    public var latency: Duration
    /// Nil on success, else the error code (`server_error`, `timeout`, …).
    public var error: String?
}

/// Receives every attempt the client makes (the processor audits them).
public protocol FetchObserver: Sendable {
    func observe(_ attempt: FetchAttempt) async
}
