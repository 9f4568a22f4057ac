@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The mock Ads API on a real loopback socket: fixtures, API keys, rate limit, the control API and faults.
@Suite(.timeLimit(.minutes(1)))
struct MockAdsAPITests {
    static let fixtures = TestSupport.samplesURL("fixtures")
    static let key = "mock-api-key"
    let clock = ManualWallClock(TestSupport.now)

    /// Runs `test` against a live mock on port 0, loaded from `samples/fixtures/`.
    func withMock(
        apiKeys: [String] = MockAdsAPI.defaultAPIKeys,
        requestsPerMinute: Int = 100,
        logger: Logger = Logger(label: "test"),
        _ test: @escaping @Sendable (MockAdsAPI.State, any TestClientProtocol) async throws -> Void
    ) async throws {
        let state = try MockAdsAPI.State(fixtures: Self.fixtures, clock: clock)
        let app = buildMockAdsAPI(state: state, port: 0, apiKeys: apiKeys, requestsPerMinute: requestsPerMinute, logger: logger)
        try await app.test(.live) { client in try await test(state, client) }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, key: String? = key, brand: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[Header.apiKey] = key }
        if let brand { headers[Header.brandID] = brand }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    static func control(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, body: body.map { ByteBuffer(string: $0) })
    }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONParser.parse(Array(response.body.readableBytesView))
    }

    static func copyFixture(_ name: String, to directory: URL) throws {
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: directory.appendingPathComponent(name))
    }

    static func fixture(_ name: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: fixtures.appendingPathComponent(name))))
    }

    static let notFound = #"{"status":"error","message":"Campaign not found","code":"NOT_FOUND"}"#
    static let unauthorized = #"{"status":"error","message":"Invalid API key","code":"UNAUTHORIZED"}"#
    static let injected = #"{"status":"error","message":"Injected fault","code":"INJECTED"}"#

    // MARK: The Ads API

    @Test(arguments: [
        ("/v1/campaign/5195", "campaign-5195.json"),
        ("/v1/analytic/campaign/5195", "campaign-analytics-5195.json"),
        ("/v1/analytic/creative/performance?campaignId=5195", "creative-performance-5195.json"),
    ])
    func servesTheFixtures(uri: String, fixture: String) async throws {
        let expected = try Self.fixture(fixture)
        try await withMock { _, client in
            let response = try await Self.get(client, uri)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(try Self.json(response) == expected)
        }
    }

    @Test func keepsIntegersAsIntegersAndNumericStringsAsStrings() async throws {
        try await withMock { _, client in
            let text = try await Self.get(client, "/v1/campaign/5195").body.text
            #expect(text.contains(#""budget":550,"#))
            #expect(text.contains(#""amount_spent":5050.24,"#))
            #expect(text.contains(#""amount_spent":"315975","#))
        }
    }

    @Test func listsTheStoredCampaignsInTheListFixturesShape() async throws {
        let fixtureEntry = try #require(try Self.fixture("campaign-list.json")[path: "data.campaigns.0"])
        try await withMock { _, client in
            let response = try await Self.get(client, "/v1/campaign")
            #expect(response.status == .ok)
            let list = try Self.json(response)
            #expect(list[path: "status"] == .int(200))
            #expect(list[path: "data.count"] == .int(1))
            #expect(list[path: "data.total_pages"] == .int(1))
            let entry = try #require(list[path: "data.campaigns.0"])
            #expect(
                entry
                    == .object([
                        "id": .int(5195), "status": .string("IN_REVIEW"), "brand_id": .int(246),
                        "campaign_metadata": .object([
                            "start_date": .string("2025-05-20T05:00:00.000Z"), "end_date": .string("2025-05-20T15:00:00.000Z"),
                            "campaign_type": .string("record_streams"), "budget": .int(550),
                        ]),
                    ])
            )
            #expect(Self.shape(entry) == Self.shape(fixtureEntry))
        }
    }

    @Test func filtersTheListByStatusAndPaginatesIt() async throws {
        try await withMock { state, client in
            for id in 1...12 {
                try await state.cloneCampaign(id, from: 5195)
                try await state.updateCampaign(id: id, .init(status: id.isMultiple(of: 3) ? "ACTIVE" : "PAUSED"))
            }
            // 13 campaigns: 5195 (IN_REVIEW), 4 ACTIVE (3, 6, 9, 12), 8 PAUSED.
            let firstPage = try Self.json(try await Self.get(client, "/v1/campaign"))
            #expect(firstPage[path: "data.count"] == .int(13))
            #expect(firstPage[path: "data.total_pages"] == .int(2))
            #expect(Self.ids(firstPage) == Array(1...10))

            let active = try Self.json(try await Self.get(client, "/v1/campaign?status=active&limit=3&offset=2"))
            #expect(active[path: "data.count"] == .int(4))
            #expect(active[path: "data.total_pages"] == .int(2))
            #expect(Self.ids(active) == [9, 12])

            let bad = try await Self.get(client, "/v1/campaign?limit=ten")
            #expect(bad.status == .badRequest)
            #expect(try Self.json(bad)[path: "code"] == .string("BAD_REQUEST"))
        }
    }

    @Test(arguments: ["/v1/campaign/999", "/v1/analytic/campaign/999", "/v1/analytic/creative/performance?campaignId=999", "/v1/campaign/abc"])
    func answersAnUnknownCampaignWithTheAPIsNotFoundBody(uri: String) async throws {
        try await withMock { _, client in
            let response = try await Self.get(client, uri)
            #expect(response.status == .notFound)
            #expect(response.body.text == Self.notFound)
        }
    }

    @Test(arguments: [nil, "wrong-key"] as [String?])
    func refusesAMissingOrWrongAPIKey(key: String?) async throws {
        try await withMock { _, client in
            for uri in ["/v1/campaign/5195", "/v1/analytic/campaign/5195", "/v1/analytic/creative/performance?campaignId=5195", "/v1/campaign"] {
                let response = try await Self.get(client, uri, key: key)
                #expect(response.status == .unauthorized)
                #expect(response.body.text == Self.unauthorized)
            }
        }
    }

    @Test func acceptsEveryConfiguredKey() async throws {
        try await withMock(apiKeys: ["first", "second"]) { _, client in
            var statuses: [HTTPResponse.Status] = []
            for key in ["first", "second", Self.key] {
                statuses.append(try await Self.get(client, "/v1/campaign/5195", key: key).status)
            }
            #expect(statuses == [.ok, .ok, .unauthorized])
        }
    }

    @Test func countsRequestsPerKeyInAOneMinuteWindow() async throws {
        let clock = clock
        try await withMock(apiKeys: ["a", "b"], requestsPerMinute: 3) { _, client in
            for remaining in ["2", "1", "0"] {
                let response = try await Self.get(client, "/v1/campaign/5195", key: "a")
                #expect(response.status == .ok)
                #expect(response.headers[Header.rateLimitLimit] == "3")
                #expect(response.headers[Header.rateLimitRemaining] == remaining)
                #expect(response.headers[Header.rateLimitReset] == "60")
            }
            clock.advance(by: .seconds(15))
            let refused = try await Self.get(client, "/v1/campaign/5195", key: "a")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "45")
            #expect(refused.headers[Header.rateLimitRemaining] == "0")
            #expect(refused.headers[Header.rateLimitReset] == "45")
            #expect(try Self.json(refused)[path: "status"] == .string("error"))

            let otherKey = try await Self.get(client, "/v1/campaign/5195", key: "b")
            #expect(otherKey.status == .ok)
            #expect(otherKey.headers[Header.rateLimitRemaining] == "2")

            clock.advance(by: .seconds(45))
            let nextWindow = try await Self.get(client, "/v1/campaign/5195", key: "a")
            #expect(nextWindow.status == .ok)
            #expect(nextWindow.headers[Header.rateLimitRemaining] == "2")
        }
    }

    @Test func sendsRateLimitHeadersOnEveryAnswer() async throws {
        try await withMock { _, client in
            let answers = [
                try await Self.get(client, "/v1/campaign/5195"),
                try await Self.get(client, "/v1/campaign/999"),
                try await Self.get(client, "/v1/campaign", key: nil),
            ]
            for response in answers {
                #expect(response.headers[Header.rateLimitLimit] == "100")
                #expect(response.headers[Header.rateLimitRemaining] != nil)
                #expect(response.headers[Header.rateLimitReset] != nil)
            }
        }
    }

    @Test func logsTheRealPortWhenListeningOnPortZero() async throws {
        let capture = LogCapture()
        try await withMock(logger: capture.logger) { _, client in
            // The notice is logged before the test client learns the port, so it is there already.
            let port = try #require(client.port)
            #expect(port != 0)
            #expect(capture.renderedEntries.contains { $0.hasPrefix("notice mock Ads API listening on http://127.0.0.1:\(port) ") })
        }
    }

    // MARK: The control API

    @Test func clonesAndUpdatesACampaignAtExactlyTheDocumentedPaths() async throws {
        let (details, analytics, clock) = (try Self.fixture("campaign-5195.json"), try Self.fixture("campaign-analytics-5195.json"), clock)
        try await withMock { _, client in
            let cloned = try await Self.control(client, .put, "/_control/campaigns/7001", #"{"from": 5195}"#)
            #expect(cloned.status == .ok)
            #expect(try Self.json(cloned) == .object(["id": .int(7001), "from": .int(5195)]))

            var expectedDetails = details
            expectedDetails.set(.int(7001), at: "data.id")
            #expect(try Self.json(try await Self.get(client, "/v1/campaign/7001")) == expectedDetails)
            #expect(try Self.json(try await Self.get(client, "/v1/analytic/campaign/7001")) == analytics)

            clock.advance(by: .seconds(90))
            let update = """
                {"status": "ACTIVE", "account_status": 3, "disable_reason": 3, "ad_account_good": false,
                 "ad_account_error": "Ad account is unsettled", "spend": "412.50", "budget": 600, "ad_effective_status": "DISAPPROVED"}
                """
            let updated = try await Self.control(client, .post, "/_control/campaigns/7001", update)
            #expect(updated.status == .ok)

            let adAccount = "data.campaign_metadata.campaign_input.brand.connections.facebook_ad_account"
            expectedDetails.set(.string("ACTIVE"), at: "data.status")
            expectedDetails.set(.int(3), at: "\(adAccount).account_status")
            expectedDetails.set(.int(3), at: "\(adAccount).disable_reason")
            expectedDetails.set(.int(600), at: "data.campaign_metadata.budget")
            expectedDetails.set(.string("2025-12-01T00:01:30.000Z"), at: "data.updatedAt")
            let newDetails = try Self.json(try await Self.get(client, "/v1/campaign/7001"))
            #expect(newDetails == expectedDetails)
            #expect(newDetails[path: "data.brand_id"] == .int(246), "the clone keeps the source's brand")
            #expect(newDetails[path: "\(adAccount).account_status"] == .int(3))

            var expectedAnalytics = analytics
            expectedAnalytics.set(.bool(false), at: "data.analytic_data.adAccountStatus.good")
            expectedAnalytics.set(.string("Ad account is unsettled"), at: "data.analytic_data.adAccountStatus.error")
            expectedAnalytics.set(.string("412.50"), at: "data.analytic_data.campaignPerformanceStats.spend")
            expectedAnalytics.set(.string("DISAPPROVED"), at: "data.analytic_data.adStatuses.0.effective_status")
            let newAnalytics = try Self.json(try await Self.get(client, "/v1/analytic/campaign/7001"))
            #expect(newAnalytics == expectedAnalytics)
            #expect(newAnalytics[path: "data.analytic_data.campaignPerformanceStats.spend"] == .string("412.50"))

            #expect(try Self.json(try await Self.get(client, "/v1/campaign/5195")) == details, "the source is untouched")
        }
    }

    @Test func cloneTakesANewBrandWhenAsked() async throws {
        try await withMock { _, client in
            #expect(try await Self.control(client, .put, "/_control/campaigns/7002", #"{"from": 5195, "brand_id": 300}"#).status == .ok)
            let details = try Self.json(try await Self.get(client, "/v1/campaign/7002"))
            #expect(details[path: "data.id"] == .int(7002))
            #expect(details[path: "data.brand_id"] == .int(300))
            #expect(details[path: "data.campaign_metadata.campaign_input.brand.id"] == .int(300))
            // Without "from", the lowest id loaded is copied.
            let copied = try await Self.control(client, .put, "/_control/campaigns/7003")
            #expect(try Self.json(copied) == .object(["id": .int(7003), "from": .int(5195)]))
        }
    }

    @Test func updatesEveryAdsEffectiveStatusAndClearsTheAccountErrorInProcess() async throws {
        // A variant of the fixtures with two ads, derived rather than edited (see samples/fixtures/README.md).
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var analytics = try Self.fixture("campaign-analytics-5195.json")
        let ads: JSONValue = .array([.object(["id": .string("a1")]), .object(["id": .string("a2"), "effective_status": .string("ACTIVE")])])
        analytics.set(ads, at: "data.analytic_data.adStatuses")
        try Data(analytics.jsonText.utf8).write(to: directory.appendingPathComponent("campaign-analytics-5195.json"))
        try Self.copyFixture("campaign-5195.json", to: directory)

        let state = try MockAdsAPI.State(fixtures: directory, clock: clock)
        try await state.cloneCampaign(7001)
        let update = MockAdsAPI.CampaignUpdate(budget: .string("550.00"), adAccountError: .some(nil), spend: "0", adEffectiveStatus: "WITH_ISSUES")
        try await state.updateCampaign(id: 7001, update)
        let updated = try #require(await state.analytics(of: 7001))
        #expect(updated[path: "data.analytic_data.adStatuses.0.effective_status"] == .string("WITH_ISSUES"))
        #expect(updated[path: "data.analytic_data.adStatuses.1.effective_status"] == .string("WITH_ISSUES"))
        #expect(updated[path: "data.analytic_data.adAccountStatus.error"] == .null)
        #expect(updated[path: "data.analytic_data.campaignPerformanceStats.spend"] == .string("0"))
        #expect(await state.details(of: 7001)?[path: "data.campaign_metadata.budget"] == .string("550.00"))
        #expect(await state.analytics(of: 5195) == analytics, "the source is untouched")
        await #expect(throws: MockAdsAPI.UnknownCampaign(id: 999)) { try await state.updateCampaign(id: 999, .init(status: "ACTIVE")) }
    }

    @Test func readsNumbersAndNullsInAnUpdateBody() async throws {
        try await withMock { state, client in
            let body = #"{"spend": 412.5, "budget": 550.75, "ad_account_error": null}"#
            let response = try await Self.control(client, .post, "/_control/campaigns/5195", body)
            #expect(response.status == .ok)
            let analytics = try #require(await state.analytics(of: 5195))
            #expect(analytics[path: "data.analytic_data.campaignPerformanceStats.spend"] == .string("412.5"))
            #expect(analytics[path: "data.analytic_data.adAccountStatus.error"] == .null)
            #expect(await state.details(of: 5195)?[path: "data.campaign_metadata.budget"] == .double(550.75))
        }
    }

    @Test func controlBodiesAreReadStrictly() async throws {
        try await withMock { _, client in
            let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String)] = [
                (.post, "/_control/campaigns/5195", #"{"acount_status": 3}"#, .badRequest, "unknown field 'acount_status'"),
                (.post, "/_control/campaigns/5195", #"{"account_status": "3"}"#, .badRequest, "account_status must be an integer"),
                (.post, "/_control/campaigns/5195", #"{"spend": "#, .badRequest, "the body is not valid JSON"),
                (.post, "/_control/campaigns/999", #"{"status": "ACTIVE"}"#, .notFound, "Campaign not found"),
                (.put, "/_control/campaigns/7001", #"{"from": 999}"#, .notFound, "Campaign not found"),
                (.put, "/_control/campaigns/abc", nil, .badRequest, "the campaign id must be an integer"),
                (.post, "/_control/faults", #"{"kind": "explode"}"#, .badRequest, "kind must be one of"),
                (.post, "/_control/faults", #"{"route": "nowhere", "kind": "malformed"}"#, .badRequest, "route must be one of"),
                (.post, "/_control/faults", #"{"kind": "status", "count": 0}"#, .badRequest, "count must be at least 1"),
            ]
            for (method, uri, body, status, message) in cases {
                let response = try await Self.control(client, method, uri, body)
                #expect(response.status == status, "\(method) \(uri) \(body ?? "")")
                #expect(response.body.text.contains(message), "\(response.body.text)")
            }
        }
    }

    // MARK: Faults

    @Test func statusFaultAppliesToItsRouteCountTimes() async throws {
        try await withMock { _, client in
            let fault = #"{"route": "campaign", "kind": "status", "status": 503, "count": 2}"#
            let queued = try await Self.control(client, .post, "/_control/faults", fault)
            #expect(queued.status == .ok)
            #expect(try Self.json(queued) == .object(["queued": .int(1)]))

            #expect(try await Self.get(client, "/v1/analytic/campaign/5195").status == .ok, "another route is not affected")
            for _ in 0..<2 {
                let faulty = try await Self.get(client, "/v1/campaign/5195")
                #expect(faulty.status == .serviceUnavailable)
                #expect(faulty.body.text == Self.injected)
                #expect(faulty.headers[Header.rateLimitLimit] == "100")
            }
            #expect(try await Self.get(client, "/v1/campaign/5195").status == .ok)
        }
    }

    @Test func rateLimitFaultAnswers429WithRetryAfter() async throws {
        try await withMock { _, client in
            _ = try await Self.control(client, .post, "/_control/faults", #"{"route": "*", "kind": "rate_limit", "retry_after": 2, "count": 1}"#)
            let limited = try await Self.get(client, "/v1/campaign")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "2")
            #expect(limited.headers[Header.rateLimitRemaining] == "0")
            #expect(try await Self.get(client, "/v1/campaign").status == .ok)
        }
    }

    @Test func malformedFaultAnswers200WithTruncatedJSON() async throws {
        try await withMock { _, client in
            let whole = try await Self.get(client, "/v1/analytic/campaign/5195").body.text
            _ = try await Self.control(client, .post, "/_control/faults", #"{"route": "analytics", "kind": "malformed", "count": 1}"#)
            let broken = try await Self.get(client, "/v1/analytic/campaign/5195")
            #expect(broken.status == .ok)
            #expect(throws: JSONParser.Failure.self) { try Self.json(broken) }
            #expect(!broken.body.text.isEmpty && whole.hasPrefix(broken.body.text))
            #expect(try await Self.get(client, "/v1/analytic/campaign/5195").body.text == whole)
        }
    }

    @Test func slowFaultDelaysTheNormalAnswer() async throws {
        let expected = try Self.fixture("creative-performance-5195.json")
        try await withMock { _, client in
            _ = try await Self.control(client, .post, "/_control/faults", #"{"route": "creative", "kind": "slow", "delay_ms": 300, "count": 1}"#)
            let started = ContinuousClock.now
            let slow = try await Self.get(client, "/v1/analytic/creative/performance?campaignId=5195")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(slow.status == .ok)
            #expect(try Self.json(slow) == expected)
        }
    }

    @Test func faultsWithoutACountLastUntilCleared() async throws {
        try await withMock { state, client in
            _ = try await Self.control(client, .post, "/_control/faults", #"{"kind": "status"}"#)
            for uri in ["/v1/campaign/5195", "/v1/campaign", "/v1/analytic/campaign/5195", "/v1/campaign/5195"] {
                #expect(try await Self.get(client, uri).status == .internalServerError)
            }
            let cleared = try await Self.control(client, .delete, "/_control/faults")
            #expect(cleared.status == .ok)
            #expect(await state.pendingFaults().isEmpty)
            #expect(try await Self.get(client, "/v1/campaign/5195").status == .ok)
        }
    }

    @Test func faultsApplyInTheOrderTheyWereQueued() async throws {
        try await withMock { state, client in
            await state.addFault(.init(route: .campaign, kind: .status(500), count: 1))
            await state.addFault(.init(kind: .status(502), count: 2))
            let list = try await Self.get(client, "/v1/campaign")
            #expect(list.status == .badGateway, "the first fault is for another route")
            let first = try await Self.get(client, "/v1/campaign/5195")
            #expect(first.status == .internalServerError)
            #expect(await state.pendingFaults() == [.init(kind: .status(502), count: 1)])
            let second = try await Self.get(client, "/v1/campaign/5195")
            #expect(second.status == .badGateway)
            let third = try await Self.get(client, "/v1/campaign/5195")
            #expect(third.status == .ok)
        }
    }

    // MARK: The request log

    @Test func recordsEachRequestWithoutTheKey() async throws {
        let clock = clock
        try await withMock(apiKeys: ["mock-api-key", "secret-brand-key"]) { state, client in
            _ = try await Self.get(client, "/v1/campaign/5195", brand: "246")
            clock.advance(by: .milliseconds(1500))
            _ = try await Self.get(client, "/v1/analytic/creative/performance?campaignId=999", key: "secret-brand-key")
            _ = try await Self.get(client, "/v1/campaign?status=ACTIVE", key: nil)
            _ = try await Self.get(client, "/v1/analytic/campaign/5195", key: "wrong-key-value")

            let log = try await Self.control(client, .get, "/_control/requests")
            #expect(log.status == .ok)
            let start = Int64(TestSupport.now.timeIntervalSince1970 * 1000)
            #expect(
                try Self.json(log)
                    == .array([
                        Self.entry("campaign", "/v1/campaign/5195", campaign: "5195", key: true, brand: "246", status: 200, at: start),
                        Self.entry(
                            "creative", "/v1/analytic/creative/performance", campaign: "999", key: true, brand: nil, status: 404, at: start + 1500
                        ),
                        Self.entry("list", "/v1/campaign", campaign: nil, key: false, brand: nil, status: 401, at: start + 1500),
                        Self.entry("analytics", "/v1/analytic/campaign/5195", campaign: "5195", key: true, brand: nil, status: 401, at: start + 1500),
                    ])
            )
            for secret in ["mock-api-key", "secret-brand-key", "wrong-key-value"] {
                #expect(!log.body.text.contains(secret))
            }
            #expect(await state.requests().map(\.status) == [200, 404, 401, 401])

            #expect(try await Self.control(client, .delete, "/_control/requests").status == .ok)
            #expect(try Self.json(try await Self.control(client, .get, "/_control/requests")) == .array([]))
            #expect(await state.requests().isEmpty)
        }
    }

    // MARK: Loading fixtures

    @Test func refusesACampaignFixtureWithoutItsAnalytics() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.copyFixture("campaign-5195.json", to: directory)
        let error = try #require(throws: MockAdsAPI.FixtureError.self) { try MockAdsAPI.State(fixtures: directory) }
        #expect(error.description.contains("campaign-5195.json has no campaign-analytics-5195.json"))
        #expect(throws: MockAdsAPI.FixtureError.self) { try MockAdsAPI.State(fixtures: directory.appendingPathComponent("missing")) }
    }

    // MARK: The command

    @Test func theCommandServesTheFixturesUntilSIGTERM() async throws {
        let process = Process()
        process.executableURL = ServeProcess.executable
        process.arguments = ["mock-api", "--port", "0", "--fixtures", Self.fixtures.path, "--api-key", "cli-key"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var seen = ""
        var port: Int?
        while port == nil {
            let chunk = stderr.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: "mock Ads API listening on http://127.0.0.1:") {
                port = Int(seen[range.upperBound...].prefix { $0.isNumber })
            }
        }
        let found = try #require(port, "no listening notice in: \(seen)")
        stderr.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }

        let client = TestClient(host: "127.0.0.1", port: found)
        client.connect()
        let response = try await client.get("/v1/campaign/5195", headers: [Header.apiKey: "cli-key"])
        try await client.shutdown()
        #expect(response.status == .ok)
        #expect(try JSONParser.parse(Array((response.body ?? ByteBuffer()).readableBytesView)) == Self.fixture("campaign-5195.json"))

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    // MARK: Helpers

    static func entry(_ route: String, _ path: String, campaign: String?, key: Bool, brand: String?, status: Int64, at: Int64) -> JSONValue {
        .object([
            "route": .string(route), "path": .string(path), "campaign_id": campaign.map(JSONValue.string) ?? .null,
            "api_key_present": .bool(key), "brand_id": brand.map(JSONValue.string) ?? .null, "status": .int(status), "at_ms": .int(at),
        ])
    }

    /// The ids of a list answer's campaigns.
    static func ids(_ list: JSONValue) -> [Int] {
        guard case .array(let campaigns)? = list[path: "data.campaigns"] else { return [] }
        return campaigns.compactMap { $0[path: "id"]?.scalarText.flatMap { Int($0) } }
    }

    /// A document's structure: its object keys, recursively, with every scalar as `null`.
    static func shape(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.mapValues(shape))
        case .array(let items): .array(items.map(shape))
        default: .null
        }
    }
}

/// The wire names, spelled out here rather than borrowed from the code under test.
private enum Header {
    static let apiKey = HTTPField.Name("x-api-key")!
    static let brandID = HTTPField.Name("x-brand-id")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
}
