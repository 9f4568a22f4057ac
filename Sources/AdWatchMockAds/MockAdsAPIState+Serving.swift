import Foundation
import HTTPTypes
import AdWatchCore

extension MockAdsAPI {
    /// One `/v1` request, reduced to what the mock decides on.
    struct APICall: Sendable {
        var route: Route
        var path: String
        /// From the path or the `campaignId` query parameter; nil for the list.
        var campaignID: String?
        var apiKey: String?
        var brandID: String?
        var query: [String: String] = [:]
    }

    /// The mock's answer to an ``APICall``: status, headers and body, plus how long to wait before sending it.
    struct APIReply: Sendable {
        var status: Int
        var headers: HTTPFields = [:]
        var body: [UInt8]
        var delay: Duration?

        static func document(_ value: JSONValue) -> APIReply {
            APIReply(status: 200, body: Array(value.jsonText.utf8))
        }

        /// The Ads API's error body, members in the order the API documents them:
        /// `{"status":"error","message":…,"code":…}`.
        static func error(_ status: Int, _ message: String, code: String) -> APIReply {
            var text = #"{"status":"error","message":"#
            CanonicalJSON.appendString(message, to: &text)
            text += #","code":"#
            CanonicalJSON.appendString(code, to: &text)
            text += "}"
            return APIReply(status: status, body: Array(text.utf8))
        }

        static let notFound = error(404, "Campaign not found", code: "NOT_FOUND")
    }

    /// Header names the mock reads and writes.
    enum HeaderName {
        static let apiKey = HTTPField.Name("x-api-key")!
        static let brandID = HTTPField.Name("x-brand-id")!
        static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
        static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
        static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    }

    /// A key's fixed one-minute window: when it started and how many requests it has seen.
    struct RateWindow: Sendable {
        static let length: TimeInterval = 60
        var start: Date
        var count: Int
    }
}

extension MockAdsAPI.State {
    /// Answers a `/v1` request and records it: rate limit, then API key, then a queued fault, then the documents.
    ///
    /// Every request counts against the window of the key it presents (a missing key shares one
    /// window), so even refused requests carry `X-RateLimit-*` and a flood of bad keys is throttled too.
    /// `X-RateLimit-Reset` and `Retry-After` are seconds until the window ends.
    func respond(to call: MockAdsAPI.APICall, access: MockAdsAPI.AccessRules) -> MockAdsAPI.APIReply {
        let now = clock.now()
        let window = countRequest(key: call.apiKey ?? "", now: now)
        let remaining = max(0, access.requestsPerMinute - window.count)
        let resetSeconds = max(1, Int(window.start.addingTimeInterval(MockAdsAPI.RateWindow.length).timeIntervalSince(now).rounded(.up)))

        var reply: MockAdsAPI.APIReply
        if window.count > access.requestsPerMinute {
            reply = .error(429, "Rate limit exceeded", code: "RATE_LIMITED")
            reply.headers[.retryAfter] = String(resetSeconds)
        } else if !(call.apiKey.map(access.apiKeys.contains) ?? false) {
            reply = .error(401, "Invalid API key", code: "UNAUTHORIZED")
        } else if let fault = takeFault(for: call.route) {
            reply = faulty(call, fault)
        } else {
            reply = answer(call)
        }
        reply.headers[MockAdsAPI.HeaderName.rateLimitLimit] = String(access.requestsPerMinute)
        if reply.headers[MockAdsAPI.HeaderName.rateLimitRemaining] == nil {
            reply.headers[MockAdsAPI.HeaderName.rateLimitRemaining] = String(remaining)
            reply.headers[MockAdsAPI.HeaderName.rateLimitReset] = String(resetSeconds)
        }

        log.append(
            MockAdsAPI.RequestRecord(
                route: call.route, path: call.path, campaignID: call.campaignID, apiKeyPresent: call.apiKey != nil,
                brandID: call.brandID, status: reply.status, at: now
            )
        )
        return reply
    }

    /// Counts one request in `key`'s window, starting a new window when the last one has ended.
    private func countRequest(key: String, now: Date) -> MockAdsAPI.RateWindow {
        var window = rateWindows[key] ?? MockAdsAPI.RateWindow(start: now, count: 0)
        let elapsed = now.timeIntervalSince(window.start)
        if elapsed >= MockAdsAPI.RateWindow.length || elapsed < 0 {
            window = MockAdsAPI.RateWindow(start: now, count: 0)
        }
        window.count += 1
        rateWindows[key] = window
        return window
    }

    /// Takes one use of the first queued fault for `route`, dropping it when its count runs out.
    private func takeFault(for route: MockAdsAPI.Route) -> MockAdsAPI.Fault.Kind? {
        guard let index = faults.firstIndex(where: { $0.matches(route) }) else { return nil }
        let kind = faults[index].kind
        if let count = faults[index].count {
            if count <= 1 {
                faults.remove(at: index)
            } else {
                faults[index].count = count - 1
            }
        }
        return kind
    }

    private func faulty(_ call: MockAdsAPI.APICall, _ kind: MockAdsAPI.Fault.Kind) -> MockAdsAPI.APIReply {
        switch kind {
        case .status(let status):
            return .error(status, "Injected fault", code: "INJECTED")
        case .rateLimit(let seconds):
            var reply = MockAdsAPI.APIReply.error(429, "Rate limit exceeded", code: "RATE_LIMITED")
            reply.headers[.retryAfter] = String(seconds)
            reply.headers[MockAdsAPI.HeaderName.rateLimitRemaining] = "0"
            reply.headers[MockAdsAPI.HeaderName.rateLimitReset] = String(seconds)
            return reply
        case .slow(let delay):
            var reply = answer(call)
            reply.delay = delay
            return reply
        case .malformed:
            // Half of a JSON object (our writer adds no trailing whitespace) is never valid JSON.
            let whole = answer(call).body
            return MockAdsAPI.APIReply(status: 200, body: Array(whole.prefix(whole.count / 2)))
        }
    }

    /// The normal answer: the stored document, the list, or 404.
    private func answer(_ call: MockAdsAPI.APICall) -> MockAdsAPI.APIReply {
        let campaign = call.campaignID.flatMap { Int($0) }.flatMap { campaigns[$0] }
        switch call.route {
        case .campaign:
            return campaign.map { .document($0.details) } ?? .notFound
        case .analytics:
            return campaign.map { .document($0.analytics) } ?? .notFound
        case .creative:
            guard call.campaignID != nil else { return .error(400, "campaignId is required", code: "BAD_REQUEST") }
            return campaign == nil ? .notFound : .document(creativePerformance)
        case .list:
            return list(call.query)
        }
    }

    /// `GET /v1/campaign?status=&limit=&offset=`: summaries of the stored campaigns, by ascending id.
    ///
    /// `status` matches `data.status` ignoring case; `offset` skips that many campaigns; `limit`
    /// (default 10) is the page size; `count` is the number that matched.
    private func list(_ query: [String: String]) -> MockAdsAPI.APIReply {
        // Absent means the default; present but not a number means nil, and a 400.
        let limit = query["limit"].map { Int($0) } ?? 10
        let offset = query["offset"].map { Int($0) } ?? 0
        guard let limit, let offset, limit >= 1, offset >= 0 else {
            return .error(400, "limit must be a positive integer and offset a non-negative integer", code: "BAD_REQUEST")
        }
        let status = query["status"].flatMap { $0.isEmpty ? nil : $0.uppercased() }
        let matching = campaigns.keys.sorted().compactMap { campaigns[$0]?.details }.filter { details in
            status == nil || details[path: "data.status"]?.scalarText?.uppercased() == status
        }
        let page = matching.dropFirst(offset).prefix(limit).map(Self.listEntry)
        return .document(
            .object([
                "data": .object([
                    "campaigns": .array(page),
                    "count": .int(Int64(matching.count)),
                    "total_pages": .int(Int64((matching.count + limit - 1) / limit)),
                ]),
                "status": .int(200),
            ])
        )
    }

    /// A campaign as the list shows it; the list's metadata uses snake_case dates where the details use camelCase.
    private static func listEntry(_ details: JSONValue) -> JSONValue {
        let data = details[path: "data"]
        let metadata = data?[path: "campaign_metadata"]
        return .object([
            "id": data?[path: "id"] ?? .null,
            "status": data?[path: "status"] ?? .null,
            "brand_id": data?[path: "brand_id"] ?? .null,
            "campaign_metadata": .object([
                "start_date": metadata?[path: "startDate"] ?? .null,
                "end_date": metadata?[path: "endDate"] ?? .null,
                "campaign_type": metadata?[path: "campaign_type"] ?? .null,
                "budget": metadata?[path: "budget"] ?? .null,
            ]),
        ])
    }
}
