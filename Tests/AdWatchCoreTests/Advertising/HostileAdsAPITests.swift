@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import Logging
import Testing

/// The live client against an Ads API that misbehaves byte by byte (``HostilePeer``): every answer has a
/// defined outcome (a value or a named error), each attempt is reported to the observer, and no answer
/// holds the caller beyond its attempts' timeouts.
@Suite(.timeLimit(.minutes(1)))
struct HostileAdsAPITests {
    typealias Observer = LiveAdvertisingAPITests.RecordingObserver

    static let campaign = #"{"data":{"id":"5195","status":"ACTIVE","campaign_metadata":{"budget":"550"}}}"#

    /// A complete answer with a `Content-Length` body.
    static func answer(_ status: Int, _ body: String, _ headers: [String] = []) -> [HostilePeer.Step] {
        [.send(HostilePeer.head(status, length: body.utf8.count, headers) + body)]
    }

    /// Runs `body` against a peer following `script`, with `timeout` and `maxAttempts` attempts. The
    /// timeout is generous where an answer is expected: the suite shares two cores with every other test.
    static func withPeer(
        maxAttempts: Int = 2,
        timeout: ConfigDuration = "5s",
        _ script: @escaping @Sendable (Int) -> [HostilePeer.Step],
        _ body: @escaping @Sendable (LiveAdvertisingAPI, HostilePeer, Observer) async throws -> Void
    ) async throws {
        let peer = HostilePeer(script)
        try await peer.run { base in
            var config = AdvertisingConfig(baseURL: base, apiKey: Secret(literal: "k"))
            config.maxAttempts = maxAttempts
            config.retryBase = "10ms"
            config.retryMax = "50ms"
            config.timeout = timeout
            config.requestsPerMinute = 6000
            config.burst = 50
            config.circuitBreaker = .init(failures: 100, openFor: "30s")
            let http = HTTPClientService.makeClient()
            let observer = Observer()
            let api = LiveAdvertisingAPI(config: config, httpClient: http, observer: observer, logger: Logger(label: "test"), random: { 1 })
            do {
                try await body(api, peer, observer)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    /// How the client came out of a call: the campaign or the error.
    static func outcome(_ api: LiveAdvertisingAPI) async -> Result<CampaignDetails, AdvertisingError> {
        do { return .success(try await api.campaign(id: "5195", brandID: nil)) } catch { return .failure(error) }
    }

    // MARK: Answers that never end

    /// AsyncHTTPClient's deadline ends with the head and it has no read timeout: before the client read its
    /// body under the same deadline, each of these held the processor for ever.
    @Test(arguments: [
        ("drips a 2xx body", [.send(HostilePeer.head(200, length: 1_000_000)), .drip("{", every: .milliseconds(50))]),
        ("sends a 2xx head and nothing more", [.send(HostilePeer.head(200, length: 100)), .hang]),
        ("never ends an unframed 2xx body", [.send(HostilePeer.head(200) + #"{"data":"#), .hang]),
    ] as [(String, [HostilePeer.Step])])
    func anAnswerThatNeverEndsIsATimeoutAfterEachAttempt(_ name: String, _ steps: [HostilePeer.Step]) async throws {
        try await Self.withPeer(timeout: "1s", { _ in steps }) { api, peer, observer in
            let started = ContinuousClock.now
            let outcome = await Self.outcome(api)
            let elapsed = ContinuousClock.now - started
            #expect(outcome.failure?.code == .timeout, "\(name)")
            #expect(peer.requests.count == 2)
            #expect(observer.attempts.map(\.error) == ["timeout", "timeout"])
            // Two attempts of 1 s each and one short backoff, with room for a loaded machine.
            #expect(elapsed >= .seconds(2))
            #expect(elapsed < .seconds(15))
        }
    }

    /// An error's status decides, whatever its body does: a 404 is not retried, a 429's `Retry-After` is read.
    @Test func anErrorWhoseBodyNeverEndsIsJudgedByItsStatus() async throws {
        try await Self.withPeer(timeout: "3s", { request in
            request == 0
                ? [.send(HostilePeer.head(404, length: 1_000_000)), .drip("x", every: .milliseconds(50))]
                : Self.answer(200, Self.campaign)
        }) { api, peer, observer in
            let started = ContinuousClock.now
            #expect(await Self.outcome(api).failure?.code == .notFound)
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(peer.requests.count == 1)
            #expect(observer.attempts.map(\.status) == [404])
        }
    }

    // MARK: Answers that are too long

    /// 40 MB of a 2xx: reading stops at 16 MiB (the connection is closed) and the attempt is a malformed
    /// answer that says why (retried like any garbled body). One attempt with a long timeout: 16 MiB over
    /// loopback is slow when the suite loads both cores.
    @Test func aHugeBodyIsCutAtTheLimitAndIsAMalformedAnswer() async throws {
        let chunk = String(repeating: "[", count: 64 << 10)
        let head = HostilePeer.head(200, length: 640 * chunk.utf8.count)
        try await Self.withPeer(maxAttempts: 1, timeout: "40s", { _ in [.send(head), .repeated(chunk, times: 640)] }) { api, peer, observer in
            let outcome = await Self.outcome(api)
            #expect(outcome.failure == AdvertisingError(.malformedResponse, status: 200, detail: "the answer is longer than 16 MiB"))
            #expect(outcome.failure?.isRetryable == true)
            #expect(observer.attempts.map(\.error) == ["malformed_response"])
        }
    }

    /// A 503 with a huge body: the status and its `Retry-After` are enough, the body is not needed.
    @Test func aHugeErrorBodyStillCountsAsItsStatus() async throws {
        let chunk = String(repeating: "x", count: 64 << 10)
        try await Self.withPeer(maxAttempts: 1, { _ in [.send(HostilePeer.head(503)), .repeated(chunk, times: 400)] }) { api, _, _ in
            #expect(await Self.outcome(api).failure?.code == .serverError)
        }
    }

    /// An error body's text reaches the event's error, the audit log and the logs: a megabyte of message
    /// with line breaks and control characters is kept short and on one line.
    @Test func anErrorBodyIsKeptShortAndOnOneLine() async throws {
        let message = "Upstream\\r\\n\\u0000<!channel> " + String(repeating: "spam ", count: 200_000)
        try await Self.withPeer(maxAttempts: 1, { _ in Self.answer(500, #"{"status":"error","message":"\#(message)","code":"E\nX"}"#) }) { api, _, _ in
            let error = try #require(await Self.outcome(api).failure)
            #expect(error.code == .serverError)
            #expect(error.body?.message?.hasPrefix("Upstream <!channel> spam spam") == true)
            #expect(error.body?.code == "E X")
            #expect(error.description.count < 400)
            #expect(!error.description.contains { $0.isNewline || $0.asciiValue == 0 })
        }
    }

    // MARK: Answers that end badly or say odd things (each was already defined; kept so it stays so)

    @Test(arguments: [
        ("an HTML 200", answer(200, "<html><body>Maintenance</body></html>", ["Content-Type: text/html"]), AdvertisingError.Code.malformedResponse),
        ("an empty 200", answer(200, ""), .malformedResponse),
        ("gzip garbage", answer(200, "\u{1f}\u{8b}\u{8}garbage", ["Content-Encoding: gzip"]), .malformedResponse),
        ("100k nested arrays", answer(200, #"{"data":"# + String(repeating: "[", count: 100_000)), .malformedResponse),
        ("100k nested objects", answer(200, #"{"data":"# + String(repeating: #"{"a":"#, count: 100_000)), .malformedResponse),
        ("a body cut short", [.send(HostilePeer.head(200, length: 500) + #"{"data":{"id":"5"#), .close], .network),
        ("a reset mid-body", [.send(HostilePeer.head(200, length: 500) + #"{"data":{"id":"5"#), .reset], .network),
        ("a reset before any answer", [.reset], .network),
        ("not HTTP at all", [.send("SSH-2.0-OpenSSH_9.6\r\n")], .network),
        ("wrong types everywhere", answer(200, #"{"data":{"id":[1],"status":{},"campaign_metadata":[]}}"#), .malformedResponse),
        ("data is a string", answer(200, #"{"data":"5195"}"#), .malformedResponse),
    ] as [(String, [HostilePeer.Step], AdvertisingError.Code)])
    func aBrokenAnswerIsANamedRetriedError(_ name: String, _ steps: [HostilePeer.Step], _ code: AdvertisingError.Code) async throws {
        try await Self.withPeer({ _ in steps }) { api, peer, observer in
            let outcome = await Self.outcome(api)
            // A connection that fails before the head may be tried again by AsyncHTTPClient until the deadline.
            let allowed: Set<AdvertisingError.Code> = code == .network ? [.network, .timeout] : [code]
            #expect(outcome.failure.map { allowed.contains($0.code) } == true, "\(name): \(String(describing: outcome.failure))")
            #expect(peer.requests.count >= 2, "\(name): retried")
            #expect(observer.attempts.count == 2)
        }
    }

    /// Headers that contradict themselves or make no sense on a 200 do not fail the answer or pause for long.
    @Test(arguments: [
        ["Retry-After: 999999999"],
        ["Retry-After: inf", "Retry-After: -1"],
        ["X-RateLimit-Remaining: -1", "X-RateLimit-Reset: 99999999999999999999"],
        ["X-RateLimit-Remaining: 0", "X-RateLimit-Remaining: 100", "X-RateLimit-Reset: -5", "X-RateLimit-Reset: 1e300"],
        ["X-RateLimit-Remaining: 9223372036854775808", "X-RateLimit-Reset: nan"],
    ])
    func oddRateHeadersOnA200DoNotStallTheClient(_ headers: [String]) async throws {
        try await Self.withPeer({ _ in Self.answer(200, Self.campaign, headers) }) { api, peer, _ in
            let started = ContinuousClock.now
            for _ in 0..<3 {
                let campaign = try await api.campaign(id: "5195", brandID: nil)
                #expect(campaign.budget == 550)
            }
            // A pause is capped by retry_max (50 ms here), or one second when the reset cannot be read.
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(peer.requests.count == 3)
        }
    }

    /// Values at the edge of what the types hold: a defined value or nil, never a trap.
    @Test(arguments: [
        #"{"id":"5195","campaign_metadata":{"budget":"1e400"}}"#, #"{"id":"5195","campaign_metadata":{"budget":1e400}}"#,
        #"{"id":"5195","campaign_metadata":{"budget":"-0"}}"#, #"{"id":"5195","campaign_metadata":{"budget":"NaN"}}"#,
        #"{"id":"5195","campaign_metadata":{"budget":"Infinity"}}"#, #"{"id":"5195","campaign_metadata":{"budget":"1e308"}}"#,
        #"{"id":"5195","campaign_metadata":{"budget":-50,"startDate":"99999-01-01T00:00:00Z","endDate":"0000-01-01T00:00:00Z"}}"#,
        #"{"id":1e300,"brand_id":-9223372036854775809}"#,
    ])
    func extremeValuesDecodeToADefinedCampaign(_ data: String) async throws {
        try await Self.withPeer(maxAttempts: 1, { _ in Self.answer(200, #"{"data":\#(data)}"#) }) { api, _, _ in
            switch await Self.outcome(api) {
            case .success(let campaign):
                #expect(campaign.budget.map { !$0.isNaN } ?? true)
                let snapshot = CampaignSnapshot.make(details: campaign, analytics: nil, previous: nil, fetchedAt: TestSupport.now)
                for rule in AdsAPIExtremeValueTests.rules { _ = rule.evaluate(RuleInput(snapshot: snapshot, now: TestSupport.now)) }
            case .failure(let error):
                #expect(error.code == .malformedResponse)
            }
        }
    }

    /// The snapshot is stored under the answer's id: an answer about another campaign, or with an id of
    /// 100 kB, would overwrite another campaign's state (or make up a new one) and leave this one unjudged.
    @Test(arguments: ["6666", String(repeating: "9", count: 100_000), "<!channel>", ""])
    func anAnswerAboutAnotherCampaignIsMalformed(_ id: String) async throws {
        try await Self.withPeer({ _ in Self.answer(200, #"{"data":{"id":"\#(id)","status":"ACTIVE"}}"#) }) { api, peer, observer in
            #expect(await Self.outcome(api).failure == AdvertisingError(.malformedResponse, status: 200, detail: "the answer is about another campaign"))
            #expect(peer.requests.count == 1, "one answer, read whole: asking again would get the same")
            #expect(observer.attempts.map(\.status) == [200])
        }
    }

    /// An id sent as a number is the same id.
    @Test func aNumericIdIsTheSameCampaign() async throws {
        try await Self.withPeer({ _ in Self.answer(200, #"{"data":{"id":5195}}"#) }) { api, _, _ in
            let campaign = try await api.campaign(id: "5195", brandID: nil)
            #expect(campaign.id == "5195")
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
