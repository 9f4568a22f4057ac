public import AsyncHTTPClient
import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
public import AdWatchCore

/// The Ads API over AsyncHTTPClient: keys per brand, a shared token bucket per key, retries with
/// jittered exponential backoff on 5xx, 429 and timeouts, `Retry-After` and `X-RateLimit-*`
/// honoured, and a circuit breaker for an API that is down.
///
/// ```swift
/// let api = LiveAdvertisingAPI(config: config.advertising!, httpClient: client, observer: auditor, logger: logger)
/// let campaign = try await api.campaign(id: "5195", brandID: "246")
/// ```
///
/// Keys never appear in logs, errors or ``FetchAttempt``s.
public final class LiveAdvertisingAPI: AdvertisingAPI {
    private let config: AdvertisingConfig
    private let httpClient: HTTPClient
    private let observer: (any FetchObserver)?
    private let logger: Logger
    private let clock = ContinuousClock()
    /// The default key and the per-brand keys; replaced on a configuration reload.
    private let keys: Reloadable<Keys>
    private let buckets: NIOLockedValueBox<[String: TokenBucket]> = .init([:])
    let breaker: CircuitBreaker
    private let random: @Sendable () -> Double
    private let metrics: AdsAPIMetrics?

    /// - Parameters:
    ///   - config: The `advertising:` section.
    ///   - httpClient: One client for the application, shut down with it.
    ///   - observer: Told about every attempt (the processor audits them).
    ///   - random: A number in 0..<1 for backoff jitter (fixed in tests that count delays).
    ///   - monotonicNow: Time for the circuit breaker's open window (moved by hand in tests).
    ///   - metrics: Counts attempts, latencies and rate-limit waits (the application's ``AdWatchMetrics/adsAPI``).
    public init(
        config: AdvertisingConfig,
        httpClient: HTTPClient,
        observer: (any FetchObserver)? = nil,
        logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        monotonicNow: @escaping @Sendable () -> Duration = CircuitBreaker.monotonicNow,
        metrics: AdsAPIMetrics? = nil
    ) {
        self.config = config
        self.httpClient = httpClient
        self.observer = observer
        self.logger = logger
        self.keys = Reloadable(Keys(config))
        self.random = random
        self.metrics = metrics
        self.breaker = CircuitBreaker(
            failureThreshold: config.circuitBreaker.failures,
            openFor: config.circuitBreaker.openFor.duration,
            now: monotonicNow,
            onChange: { [logger] state in
                if state == .open {
                    logger.warning("Ads API circuit opened: requests are paused after repeated failures")
                } else {
                    logger.notice("Ads API circuit closed: requests resume")
                }
            }
        )
    }

    public func campaign(id: String, brandID: String?) async throws(AdvertisingError) -> CampaignDetails {
        let details = try await get(route: "campaign", path: config.paths.campaign.replacingOccurrences(of: "{id}", with: Self.escape(id)),
                                    campaignID: id, brandID: brandID, as: AdsAPIResponse<CampaignDetails>.self).data
        // The snapshot is stored under the answer's id: an answer about another campaign (or with an id the
        // API made up) would overwrite that campaign's state and leave this one unjudged.
        guard details.id == id else {
            throw AdvertisingError(.malformedResponse, status: 200, detail: "the answer is about another campaign")
        }
        return details
    }

    public func analytics(campaignID: String, brandID: String?) async throws(AdvertisingError) -> CampaignAnalytics {
        try await get(route: "analytics", path: config.paths.analytics.replacingOccurrences(of: "{id}", with: Self.escape(campaignID)),
                      campaignID: campaignID, brandID: brandID, as: AdsAPIResponse<CampaignAnalytics>.self).data
    }

    public func creativePerformance(campaignID: String, brandID: String?) async throws(AdvertisingError) -> [CreativePerformance] {
        try await get(route: "creative", path: config.paths.creativePerformance + "?campaignId=\(Self.escape(campaignID))",
                      campaignID: campaignID, brandID: brandID, as: AdsAPIResponse<[CreativePerformance]>.self).data
    }

    public func campaigns(status: String?, limit: Int, offset: Int) async throws(AdvertisingError) -> CampaignList {
        var query = "?limit=\(limit)&offset=\(offset)"
        if let status { query += "&status=\(Self.escape(status))" }
        return try await get(route: "list", path: config.paths.campaigns + query, campaignID: nil, brandID: nil,
                             as: AdsAPIResponse<CampaignList>.self).data
    }

    /// The circuit breaker's state, for health reporting.
    public var circuitState: String {
        get async { await breaker.state.rawValue }
    }

    // MARK: The request loop

    private func get<T: Decodable>(route: String, path: String, campaignID: String?, brandID: String?, as type: T.Type) async throws(AdvertisingError) -> T {
        let (keyName, key) = credential(for: brandID)
        let bucket = bucket(for: keyName)
        var attempt = 0
        while true {
            attempt += 1
            try await breaker.admit()
            do {
                let waited = try await bucket.acquire()
                metrics?.recordRateLimitWait(waited)
            } catch {
                throw AdvertisingError(.cancelled)
            }
            let started = clock.now
            let outcome = await send(path: path, key: key, brandID: brandID)
            let latency = clock.now - started
            var result: Result<T, AdvertisingError>
            var retryDelay: Duration?
            switch outcome {
            case .failure(let error):
                await breaker.recordFailure()
                result = .failure(error)
                retryDelay = backoff(attempt: attempt)
            case .success(let response):
                if let pause = rateLimitPause(response.headers) {
                    await bucket.pause(for: pause)
                }
                switch response.status {
                case 200..<300:
                    do {
                        result = .success(try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView)))
                        await breaker.recordSuccess()
                    } catch {
                        // A truncated or garbled body is the API misbehaving: count it and try again.
                        await breaker.recordFailure()
                        result = .failure(AdvertisingError(.malformedResponse, status: response.status))
                        retryDelay = backoff(attempt: attempt)
                    }
                case 429:
                    await breaker.recordNeutral()
                    let wait = retryAfter(response.headers) ?? backoff(attempt: attempt)
                    await bucket.pause(for: wait)
                    result = .failure(AdvertisingError(.rateLimited, status: 429, body: response.errorBody))
                    retryDelay = wait
                case 500...:
                    await breaker.recordFailure()
                    result = .failure(AdvertisingError(.serverError, status: response.status, body: response.errorBody))
                    retryDelay = retryAfter(response.headers) ?? backoff(attempt: attempt)
                case 404:
                    await breaker.recordNeutral()
                    result = .failure(AdvertisingError(.notFound, status: 404, body: response.errorBody))
                case 401, 403:
                    await breaker.recordNeutral()
                    result = .failure(AdvertisingError(.unauthorized, status: response.status, body: response.errorBody))
                case 300..<400:
                    // Not followed (the client disallows redirects) and not retried: the key stays with base_url's host.
                    await breaker.recordNeutral()
                    let detail = HTTPClientService.redirectDetail(from: config.baseURL, location: response.headers.first(name: "Location"))
                    result = .failure(AdvertisingError(.redirected, status: response.status, detail: detail))
                default:
                    await breaker.recordNeutral()
                    result = .failure(AdvertisingError(.clientError, status: response.status, body: response.errorBody))
                }
            }
            let status: Int? = if case .success(let response) = outcome { response.status } else { nil }
            await observer?.observe(FetchAttempt(
                route: route, path: path, campaignID: campaignID, brandID: brandID, attempt: attempt, status: status,
                latency: latency, error: result.errorCode
            ))
            metrics?.recordAttempt(endpoint: route, error: result.errorCode, latency: latency)
            switch result {
            case .success(let value):
                return value
            case .failure(let error):
                guard let retryDelay, attempt < config.maxAttempts else { throw error }
                logger.debug(
                    "Ads API request will be retried",
                    metadata: ["ads.route": "\(route)", "ads.attempt": "\(attempt)", "ads.error": "\(error.code.rawValue)",
                               "ads.retry_in_ms": "\(CheckedTime.milliseconds(retryDelay))"]
                )
                if error.code == .rateLimited { metrics?.recordRateLimitWait(retryDelay) }
                do {
                    try await clock.sleep(for: retryDelay)
                } catch {
                    throw AdvertisingError(.cancelled)
                }
            }
        }
    }

    private struct RawResponse {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer

        var errorBody: AdsAPIErrorBody? {
            try? JSONDecoder().decode(AdsAPIErrorBody.self, from: Data(body.readableBytesView))
        }
    }

    /// The most of an answer's body that is read (a campaign list page is the longest real answer).
    static let maxBody = 16 << 20

    private func send(path: String, key: Secret?, brandID: String?) async -> Result<RawResponse, AdvertisingError> {
        var request = HTTPClientRequest(url: config.baseURL + path)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        if let key { request.headers.add(name: config.authHeader, value: key.text) }
        if let brandID { request.headers.add(name: config.brandHeader, value: brandID) }
        do {
            // Head and body within `timeout`, at most `maxBody` bytes: a peer that drips or never ends its
            // answer costs one timeout, and a huge one is not buffered.
            let answer = try await httpClient.exchange(request, timeout: config.timeout.duration, bodyLimit: Self.maxBody)
            guard let cut = answer.cut else {
                return .success(RawResponse(status: answer.status, headers: answer.headers, body: answer.body))
            }
            // An error's status and headers say enough without its body; only a 2xx needs the whole body.
            guard (200..<300).contains(answer.status) else {
                return .success(RawResponse(status: answer.status, headers: answer.headers, body: ByteBuffer()))
            }
            return switch cut {
            case .deadline: .failure(AdvertisingError(.timeout, status: answer.status))
            case .failed: .failure(AdvertisingError(.network, status: answer.status))
            case .tooLarge: .failure(AdvertisingError(.malformedResponse, status: answer.status,
                                                      detail: "the answer is longer than \(Self.maxBody >> 20) MiB"))
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(AdvertisingError(.timeout))
        } catch is CancellationError {
            return .failure(AdvertisingError(.cancelled))
        } catch {
            return .failure(AdvertisingError(.network))
        }
    }

    /// The key for a brand (its own, for customers on their own ad accounts) or the partner's default.
    private func credential(for brandID: String?) -> (name: String, key: Secret?) {
        let keys = keys.current
        if let brandID, let key = keys.brands[brandID] { return ("brand:\(brandID)", key) }
        return ("default", keys.default)
    }

    private func bucket(for keyName: String) -> TokenBucket {
        buckets.withLockedValue { buckets in
            if let bucket = buckets[keyName] { return bucket }
            let bucket = TokenBucket(ratePerSecond: Double(config.requestsPerMinute) / 60, burst: config.burst)
            buckets[keyName] = bucket
            return bucket
        }
    }

    /// Full-jitter exponential backoff: uniform in 0...min(max, base × 2^(attempt-1)).
    private func backoff(attempt: Int) -> Duration {
        let ceiling = min(config.retryMax.seconds, config.retryBase.seconds * pow(2, Double(attempt - 1)))
        return .milliseconds(CheckedTime.int64(clamping: ceiling * random() * 1000))
    }

    /// `Retry-After` in seconds or as an HTTP date, at most `retry_max` (``RetryAfter``).
    func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        RetryAfter.parse(headers.first(name: "Retry-After"), now: Date(), cap: config.retryMax.duration)
    }

    /// When `X-RateLimit-Remaining` is 0, how long until `X-RateLimit-Reset` (seconds from now, or a Unix time), at most `retry_max`.
    func rateLimitPause(_ headers: HTTPHeaders) -> Duration? {
        guard let remaining = headers.first(name: "X-RateLimit-Remaining").flatMap(Int.init), remaining <= 0 else { return nil }
        return RetryAfter.rateLimitReset(headers.first(name: "X-RateLimit-Reset"), now: Date(), cap: config.retryMax.duration) ?? .seconds(1)
    }

    private static func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?&="))) ?? component
    }
}

extension Result where Failure == AdvertisingError {
    fileprivate var errorCode: String? {
        if case .failure(let error) = self { return error.code.rawValue }
        return nil
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

extension LiveAdvertisingAPI {
    struct Keys: Sendable {
        var `default`: Secret?
        var brands: [String: Secret]

        init(_ config: AdvertisingConfig) {
            self.default = config.apiKey
            self.brands = Dictionary(config.brands.map { ($0.brandID, $0.apiKey) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Puts rotated API keys in force for the next request (a configuration reload); every other
    /// setting of the `advertising:` section needs a restart.
    public func rotateKeys(from config: AdvertisingConfig) {
        keys.replace(with: Keys(config))
    }
}
