@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The admin page in a real headless Chromium: signed webhook → mock Ads API → alert → fake Slack, then
/// the browser signs in through the form and reads the campaign's timeline. The screenshot is kept
/// under `.test-output/` for people to look at.
@Suite(.timeLimit(.minutes(2)))
struct AdminWebBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// CI installs chromium (.ci/run), so there a missing browser fails the test instead of skipping it.
    static let runs = chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: runs, "chromium is not installed (apt-get install chromium)"))
    func signsInAndShowsEveryStepOfACampaignFromWebhookToSlack() async throws {
        let chromium = try #require(Self.chromium, "chromium is not installed: .ci/run installs Debian's chromium package")
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try SQLiteStore(path: database.path)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let slack = RecordingServer()
        let screenshot = TestSupport.repositoryRoot.appendingPathComponent(".test-output/admin-web/campaign-7100-timeline.png")
        try? FileManager.default.removeItem(at: screenshot)
        try await slack.run { slackBase in
            try await PipelineEndToEndTests.withMockAPI { mock, port in
                try await mock.cloneCampaign(7100, from: 5195)
                try await mock.updateCampaign(id: 7100, .init(accountStatus: 3, adAccountGood: false))
                let setUp = try DeliveryEndToEndTests.accountStandingToSlack(store: store, http: http, mockPort: port, slackBase: slackBase)
                var config = setUp.config
                config.admin = AdminConfig(token: Secret(literal: AdminAPITests.token))
                let app = try await buildApplication(config: config, dependencies: setUp.dependencies)
                try await app.test(.live) { client in
                    let body = TestSupport.campaignBody(id: 7100)
                    let accepted = try await client.execute(
                        uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "browser_1"), body: ByteBuffer(bytes: body)
                    )
                    #expect(accepted.status == .accepted)
                    let deadline = ContinuousClock.now + .seconds(30)
                    var delivered = false
                    while !delivered && ContinuousClock.now < deadline {
                        var succeeded = AuditQuery.timeline(campaign: "7100")
                        succeeded.kinds = ["delivery.succeeded"]
                        delivered = try await !store.records(matching: succeeded, limit: 1).isEmpty
                        if !delivered { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    try #require(delivered, "the Slack delivery for campaign 7100 was not recorded in time")
                    #expect(slack.requests.first?.text.contains("7100") == true)

                    let result = try await Self.runBrowser(
                        chromium: chromium, base: "http://127.0.0.1:\(client.port!)", path: "/admin/timeline?campaign=7100", screenshot: screenshot
                    )
                    #expect(result["after_sign_in"] as? String == "http://127.0.0.1:\(client.port!)/admin")
                    let cookies = result["cookies"] as? [[String: Any]] ?? []
                    let session = try #require(cookies.first { $0["name"] as? String == "adwatch_session" }, "the browser holds no session cookie")
                    #expect(session["httpOnly"] as? Bool == true)
                    #expect(session["sameSite"] as? String == "Strict")
                    #expect(session["session"] as? Bool == false)  // it has an expiry
                    #expect(session["path"] as? String == "/admin")

                    let html = try #require(result["timeline_html"] as? String)
                    #expect(html.contains("Campaign 7100 timeline"))
                    for step in [
                        "Webhook received: signature verified, new event stored", "Ads API fetch", "Campaign re-fetched", "Rule fired: alert firing",
                        "Notification queued", "Notification routed", "Delivery queued", "Delivery attempt succeeded",
                    ] {
                        #expect(html.contains(step), "the timeline page does not show '\(step)'")
                    }
                    #expect(html.contains("channel=ops-slack"))
                    let png = try Data(contentsOf: screenshot)
                    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                    print("admin timeline screenshot: \(screenshot.path) (\(png.count) bytes)")
                }
            }
        }
        try await store.close()
        try await http.shutdown()
    }

    /// Runs `Tests/Browser/admin_timeline.py` (standard-library Python speaking DevTools over a pipe);
    /// the token goes through the environment, not the command line.
    static func runBrowser(chromium: String, base: String, path: String, screenshot: URL) async throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", TestSupport.repositoryRoot.appendingPathComponent("Tests/Browser/admin_timeline.py").path, base, path, screenshot.path, chromium,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["ADWATCH_ADMIN_TOKEN"] = AdminAPITests.token
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let finished: Void = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        _ = finished
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(process.terminationStatus == 0, "the browser script failed: \(stderr.suffix(2000))")
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
