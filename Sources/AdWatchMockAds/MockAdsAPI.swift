public import Hummingbird
public import Logging
import AdWatchCore

/// A stand-in for the Symphony Ads API (DESIGN §1, §4): a real HTTP server for tests and demos.
///
/// It serves the fixtures' campaign documents under the API's own paths, checks `x-api-key`, sends
/// `X-RateLimit-*` headers and answers 429 past the limit. A control API under `/_control` (and the
/// same operations on ``MockAdsAPI/State``) changes a campaign's state, queues faults (an error
/// status, 429 with `Retry-After`, a slow answer, truncated JSON) and reads back the request log.
///
/// ```swift
/// let state = try MockAdsAPI.State(fixtures: URL(fileURLWithPath: "samples/fixtures"))
/// let app = buildMockAdsAPI(state: state, port: 0, logger: logger)
/// try await app.runService()  // logs "mock Ads API listening on http://127.0.0.1:<port>"
/// ```
public enum MockAdsAPI {
    /// The API key the mock accepts when it is given none.
    public static let defaultAPIKeys = ["mock-api-key"]
    /// Requests per minute per API key, as the real API allows by default.
    public static let defaultRequestsPerMinute = 100

    /// The Ads API endpoints the mock serves; faults and request-log entries name them.
    public enum Route: String, Sendable, CaseIterable {
        /// `GET /v1/campaign/{id}`
        case campaign
        /// `GET /v1/analytic/campaign/{id}`
        case analytics
        /// `GET /v1/analytic/creative/performance?campaignId=`
        case creative
        /// `GET /v1/campaign?status=&limit=&offset=`
        case list
    }

    /// Who may call the `/v1` API and how often.
    struct AccessRules: Sendable {
        var apiKeys: Set<String>
        var requestsPerMinute: Int
    }
}

/// Builds the mock Ads API server around `state`.
///
/// - Parameters:
///   - state: the campaigns, faults and request log; keep a reference to drive it from a test.
///   - host: the address to listen on.
///   - port: the port to listen on; 0 picks a free one, and the notice logged once the server runs
///     names the real port.
///   - apiKeys: the values of `x-api-key` that are accepted; anything else is answered 401.
///   - requestsPerMinute: the per-key limit of the fixed one-minute window.
///   - logger: where the server logs.
/// - Returns: the application; run it with `runService()` or drive it with HummingbirdTesting.
public func buildMockAdsAPI(
    state: MockAdsAPI.State,
    host: String = "127.0.0.1",
    port: Int,
    apiKeys: [String] = MockAdsAPI.defaultAPIKeys,
    requestsPerMinute: Int = MockAdsAPI.defaultRequestsPerMinute,
    logger: Logger
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: LogRequestsMiddleware(.debug))
    let access = MockAdsAPI.AccessRules(apiKeys: Set(apiKeys), requestsPerMinute: requestsPerMinute)
    MockAdsAPIController(state: state, access: access).addRoutes(to: router)
    MockAdsAPIControlController(state: state).addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "adwatch-mock-api"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? port
            logger.notice("mock Ads API listening on http://\(host):\(port)")
        },
        logger: logger
    )
}
