import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation
import Hummingbird
import Logging

/// `adwatch mock-api --port N --fixtures DIR`: runs the mock Symphony Ads API until SIGTERM or SIGINT.
struct MockAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-api",
        abstract: "Run a mock of the Symphony Ads API that serves the fixtures, with a control API for state changes and faults."
    )

    @Option(name: .long, help: "The port to listen on (0 picks a free one and logs it).")
    var port: Int

    @Option(name: .long, help: "The directory with campaign-<id>.json and campaign-analytics-<id>.json fixtures.")
    var fixtures: String

    @Option(name: .long, help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("api-key"), help: "An accepted x-api-key value; repeat for several (default: mock-api-key).")
    var apiKeys: [String] = []

    @Option(name: .long, help: "Requests per minute allowed per API key.")
    var requestsPerMinute: Int = MockAdsAPI.defaultRequestsPerMinute

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard requestsPerMinute > 0 else { throw ValidationError("--requests-per-minute must be positive") }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "adwatch.mock-api")
        let state: MockAdsAPI.State
        do {
            state = try MockAdsAPI.State(fixtures: URL(fileURLWithPath: fixtures))
        } catch let error as MockAdsAPI.FixtureError {
            throw ValidationError(error.description)
        }
        let app = buildMockAdsAPI(
            state: state,
            host: host,
            port: port,
            apiKeys: apiKeys.isEmpty ? MockAdsAPI.defaultAPIKeys : apiKeys,
            requestsPerMinute: requestsPerMinute,
            logger: logger
        )
        try await app.runService()
    }
}
